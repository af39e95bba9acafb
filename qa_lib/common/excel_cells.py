"""The one way a value goes into an output workbook (summary.xlsx, validation.xlsx).

Returns carry whatever partners typed or pasted: control characters (a bell, a vertical tab
from a FileMaker export, a NUL), characters XML cannot hold, and text that looks like a
formula. openpyxl refuses the first (``IllegalCharacterError``, which used to lose the whole
round after every notebook had run), writes a broken file for some of the second (U+FFFE),
and stores a string starting ``=`` as a live formula. Every cell is therefore written by
:func:`put`:

* **Control characters are shown, not dropped**: each of U+0000-U+001F except tab and line
  feed, U+007F-U+009F, lone surrogates and U+FFFE/U+FFFF becomes a visible ``[U+000B]``
  (:func:`visible`), so the reader sees that something was there and what. A carriage
  return ends a line: ``\\r\\n`` and ``\\r`` become ``\\n``, which is what Excel shows.
* **Formula-like text stays text**: every string is written as a string cell (never a
  formula) and one starting with ``=``, ``+``, ``-`` or ``@`` (after any spaces, tabs or line
  breaks) also gets Excel's quote prefix, so editing the cell in Excel keeps it text.
* **Excel's own escape is escaped**: Excel and calamine read ``_x0041_`` in a cell as ``A``,
  so a literal ``_xHHHH_`` is written as ``_x005F_xHHHH_`` and shows exactly as typed.
* Text longer than Excel's limit of 32,767 characters is cut, ending ``[...]``.
* Numbers, booleans and dates stay what they are; empty text, NaN, infinity and pandas'
  missing values are left blank; a date with a time zone is written in its own local time; any other value
  is written as its text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

EXCEL_MAX_TEXT = 32_767
_CUT = "[...]"
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_ENDS = re.compile("\r\n?")
_EXCEL_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")  # overlapping: _x005F_x0041_
_FORMULA_START = re.compile(r"\s*[=+\-@]")

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


def visible(text: str) -> str:
    """``text`` with every control or non-XML character shown as ``[U+XXXX]`` and line ends
    made ``\\n``: the form in which free text reaches the output workbooks and the
    validation page."""
    text = _LINE_ENDS.sub("\n", text)
    return _HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def looks_like_formula(text: str) -> bool:
    """Whether Excel would take ``text`` for a formula if it were typed into a cell."""
    return bool(_FORMULA_START.match(text))


def excel_text(text: str) -> str:
    """``text`` as it must be stored so that Excel shows it exactly: :func:`visible`, with
    Excel's ``_xHHHH_`` escape escaped and cut to Excel's length limit."""
    text = _EXCEL_ESCAPE.sub("_x005F_", visible(text))
    if len(text) > EXCEL_MAX_TEXT:
        text = text[:EXCEL_MAX_TEXT - len(_CUT)] + _CUT
    return text


def cell_value(value: Any) -> CellValue:
    """``value`` as openpyxl can store it safely: see the module docstring."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return excel_text(value) if value else None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        f = float(value)
        return f if math.isfinite(f) else None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return excel_text(str(value))


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into ``ws`` at (``row``, ``column``) through :func:`cell_value`; a string
    is always a string cell, and a formula-like one carries Excel's quote prefix."""
    v = cell_value(value)
    cell = ws.cell(row=row, column=column)
    cell.value = v
    if isinstance(v, str):
        cell.data_type = "s"
        if looks_like_formula(v):
            cell.quotePrefix = True
    return cell


def write_frame(ws: Worksheet, df: pd.DataFrame, start_row: int = 1) -> None:
    """Write ``df`` (header row, then one row per record, no index) through :func:`put`."""
    for j, c in enumerate(df.columns, start=1):
        put(ws, start_row, j, str(c))
    for i, row in enumerate(df.itertuples(index=False), start=start_row + 1):
        for j, v in enumerate(row, start=1):
            put(ws, i, j, v)
