"""Personal-data scan: find identifiers in free text and case references.

Finds NHS numbers with a valid check digit, UK postcodes, phone numbers,
e-mail addresses, dates, names after a title (Mr, Mrs, Ms, Miss, Dr) and first
names from the list shipped in ``qa_lib/common/data/first_names.txt``. Free text has
every match replaced with ``[redacted]``; a case reference that matches is
refused by validation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

REDACTED = "[redacted]"

_NHS = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
# A phone number as people type it: digits with spaces, dots, hyphens or brackets between
# them, after an optional +44, 0044 or other country code. _is_phone then counts the digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{6,22}\d(?![\w])")
_PHONE_DIGITS = (9, 12)  # a UK number's 10 or 11 digits, with one too few or too many


def _is_phone(candidate: str) -> bool:
    """True when a run of digits and separators is a phone number: a UK national number
    (leading 0) or an international one (+ or 00), of a plausible length, with no more
    than a couple of separators between digits and at most five groups of digits."""
    groups = re.findall(r"\d+", candidate)
    if re.search(r"[\s.-]{3,}|[().]{2,}", candidate) or len(groups) > 5 or max(
            len(g) for g in groups) < 3:  # "0 1 2 3 4 5 6 7 8" is a list, not a number
        return False
    digits = re.sub(r"\D", "", candidate)
    international = candidate.startswith(("+", "00"))
    if international:
        digits = digits[2:] if candidate.startswith("00") else digits
        if digits.startswith("44"):
            national = "0" + digits[2:]
            national = national[1:] if national.startswith("00") else national  # +44 (0)...
            return _PHONE_DIGITS[0] <= len(national) <= _PHONE_DIGITS[1]
        return 8 <= len(digits) <= 15
    return digits.startswith("0") and _PHONE_DIGITS[0] <= len(digits) <= _PHONE_DIGITS[1]
_DATE = re.compile(
    r"\b(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"(\s+\d{2,4})?)\b",
    re.IGNORECASE,
)
_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-zA-Z'-]+(\s+[A-Z][a-zA-Z'-]+)?")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The shipped first-names list, lower-cased."""
    path = Path(__file__).parent / "data" / "first_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


def nhs_number_valid(digits: str) -> bool:
    """True when ten digits carry a valid NHS modulus-11 check digit."""
    d = re.sub(r"[\s-]", "", digits)
    if not re.fullmatch(r"\d{10}", d):
        return False
    total = sum(int(d[i]) * (10 - i) for i in range(9))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(d[9])


def _names_pattern() -> re.Pattern:
    names = sorted(first_names(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _names_re() -> re.Pattern:
    return _names_pattern()


def identifier_kind(text: str) -> str | None:
    """What kind of personal identifier a short value (such as a case_ref) looks like, if any."""
    s = text.strip()
    for m in _NHS.finditer(s):
        if nhs_number_valid(m.group(0)):
            return "an NHS number"
    if _EMAIL.search(s):
        return "an e-mail address"
    if _DATE.search(s) or _looks_like_compact_date(s):
        return "a date (of birth?)"
    if _POSTCODE.fullmatch(s):
        return "a postcode"
    parts = [p for p in re.split(r"[\s\-_.]+", s) if p]
    if any(p.lower() in first_names() for p in parts if p.isalpha()):
        return "a name"
    if len(parts) >= 2 and all(p.isascii() and p.isalpha() and len(p) > 1 and p[0].isupper()
                               and p[1:].islower()
                               for p in parts):  # 'Jane Doe', 'Jane-Doe'; not 'HAL-CSC'
        return "a name"
    return None


def _looks_like_compact_date(s: str) -> bool:
    import datetime as dt

    for m in re.finditer(r"(?<!\d)\d{8}(?!\d)", s):
        for fmt in ("%d%m%Y", "%Y%m%d"):
            try:
                d = dt.datetime.strptime(m.group(0), fmt)
            except ValueError:
                continue
            if 1900 <= d.year <= 2100:
                return True
    return False


def redact(text: str) -> tuple[str, int]:
    """Replace identifiers in free text with ``[redacted]``; return the text and the count."""
    if not isinstance(text, str) or not text:
        return text, 0
    count = 0

    def sub(pattern: re.Pattern, s: str, keep=lambda m: False) -> str:
        nonlocal count

        def repl(m: re.Match) -> str:
            nonlocal count
            if keep(m):
                return m.group(0)
            count += 1
            return REDACTED

        return pattern.sub(repl, s)

    out = sub(_EMAIL, text)
    out = sub(_NHS, out, keep=lambda m: not nhs_number_valid(m.group(0)))
    out = sub(_PHONE, out, keep=lambda m: not _is_phone(m.group(0)))
    out = sub(_POSTCODE, out)
    out = sub(_DATE, out)
    out = sub(_TITLED, out)
    out = sub(_names_re(), out, keep=lambda m: not m.group(0)[0].isupper())
    return out, count


def redact_columns(table, columns) -> tuple[object, object]:
    """Redact every free-text column of a table; returns (new table, redactions per row)."""
    import pandas as pd

    out = table.copy()
    counts = pd.Series(0, index=table.index, dtype=int)
    for col in columns:
        if col not in out:
            continue
        cache: dict[str, tuple[str, int]] = {}
        texts, n = [], []
        for v in out[col].tolist():
            if not isinstance(v, str) or not v:
                texts.append(v)
                n.append(0)
                continue
            if v not in cache:
                cache[v] = redact(v)
            texts.append(cache[v][0])
            n.append(cache[v][1])
        out[col] = pd.Series(texts, index=out.index, dtype=object)
        counts += pd.Series(n, index=out.index, dtype=int)
    return out, counts


_TWO_CAPITALISED = r"[\s\-_.]*[A-Z][a-z]+(?:[\s\-_.]+[A-Z][a-z]+)+[\s\-_.]*"


def _plain(pattern: re.Pattern) -> str:
    """The pattern with its groups made non-capturing (pandas' str.contains warns otherwise)."""
    return re.sub(r"\((?!\?)", "(?:", pattern.pattern)


def identifier_kinds(values) -> object:
    """:func:`identifier_kind` for a whole column at once (the same answers, vectorised)."""
    import pandas as pd

    s = pd.Series(values, dtype=object)
    out = pd.Series(None, index=s.index, dtype=object)
    text = s.where(s.map(lambda v: isinstance(v, str)), None).astype("string").str.strip()
    has = text.notna()
    if not has.any():
        return out

    def mark(mask, kind: str) -> None:
        mask = mask.fillna(False).astype(bool) & has & out.isna()
        out[mask] = kind

    nhs_cands = text.str.contains(r"\d{3}[ -]?\d{3}[ -]?\d{4}", regex=True)
    if nhs_cands.fillna(False).any():
        sub = text[nhs_cands.fillna(False)]
        mark(sub.map(lambda v: any(nhs_number_valid(m.group(0)) for m in _NHS.finditer(v)))
             .reindex(s.index), "an NHS number")
    mark(text.str.contains(_plain(_EMAIL), regex=True), "an e-mail address")
    dates = text.str.contains(_plain(_DATE), regex=True, flags=re.IGNORECASE)
    eight = text.str.contains(r"(?<!\d)\d{8}(?!\d)", regex=True).fillna(False)
    if eight.any():
        dates = dates.fillna(False) | text[eight].map(_looks_like_compact_date).reindex(
            s.index).fillna(False)
    mark(dates, "a date (of birth?)")
    mark(text.str.fullmatch(_plain(_POSTCODE), flags=re.IGNORECASE), "a postcode")
    parts = text.str.split(r"[\s\-_.]+", regex=True).explode()
    parts = parts[parts.str.fullmatch(r"[A-Za-z]+").fillna(False)]
    named = parts.str.lower().isin(first_names())
    mark(named.groupby(level=0).any().reindex(s.index), "a name")
    mark(text.str.fullmatch(_TWO_CAPITALISED), "a name")
    return out
