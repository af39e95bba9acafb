"""Read partner returns (.xlsx, .xlsm, .xls, .csv) into one typed table.

Each file is opened by :mod:`qa_lib.ingest.workbook`; here the header row is found by
its keys wherever it sits, columns are matched by key (or question text)
whatever their order, and every value is typed once by :mod:`qa_lib.ingest.values`
(dates, answers, choices), so validation rules and scoring work on typed
columns. Every value that cannot be read becomes a
:class:`~qa_lib.common.problems.Problem` naming file, sheet, Excel row and column letter.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from qa_lib.common.problems import ERROR, NOTE, Problem
from qa_lib.ingest.values import (
    Unreadable,
    choice_parser,
    grade_parser,
    is_blank,
    multi_choice_parser,
    parse_answer,
    parse_date,
    parse_text,
    show_value,
)
from qa_lib.ingest.workbook import (
    MAX_COLUMNS,
    OTHER_SPREADSHEETS,
    Book,
    FileRefused,
    Grid,
    blank_rows,
)
from qa_lib.profile.schema import Profile

RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
HEADER_SEARCH_ROWS = 50
META = ["_file", "_sheet", "_row"]
# Problems found while reading, for the rule catalogue: code -> (severity, what it means).
INGEST_CODES = {
    "F01": (ERROR, "A spreadsheet saved in a format the toolkit does not read (.ods, .xlsb, ...)."),
    "F02": (ERROR, "The file is empty."),
    "F03": (ERROR, "The workbook is password-protected."),
    "F04": (ERROR, "The file cannot be opened as a workbook (damaged or not Excel)."),
    "F05": (ERROR, "The workbook has no 'Audit' sheet."),
    "F06": (ERROR, "No header row of column keys was found."),
    "F07": (ERROR, "A required column is missing (with a near-miss suggestion)."),
    "F08": (ERROR, "A column appears twice."),
    "F09": (ERROR, "A sheet with far more rows or columns in use than any audit return."),
    "F10": (ERROR, "A second header row with the columns in a different order."),
    "A01": (ERROR, "A number or date where an answer belongs."),
    "A02": (ERROR, "An answer that is not Yes, Partly, No or N/A."),
    "D01": (ERROR, "A value that cannot be read as a date."),
    "D02": (ERROR, "A date that does not exist (such as 31/02)."),
    "D03": (ERROR, "A date whose year cannot be right (before 1900 or after 2100)."),
    "C01": (ERROR, "A value that is not one of the column's choices (with a suggestion)."),
    "C02": (ERROR, "A multi-choice value with an item that is not allowed."),
    "G01": (ERROR, "A grade that is not a whole number in range."),
    "X01": (ERROR, "A formula with no saved result (the file was never opened and saved in Excel)."),
    "X02": (ERROR, "A cell showing an Excel error (#N/A, #REF!, #DIV/0!, ...)."),
    "N01": (NOTE, "A column that is not part of the audit tool was ignored."),
    "N02": (NOTE, "A file that is not a return was skipped."),
    "N03": (NOTE, "A workbook with no case rows."),
    "N04": (NOTE, "The Audit sheet is hidden; it was read."),
    "N05": (NOTE, "A hidden row or column was read."),
    "N06": (NOTE, "A merged cell's value was copied down the rows it covers."),
    "N07": (NOTE, "A row repeating the column headings was skipped."),
    "N08": (NOTE, "A stray value far outside the audit table was ignored."),
    "N09": (NOTE, "No sheet is called 'Audit': the one sheet with the audit columns was read."),
    "N10": (NOTE, "An answer written differently (yes, Y, NA) was normalised."),
    "N11": (NOTE, "A date given as an Excel serial number was converted."),
    "N12": (NOTE, "A two-digit year was read as 20xx or 19xx."),
    "N13": (NOTE, "A choice Excel had turned into a date was recovered."),
    "N14": (NOTE, "A choice written differently was normalised."),
    "N15": (NOTE, "A file was read by its content, not its name (a CSV named .xls)."),
}



@dataclass
class SourceFile:
    """One file found in the inputs folder and what became of it."""

    name: str
    path: str
    sha256: str
    size: int
    status: str = "read"  # read | refused | skipped
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0


@dataclass
class Ingested:
    """The typed table of every row read, with the problems found while reading."""

    table: pd.DataFrame
    problems: list[Problem]
    files: list[SourceFile]
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    unreadable: set[tuple[int, str]] = field(default_factory=set)  # (table index, key) with errors

    def letter(self, file: str, key: str) -> str | None:
        return self.letters.get(file, {}).get(key)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def normalise_header(value: object) -> str:
    """A header cell reduced for matching: lower case, words joined by underscores."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip().lower()
    s = re.sub(r"[\s\-/.]+", "_", s)
    return re.sub(r"[^a-z0-9_]", "", s).strip("_")


def _header_aliases(profile: Profile) -> dict[str, str]:
    aliases = {}
    for col in profile.columns:
        aliases[normalise_header(col.key)] = col.key
        aliases[normalise_header(col.question)] = col.key
    return aliases


def _find_header(raw: pd.DataFrame, aliases: dict[str, str]) -> tuple[int, int]:
    """(row position, number of keys matched) of the best header candidate."""
    best, best_hits = -1, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(raw))):
        hits = sum(1 for v in raw.iloc[i].tolist() if normalise_header(v) in aliases)
        if hits > best_hits:
            best, best_hits = i, hits
    return best, best_hits


_FILE_NOTE_FIXES = {
    "N04": "No action needed; ask the partner to unhide the sheet next time.",
    "N09": "No action needed; next time enter the cases on the 'Audit' sheet of the template.",
    "N15": "No action needed; next time save the return as .xlsx from the audit template.",
}


def _pick_sheet(book: Book, aliases, notes: list[tuple[str, str]]
                ) -> tuple[str, Grid, int]:
    """The sheet to read, its grid and the position of its header row."""
    if book.kind == "csv":
        grid = book.load("(csv)")
        row, hits = _find_header(grid.raw, aliases)
        if hits < 3:
            raise FileRefused(
                "F06", "The file has no header row of column keys (case_ref, partner, "
                "audit_date, ...) in its first 50 rows.",
                "Copy the rows into a fresh audit template generated for this round.")
        return "(csv)", grid, row
    visible = dict(book.sheets)
    named = [n for n in visible if n.strip().lower() == "audit"]
    if named:
        name = named[0]
        grid = book.load(name)
        row, hits = _find_header(grid.raw, aliases)
        if hits < 3:
            raise FileRefused(
                "F06", "The Audit sheet has no header row of column keys (case_ref, partner, "
                "audit_date, ...) in its first 50 rows.",
                "Copy the rows into a fresh audit template generated for this round.", sheet=name)
        if not visible[name]:
            notes.append(("N04", f"The '{name}' sheet is hidden in this workbook; it was read "
                          "as usual."))
        return name, grid, row
    found = []
    for name, shown in book.sheets:
        if not shown:
            continue
        grid = book.load(name)
        row, hits = _find_header(grid.raw, aliases)
        if hits >= 3:
            found.append((name, grid, row))
    listed = ", ".join(f"'{n}'" + ("" if v else " (hidden)") for n, v in book.sheets) or "none"
    if len(found) == 1:
        name, grid, row = found[0]
        notes.append(("N09", f"No sheet is called 'Audit'; the cases were read from sheet "
                      f"'{name}', the only sheet with the audit columns (sheets: {listed})."))
        return found[0]
    if found:
        raise FileRefused(
            "F05", f"No sheet is called 'Audit' and several sheets have the audit columns "
            f"({', '.join(repr(n) for n, _, _ in found)}), so it is not clear which to read.",
            "Rename the sheet holding this round's cases to 'Audit' (or delete the others).")
    raise FileRefused(
        "F05", f"No sheet called 'Audit' was found (sheets: {listed}).",
        "Enter the cases on the 'Audit' sheet of the audit template for this round.")


def _fill_merges(raw: pd.DataFrame, grid: Grid, hrow: int, mapping: dict[str, int],
                 note) -> None:
    """Copy each merged range's value (held by its top-left cell only) down its rows."""
    keys = {j: k for k, j in mapping.items()}
    index = set(raw.index)
    for r0, c0, r1, c1 in grid.merges:
        if r0 <= hrow + 1 or r1 <= r0 or c0 not in keys or (r0 - 1) not in index:
            continue
        value = raw.at[r0 - 1, c0]
        if is_blank(value):
            continue
        filled = [r for r in range(r0 + 1, r1 + 1) if (r - 1) in index and is_blank(raw.at[r - 1, c0])]
        for r in filled:
            raw.at[r - 1, c0] = value
        if not filled:
            continue
        span = f"{get_column_letter(c0 + 1)}{r0}:{get_column_letter(c1 + 1)}{r1}"
        rows = f"row {filled[0]}" if len(filled) == 1 else f"rows {filled[0]} to {filled[-1]}"
        across = (f" The other columns of the range ({get_column_letter(c0 + 2)} to "
                  f"{get_column_letter(c1 + 1)}) were read as blank." if c1 > c0 else "")
        note("N06", f"Cells {span} are merged, so only row {r0} holds the value; it was copied "
             f"to {rows}.{across}", "Check the copied value is right for each case; unmerge the "
             "cells and fill each row next time.", row=r0, key=keys[c0], value=value)


def _read_one(path: Path, data: bytes, profile: Profile, aliases: dict[str, str],
              problems: list[Problem], letters: dict[str, dict[str, str]]
              ) -> tuple[pd.DataFrame | None, str | None, int | None]:
    name = path.name
    file_notes: list[tuple[str, str]] = []
    book = Book(path, data, file_notes)
    sheet, grid, hpos = _pick_sheet(book, aliases, file_notes)
    for code, msg in file_notes:
        problems.append(Problem(NOTE, code, msg, _FILE_NOTE_FIXES[code], file=name,
                                sheet=None if sheet == "(csv)" else sheet))
    raw = grid.raw
    hrow = int(raw.index[hpos])  # Excel row of the header, less one
    header = raw.iloc[hpos].tolist()
    mapping: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for j, cell in enumerate(header):
        norm = normalise_header(cell)
        if not norm:
            continue
        key = aliases.get(norm)
        if key is None:
            unknown.append((j, show_value(cell)))
        elif key in mapping:
            raise FileRefused(
                "F08", f"The column '{key}' appears twice (columns "
                f"{get_column_letter(mapping[key] + 1)} and {get_column_letter(j + 1)}).",
                "Delete or rename one of the two columns so each key appears once.", sheet=sheet)
        else:
            mapping[key] = j
    letters[name] = {k: get_column_letter(j + 1) for k, j in mapping.items()}
    unknown_names = {normalise_header(u): (j, u) for j, u in unknown}
    missing = [c for c in profile.columns if c.in_header and c.key not in mapping]
    if missing:
        msgs = []
        for c in missing:
            near = difflib.get_close_matches(normalise_header(c.key), list(unknown_names), n=1,
                                             cutoff=0.6)
            hint = ""
            if near:
                j, u = unknown_names[near[0]]
                hint = f" (column {get_column_letter(j + 1)} is headed '{u}': did you mean '{c.key}'?)"
            msgs.append(f"'{c.key}'{hint}")
        raise FileRefused(
            "F07", f"Required column{'s' if len(msgs) > 1 else ''} missing from the header row "
            f"(row {hrow + 1}): {'; '.join(msgs)}.",
            "Rename the column to its key as in the audit template, or copy the rows into a "
            "fresh template.", sheet=sheet, column=", ".join(c.key for c in missing))
    shown_sheet = None if sheet == "(csv)" else sheet

    def note(code, message, fix, row=None, key=None, value=None):
        problems.append(Problem(
            NOTE, code, message, fix, file=name, sheet=shown_sheet, row=row, column=key,
            letter=letters[name].get(key) if key else None,
            value=None if value is None else show_value(value)))

    known = [c.key for c in profile.columns if c.key not in mapping]
    for j, u in unknown:
        near = difflib.get_close_matches(normalise_header(u), known, n=1, cutoff=0.6)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        problems.append(Problem(
            NOTE, "N01", f"Column '{u}' is not part of the audit tool and was ignored.{hint}",
            "Rename it to the key in the audit template if it holds audit answers.",
            file=name, sheet=shown_sheet, row=hrow + 1, letter=get_column_letter(j + 1), value=u))
    for key, j in mapping.items():
        if j in grid.hidden_cols:
            note("N05", f"Column {get_column_letter(j + 1)} ('{key}') is hidden in the workbook; "
                 "it was read as usual.", "Check its values; unhide it to see them.", key=key)
    for ref in grid.far_cells:
        note("N08", f"Cell {ref} holds a value far outside the audit table (beyond column "
             f"{get_column_letter(MAX_COLUMNS)}); it was ignored.",
             "Delete the stray value if it is not needed.")
    body = raw.loc[raw.index > hrow]
    if grid.merges:
        body = body.copy()
        _fill_merges(body, grid, hrow, mapping, note)
    # a second header row (the keys again, or the questions) is skipped, not read as a case
    pcol = body.iloc[:, mapping["partner"]] if mapping["partner"] < body.shape[1] else None
    if pcol is not None and len(body):
        uniq = [u for u in pcol.dropna().unique() if normalise_header(u) in aliases]
        repeats = []
        for label in body.index[pcol.isin(uniq)] if uniq else []:
            cells = body.loc[label].tolist()
            hits = {j: aliases[normalise_header(v)] for j, v in enumerate(cells)
                    if normalise_header(v) in aliases}
            if len(hits) < 3:
                continue
            moved = [k for j, k in hits.items() if mapping.get(k) != j]
            if moved:
                raise FileRefused(
                    "F10", f"Row {label + 1} is a second header row with the columns in a "
                    f"different order from row {hrow + 1} (for example '{moved[0]}'), so the "
                    "rows below it cannot be read safely.",
                    "Keep one header row: move the rows under the second header into the "
                    "columns of the first, and delete the second header.", sheet=shown_sheet)
            repeats.append(label)
            note("N07", f"Row {label + 1} repeats the column headings; it was skipped.",
                 "Delete the repeated header row.", row=label + 1)
        if repeats:
            body = body.drop(index=repeats)
    cols = {}
    for c in profile.columns:
        if c.key in mapping and mapping[c.key] < body.shape[1]:
            cols[c.key] = body.iloc[:, mapping[c.key]].to_numpy(dtype=object)
        else:
            cols[c.key] = np.full(len(body), None, dtype=object)
    frame = pd.DataFrame(cols, index=body.index)
    frame = frame[~blank_rows(frame)]
    frame.insert(0, "_row", (frame.index.to_numpy() + 1).astype(int))
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", name)
    for r in sorted(grid.hidden_rows & set(frame["_row"].tolist())):
        note("N05", f"Row {r} is hidden in the workbook; it was read and checked like any other "
             "row.", "Check the row is meant to be part of the return; unhide it to see it.",
             row=r)
    return frame.reset_index(drop=True), sheet, hrow + 1


def list_returns(inputs: Path) -> list[Path]:
    """Candidate return files in a folder (not recursive), sorted by name."""
    return sorted(
        p for p in Path(inputs).iterdir()
        if p.is_file() and not p.name.startswith(("~$", "."))
    )


def _read_file(path: Path, profile: Profile, aliases: dict[str, str]
               ) -> tuple[SourceFile, pd.DataFrame | None, list[Problem], dict[str, dict[str, str]]]:
    """Read one return: its record, its rows (None if refused or skipped), its problems and
    its column letters. Never raises for a bad file. Runs in a worker process for big rounds."""
    problems: list[Problem] = []
    letters: dict[str, dict[str, str]] = {}
    data = path.read_bytes()
    src = SourceFile(name=path.name, path=str(path), sha256=sha256_of(data), size=len(data))
    if path.suffix.lower() in OTHER_SPREADSHEETS:
        src.status = "refused"
        problems.append(Problem(
            ERROR, "F01", f"'{path.name}' is a spreadsheet saved as {path.suffix.lower()}, "
            "a format the toolkit does not read.",
            "Open it and save it as an Excel Workbook (.xlsx), then send that file.",
            file=path.name))
        return src, None, problems, letters
    if path.suffix.lower() not in RETURN_SUFFIXES:
        src.status = "skipped"
        problems.append(Problem(
            NOTE, "N02", f"'{path.name}' is not an Excel workbook or CSV file and was skipped.",
            "Only .xlsx, .xlsm, .xls and .csv returns are read.", file=path.name))
        return src, None, problems, letters
    try:
        frame, sheet, hrow = _read_one(path, data, profile, aliases, problems, letters)
    except FileRefused as r:
        src.status = "refused"
        problems.append(Problem(ERROR, r.code, r.message, r.fix, file=path.name,
                                sheet=r.sheet, column=r.column))
        return src, None, problems, letters
    except Exception as exc:  # never a traceback: the file is refused, the round goes on
        src.status = "refused"
        problems.append(Problem(
            ERROR, "F04", f"The file could not be read ({type(exc).__name__}: {exc}).",
            "Open it in Excel, save it as .xlsx and send it again; if that fails, report "
            "this to the toolkit's maintainers.", file=path.name))
        return src, None, problems, letters
    src.sheet, src.header_row, src.rows = sheet, hrow, len(frame)
    if frame.empty:
        problems.append(Problem(NOTE, "N03", "The audit sheet has no case rows.",
                                "Check the partner sent the completed workbook.",
                                file=path.name, sheet=None if sheet == "(csv)" else sheet))
    return src, frame, problems, letters


PARALLEL_MIN_FILES = 8  # fewer files than this are read in this process


def read_returns(inputs: Path | str, profile: Profile, workers: int = 1) -> Ingested:
    """Read every return in ``inputs`` into one typed table, collecting problems.

    With ``workers`` > 1 and at least PARALLEL_MIN_FILES files, files are read in that many
    worker processes (reading is most of a large round's time); the result is the same.
    """
    inputs = Path(inputs)
    if not inputs.is_dir():
        raise FileNotFoundError(f"The inputs folder {inputs} does not exist.")
    aliases = _header_aliases(profile)
    paths = list_returns(inputs)
    if workers > 1 and len(paths) >= PARALLEL_MIN_FILES:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_read_file, paths, [profile] * len(paths),
                                    [aliases] * len(paths), chunksize=4))
    else:
        results = [_read_file(p, profile, aliases) for p in paths]
    problems: list[Problem] = []
    files: list[SourceFile] = []
    frames: list[pd.DataFrame] = []
    letters: dict[str, dict[str, str]] = {}
    for src, frame, probs, lets in results:
        files.append(src)
        problems.extend(probs)
        letters.update(lets)
        if frame is not None:
            frames.append(frame)
    raw = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame(columns=META + [c.key for c in profile.columns]))
    unreadable: set[tuple[int, str]] = set()
    table = _coerce(raw, profile, letters, problems, unreadable)
    return Ingested(table=table, problems=problems, files=files, letters=letters,
                    unreadable=unreadable)


# --------------------------------------------------------------------------- typing values


class _Cells:
    """Builds problems for many rows of one column at once."""

    def __init__(self, raw: pd.DataFrame, letters, problems: list[Problem]):
        self.raw, self.letters, self.problems = raw, letters, problems

    def add(self, idx, key: str, severity: str, code: str, message: str, fix: str,
            value: object = None) -> None:
        r = self.raw.loc[idx]
        self.problems.append(Problem(
            severity, code, message, fix, file=r["_file"], sheet=r["_sheet"], row=int(r["_row"]),
            column=key, letter=self.letters.get(r["_file"], {}).get(key),
            value=None if value is None else show_value(value),
            partner=r["partner"] if isinstance(r["partner"], str) else None))


_SAFE_KINDS = {"string", "empty", "datetime", "datetime64", "date"}  # no 1 == 1.0 == True clash


def _by_unique(values: pd.Series, fn) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn(value) -> (parsed, issue)`` once per distinct value (blank cells skipped).

    Columns holding only text or only dates (nearly all of them) are factorised in one
    vectorised pass; mixed columns are keyed by (type, value), so that 1, 1.0 and TRUE,
    which compare equal in Python, are never read as one another.
    """
    arr = values.to_numpy(dtype=object)
    n = len(arr)
    parsed = np.full(n, None, dtype=object)
    issues = np.full(n, None, dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in _SAFE_KINDS:
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        up = np.full(len(uniques) + 1, None, dtype=object)  # the last slot serves code -1
        ui = np.full(len(uniques) + 1, None, dtype=object)
        for j, u in enumerate(uniques):
            if not is_blank(u):
                up[j], ui[j] = fn(u)
        return up[codes], ui[codes]
    cache: dict = {}
    for i in np.flatnonzero(~pd.isna(arr)).tolist():
        v = arr[i]
        try:
            k = (type(v), v)
            hash(k)
        except TypeError:
            k = (type(v), repr(v))
        hit = cache.get(k)
        if hit is None:
            if isinstance(v, Unreadable):
                hit = (None, v.issue)
            else:
                hit = (None, None) if is_blank(v) else fn(v)
            cache[k] = hit
        parsed[i], issues[i] = hit
    return parsed, issues


def _coerce(raw: pd.DataFrame, profile: Profile, letters, problems: list[Problem],
            unreadable: set[tuple[int, str]]) -> pd.DataFrame:
    """Parse every column once, by the type the profile gives it."""
    out = raw[META].copy()
    cells = _Cells(raw, letters, problems)
    # partner first, so problems on other columns can name it
    order = sorted(profile.columns, key=lambda c: c.key != "partner")
    for col in order:
        if col.type == "answer":
            fn = parse_answer
        elif col.type == "date":
            fn = parse_date
        elif col.type == "choice":
            fn = choice_parser(col.choices)
        elif col.type == "multi_choice":
            fn = multi_choice_parser(col.choices)
        elif col.type == "grade":
            fn = grade_parser(col.min or 1, col.max or 5)
        else:
            fn = parse_text
        parsed, issues = _by_unique(raw[col.key], fn)
        for pos in np.flatnonzero(pd.notna(issues)).tolist():  # only the cells with an issue
            idx = raw.index[pos]
            sev, code, msg, fix = issues[pos]
            if sev == ERROR:
                unreadable.add((idx, col.key))
            cells.add(idx, col.key, sev, code, msg, fix, raw.at[idx, col.key])
        if col.type == "date":
            out[col.key] = pd.to_datetime(pd.Series(parsed, index=raw.index, dtype=object))
        elif col.type == "grade":
            out[col.key] = pd.array(parsed, dtype="Int64")
        else:
            out[col.key] = pd.Series(parsed, index=raw.index, dtype=object)
        if col.key == "partner":
            raw = raw.assign(partner=out["partner"])
            cells.raw = raw
    return out
