"""What the generated workbooks (audit tool, strategy scorecard, actions workbook) share: the
heading fill and the Instructions sheet's opening lines, written the same way in each."""

from __future__ import annotations

import datetime as dt

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from qa_lib.profile.schema import Profile

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")  # white text on it: contrast 8.7:1

Line = tuple[str, Font | None]  # a line of the Instructions sheet and its font (None: plain)


def opening_lines(profile: Profile, what: str) -> list[Line]:
    """The first lines of a workbook's Instructions sheet: the profile's title and ``what``
    the workbook is, the partnership and its strategy, and the profile's version and date."""
    return [(f"{profile.title}: {what}", Font(bold=True, size=16)),
            (f"{profile.model.partnership}: {profile.model.strategy}", Font(italic=True)),
            (f"Profile '{profile.name}', version {profile.version}; generated "
             f"{dt.date.today():%d/%m/%Y}.", None)]


def write_lines(ws: Worksheet, lines: list[Line]) -> None:
    """Write ``lines`` down column A from row 1, wrapped, each in its font."""
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
