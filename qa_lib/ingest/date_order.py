"""Which way round a file writes its dates, judged from every date it writes as text.

A date written as text ('03/04/2026', as a CSV holds every date) is read day first, as
the tool asks. One file (one partner's export) writes all its dates the same way, so:

- a date whose second number is over 12 ('03/25/2026') is month first (D04, by the
  parser), and then so may be every other date of that file that could be read either
  way: those are refused too (D05), unless another date of the file is plainly day first;
- when no date of the file settles it (every one could be read either way), the dates are
  read day first with one note asking the partner to confirm (N23).

Dates held as dates (an Excel date cell) are not text and are not judged here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from qa_lib.common.problems import Issue
from qa_lib.ingest.codes import D05, N23
from qa_lib.ingest.values import NUMERIC_DATE, real_date


@dataclass(frozen=True)
class Judged:
    """What the file's text dates show: cells to refuse (D05) and notes (N23)."""

    refused: list[tuple[object, str, Issue]]  # (table index, column key, issue)
    notes: list[tuple[object, str, Issue]]  # (table index of the example, column key, issue)


def _parts(value: object) -> tuple[int, int, int] | None:
    if not isinstance(value, str):
        return None
    m = NUMERIC_DATE.fullmatch(value.strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _long(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def judge_date_order(raw: pd.DataFrame, date_keys: list[str]) -> Judged:
    """Judge each file's text dates in ``raw`` (the rows as read, with ``_file`` and
    ``_row``) over the columns ``date_keys``."""
    refused: list[tuple[object, str, Issue]] = []
    notes: list[tuple[object, str, Issue]] = []
    keys = [k for k in date_keys if k in raw.columns]
    if raw.empty or not keys:
        return Judged(refused, notes)
    for _, rows in raw.groupby("_file", sort=False):
        day_first = month_first = None
        either: list[tuple[object, str, str, dt.date, dt.date]] = []
        for key in keys:
            for idx, value in rows[key].items():
                parts = _parts(value)
                if parts is None:
                    continue
                a, b, year = parts
                as_dmy, as_mdy = real_date(year, b, a), real_date(year, a, b)
                if as_dmy and not as_mdy:
                    day_first = day_first or (idx, value)
                elif as_mdy and not as_dmy:
                    month_first = month_first or (idx, value)
                elif as_dmy and as_mdy and a != b:
                    either.append((idx, key, str(value).strip(), as_dmy, as_mdy))
        if not either or day_first is not None:
            continue
        if month_first is not None:
            idx0, shown = month_first
            example = f"'{str(shown).strip()}' in row {int(rows.at[idx0, '_row'])}"
            for idx, key, value, dmy, mdy in either:
                refused.append((idx, key, D05.issue(example=example, value=value,
                                                    month_first=_long(mdy), day_first=_long(dmy))))
            continue
        idx, key, value, dmy, _ = either[0]
        columns = sorted({k for _, k, *_ in either}, key=keys.index)
        listed = ("column " if len(columns) == 1 else "columns ") + ", ".join(columns)
        notes.append((idx, key, N23.issue(value=value, row=int(rows.at[idx, "_row"]),
                                          columns=listed, day_first=_long(dmy))))
    return Judged(refused, notes)
