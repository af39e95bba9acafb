"""The validation report: every problem found, for the people who fix them.

``validation.html`` opens with a summary and a table of files, then gives one
section per file (so the audit lead can forward each partner its own list);
``validation.xlsx`` holds the same problems as one filterable sheet plus the
file table. The terminal gets a short summary.

Problems quote what partners typed (values found, file and partner names), so every cell of
validation.xlsx is written through :func:`qa_lib.common.excel_cells.put`, and the page shows
the same text: control characters as ``[U+XXXX]`` (:func:`~qa_lib.common.excel_cells.visible`),
formula-like values as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from qa_lib.checks.rules import Validated
from qa_lib.common.excel_cells import visible, write_frame
from qa_lib.common.problems import HEADINGS, Problem, grouped_problems, problems_frame
from qa_lib.common.vocabulary import FileStatus, Severity
from qa_lib.ingest.returns import SourceFile
from qa_lib.profile.schema import Profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report import wording

PROBLEM_COLUMNS = ["Severity", "Code", "Sheet", "Excel row", "Cells", "Column", "Column letter",
                   "Value found", "What is wrong", "How to fix it"]
SHOWN_HEADINGS = HEADINGS | {"count": "Cells"}  # how many cells one grouped line stands for


@wording.sentence("problem-counts")
def problem_counts(errors: int, notes: int = 1) -> str:
    """How many errors and notes a round or a file has."""
    return f"{wording.count(errors, 'error')}, {wording.count(notes, 'note')}."


def validation_summary(v: Validated) -> str:
    """A few lines for the terminal: counts, errors per file, the first ten errors. Control
    characters in names and messages are shown as ``[U+XXXX]`` (an escape sequence in a file
    name must not ring the bell or recolour the terminal)."""
    errs, notes = v.errors, v.notes
    lines = [f"{wording.count(len(v.table), 'row')} read from "
             f"{wording.count(v.table['_file'].nunique(), 'file')}; {problem_counts(len(errs), len(notes))}"]
    by_file: dict[str, int] = {}
    for p in errs:
        by_file[p.file] = by_file.get(p.file, 0) + 1
    for f, n in sorted(by_file.items()):
        lines.append(f"  {f}: {wording.count(n, 'error')}")
    listed = grouped_problems(problems_frame(errs)) if errs else pd.DataFrame()
    for p in listed.head(10).itertuples():
        where = f"{p.file}"
        if isinstance(p.sheet, str):
            where += f", sheet {p.sheet}"
        if p.row is not None and not pd.isna(p.row):
            where += f", {'rows' if p.count > 1 else 'row'} {p.row}"
        if isinstance(p.column, str):
            where += f", column {p.column}" + (f" ({p.letter})" if isinstance(p.letter, str)
                                               else "")
        lines.append(f"  - {where}: {p.message}")
    if len(listed) > 10:
        lines.append(f"  ... and {len(listed) - 10} more: see the validation report.")
    return visible("\n".join(lines))


def file_table(v: Validated, files: list[SourceFile]) -> pd.DataFrame:
    """One row per input file: its partner(s), rows read, rows with errors, errors, notes."""
    pf = problems_frame(v.problems)
    t = v.table
    rows = []
    for f in files:
        mine = t[t["_file"] == f.name]
        partners = sorted(mine["partner"].dropna().unique())
        probs = pf[pf["file"] == f.name]
        bad_rows = int((~v.row_ok[mine.index]).sum()) if len(mine) else 0
        rows.append({
            "File": f.name, "Partner": f.label or "; ".join(partners) or "unknown",
            "Status": {FileStatus.REFUSED: "refused whole"}.get(f.status, f.status),
            "Rows read": f.rows if f.label else len(mine), "Rows with errors": bad_rows,
            "Errors": int((probs["severity"] == Severity.ERROR).sum()),
            "Notes": int((probs["severity"] == Severity.NOTE).sum()),
        })
    return pd.DataFrame(rows, columns=["File", "Partner", "Status", "Rows read",
                                       "Rows with errors", "Errors", "Notes"])


def write_validation(folder: Path, v: Validated, files: list[SourceFile], round_id: str,
                     profile: Profile) -> None:
    """Write validation.html and validation.xlsx into ``folder``."""
    shown = shown_problems(v.problems)
    ft = visible_frame(file_table(v, files))
    wb = Workbook()
    ws = wb.active
    ws.title = "Problems"
    write_frame(ws, shown)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for col, width in zip("ABCDEFGHIJKL", (9, 7, 24, 34, 10, 9, 22, 8, 24, 70, 60, 7),
                          strict=True):
        ws.column_dimensions[col].width = width
    files_ws = wb.create_sheet("Files")
    write_frame(files_ws, ft)
    for cell in files_ws[1]:
        cell.font = Font(bold=True)
    files_ws.column_dimensions["A"].width = 40
    files_ws.column_dimensions["B"].width = 30
    wb.save(folder / "validation.xlsx")
    n_err, n_note = len(v.errors), len(v.notes)
    parts = [fr.heading("Summary", 2), fr.definition_list([
        ("Round", round_id), ("Profile", f"{profile.name}, version {profile.version}"),
        ("Files", str(len(files))), ("Rows read", str(len(v.table))),
        ("Rows with errors", str(len(v.excluded))), ("Errors", str(n_err)),
        ("Notes", str(n_note))])]
    if n_err:
        parts.append(fr.callout(fr.paragraph(
            "Errors must be fixed in the partner's return, or the row is left out when the "
            "round is run with --allow-partial. Each section below is one file: forward it to "
            "the partner who sent it. Notes need no action."), "warning", "Errors found."))
    else:
        parts.append(fr.callout(fr.paragraph("No errors: every row can be scored. Notes "
                                             "need no action."), "info"))
    parts.append(fr.table(ft, "Files read", row_header="File",
                          number_columns={c: 0 for c in ("Rows read", "Rows with errors",
                                                         "Errors", "Notes")}))
    order = ft.sort_values(["Errors", "File"], ascending=[False, True])
    for _, f in order.iterrows():
        g = shown[shown["File"] == f["File"]]
        if g.empty:
            continue
        title = f"{f['File']} ({f['Partner']})"
        parts.append(fr.heading(title, 2))
        parts.append(fr.paragraph(problem_counts(int(f["Errors"]), int(f["Notes"]))))
        parts.append(fr.table(g[PROBLEM_COLUMNS], f"Problems in {f['File']}",
                              number_columns={"Cells": 0}))
    other = shown[~shown["File"].isin(ft["File"])]
    if len(other):
        parts.append(fr.heading("Problems for the whole round", 2))
        parts.append(fr.table(other[PROBLEM_COLUMNS], "Problems for the whole round"))
    if shown.empty:
        parts.append(fr.paragraph("No problems were found."))
    html = render.page(f"Validation report: {round_id}", f"Validation report, round {round_id}",
                       "".join(parts), subheading=profile.title,
                       profile_line=f"profile {profile.name} {profile.version}")
    (folder / "validation.html").write_text(html, encoding="utf-8")


def shown_problems(problems: list[Problem]) -> pd.DataFrame:
    """Problems as the validation report shows them: a problem repeated on many rows as one
    line, with the report's headings and every text cell made visible."""
    return visible_frame(grouped_problems(problems_frame(problems)).rename(columns=SHOWN_HEADINGS))


def visible_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell as :func:`~qa_lib.common.excel_cells.visible` shows it."""
    out = df.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda x: visible(x) if isinstance(x, str) else x)
    return out
