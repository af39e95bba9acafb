"""Typing one cell's value: answers, dates, choices, grades and text, with the issue found.

Each parser takes a raw cell value and returns ``(parsed value, issue)``, where the
issue is ``None`` or an :class:`~qa_lib.common.problems.Issue` made by the code's one
definition in :mod:`qa_lib.ingest.codes`. Dates are read day first;
answers and choices in other cases or spellings are normalised with a note.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from qa_lib.common.problems import Issue, Problem
from qa_lib.ingest.codes import (
    A01,
    A02,
    C01,
    C02,
    D01,
    D02,
    D03,
    D04,
    G01,
    M01,
    N10,
    N11,
    N12,
    N13,
    N14,
    N19,
    N24,
)

# The dates a case audit can hold: the children audited were born this century, and a
# date after the audit date is refused by validation (V07). Outside this window a date is
# an error (D03): most often a number typed into a date cell, which Excel reads as a day
# of 1900 or 1905.
DATE_WINDOW = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
_EXCEL_EPOCH = dt.date(1899, 12, 30)

ANSWER_VARIANTS = {
    "yes": "Yes", "y": "Yes",
    "partly": "Partly", "partial": "Partly", "partially": "Partly", "part": "Partly", "p": "Partly",
    "no": "No", "n": "No",
    "n/a": "N/A", "na": "N/A", "n.a.": "N/A", "n.a": "N/A", "notapplicable": "N/A",
    "not applicable": "N/A",
}

TEXT_DATE_FORMATS = [
    ("%d/%m/%Y", False), ("%d-%m-%Y", False), ("%d.%m.%Y", False), ("%Y-%m-%d", False),
    ("%d %B %Y", False), ("%d %b %Y", False), ("%d-%b-%Y", False), ("%d %b %y", True),
    ("%d/%m/%y", True), ("%d-%m-%y", True), ("%d.%m.%y", True),
    ("%Y-%m-%d %H:%M:%S", False), ("%Y-%m-%d %H:%M", False), ("%Y-%m-%dT%H:%M:%S", False),
    ("%Y-%m-%dT%H:%M", False), ("%d/%m/%Y %H:%M", False), ("%d/%m/%Y %H:%M:%S", False),
    ("%d-%m-%Y %H:%M", False), ("%d.%m.%Y %H:%M", False),
]

_INVISIBLE = str.maketrans({c: "" for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
# Characters Word, Outlook and web forms put in place of plain ones, and invisible ones.
_TYPOGRAPHIC = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
})


# Letters of other scripts that look like Latin ones (Cyrillic and Greek, as keyboards
# switched to another language or text pasted from elsewhere give them), and dashes.
_LOOKALIKE_LETTERS = {
    "а": "a", "в": "B", "е": "e", "ё": "e", "і": "i", "ј": "j", "о": "o", "р": "p", "с": "c",
    "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "І": "I", "Ј": "J", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "Ѕ": "S", "Ү": "Y", "Ԁ": "D", "Ԛ": "Q",
    "Ԝ": "W", "У": "Y", "α": "a", "ο": "o", "ρ": "p", "ν": "v", "υ": "u", "ι": "i", "κ": "k",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}
_LOOKALIKES = str.maketrans(_LOOKALIKE_LETTERS)
_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"


def lookalikes(text: str) -> list[str]:
    """Each look-alike character in ``text`` named, with what it stands in for:
    "'е' (Cyrillic small letter ie) in place of 'e'"."""
    out = []
    for ch in dict.fromkeys(text):
        plain = _LOOKALIKE_LETTERS.get(ch) or ("-" if ch in _DASH_CHARS else None)
        if plain is not None:
            name = unicodedata.name(ch, "a look-alike character").lower()
            for script in ("Cyrillic", "Greek", "Latin"):
                name = name.replace(script.lower(), script)
            out.append(f"'{ch}' ({name}) in place of '{plain}'")
    return out


def _naming_lookalikes(issue: Issue, raw: str) -> Issue:
    """The issue with any look-alike characters of ``raw`` named in its message."""
    found = lookalikes(raw)
    if not found:
        return issue
    which = "a look-alike character" if len(found) == 1 else "look-alike characters"
    return Issue(issue.definition, f"{issue.message} It holds {which}: {'; '.join(found)}.",
                 issue.fix)


Parsed = tuple[object, Issue | None]  # what every parser returns
# A date written as numbers either way round: 03/04/2026, 3-4-26, 03.04.2026
NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


class Unreadable:
    """A cell whose value cannot be trusted: a formula with no saved result, an Excel error.

    It stands in the grid like a value (so its row is not dropped as blank) and becomes an
    error on that cell when the column is parsed."""

    __slots__ = ("issue", "shown")

    def __init__(self, issue: Issue, shown: str):
        self.issue, self.shown = issue, shown

    def __str__(self) -> str:
        return self.shown


def is_blank(v: object) -> bool:
    """True for an empty cell: None, NaN, NaT or only spaces."""
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if v is pd.NaT:
        return True
    return isinstance(v, str) and not v.strip()


def show_value(v: object) -> str:
    """A cell value as the audit lead would read it (dates day first)."""
    if isinstance(v, ShownAsPercent):
        return str(v)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%d/%m/%Y") if (v.hour, v.minute, v.second) == (0, 0, 0) else str(v)
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_TYPOGRAPHIC).translate(_LOOKALIKES).strip()).lower()


def parse_answer(v: object) -> tuple[str | None, Issue | None]:
    """One answer cell -> (Yes/Partly/No/N/A or None, issue)."""
    if isinstance(v, (bool, np.bool_)):
        return None, A01.issue(what=f"TRUE/FALSE ({show_value(v).upper()})")
    if isinstance(v, (int, float, np.number)):
        return None, A01.issue(what=f"A number ({show_value(v)})")
    if isinstance(v, (dt.datetime, dt.date)):
        return None, A01.issue(what="A date")
    s = str(v)
    if s in ("Yes", "Partly", "No", "N/A"):
        return s, None
    canon = ANSWER_VARIANTS.get(_fold(s)) or ANSWER_VARIANTS.get(_fold(s).replace(" ", ""))
    if canon:
        return canon, _naming_lookalikes(N10.issue(value=s, answer=canon), s)
    return None, _naming_lookalikes(A02.issue(value=s), s)


def parse_date(v: object) -> tuple[dt.date | None, Issue | None]:
    """One date cell -> (date or None, issue). Text dates are read day first; a date
    outside the audit's window (DATE_WINDOW) cannot be right and is an error, which is
    how a number typed into a date cell (read by Excel as a day of 1900) is caught."""
    d, issue = _parse_date(v)
    if d is not None and not DATE_WINDOW[0] <= d <= DATE_WINDOW[1]:
        typed = re.sub(r"\.0+$", "", show_value(v).strip())
        number = isinstance(v, (int, float, np.number)) and not isinstance(v, bool) or bool(
            re.fullmatch(r"\d+(\.0+)?", typed.strip()))
        if number:
            why = (f" The number {typed} was typed where a date belongs; Excel counts it as "
                   "days from 1900.")
        elif _EXCEL_EPOCH < d < _EXCEL_EPOCH + dt.timedelta(days=3000):  # a day number, as a date
            why = (" A number typed into a date cell shows like this (Excel counts days from "
                   "1900): was a number of days, or a year, typed here?")
        else:
            why = ""
        return None, D03.issue(year=d.year, date=f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
                               why=why)
    return d, issue


def _parse_date(v: object) -> tuple[dt.date | None, Issue | None]:
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date(), None
    if isinstance(v, dt.date):
        return v, None
    if isinstance(v, bool):
        return None, D01.issue("This is not a date.")
    if isinstance(v, (int, float, np.number)):
        f = float(v)
        if f.is_integer() and 1 <= f <= 2958465:
            d = _EXCEL_EPOCH + dt.timedelta(days=int(f))
            return d, N11.issue(number=int(f), date=f"{d:%d/%m/%Y}")
        return None, D01.issue(f"{show_value(v)} is not a date.")
    s = re.sub(r"\s+", " ", str(v).translate(_TYPOGRAPHIC).strip())
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return _parse_date(float(s))
    for fmt, two_digit in TEXT_DATE_FORMATS:
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if two_digit:
            return d, N12.issue(value=s, date=f"{d:%d/%m/%Y}")
        return d, None
    m = NUMERIC_DATE.fullmatch(s)
    if m:
        first, second = int(m.group(1)), int(m.group(2))
        if second > 12 and real_date(int(m.group(3)), first, second):  # 03/25/2026
            return None, D04.issue(value=s, second=second)
        return None, D02.issue(value=s)
    return None, D01.issue(value=s)


def real_date(year: int, month: int, day: int) -> dt.date | None:
    """The day, if it exists (a two-digit year taken as 20xx), else None."""
    try:
        return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def choice_parser(choices: tuple[str, ...]) -> Callable[[object], Parsed]:
    """A parser for one of ``choices`` (case and spacing forgiven, with a note)."""
    folded = {_fold(c): c for c in choices}

    def parse(v: object) -> Parsed:
        if isinstance(v, dt.date):
            # Excel turns '1-4' or '5-10' typed into a cell into 1 April or 5 October.
            guess = f"{v.day}-{v.month}"
            if guess in choices:
                return guess, N13.issue(choice=guess)
        s = show_value(v)
        if s in choices:
            return s, None
        c = folded.get(_fold(s))
        if c:
            return c, _naming_lookalikes(N14.issue(value=s, choice=c), s)
        near = difflib.get_close_matches(_fold(s), list(folded), n=1, cutoff=0.75)
        hint = f" Did you mean '{folded[near[0]]}'?" if near else ""
        return None, _naming_lookalikes(C01.issue(value=s, hint=hint, choices="; ".join(choices)), s)

    return parse


def multi_choice_parser(choices: tuple[str, ...]) -> Callable[[object], Parsed]:
    """A parser for any of ``choices`` separated by ; or ,."""
    single = choice_parser(choices)

    def parse(v: object) -> Parsed:
        parts = [p for p in re.split(r"[;,]", show_value(v)) if p.strip()]
        out: list[object] = []
        notes: list[Issue] = []
        for p in parts:
            c, issue = single(p.strip())
            if c is None:
                return None, C02.issue(value=p.strip(), choices="; ".join(choices))
            if c not in out:
                out.append(c)
            if issue:
                notes.append(issue)
        value = "; ".join(c for c in choices if c in out)
        return value, (notes[0] if notes else None)

    return parse


def grade_parser(lo: int, hi: int) -> Callable[[object], Parsed]:
    """A parser for a whole number from ``lo`` to ``hi``."""
    def parse(v: object) -> Parsed:
        try:
            f = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            f = float("nan")
        if isinstance(v, bool) or not f.is_integer() or not lo <= f <= hi:
            return None, G01.issue(value=show_value(v), lo=lo, hi=hi)
        return int(f), None

    return parse


class ShownAsPercent(float):
    """A number an Excel cell formatted as a percentage holds: 0.93, shown as 93%.

    python-calamine gives only the value; the workbook reader marks the cells whose number
    format is a percentage (:mod:`qa_lib.ingest.workbook`) so a number column reads the 93
    the partner saw. Anywhere else it is the float it holds."""

    def __repr__(self) -> str:
        return f"{float(self) * 100:g}%"

    __str__ = __repr__


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 1,250 or 1,250.5


def number_parser(percent: bool = False) -> Callable[[object], Parsed]:
    """A parser for a number column (its range is checked by validation, V13). A number as
    typed, in a cell or as text (spaces, a leading +, thousands separated by commas). A
    percentage column (``percent``) takes '92%' as 92, with a note, and a cell formatted as
    a percentage holding 0.93 as the 93 it shows; anything else ('about 80', 'n/k', TRUE)
    is an error, never read as blank."""
    unit = " (a percentage, 0 to 100)" if percent else ""

    def not_a_number(shown: str, why: str = "") -> Parsed:
        return None, M01.issue(value=shown, unit=unit, why=why)

    def parse(v: object) -> Parsed:
        if isinstance(v, (bool, np.bool_)):
            return not_a_number(show_value(v).upper(), " TRUE and FALSE are not numbers.")
        if isinstance(v, ShownAsPercent):
            return round(float(v) * 100, 9), None  # the 93 the partner saw as 93%
        if isinstance(v, (int, float, np.number)):
            f = float(v)
            return (f, None) if np.isfinite(f) else not_a_number(show_value(v))
        if isinstance(v, (dt.date, dt.datetime)):
            return not_a_number(show_value(v), " It was read as a date: format the cell as a "
                                "number and type the number again.")
        raw = show_value(v)
        s = re.sub(r"\s+", "", raw.translate(_TYPOGRAPHIC)).replace("\u2212", "-")
        pct = s.endswith("%")
        body = s[:-1] if pct else s
        if _GROUPED.fullmatch(body):
            body = body.replace(",", "")
        if not _NUMBER.fullmatch(body):
            return not_a_number(raw.strip())
        f = float(body)
        if not pct:
            return f, None
        if not percent:
            return not_a_number(raw.strip(), " This column holds a number, not a percentage.")
        return f, N24.issue(value=raw.strip(), number=show_value(f))

    return parse


# Dashes people and word processors type for '-': hyphen, non-breaking hyphen, figure dash,
# en and em dashes, horizontal bar, minus sign, small and full-width hyphen-minus.
_DASHES = dict.fromkeys(map(ord, _DASH_CHARS), "-")


def parse_case_ref(v: object) -> Parsed:
    """A case reference in the one form duplicates, the case view and cases apart compare:
    full-width and look-alike characters folded (NFKC), any dash as '-', no spaces round a
    dash, and capitals when it holds a digit (a reference, never a name, so the name checks
    still see a name as written). A note when the value was written otherwise."""
    text, _ = parse_text(v)
    ref = re.sub(r"\s*-\s*", "-", unicodedata.normalize("NFKC", text).translate(_DASHES))
    if any(ch.isdigit() for ch in ref):
        ref = ref.translate(_LOOKALIKES).upper()
    if ref != text:
        return ref, _naming_lookalikes(N19.issue(value=text, ref=ref), text)
    return ref, None


def parse_text(v: object) -> Parsed:
    """Free text, spaces tidied."""
    if isinstance(v, dt.date):
        return show_value(v), None
    return re.sub(r"[ \t\u00a0]+", " ", show_value(v).translate(_INVISIBLE)).strip(), None


class SheetPlace:
    """Makes the problems of one sheet of a side workbook (the scorecard, the actions
    workbook): its file, sheet and the letters of its columns, each value shown as read.
    Problems go to ``problems`` (a list of the caller's, or a new one)."""

    def __init__(self, file: str, sheet: str | None, letters: dict[str, str],
                 problems: list[Problem] | None = None):
        self.file, self.sheet, self.letters = file, sheet, letters
        self.problems: list[Problem] = [] if problems is None else problems

    def add(self, issue: Issue, row: int | None = None, column: str | None = None,
            value: object = None) -> None:
        """Add ``issue`` at ``row`` (the spreadsheet's own number) and ``column`` (a key)."""
        self.problems.append(issue.problem(
            file=self.file, sheet=self.sheet, row=row, column=column,
            letter=self.letters.get(column or ""),
            value=None if value is None else show_value(value)))
