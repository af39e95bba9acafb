"""Read a filled strategy scorecard (``--indicators FILE``) into one figure per indicator.

The file is opened by its content like a return (:class:`~qa_lib.ingest.workbook.Book`:
.xlsx, .xls, .ods or CSV), the header row is found by its column names wherever it sits
(``key`` and ``numerator`` or ``value``, with ``denominator``), and every figure is typed
once. Each problem names the file, sheet, Excel row and column letter (codes S01 to S10,
:mod:`qa_lib.ingest.codes`): an unknown or repeated indicator key, a figure that is not a
number or is negative, a numerator greater than its denominator, half a fraction, a value
that does not match its fraction. A row with an error gives no figure; an indicator with
no figure is noted, and shown as not available.

Values: a percentage is 100 x numerator / denominator, a rate is per 10,000
(:func:`~qa_lib.profile.scorecard_tool.worked_out`); either may be given as the value
alone. A count, number or number of days is the value (a count may be given as the
numerator).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from qa_lib.common.problems import FileRefused, Issue, Problem
from qa_lib.common.vocabulary import FileStatus, Severity
from qa_lib.ingest.codes import F04, S01, S02, S03, S04, S05, S06, S07, S08, S09, S10
from qa_lib.ingest.returns import SourceFile, normalise_header, read_side_file
from qa_lib.ingest.values import SheetPlace, Unreadable, is_blank, show_value
from qa_lib.ingest.workbook import Book
from qa_lib.profile.schema import Indicator, Profile
from qa_lib.profile.scorecard_tool import INPUTS, SHEET, WITH_DENOMINATOR, worked_out

HEADER_SEARCH_ROWS = 30
VALUE_COLUMNS = ["key", "numerator", "denominator", "value", "row"]
TOLERANCE = 0.05  # a value given beside its fraction may be rounded to one decimal place


@dataclass
class Scorecard:
    """A scorecard as read: the file's record, one figure per indicator read without error
    (``values``: key, numerator, denominator, value, row), and every problem found."""

    source: SourceFile
    values: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


def read_scorecard(path: Path | str, profile: Profile) -> Scorecard:
    """Read and check a filled scorecard for ``profile``; never raises for a bad file (a
    file that cannot be read is one error naming it)."""
    path = Path(path)
    name = path.name
    empty = pd.DataFrame(columns=VALUE_COLUMNS)
    src, data, unreadable = read_side_file(path, "Strategy scorecard", "scorecard")
    if data is None:
        return Scorecard(src, empty, [unreadable] if unreadable else [])
    notes: list[Issue] = []
    try:
        book = Book(Path(name), data, notes)
        sheet, raw, hrow, cols = _find_table(book)
    except FileRefused as refused:
        src.status = FileStatus.REFUSED
        return Scorecard(src, empty, [refused.problem(name)])
    except Exception as exc:  # never a traceback: the file is refused, as a return would be
        src.status = FileStatus.REFUSED
        return Scorecard(src, empty, [F04.problem(
            file=name, message=f"The scorecard could not be read ({type(exc).__name__}: {exc}).",
            fix="Open it in Excel, save it as .xlsx and run the round again.")])
    shown_sheet = None if sheet == "(csv)" else sheet
    place = SheetPlace(name, shown_sheet, {k: get_column_letter(c + 1) for k, c in cols.items()})
    for issue in notes:
        place.add(issue)
    src.sheet, src.header_row = shown_sheet, hrow
    values = _figures(raw, hrow, cols, profile, place)
    src.rows = len(values)
    return Scorecard(src, values, place.problems)


def _find_table(book: Book) -> tuple[str, pd.DataFrame, int, dict[str, int]]:
    """The sheet holding the scorecard (``Scorecard`` first, then any other), its grid, its
    header row (Excel's number) and the column of each input."""
    names = [n for n, _ in book.sheets]
    order = sorted(names, key=lambda n: n.strip().lower() != SHEET.lower())
    for sheet in order:
        raw = book.load(sheet).raw
        for idx in raw.index[:HEADER_SEARCH_ROWS]:
            cells = {normalise_header(v): j for j, v in enumerate(raw.loc[idx])
                     if isinstance(v, str)}
            if "key" in cells and ("numerator" in cells or "value" in cells):
                cols = {k: cells[k] for k in ("key", *INPUTS) if k in cells}
                return sheet, raw, int(idx) + 1, cols
    where = (f"the sheet '{SHEET}'" if SHEET in names else
             "the file" if names == ["(csv)"] else f"any sheet ({', '.join(names)})")
    raise S01.refuse(rows=HEADER_SEARCH_ROWS, where=where)


def _number(v: object) -> tuple[float | None, Issue | None]:
    """One figure cell: a number of any sign (commas and a % sign allowed), or an issue."""
    if isinstance(v, Unreadable):
        return None, v.issue
    if is_blank(v):
        return None, None
    if isinstance(v, bool):
        return None, S04.issue(value=show_value(v))
    if isinstance(v, (int, float)):
        f = float(v)
    else:
        text = str(v).strip().replace(",", "").removesuffix("%").strip()
        try:
            f = float(text)
        except ValueError:
            return None, S04.issue(value=show_value(v))
    if not math.isfinite(f):
        return None, S04.issue(value=show_value(v))
    return f, None


def _figures(raw: pd.DataFrame, hrow: int, cols: dict[str, int], profile: Profile,
             place: SheetPlace) -> pd.DataFrame:
    """One figure per indicator from the rows under the header; problems go to ``place``."""
    by_key = {i.key: i for i in profile.model.indicators}
    body = raw.loc[raw.index >= hrow]
    rows: dict[str, list[tuple[int, dict[str, float | None]]]] = {}
    for idx, cells in body.iterrows():
        row = int(idx) + 1  # type: ignore[call-overload]
        key_cell = cells.iloc[cols["key"]] if cols["key"] < len(cells) else None
        figures: dict[str, float | None] = {}
        broken = False
        for name in INPUTS:
            v = cells.iloc[cols[name]] if name in cols and cols[name] < len(cells) else None
            f, issue = _number(v)
            if issue is not None:
                place.add(issue, row, name, v)
                broken = True
            figures[name] = f
        given = any(f is not None for f in figures.values())
        key = "" if is_blank(key_cell) else show_value(key_cell).strip()
        if not key:
            if given:
                place.add(S02.issue("A figure is entered with no indicator key.",
                                    profile=profile.name, hint="", known=_known(profile)),
                          row, "key")
            continue
        ind = by_key.get(key) or by_key.get(key.lower())
        if ind is None:
            close = difflib.get_close_matches(key.lower(), list(by_key), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            place.add(S02.issue(value=key, profile=profile.name, hint=hint,
                                known=_known(profile)), row, "key", key)
            continue
        if ind.computed is not None:
            if given:
                place.add(S10.issue(key=ind.key), row, "key", key)
            continue
        rows.setdefault(ind.key, []).append((row, figures if not broken else {}))
    out = []
    for ind in profile.model.indicators:
        if ind.computed is not None:
            continue
        found = rows.get(ind.key, [])
        if len(found) > 1:
            listed = ", ".join(str(r) for r, _ in found)
            for r, _ in found:
                place.add(S03.issue(value=ind.key, rows=listed), r, "key", ind.key)
            continue
        if not found:
            place.add(S09.issue(key=ind.key, name=ind.name, where=" (it has no row)"))
            continue
        row, figures = found[0]
        if not figures:  # a figure that could not be read: its error is given
            continue
        value = _value(ind, figures, row, place)
        if value is not None:
            out.append({"key": ind.key, "row": row, **value})
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def _known(profile: Profile) -> str:
    return ", ".join(i.key for i in profile.model.indicators if i.computed is None)


def _value(ind: Indicator, f: dict[str, float | None], row: int, place: SheetPlace
           ) -> dict[str, float | None] | None:
    """The indicator's numerator, denominator and value from its row's figures, or None
    (with the problem or note given)."""
    num, den, val = f["numerator"], f["denominator"], f["value"]
    for name in INPUTS:
        if f[name] is not None and f[name] < 0:  # type: ignore[operator]
            place.add(S05.issue(value=show_value(f[name])), row, name, f[name])
            return None
    if ind.unit in WITH_DENOMINATOR:
        if (num is None) != (den is None):
            given, missing = ("numerator", "denominator") if den is None else (
                "denominator", "numerator")
            place.add(S07.issue(given=given, missing=missing), row, missing)
            return None
        if num is not None and den is not None:
            if num > den:
                place.add(S06.issue(numerator=show_value(num), denominator=show_value(den)),
                          row, "numerator", num)
                return None
            worked = worked_out(ind.unit, num, den)
            if val is not None and (worked is None or abs(val - worked) > TOLERANCE):
                shown = "not available" if worked is None else f"{worked:.1f}"
                place.add(S08.issue(value=show_value(val), numerator=show_value(num),
                                    denominator=show_value(den), worked=shown),
                          row, "value", val)
                return None
            return {"numerator": num, "denominator": den, "value": worked}
        if val is not None and ind.unit == "percent" and val > 100:
            place.add(S06.issue(f"The value {show_value(val)} is a percentage over 100.",
                                numerator="", denominator=""), row, "value", val)
            return None
        if val is not None:
            return {"numerator": None, "denominator": None, "value": val}
    else:
        value = val if val is not None else (num if ind.unit == "count" else None)
        if value is not None:
            return {"numerator": value if ind.unit == "count" else None,
                    "denominator": None, "value": value}
    place.add(S09.issue(key=ind.key, name=ind.name, where=f" (row {row} is blank)"),
              row, "value")
    return None
