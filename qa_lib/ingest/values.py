"""Typing one cell's value: answers, dates, choices, grades and text, with the issue found.

Each parser takes a raw cell value and returns ``(parsed value, issue)``, where the
issue is ``None`` or ``(severity, code, message, fix)``. Dates are read day first;
answers and choices in other cases or spellings are normalised with a note.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re

import numpy as np
import pandas as pd

from qa_lib.common.problems import ERROR, NOTE

YEARS = (1900, 2100)  # a date outside these years cannot be right for a case audit
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




class Unreadable:
    """A cell whose value cannot be trusted: a formula with no saved result, an Excel error.

    It stands in the grid like a value (so its row is not dropped as blank) and becomes an
    error on that cell when the column is parsed."""

    __slots__ = ("issue", "shown")

    def __init__(self, issue: tuple, shown: str):
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
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%d/%m/%Y") if (v.hour, v.minute, v.second) == (0, 0, 0) else str(v)
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_TYPOGRAPHIC).strip()).lower()


def parse_answer(v: object) -> tuple[str | None, tuple | None]:
    """One answer cell -> (Yes/Partly/No/N/A or None, issue)."""
    if isinstance(v, (bool, np.bool_)):
        return None, (ERROR, "A01", f"TRUE/FALSE ({show_value(v).upper()}) was entered where an answer "
                      "belongs.", "Choose Yes, Partly, No or N/A from the dropdown.")
    if isinstance(v, (int, float, np.number)):
        return None, (ERROR, "A01", f"A number ({show_value(v)}) was entered where an answer belongs.",
                      "Choose Yes, Partly, No or N/A from the dropdown.")
    if isinstance(v, (dt.datetime, dt.date)):
        return None, (ERROR, "A01", "A date was entered where an answer belongs.",
                      "Choose Yes, Partly, No or N/A from the dropdown.")
    s = str(v)
    if s in ("Yes", "Partly", "No", "N/A"):
        return s, None
    canon = ANSWER_VARIANTS.get(_fold(s)) or ANSWER_VARIANTS.get(_fold(s).replace(" ", ""))
    if canon:
        return canon, (NOTE, "N10", f"Answer '{s}' was read as '{canon}'.",
                       "No action needed; use the dropdown next time.")
    return None, (ERROR, "A02", f"'{s}' is not an answer the audit tool accepts.",
                  "Choose Yes, Partly, No or N/A from the dropdown.")


def parse_date(v: object) -> tuple[dt.date | None, tuple | None]:
    """One date cell -> (date or None, issue). Text dates are read day first; a year before
    1900 or after 2100 cannot be right for a case audit and is an error."""
    d, issue = _parse_date(v)
    if d is not None and not YEARS[0] <= d.year <= YEARS[1]:
        return None, (ERROR, "D03", f"The year {d.year} cannot be right for this audit (the date "
                      f"was read as {d.day:02d}/{d.month:02d}/{d.year:04d}).",
                      "Check the year; enter dates as DD/MM/YYYY with a four-digit year.")
    return d, issue


def _parse_date(v: object) -> tuple[dt.date | None, tuple | None]:
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date(), None
    if isinstance(v, dt.date):
        return v, None
    if isinstance(v, bool):
        return None, (ERROR, "D01", "This is not a date.", "Enter the date as DD/MM/YYYY.")
    if isinstance(v, (int, float, np.number)):
        f = float(v)
        if f.is_integer() and 1 <= f <= 2958465:
            d = _EXCEL_EPOCH + dt.timedelta(days=int(f))
            return d, (NOTE, "N11", f"The date was a plain number ({int(f)}); read as an Excel "
                       f"date serial: {d:%d/%m/%Y}.", "Check the date; format the cell as a date.")
        return None, (ERROR, "D01", f"{show_value(v)} is not a date.", "Enter the date as DD/MM/YYYY.")
    s = re.sub(r"\s+", " ", str(v).translate(_TYPOGRAPHIC).strip())
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return _parse_date(float(s))
    for fmt, two_digit in TEXT_DATE_FORMATS:
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if two_digit:
            return d, (NOTE, "N12", f"Two-digit year in '{s}' read as {d:%d/%m/%Y}.",
                       "Check the year; enter dates as DD/MM/YYYY.")
        return d, None
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", s)
    if m:
        return None, (ERROR, "D02", f"'{s}' is not a real date (there is no such day).",
                      "Correct the day or month; dates are read day first (DD/MM/YYYY).")
    return None, (ERROR, "D01", f"'{s}' could not be read as a date.",
                  "Enter the date as DD/MM/YYYY.")


def choice_parser(choices: tuple[str, ...]):
    """A parser for one of ``choices`` (case and spacing forgiven, with a note)."""
    folded = {_fold(c): c for c in choices}

    def parse(v: object):
        if isinstance(v, dt.date):
            # Excel turns '1-4' or '5-10' typed into a cell into 1 April or 5 October.
            guess = f"{v.day}-{v.month}"
            if guess in choices:
                return guess, (NOTE, "N13", f"Excel had turned '{guess}' into a date; read as "
                               f"'{guess}'.", "Format the column as text, or use the dropdown.")
        s = show_value(v)
        if s in choices:
            return s, None
        c = folded.get(_fold(s))
        if c:
            return c, (NOTE, "N14", f"'{s}' was read as '{c}'.",
                       "No action needed; use the dropdown next time.")
        near = difflib.get_close_matches(_fold(s), list(folded), n=1, cutoff=0.75)
        hint = f" Did you mean '{folded[near[0]]}'?" if near else ""
        return None, (ERROR, "C01", f"'{s}' is not one of the allowed values.{hint}",
                      f"Choose one of: {'; '.join(choices)}.")

    return parse


def multi_choice_parser(choices: tuple[str, ...]):
    """A parser for any of ``choices`` separated by ; or ,."""
    single = choice_parser(choices)

    def parse(v: object):
        parts = [p for p in re.split(r"[;,]", show_value(v)) if p.strip()]
        out, notes = [], []
        for p in parts:
            c, issue = single(p.strip())
            if c is None:
                return None, (ERROR, "C02", f"'{p.strip()}' is not one of the allowed values.",
                              f"Use any of: {'; '.join(choices)}, separated by ;.")
            if c not in out:
                out.append(c)
            if issue:
                notes.append(issue)
        value = "; ".join(c for c in choices if c in out)
        return value, (notes[0] if notes else None)

    return parse


def grade_parser(lo: int, hi: int):
    """A parser for a whole number from ``lo`` to ``hi``."""
    def parse(v: object):
        try:
            f = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            f = float("nan")
        if isinstance(v, bool) or not f.is_integer() or not lo <= f <= hi:
            return None, (ERROR, "G01", f"'{show_value(v)}' is not a whole number from {lo} to {hi}.",
                          f"Enter a grade from {lo} (best) to {hi} (worst), or leave it blank.")
        return int(f), None

    return parse


def parse_text(v: object):
    """Free text, spaces tidied."""
    if isinstance(v, dt.date):
        return show_value(v), None
    return re.sub(r"[ \t\u00a0]+", " ", show_value(v).translate(_INVISIBLE)).strip(), None
