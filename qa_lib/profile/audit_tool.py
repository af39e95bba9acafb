"""The Excel audit tool for a profile and partner, generated from the profile only.

Sheets: ``Instructions`` (how to fill it, what each answer and grade means, each measure's
name, every column with its question), ``Audit`` and a hidden ``Lists`` sheet holding the
dropdown values.

The ``Audit`` sheet (issue 15) has three heading rows: a band naming each section or
measure over its columns (merged, coloured by measure), the question in words (wrapped),
and the keys (row 3: the heading row the reader finds). Case rows start at row 4. Each
answer column carries its check as a data validation over the case rows (dropdowns,
dates in the audit's window, numbers in the profile's range, the case reference's form)
and its format and unlocked protection as a column style, so a cell a partner types into
takes them without 500 rows of formatted cells being written. The heading rows are
protected (no password; sorting, filtering and resizing allowed). A partner's own tool
has the partner's name filled in on every case row, locked; rows holding only that name
are read as empty, without a note. Print set-up: A4 landscape, one page wide, heading
rows repeated, gridlines, the profile and partner in the header and page numbers in the
footer.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qa_lib.profile.schema import GRADES, Column, Profile
from qa_lib.profile.workbook_look import HEADER_FILL

TEMPLATE_ROWS = 500
# The audit's date window, as the reader checks it (qa_lib.ingest.values.DATE_WINDOW, a
# later stage this one may not import; tests/test_template.py checks the two agree).
DATE_WINDOW = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
DATE_FORMAT = "DD/MM/YYYY"
# Light fills, one per section or measure in turn: black text on each is above 16:1
# (WCAG AAA); neighbouring bands differ in hue so the measures stand apart.
BAND_COLOURS = ("DDEBF7", "FCE4D6", "E2EFDA", "FFF2CC", "EDE1F5", "D9F2F2", "F8DCE6", "EDEDED")
BLANK_TOOL = "Blank tool: choose your agency in the partner column"
PREFILLED = "(filled in on every case row)"  # after the partner's name on the Instructions
CASE_REF_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
_THIN = Side(style="thin", color="808080")


class ToolLayout(StrEnum):
    """Where the Audit sheet's heading rows are."""

    BANDED = "banded"  # section band (row 1), questions (row 2), keys (row 3), cases from row 4
    KEYS_ONLY = "keys only"  # the tool before issue 15: keys in row 1, cases from row 2


def header_row(layout: ToolLayout) -> int:
    """The Excel row of the keys in a tool of this layout."""
    return 3 if layout == ToolLayout.BANDED else 1


def slugify(text: str) -> str:
    """A file-name-safe lower-case slug: 'Cheshire Police' -> 'cheshire-police'."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "partner"


def template_name(profile: Profile, partner: str | None) -> str:
    """The default file name of an audit tool: ``<profile>-audit-tool-<partner>.xlsx``, or
    ``<profile>-audit-tool-blank.xlsx`` for the blank tool (the partner chosen in it)."""
    who = slugify(partner) if partner else "blank"
    return f"{profile.name}-audit-tool-{who}.xlsx"


def tool_columns(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """(first case row, key -> column number) of a generated tool's Audit sheet, of either
    layout: the keys row is the one of the first five whose column A is ``case_ref``."""
    for r in range(1, 6):
        if ws.cell(row=r, column=1).value == "case_ref":
            return r + 1, {c.value: c.column for c in ws[r] if c.value}
    raise ValueError("no row of keys (case_ref in column A) in the first five rows")


def tool_cell(ws: Worksheet, row: int, column: int) -> Cell:
    """The cell at (row, column), a new one taking its column's style (format, protection)
    as Excel gives it to a cell a partner types into: for filling a tool with openpyxl."""
    if (row, column) not in ws._cells:
        cell = ws.cell(row=row, column=column)
        dim = ws.column_dimensions.get(get_column_letter(column))
        if dim is not None and dim.has_style:
            cell._style = copy.copy(dim._style)
        return cell
    return ws.cell(row=row, column=column)


def _sections(profile: Profile) -> list[tuple[str, int, int]]:
    """(group name, first column, last column) of each run of columns of one group."""
    out: list[tuple[str, int, int]] = []
    for j, col in enumerate(profile.columns, start=1):
        if out and out[-1][0] == col.group:
            out[-1] = (col.group, out[-1][1], j)
        else:
            out.append((col.group, j, j))
    return out


def _instructions(ws, profile: Profile, partner: str | None, layout: ToolLayout) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 90
    who = f"Audit tool for: {partner} {PREFILLED}" if partner else f"{BLANK_TOOL}."
    first = header_row(layout) + 1
    bold = Font(bold=True, size=13)
    lines: list[tuple[str, Font | None]] = [
        (profile.title, Font(bold=True, size=16)),
        (f"{profile.model.partnership}: {profile.model.strategy}", Font(italic=True)),
        (f"{who}   (profile '{profile.name}', version {profile.version}, generated "
         f"{dt.date.today():%d/%m/%Y})", None),
        ("", None),
        ("How to fill in this audit tool", bold),
        (f"1. Use the 'Audit' sheet: one row for each case you audited, from row {first}. Rows "
         f"1 to {first - 1} show each section, each question in words and each column's key: "
         "they are protected; do not add, rename, move or delete columns.", None),
        ("2. case_ref is the pseudonymised case reference agreed for this round: letters, "
         "digits and -, at most 20 characters. Never enter a name, NHS number or date of "
         "birth.", None),
        ("3. partner: your agency's name is filled in on every case row; leave it as it is."
         if partner else
         "3. partner: choose your agency from the dropdown on every row you fill in.", None),
        ("4. Pick answers from the dropdowns (what each answer means is below). Leave a cell "
         "blank only if the record does not let you answer: blanks count against "
         "completeness.", None),
        ("5. Enter dates as DD/MM/YYYY, from 01/01/2000 (the audit date no later than today). "
         "Leave an end date blank if it has not happened yet.", None),
        ("6. Free-text boxes must not contain names, addresses, phone numbers or dates of "
         "birth; any that slip through are removed before reporting.", None),
        ("7. Each cell checks what you type and says what it expects; the sheet prints on A4 "
         "landscape, one page wide, with the headings on every page.", None),
        ("", None),
        ("What the answers mean", bold),
        ("Yes: fully evidenced in the record.", None),
        ("Partly: some evidence, but not all the question asks for.", None),
        ("No: not evidenced.", None),
        ("N/A: does not apply to this case (offered only where the question allows it).", None),
    ]
    if "overall_grade" in profile.column_map:
        lines.append((f"overall_grade: your own judgement of practice on this case, one of "
                      f"{', '.join(GRADES)}.", None))
    for g in profile.graded_tools:
        lines.append((f"{g.name} grades: whole numbers, {g.scale}; the first and the latest "
                      "grade in each area.", None))
    lines += [("", None), ("The measures (the coloured bands over the columns)", bold)]
    for m in profile.measures:
        keys = [c.key for c in m.criteria if c.answers]
        if keys:
            lines.append((f"{m.name}: {', '.join(keys)}", None))
    lines.append(("", None))
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


def shown_question(col: Column) -> str:
    """The question in the Audit sheet's question row: as printed (a long list of choices
    left to the dropdown)."""
    if col.type in ("choice", "multi_choice") and len(col.choices) > 6:
        return col.question + (" (required)" if col.required else "")
    return question_text(col)


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
    ws.protection.sheet = True
    return refs


def write_template(profile: Profile, out: Path | str, partner: str | None = None,
                   rows: int = TEMPLATE_ROWS) -> Path:
    """Write the audit tool for ``profile`` (optionally for one partner) to ``out``, its
    case rows checked down to ``rows``."""
    wb = build_template(profile, partner, rows)
    out = Path(out)
    if out.is_dir():
        out = out / template_name(profile, partner)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def build_template(profile: Profile, partner: str | None = None, rows: int = TEMPLATE_ROWS,
                   layout: ToolLayout = ToolLayout.BANDED) -> Workbook:
    """The audit tool as an openpyxl workbook, not yet saved: the instructions, the ``Audit``
    sheet (heading rows, checks and formats on ``rows`` case rows, partner filled in for a
    partner's tool, protection and print set-up) and the hidden lists the dropdowns draw on.
    ``layout`` KEYS_ONLY writes the tool as it was before issue 15 (keys in row 1)."""
    if partner is not None and partner not in profile.partners:
        raise ValueError(
            f"'{partner}' is not a partner of the {profile.name} profile. "
            f"Partners: {'; '.join(profile.partners)}.")
    wb = Workbook()
    _instructions(wb.active, profile, partner, layout)
    ws = wb.create_sheet("Audit")
    refs = _lists_sheet(wb, profile)
    head = header_row(layout)
    last_col = get_column_letter(len(profile.columns))
    if layout == ToolLayout.BANDED:
        _bands(ws, profile)
    for j, col in enumerate(profile.columns, start=1):
        _audit_column(ws, j, col, refs, head, rows, partner, layout, _case_ref_form(profile))
    if layout == ToolLayout.BANDED:  # tall enough for the longest question, wrapped
        lines = max(math.ceil(len(shown_question(c)) / (_width(c) * 1.15)) for c in profile.columns)
        ws.row_dimensions[2].height = min(409, 12 * lines + 4)
    ws.freeze_panes = f"B{head + 1}"
    ws.auto_filter.ref = f"A{head}:{last_col}{head}"
    _protect(ws)
    _print_setup(ws, profile, partner, head)
    wb.properties.title = f"{profile.title} audit tool"
    wb.properties.creator = "qa-audit"
    return wb


def _bands(ws: Worksheet, profile: Profile) -> None:
    """Row 1: each section or measure named once over its columns (merged), coloured in
    turn; row 2 takes the same colour under each band."""
    colours: dict[str, str] = {}
    for name, first, last in _sections(profile):
        colour = colours.setdefault(name, BAND_COLOURS[len(colours) % len(BAND_COLOURS)])
        fill = PatternFill("solid", fgColor=colour)
        cell = ws.cell(row=1, column=first, value=name)
        cell.font = Font(bold=True, color="000000")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for j in range(first, last + 1):
            ws.cell(row=1, column=j).fill = fill
            ws.cell(row=1, column=j).border = Border(left=_THIN if j == first else None,
                                                     right=_THIN if j == last else None)
            ws.cell(row=2, column=j).fill = fill
        if last > first:
            ws.merge_cells(start_row=1, start_column=first, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 32


def _protect(ws: Worksheet) -> None:
    """Protect the sheet (no password): the heading rows and a partner's own name are
    locked; the case cells are not (their column style). Sorting, filtering and formatting
    or resizing columns and rows stay allowed."""
    p = ws.protection
    p.sheet = True
    p.sort = p.autoFilter = False
    p.formatColumns = p.formatRows = p.formatCells = False
    p.selectLockedCells = p.selectUnlockedCells = False


def _hf(text: str) -> str:
    return text.replace("&", "&&")  # '&' starts a code in Excel's header and footer


def _print_setup(ws: Worksheet, profile: Profile, partner: str | None, head: int) -> None:
    """A4 landscape, one page wide and as many long as needed, the heading rows on every
    page, gridlines, profile and partner in the header, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{head}"
    ws.print_options.gridLines = True
    ws.oddHeader.left.text = _hf(f"{profile.title} (profile '{profile.name}', "
                                 f"version {profile.version})")
    ws.oddHeader.right.text = _hf(partner or "Blank tool")
    ws.oddFooter.left.text = _hf(f"{profile.name} audit tool: {partner or 'blank tool'}")
    ws.oddFooter.right.text = "Page &P of &N"


def _width(col: Column) -> float:
    if col.type in ("answer", "date", "grade", "number"):
        return 22  # wide enough for a long question in about ten lines
    if col.type == "text" and col.key not in ("case_ref", "auditor_role"):
        return 40
    return 22


def _unit(col: Column) -> str:
    """A number column's unit in words, for its input message."""
    if col.key.endswith(("_pct", "_percent")) or "%" in col.question or "per cent" in col.question:
        return " (per cent: type 96 for 96%)"
    return ""


def _case_ref_formula(cell: str, most: int, prefix: str = "") -> str:
    """Letters, digits and - only, at most ``most`` characters (the agreed form, V02), and
    starting with ``prefix`` (of the profile's own pattern, V13) if there is one."""
    starts = f',LEFT({cell},{len(prefix)})="{prefix}"' if prefix else ""
    return (f'AND(LEN({cell})<={most}{starts},SUMPRODUCT(--ISNUMBER(FIND(MID({cell},ROW('
            f'INDIRECT("1:"&LEN({cell}))),1),"{CASE_REF_CHARS}")))=LEN({cell}))')


def _case_ref_form(profile: Profile) -> tuple[str, str]:
    """(the fixed start of the profile's case reference pattern, its example), or empty
    strings: Excel cannot run a regular expression, so the tool checks the start it fixes
    and shows the example."""
    pattern = profile.model.case_ref_pattern
    if pattern is None:
        return "", ""
    regex = pattern.regex.removeprefix("^")
    if "|" in regex:  # alternatives: no one fixed start
        return "", pattern.example
    prefix = re.sub(r"[^A-Za-z0-9-].*", "", regex, flags=re.S)
    if prefix and re.match(r"[?*{]", regex[len(prefix):]):  # 'A?' leaves 'A' optional
        prefix = prefix[:-1]
    return prefix, pattern.example


def _serial(day: dt.date) -> int:
    """A date as Excel's day number."""
    return (day - dt.date(1899, 12, 30)).days


def _validation(col: Column, refs: dict[str, str], top: str, case_ref: tuple[str, str] = ("", "")
                ) -> DataValidation | None:
    """The check Excel makes on a column's case cells (``top`` is the first one)."""
    lo, hi = DATE_WINDOW
    if col.type == "date":
        latest = "TODAY()" if col.key == "audit_date" else str(_serial(hi))
        until = "today" if col.key == "audit_date" else f"{hi:%d/%m/%Y}"
        return DataValidation(
            type="date", operator="between", formula1=str(_serial(lo)), formula2=latest,
            allow_blank=True, showErrorMessage=True, errorTitle="Not a date in the audit's window",
            error=f"Enter a date as DD/MM/YYYY, from {lo:%d/%m/%Y} to {until}.",
            showInputMessage=True, promptTitle="Date", prompt=f"DD/MM/YYYY, {lo:%d/%m/%Y} to {until}")
    if col.key in refs:
        multi = col.type == "multi_choice"
        return DataValidation(
            type="list", formula1=f"={refs[col.key]}", allow_blank=True,
            showErrorMessage=not multi, errorTitle="Choose from the list",
            error=f"Choose one of: {', '.join(col.choices)}"[:255],
            showInputMessage=True, promptTitle=col.key[:32],
            prompt="Pick one, or type several separated by ;" if multi else "Pick from the list")
    if col.type == "grade":
        return DataValidation(type="whole", operator="between", formula1=str(col.min or 1),
                              formula2=str(col.max or 5), allow_blank=True,
                              showErrorMessage=True, errorTitle="Grade",
                              error=f"Enter a whole number from {col.min} to {col.max}.",
                              showInputMessage=True, promptTitle="Grade",
                              prompt=f"A whole number from {col.min} to {col.max}")
    if col.type == "number":
        least, most = col.min, col.max
        if _unit(col) and least is None and most is None:  # a percentage: 0 to 100, as typed
            least, most = 0, 100
        low = least if least is not None else -1e15
        high = most if most is not None else 1e15
        said = ("a number" + (f" from {least}" if least is not None else "")
                + (f" to {most}" if most is not None else "") + _unit(col))
        return DataValidation(type="decimal", operator="between", formula1=f"{low:g}",
                              formula2=f"{high:g}", allow_blank=True, showErrorMessage=True,
                              errorTitle="Number", error=f"Enter {said}."[:255],
                              showInputMessage=True, promptTitle="Number",
                              prompt=said[0].upper() + said[1:])
    if col.key == "case_ref":
        most = col.max_length or 20
        prefix, example = case_ref
        like = f", like {example}" if example else ""
        return DataValidation(
            type="custom", formula1=_case_ref_formula(top, most, prefix), allow_blank=True,
            showErrorMessage=True, errorTitle="Case reference",
            error=(f"Letters, digits and - only, at most {most} characters{like}: the "
                   "pseudonymised reference agreed for the round (never a name, NHS number or "
                   "date of birth).")[:255],
            showInputMessage=True, promptTitle="Case reference",
            prompt=f"Letters, digits and -, at most {most} characters{like}"[:255])
    return None


def _audit_column(ws: Worksheet, j: int, col: Column, refs: dict[str, str], head: int,
                  rows: int, partner: str | None, layout: ToolLayout,
                  case_ref: tuple[str, str] = ("", "")) -> None:
    """One column of the Audit sheet: its heading cells, width, column style (format and
    unlocked protection of its case cells), its check, and a partner's name filled in."""
    letter = get_column_letter(j)
    first, last = head + 1, head + rows
    cell = ws.cell(row=head, column=j, value=col.key)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(horizontal="center")
    note = Comment(heading_note(col), "qa-audit")
    note.width, note.height = 320, 140
    cell.comment = note
    if layout == ToolLayout.BANDED:
        q = ws.cell(row=2, column=j, value=shown_question(col))
        q.alignment = Alignment(wrap_text=True, vertical="top")
        q.font = Font(size=9, color="000000")
    dim = ws.column_dimensions[letter]
    dim.width = _width(col)
    fmt = DATE_FORMAT if col.type == "date" else (
        "@" if col.type in ("text", "choice", "multi_choice", "answer") else "General")
    dim.number_format = fmt
    dim.protection = Protection(locked=False)
    if col.type == "text" and col.key not in ("case_ref", "auditor_role"):
        dim.alignment = Alignment(wrap_text=True, vertical="top")
    if col.key == "partner" and partner is not None:
        locked = Protection(locked=True)
        for r in range(first, last + 1):
            c = ws.cell(row=r, column=j, value=partner)
            c.number_format = "@"
            c.protection = locked
    dv = _validation(col, refs, f"{letter}{first}", case_ref)
    if dv is not None:
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
