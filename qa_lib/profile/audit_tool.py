"""The Excel audit tool for a profile and partner, generated from the profile only.

Sheets: ``Instructions`` (how to fill it, what the answers mean, every column
with its question), ``Audit`` (one header row of keys, each with the question
as a cell note, dropdowns for every coded column, date formats, frozen header)
and a hidden ``Lists`` sheet holding the dropdown values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qa_lib.profile.schema import Column, Profile

TEMPLATE_ROWS = 500
DATE_FORMAT = "DD/MM/YYYY"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
GROUP_FILL = PatternFill("solid", fgColor="DDEBF7")


def slugify(text: str) -> str:
    """A file-name-safe lower-case slug: 'Cheshire Police' -> 'cheshire-police'."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "partner"


def template_name(profile: Profile, partner: str | None) -> str:
    """The default file name of an audit tool."""
    who = slugify(partner) if partner else "all-partners"
    return f"{profile.name}-audit-tool-{who}.xlsx"


def _instructions(ws, profile: Profile, partner: str | None) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 90
    lines = [
        (profile.title, Font(bold=True, size=16)),
        (f"{profile.model.partnership}: {profile.model.strategy}", Font(italic=True)),
        (f"Audit tool for: {partner or 'any partner agency'}   "
         f"(profile '{profile.name}', version {profile.version}, generated "
         f"{dt.date.today():%d/%m/%Y})", None),
        ("", None),
        ("How to fill in this audit tool", Font(bold=True, size=13)),
        ("1. Use the 'Audit' sheet: one row for each case you audited. Do not add, rename, "
         "move or delete columns.", None),
        ("2. case_ref is the pseudonymised case reference agreed for this round. Never enter a "
         "name, NHS number or date of birth.", None),
        ("3. Pick answers from the dropdowns. Yes = fully evidenced, Partly = some evidence, "
         "No = not evidenced, N/A = does not apply to this case (only where offered). Leave a "
         "cell blank only if the record does not let you answer: blanks count against "
         "completeness.", None),
        ("4. Enter dates as DD/MM/YYYY. Leave an end date blank if it has not happened yet.",
         None),
        ("5. Free-text boxes must not contain names, addresses, phone numbers or dates of birth;"
         " any that slip through are removed before reporting.", None),
        ("6. Hover over a column heading to see the full question.", None),
        ("", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        if font:
            cell.font = font
    r = len(lines) + 1
    for j, h in enumerate(("Column key", "Section", "Question"), start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
    for col in profile.columns:
        r += 1
        ws.cell(row=r, column=1, value=col.key)
        ws.cell(row=r, column=2, value=col.group)
        q = ws.cell(row=r, column=3, value=question_text(col))
        q.alignment = Alignment(wrap_text=True, vertical="top")


def question_text(col: Column) -> str:
    """A column's question as the tool prints it: with its choices and '(required)'."""
    text = col.question
    if col.type in ("choice", "answer") and col.choices:
        text += f" [{' / '.join(col.choices)}]"
    if col.required:
        text += " (required)"
    return text


def heading_note(col: Column) -> str:
    """The note on a column's heading in the tool (partners sometimes copy it as the
    heading: it is read as the column's key)."""
    return f"{question_text(col)}\nSection: {col.group}"


def _lists_sheet(wb: Workbook, profile: Profile) -> dict[str, str]:
    ws = wb.create_sheet("Lists")
    ws.sheet_state = "hidden"
    refs: dict[str, str] = {}
    j = 0
    for col in profile.columns:
        if not col.choices:
            continue
        j += 1
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=col.key)
        for i, choice in enumerate(col.choices, start=2):
            ws.cell(row=i, column=j, value=choice).number_format = "@"
        refs[col.key] = f"Lists!${letter}$2:${letter}${len(col.choices) + 1}"
    return refs


def write_template(profile: Profile, out: Path | str, partner: str | None = None,
                   rows: int = TEMPLATE_ROWS) -> Path:
    """Write the audit tool for ``profile`` (optionally for one partner) to ``out``, its
    case rows formatted down to ``rows``."""
    wb = build_template(profile, partner, rows)
    out = Path(out)
    if out.is_dir():
        out = out / template_name(profile, partner)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def build_template(profile: Profile, partner: str | None = None, rows: int = TEMPLATE_ROWS
                   ) -> Workbook:
    """The audit tool as an openpyxl workbook, not yet saved: the instructions, the ``Audit``
    sheet (header row with each question as a note, dropdowns and formats on ``rows`` case
    rows, frozen header) and the hidden lists the dropdowns draw on."""
    if partner is not None and partner not in profile.partners:
        raise ValueError(
            f"'{partner}' is not a partner of the {profile.name} profile. "
            f"Partners: {'; '.join(profile.partners)}.")
    wb = Workbook()
    _instructions(wb.active, profile, partner)
    ws = wb.create_sheet("Audit")
    refs = _lists_sheet(wb, profile)
    for j, col in enumerate(profile.columns, start=1):
        _audit_column(ws, j, col, refs, rows)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(profile.columns))}1"
    wb.properties.title = f"{profile.title} audit tool"
    wb.properties.creator = "qa-audit"
    return wb


def _audit_column(ws, j: int, col: Column, refs: dict[str, str], rows: int) -> None:
    """One column of the Audit sheet: its header and note, width, cell formats and dropdown."""
    last = rows + 1
    letter = get_column_letter(j)
    cell = ws.cell(row=1, column=j, value=col.key)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(horizontal="center")
    note = Comment(heading_note(col), "qa-audit")
    note.width, note.height = 320, 140
    cell.comment = note
    width = 14 if col.type in ("answer", "date", "grade") else 22
    if col.type == "text" and col.key not in ("case_ref", "auditor_role"):
        width = 40
    ws.column_dimensions[letter].width = width
    rng = f"{letter}2:{letter}{last}"
    dv = None
    if col.type == "date":
        for r in range(2, last + 1):
            ws.cell(row=r, column=j).number_format = DATE_FORMAT
        dv = DataValidation(type="date", operator="greaterThan", formula1="1",
                            allow_blank=True, showErrorMessage=True,
                            errorTitle="Not a date", error="Enter a date as DD/MM/YYYY.")
    elif col.key in refs:
        for r in range(2, last + 1):
            ws.cell(row=r, column=j).number_format = "@"
        multi = col.type == "multi_choice"
        dv = DataValidation(
            type="list", formula1=f"={refs[col.key]}", allow_blank=True,
            showErrorMessage=not multi, errorTitle="Choose from the list",
            error=f"Choose one of: {', '.join(col.choices)}",
            showInputMessage=True, promptTitle=col.key[:32],
            prompt=(("Pick one, or type several separated by ;" if multi
                     else "Pick from the list") + "")[:255])
    elif col.type == "grade":
        dv = DataValidation(type="whole", operator="between", formula1=str(col.min or 1),
                            formula2=str(col.max or 5), allow_blank=True,
                            showErrorMessage=True, errorTitle="Grade",
                            error=f"Enter a whole number from {col.min} to {col.max}.")
    elif col.type == "text":
        for r in range(2, last + 1):
            ws.cell(row=r, column=j).number_format = "@"
    if dv is not None:
        dv.add(rng)
        ws.add_data_validation(dv)
