"""Read partner returns (workbooks, OpenDocument and text files, wherever they are under the
inputs folder) into one typed table.

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
import os
import re
import stat
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from qa_lib.common.problems import FileRefused, Issue, Problem, ProblemCode, row_ranges
from qa_lib.common.vocabulary import FileStatus, Severity
from qa_lib.ingest.codes import (
    F04,
    F05,
    F06,
    F07,
    F08,
    F10,
    F11,
    F14,
    N01,
    N02,
    N03,
    N04,
    N05,
    N06,
    N07,
    N08,
    N09,
    N16,
    N17,
    N18,
    N21,
    N22,
)
from qa_lib.ingest.date_order import judge_date_order
from qa_lib.ingest.tool_version import check_tool
from qa_lib.ingest.values import (
    Parsed,
    Unreadable,
    choice_parser,
    grade_parser,
    is_blank,
    multi_choice_parser,
    number_parser,
    parse_answer,
    parse_case_ref,
    parse_date,
    parse_text,
    show_value,
)
from qa_lib.ingest.workbook import (
    MAX_COLUMNS,
    TEXT_SUFFIXES,
    WORKBOOK_SUFFIXES,
    Book,
    Grid,
    blank_rows,
)
from qa_lib.profile.audit_tool import heading_note, question_text
from qa_lib.profile.schema import Profile

RETURN_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES  # names a return is expected to have (others get N15)
HEADER_SEARCH_ROWS = 50
META = ["_file", "_sheet", "_row"]


class SetAside(Exception):
    """A file refused for its header (a required column missing) whose rows could still be
    read: they are checked, so the partner gets every problem at once, but never scored."""

    def __init__(self, refusal: FileRefused, rows: pd.DataFrame, missing: set[str]):
        super().__init__(refusal, rows, missing)
        self.refusal, self.rows, self.missing = refusal, rows, missing


@dataclass
class SourceFile:
    """One file found in the inputs folder and what became of it."""

    name: str
    path: str
    sha256: str
    size: int
    status: FileStatus = FileStatus.READ
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0
    label: str | None = None  # what the file is when it is not a partner's return


@dataclass
class Ingested:
    """The typed table of every row read, with the problems found while reading."""

    table: pd.DataFrame
    problems: list[Problem]
    files: list[SourceFile]
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    unreadable: set[tuple[int, str]] = field(default_factory=set)  # (table index, key) with errors
    set_aside: pd.DataFrame | None = None  # typed rows of files refused for their header
    set_aside_unreadable: set[tuple[int, str]] = field(default_factory=set)
    missing: dict[str, set[str]] = field(default_factory=dict)  # set-aside file -> keys missing

    def letter(self, file: str, key: str) -> str | None:
        return self.letters.get(file, {}).get(key)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def read_side_file(path: Path, label: str, what: str
                   ) -> tuple[SourceFile, bytes | None, Problem | None]:
    """Read a workbook given beside the returns (the scorecard, the actions workbook): its
    file record, labelled ``label``, and its bytes; or, when it cannot be read, the record
    marked refused and one F04 error naming it as ``what``. The file is only read."""
    src = SourceFile(name=path.name, path=str(path), sha256="", size=0, label=label)
    try:
        data = path.read_bytes()
    except OSError as exc:
        src.status = FileStatus.REFUSED
        return src, None, F04.problem(
            file=path.name, message=f"The {what} could not be read ({type(exc).__name__}: "
            f"{exc.strerror or exc}).", fix="Check the file exists and may be read, then run "
            "the round again.")
    src.sha256, src.size = sha256_of(data), len(data)
    return src, data, None


def normalise_header(value: object) -> str:
    """A header cell reduced for matching: lower case, words joined by underscores."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip().lower()
    s = re.sub(r"[\s\-/.]+", "_", s)
    return re.sub(r"[^a-z0-9_]", "", s).strip("_")


def _header_aliases(profile: Profile) -> dict[str, str]:
    """Every heading a column may carry, normalised: its key, its question, the question as
    the tool prints it (with its choices) and the tool's note on the heading."""
    aliases = {}
    for col in profile.columns:
        for form in (col.question, question_text(col), heading_note(col)):
            aliases.setdefault(normalise_header(form), col.key)
    for col in profile.columns:  # a key always means its own column
        aliases[normalise_header(col.key)] = col.key
    return aliases


def _find_header(raw: pd.DataFrame, aliases: dict[str, str]) -> tuple[int, int]:
    """(row position, number of headings matched) of the best header candidate: the row
    with the most headings naming a column, a heading that is the key itself counting
    twice, so the keys row of the tool (row 3) wins over its row of questions above it
    (row 2), even with a heading renamed. Among equals, the first."""
    best, best_hits, best_score = -1, 0, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(raw))):
        norms = [normalise_header(v) for v in raw.iloc[i].tolist()]
        named = [n for n in norms if n in aliases]
        score = len(named) + sum(1 for n in named if normalise_header(aliases[n]) == n)
        if score > best_score:
            best, best_hits, best_score = i, len(named), score
    return best, best_hits


@dataclass
class _Surveyed:
    """One sheet of a workbook as looked at when choosing which sheet to read."""

    name: str
    shown: bool
    grid: Grid
    row: int  # position of the best header candidate
    hits: int  # header cells naming a column key
    keys: set[str]  # the keys the header names
    cases: int  # rows below the header with a value in a headed audit column


def _survey(book: Book, name: str, shown: bool, aliases: dict[str, str]) -> _Surveyed | None:
    """Load one sheet and count its header hits and case rows; None for a sheet other than
    'Audit' that cannot be loaded (it is not read, so it does not refuse the file)."""
    try:
        grid = book.load(name)
    except FileRefused:
        if _is_audit_name(name):
            raise
        return None
    raw = grid.raw
    row, hits = _find_header(raw, aliases)
    keys: set[str] = set()
    cases = 0
    if hits:
        header = raw.iloc[row].tolist()
        cols = [j for j, v in enumerate(header) if normalise_header(v) in aliases]
        keys = {aliases[normalise_header(header[j])] for j in cols}
        # a partner's name alone (filled in on every row of a partner's tool) is no case
        cases = _count_filled_rows(raw.iloc[row + 1:, [j for j in cols if aliases[
            normalise_header(header[j])] != "partner"] or cols])
    return _Surveyed(name, shown, grid, row, hits, keys, cases)


def _count_filled_rows(body: pd.DataFrame) -> int:
    """How many rows have a cell that is not empty or only spaces."""
    filled = ~body.isna().to_numpy()
    for j in range(body.shape[1]):
        s = body.iloc[:, j]
        spaces = [u for u in s.dropna().unique() if isinstance(u, str) and not u.strip()]
        if spaces:
            filled[:, j] &= ~s.isin(spaces).to_numpy()
    return int(filled.any(axis=1).sum()) if filled.size else 0


def _is_audit_name(name: str) -> bool:
    return name.strip().lower() == "audit"


def _holds_cases(s: _Surveyed) -> bool:
    """The sheet has the audit header (with case_ref, unless it is the 'Audit' sheet: the
    template's hidden lists of choices name several keys too) and case rows under it."""
    return s.hits >= 3 and s.cases > 0 and (_is_audit_name(s.name) or "case_ref" in s.keys)


def _quoted(names: list[str]) -> str:
    """'A', 'B' and 'C'."""
    q = [f"'{n}'" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def _pick_sheet(book: Book, aliases: dict[str, str], notes: list[Issue]
                ) -> tuple[str, Grid, int]:
    """The sheet to read, its grid and the position of its header row, chosen by content:
    the one sheet with the audit header and case rows (visible sheets first, then hidden
    ones); two such sheets refuse the file (F11). With none, the 'Audit' sheet (or the one
    sheet with the audit header) is read as it is."""
    if book.kind == "csv":
        grid = book.load("(csv)")
        row, hits = _find_header(grid.raw, aliases)
        if hits < 3:
            raise F06.refuse(where="file", rows=HEADER_SEARCH_ROWS)
        return "(csv)", grid, row
    listed = ", ".join(f"'{n}'" + ("" if v else " (hidden)") for n, v in book.sheets) or "none"
    audit = next((n for n, _ in book.sheets if _is_audit_name(n)), None)
    surveyed: dict[str, _Surveyed | None] = {}

    def survey(shown: bool) -> list[_Surveyed]:
        for n, v in book.sheets:
            if v == shown and n not in surveyed:
                surveyed[n] = _survey(book, n, v, aliases)
        return [s for n, v in book.sheets if v == shown and (s := surveyed[n]) is not None]

    visible = survey(True)
    filled = [s for s in visible if _holds_cases(s)] or [s for s in survey(False) if _holds_cases(s)]
    if len(filled) > 1:
        raise F11.refuse(sheets=_quoted([s.name for s in filled]),
                         both="both" if len(filled) == 2 else "all")
    if filled:
        s = filled[0]
        if not s.shown:
            notes.append(N04.issue(name=s.name))
        if audit is not None and s.name != audit:
            notes.append(N16.issue(audit=audit, name=s.name, listed=listed))
        elif audit is None:
            headed = [t for t in surveyed.values() if t is not None and t.hits >= 3 and t.shown]
            notes.append(N09.issue(name=s.name, listed=listed) if len(headed) <= 1 else N09.issue(
                f"No sheet is called 'Audit'; the cases were read from sheet '{s.name}', the only "
                f"sheet with the audit columns and case rows (sheets: {listed})."))
        return s.name, s.grid, s.row
    if audit is not None:  # no sheet holds case rows: read the Audit sheet as it is
        shown = dict(book.sheets)[audit]
        s = surveyed[audit] if audit in surveyed else _survey(book, audit, shown, aliases)
        assert s is not None  # the Audit sheet raises rather than returning None
        if s.hits < 3:
            raise F06.refuse(where="Audit sheet", rows=HEADER_SEARCH_ROWS, sheet=audit)
        if not shown:
            notes.append(N04.issue(name=audit))
        return audit, s.grid, s.row
    found = [s for s in visible if s.hits >= 3]
    if len(found) == 1:
        s = found[0]
        notes.append(N09.issue(name=s.name, listed=listed))
        return s.name, s.grid, s.row
    if found:
        raise F05.refuse(
            f"No sheet is called 'Audit' and several sheets have the audit columns "
            f"({', '.join(repr(s.name) for s in found)}), so it is not clear which to read.",
            fix="Rename the sheet holding this round's cases to 'Audit' (or delete the others).")
    raise F05.refuse(listed=listed)


def _fill_merges(raw: pd.DataFrame, grid: Grid, hrow: int, mapping: dict[str, int],
                 note: Callable[..., None]) -> None:
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
        note(N06, row=r0, key=keys[c0], value=value, span=span, rows=rows, across=across)


def _read_one(path: Path, data: bytes, profile: Profile, aliases: dict[str, str],
              problems: list[Problem], letters: dict[str, dict[str, str]]
              ) -> tuple[pd.DataFrame, str, int]:
    """Read one return: open it, pick the sheet and header row, match the columns, and take
    the case rows as raw cells (typed later, for every file at once). Returns the rows, the
    sheet read and the Excel row of the header; raises FileRefused for a file that cannot be
    read safely. ``path`` is the name relative to the inputs folder."""
    name = path.as_posix()
    file_notes: list[Issue] = []
    book = Book(path, data, file_notes)
    tool = check_tool(book, profile)  # refuses a tool whose scored questions changed (F15)
    file_notes.extend(tool.notes)
    sheet, grid, hpos = _pick_sheet(book, aliases, file_notes)
    shown_sheet = None if sheet == "(csv)" else sheet
    for issue in file_notes:
        problems.append(issue.problem(file=name, sheet=shown_sheet))
    raw = grid.raw
    hrow = int(raw.index[hpos])  # Excel row of the header, less one
    mapping, unknown = _map_header(raw.iloc[hpos].tolist(), aliases, sheet, tool.renames)
    letters[name] = {k: get_column_letter(j + 1) for k, j in mapping.items()}
    try:
        _refuse_missing_columns(profile, mapping, unknown, hrow, sheet)
        refusal = None
    except FileRefused as r:  # refused, but its rows are still read and checked (set aside)
        refusal = r

    def note(definition: ProblemCode, *, row: int | None = None, key: str | None = None,
             value: object = None, message: str | None = None, fix: str | None = None,
             **context: Any) -> None:
        problems.append(definition.problem(
            file=name, sheet=shown_sheet, row=row, column=key,
            letter=letters[name].get(key) if key else None,
            value=None if value is None else show_value(value), message=message, fix=fix,
            **context))

    known = [c.key for c in profile.columns if c.key not in mapping]
    for j, u in unknown:
        if refusal is not None and f"is headed '{u}'" in refusal.message:
            continue  # the refusal names this heading already
        near = difflib.get_close_matches(normalise_header(u), known, n=1, cutoff=0.6)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        problems.append(N01.problem(file=name, sheet=shown_sheet, row=hrow + 1,
                                    letter=get_column_letter(j + 1), value=u, hint=hint))
    for key, j in mapping.items():
        if j in grid.hidden_cols:
            note(N05, key=key, message=f"Column {get_column_letter(j + 1)} ('{key}') is hidden "
                 "in the workbook; it was read as usual.",
                 fix="Check its values; unhide it to see them.")
    for ref in grid.far_cells:
        note(N08, ref=ref, last=get_column_letter(MAX_COLUMNS))
    body = raw.loc[raw.index > hrow]
    if grid.merges:
        body = body.copy()
        _fill_merges(body, grid, hrow, mapping, note)
    body = _skip_repeated_headers(body, mapping, aliases, hrow, shown_sheet, note)
    frame = _case_rows(body, mapping, profile, name, sheet)
    frame = _skip_filled_down(frame, profile, note, tool.prefilled_partner)
    for r in sorted(grid.hidden_rows & set(frame["_row"].tolist())):
        note(N05, row=r)
    if refusal is not None:
        raise SetAside(refusal, frame.reset_index(drop=True),
                       {c.key for c in profile.columns if c.key not in mapping})
    return frame.reset_index(drop=True), sheet, hrow + 1


def _map_header(header: list, aliases: dict[str, str], sheet: str,
                renames: dict[str, str | None] | None = None
                ) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Column key -> position for the header cells that name a key (or its question), and
    the other headed columns; a key headed twice refuses the file (F08). ``renames`` are the
    keys of an earlier tool read as this round's (None: a column not read at all)."""
    mapping: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    moved = {normalise_header(k): v for k, v in (renames or {}).items()}
    for j, cell in enumerate(header):
        norm = normalise_header(cell)
        if not norm:
            continue
        if norm in moved:
            key = moved[norm]
            if key is None:
                continue  # a question no longer asked (said in N20)
        else:
            key = aliases.get(norm)
        if key is None:
            unknown.append((j, show_value(cell)))
        elif key in mapping:
            raise F08.refuse(key=key, first=get_column_letter(mapping[key] + 1),
                             second=get_column_letter(j + 1), sheet=sheet)
        else:
            mapping[key] = j
    return mapping, unknown


def _refuse_missing_columns(profile: Profile, mapping: dict[str, int],
                            unknown: list[tuple[int, str]], hrow: int, sheet: str) -> None:
    """Refuse the file (F07) when a required column is missing, naming for each one the
    heading that now stands where it was (its key with words added, the heading in its
    place in the tool, or a near miss of its key or question); when most are missing, say
    the return may be for another profile."""
    required = [c for c in profile.columns if c.in_header]
    missing = [c for c in required if c.key not in mapping]
    if not missing:
        return
    msgs = []
    taken: set[int] = set()
    for c in missing:
        found = _in_its_place(profile, c.key, mapping, unknown, taken)
        if found is not None:
            taken.add(found[0])
        msgs.append(f"'{c.key}' {found[1]}" if found else f"'{c.key}'")
    message = None
    if len(missing) * 2 > len(required):
        message = (f"Most of the audit columns are missing from the header row (row {hrow + 1}): "
                   f"{len(missing)} of {len(required)}, so this may be a return for another "
                   f"profile or another form, not this round's '{profile.name}' audit tool. "
                   f"Missing: {', '.join(c.key for c in missing)}.")
    raise F07.refuse(message, columns="columns" if len(msgs) > 1 else "column",
                     header_row=hrow + 1, missing="; ".join(msgs), sheet=sheet,
                     column=", ".join(c.key for c in missing))


QUESTION_NEAR = 0.8  # a heading this close to a column's question is taken for it


def _in_its_place(profile: Profile, key: str, mapping: dict[str, int],
                  unknown: list[tuple[int, str]], taken: set[int]) -> tuple[int, str] | None:
    """The unknown heading most likely to stand for the missing column ``key`` and how to
    say so: (its position, '(column J is headed ...)') or None. Tried in turn: the key with
    words added ('LE2 child's story'), a near miss of the key ('TU_3'), the question
    reworded, and the heading in the key's place in the tool between columns still there."""
    free = [(j, u) for j, u in unknown if j not in taken]
    nkey = normalise_header(key)
    for j, u in free:
        if re.match(re.escape(nkey) + r"(?![a-z0-9])", normalise_header(u)):
            return j, f"(column {get_column_letter(j + 1)} is headed '{u}': rename it '{key}')"
    near = difflib.get_close_matches(nkey, [normalise_header(u) for _, u in free], n=1,
                                     cutoff=0.6)
    for j, u in free:
        if near and normalise_header(u) == near[0]:
            return j, (f"(column {get_column_letter(j + 1)} is headed '{u}': did you mean "
                       f"'{key}'?)")
    question = normalise_header(profile.column_map[key].question)
    for j, u in free:
        if difflib.SequenceMatcher(None, normalise_header(u), question).ratio() >= QUESTION_NEAR:
            return j, (f"(column {get_column_letter(j + 1)} is headed '{u}', which looks like "
                       f"its question reworded: head it '{key}')")
    keys = [c.key for c in profile.columns]
    i = keys.index(key)
    before = mapping.get(keys[i - 1]) if i > 0 else None
    after = mapping.get(keys[i + 1]) if i + 1 < len(keys) else None
    for j, u in free:
        if (before is not None and j == before + 1) or (after is not None and j == after - 1):
            return j, (f"(column {get_column_letter(j + 1)}, where the tool has '{key}', is "
                       f"headed '{u}')")
    return None


def _skip_repeated_headers(body: pd.DataFrame, mapping: dict[str, int], aliases: dict[str, str],
                           hrow: int, shown_sheet: str | None, note: Callable[..., None]
                           ) -> pd.DataFrame:
    """Drop rows repeating the header (the keys again, or the questions) with a note (N07);
    a second header with the columns in another order refuses the file (F10)."""
    pcol = body.iloc[:, mapping["partner"]] if mapping["partner"] < body.shape[1] else None
    if pcol is None or not len(body):
        return body
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
            raise F10.refuse(second=label + 1, first=hrow + 1, moved=moved[0], sheet=shown_sheet)
        repeats.append(label)
        note(N07, row=label + 1)
    return body.drop(index=repeats) if repeats else body


def _case_rows(body: pd.DataFrame, mapping: dict[str, int], profile: Profile, name: str,
               sheet: str) -> pd.DataFrame:
    """The profile's columns of the non-blank rows, raw, with file, sheet and Excel row."""
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
    return frame


FILLED_DOWN = ("partner", "auditor_role", "audit_date")  # what a partner drags down every row


def _skip_filled_down(frame: pd.DataFrame, profile: Profile, note: Callable[..., None],
                      prefilled: str | None = None) -> pd.DataFrame:
    """Drop rows holding only what a partner fills down every row (the partner's name, the
    auditor's role, the audit date) and no case reference or answer, with one note (N22) for
    them all: a name drag-filled down 500 rows is not 500 cases with errors. Rows holding
    only ``prefilled``, the partner's name the tool itself filled in, go without a note."""
    content = [c.key for c in profile.columns if c.key not in FILLED_DOWN]
    if frame.empty or not content:
        return frame
    if prefilled is not None:
        others = [c.key for c in profile.columns if c.key != "partner"]
        own = (frame["partner"].astype("string").str.strip() == prefilled).fillna(False)
        frame = frame[~(own.to_numpy(dtype=bool) & blank_rows(frame[others]))]
        if frame.empty:
            return frame
    empty = blank_rows(frame[content])
    if not empty.any():
        return frame
    rows = frame["_row"].to_numpy()[empty].tolist()
    filled = [k for k in FILLED_DOWN if not blank_rows(frame.loc[empty, [k]]).all()]
    what = {"partner": "the partner's name", "auditor_role": "the auditor's role",
            "audit_date": "the audit date"}
    named = [what[k] for k in filled]
    holds = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    note(N22, row=rows[0], key=filled[0] if filled else None,
         rows=f"Row {rows[0]}" if len(rows) == 1 else f"Rows {row_ranges(rows)}",
         hold="holds" if len(rows) == 1 else "hold", what=holds,
         them="it was" if len(rows) == 1 else f"these {len(rows)} rows were")
    return frame[~empty]


class EntryKind(StrEnum):
    """What one entry under the inputs folder is, before any file is opened."""

    FILE = "file"  # judged by its content
    LINK = "link"  # a link to a file: the file is judged by its content, with a note
    SYSTEM = "system file"  # a lock file, .DS_Store, Thumbs.db ...: skipped with a note
    SPECIAL = "special file"  # a pipe, socket or device, or a folder link seen before: never opened
    BROKEN = "broken link"  # a link to nothing: refused
    UNREADABLE = "unreadable folder"  # a folder that cannot be listed: refused


@dataclass(frozen=True)
class Entry:
    """One entry under the inputs folder: its path relative to the folder (with /), its
    path on disk and what it is."""

    name: str
    path: Path
    kind: EntryKind
    what: str = ""  # for system and special files, and unreadable folders: what it is
    target: str | None = None  # for links: where the link points


_SYSTEM_FILES = {".ds_store": "a macOS folder settings file", "thumbs.db": "a Windows thumbnail cache",
                 "ehthumbs.db": "a Windows thumbnail cache",
                 "desktop.ini": "a Windows folder settings file",
                 ".qa-audit.lock": "the toolkit's lock file for a reports folder"}
_LOCK_MAX_BYTES = 4096  # an Office lock file is a few hundred bytes; a real workbook is larger


def _system_file(path: Path, name: str) -> str | None:
    """What a well-known system file is, by its name (lock files also by their size)."""
    what = _SYSTEM_FILES.get(name.lower())
    if what:
        return what
    if name.startswith("._"):
        return "a macOS resource file (made when copying from a Mac)"
    if name.startswith(("~$", ".~lock.")) and path.stat().st_size < _LOCK_MAX_BYTES:
        return "an Office lock file (left while a workbook is open)"
    return None


def _reports_folder(path: Path) -> bool:
    """A folder the toolkit wrote (a reports folder, a round's folder or an unfinished one),
    never read as returns when --out lies inside --inputs. A folder that cannot be looked
    into is not one (it is named as unreadable when listed)."""
    try:
        return ((path / ".qa-audit.lock").exists() or (path / "manifest.json").exists()
                or (path.name.startswith(".") and ".partial-" in path.name))
    except OSError:
        return False


def _special_kind(path: Path) -> str:
    mode = path.stat().st_mode
    for test, what in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "a special file"


def _entry(root: Path, path: Path, seen: set[str], out: list[Entry]) -> None:
    """Judge one entry by what it is on disk (never opening it); walk into folders."""
    name = path.relative_to(root).as_posix()
    link = path.is_symlink()
    target = os.readlink(path) if link else None
    if not path.exists():  # follows links: a link to nothing
        out.append(Entry(name, path, EntryKind.BROKEN, target=target))
    elif path.is_dir():
        real = os.path.realpath(path)
        if real in seen:
            out.append(Entry(name, path, EntryKind.SPECIAL, "a link to a folder already read",
                             target))
        elif _reports_folder(path):
            out.append(Entry(name, path, EntryKind.SPECIAL, "a reports folder made by the toolkit",
                             target))
        else:
            _walk(root, path, seen | {real}, out)
    elif not path.is_file():
        out.append(Entry(name, path, EntryKind.SPECIAL, _special_kind(path), target))
    elif (what := _system_file(path, path.name)) is not None:
        out.append(Entry(name, path, EntryKind.SYSTEM, what, target))
    else:
        out.append(Entry(name, path, EntryKind.LINK if link else EntryKind.FILE, target=target))


def _walk(root: Path, folder: Path, seen: set[str], out: list[Entry]) -> None:
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        out.append(Entry(folder.relative_to(root).as_posix() or ".", folder,
                         EntryKind.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}"))
        return
    for path in children:
        _entry(root, path, seen, out)


def list_returns(inputs: Path) -> list[Entry]:
    """Every entry under the inputs folder and its subfolders (links followed), sorted by
    relative path, each with what it is. Nothing is opened here: files are judged by their
    content when read. Empty folders leave no entry."""
    root = Path(inputs)
    out: list[Entry] = []
    _walk(root, root, {os.path.realpath(root)}, out)
    return sorted(out, key=lambda e: e.name)


def _not_opened(entry: Entry) -> tuple[FileStatus, Problem] | None:
    """The outcome of an entry that is never opened (system, special, broken, unreadable)."""
    if entry.kind == EntryKind.SYSTEM:
        return FileStatus.SKIPPED, N02.problem(file=entry.name, what=entry.what)
    if entry.kind == EntryKind.SPECIAL:
        return FileStatus.SKIPPED, N18.problem(file=entry.name, what=entry.what)
    if entry.kind == EntryKind.BROKEN:
        return FileStatus.REFUSED, F14.problem(file=entry.name, target=entry.target)
    if entry.kind == EntryKind.UNREADABLE:
        return FileStatus.REFUSED, F04.problem(
            file=entry.name, message=f"The folder could not be opened ({entry.what}), so the "
            "files in it were not read.", fix=_CANNOT_OPEN_FIX)
    return None


_CANNOT_OPEN_FIX = ("Check the toolkit's user may read it (and that it is not open elsewhere), "
                    "then run the round again.")


def _read_file(entry: Entry, profile: Profile, aliases: dict[str, str]
               ) -> tuple[SourceFile, pd.DataFrame | SetAside | None, list[Problem],
                          dict[str, dict[str, str]]]:
    """Read one entry judged by its content: its record, its rows (None if refused or
    skipped; SetAside for a file refused for its header whose rows were read), its problems
    and its column letters, all named by the path relative to the inputs folder. Never
    raises for a bad file. Runs in a worker process for big rounds."""
    name = entry.name
    problems: list[Problem] = []
    letters: dict[str, dict[str, str]] = {}
    src = SourceFile(name=name, path=str(entry.path), sha256="", size=0)
    outcome = _not_opened(entry)
    if outcome is not None:
        src.status, problem = outcome
        return src, None, [problem], letters
    try:
        data = entry.path.read_bytes()
    except OSError as exc:
        src.status = FileStatus.REFUSED
        return src, None, [F04.problem(file=name, message=f"The file could not be read from the "
                                       f"inputs folder ({type(exc).__name__}: {exc.strerror or exc}).",
                                       fix=_CANNOT_OPEN_FIX)], letters
    src.sha256, src.size = sha256_of(data), len(data)
    if entry.kind == EntryKind.LINK:
        problems.append(N17.problem(file=name, target=entry.target))
    try:
        frame, sheet, hrow = _read_one(Path(name), data, profile, aliases, problems, letters)
    except SetAside as aside:
        src.status = FileStatus.REFUSED
        problems.append(aside.refusal.problem(name))
        return src, aside, problems, letters
    except FileRefused as r:
        src.status = FileStatus.REFUSED
        problems.append(r.problem(name))
        return src, None, problems, letters
    except Exception as exc:  # never a traceback: the file is refused, the round goes on
        src.status = FileStatus.REFUSED
        problems.append(F04.problem(
            file=name, message=f"The file could not be read ({type(exc).__name__}: {exc}).",
            fix="Open it in Excel, save it as .xlsx and send it again; if that fails, report "
            "this to the toolkit's maintainers."))
        return src, None, problems, letters
    src.sheet, src.header_row, src.rows = sheet, hrow, len(frame)
    if frame.empty:
        problems.append(N03.problem(file=name, sheet=None if sheet == "(csv)" else sheet))
    return src, frame, problems, letters


PARALLEL_MIN_FILES = 8  # fewer files than this are read in this process


def read_returns(inputs: Path | str, profile: Profile, workers: int = 1) -> Ingested:
    """Read every return under ``inputs`` (subfolders too) into one typed table, collecting
    problems. Every entry found is either read or named in a problem (see list_returns).

    With ``workers`` > 1 and at least PARALLEL_MIN_FILES files, files are read in that many
    worker processes (reading is most of a large round's time); the result is the same.
    """
    inputs = Path(inputs)
    if not inputs.is_dir():
        raise FileNotFoundError(f"The inputs folder {inputs} does not exist.")
    aliases = _header_aliases(profile)
    entries = list_returns(inputs)
    if workers > 1 and len(entries) >= PARALLEL_MIN_FILES:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_read_file, entries, [profile] * len(entries),
                                    [aliases] * len(entries), chunksize=4))
    else:
        results = [_read_file(e, profile, aliases) for e in entries]
    problems: list[Problem] = []
    files: list[SourceFile] = []
    frames: list[pd.DataFrame] = []
    aside: list[SetAside] = []
    letters: dict[str, dict[str, str]] = {}
    for src, frame, probs, lets in results:
        files.append(src)
        problems.extend(probs)
        letters.update(lets)
        if isinstance(frame, SetAside):
            aside.append(frame)
        elif frame is not None:
            frames.append(frame)
    unreadable: set[tuple[int, str]] = set()
    raw = _joined(frames, profile)
    table = _coerce(raw, profile, letters, problems, unreadable)
    _judge_date_order(raw, table, profile, letters, problems, unreadable)
    problems.extend(_partners_in_several_files(table))
    ing = Ingested(table=table, problems=problems, files=files, letters=letters,
                   unreadable=unreadable)
    if aside:
        set_aside_problems: list[Problem] = []
        ing.set_aside = _coerce(_joined([a.rows for a in aside], profile), profile, letters,
                                set_aside_problems, ing.set_aside_unreadable)
        ing.missing = {str(a.rows["_file"].iat[0]): a.missing for a in aside if len(a.rows)}
        problems.extend(p for p in set_aside_problems
                        if p.column not in ing.missing.get(p.file, set()))
    return ing


def _joined(frames: list[pd.DataFrame], profile: Profile) -> pd.DataFrame:
    """The raw rows of several files as one table (an empty one with every column if none)."""
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=META + [c.key for c in profile.columns]))


def _judge_date_order(raw: pd.DataFrame, table: pd.DataFrame, profile: Profile,
                      letters: dict[str, dict[str, str]], problems: list[Problem],
                      unreadable: set[tuple[int, str]]) -> None:
    """Refuse the dates that could be read either way in a file that writes dates month
    first (D05), and note a file whose every text date could (N23): see
    :mod:`qa_lib.ingest.date_order`."""
    judged = judge_date_order(raw, [c.key for c in profile.columns if c.type == "date"])
    cells = _Cells(raw.assign(partner=table["partner"]), letters, problems)
    for idx, key, issue in judged.refused:
        table.at[idx, key] = pd.NaT
        unreadable.add((idx, key))
        cells.add(idx, key, issue, raw.at[idx, key])
    for idx, key, issue in judged.notes:
        cells.add(idx, key, issue)


def _partners_in_several_files(table: pd.DataFrame) -> list[Problem]:
    """A note (N21) on each file of a partner whose rows come from more than one file (a
    corrected copy sent beside the first, a return saved twice)."""
    out: list[Problem] = []
    known = table.dropna(subset=["partner"])
    for partner, group in known.groupby("partner", sort=True):
        counts = group["_file"].value_counts(sort=False)
        if len(counts) < 2:
            continue
        files = sorted(counts.index)
        listed = "; ".join(f"'{f}' ({counts[f]} row{'s' if counts[f] != 1 else ''})"
                           for f in files)
        for f in files:
            out.append(N21.problem(file=f, partner=str(partner), column="partner", who=partner,
                                   count=len(files), files=listed))
    return out


# --------------------------------------------------------------------------- typing values


class _Cells:
    """Builds problems for many rows of one column at once."""

    def __init__(self, raw: pd.DataFrame, letters, problems: list[Problem]):
        self.raw, self.letters, self.problems = raw, letters, problems

    def add(self, idx: object, key: str, issue: Issue, value: object = None) -> None:
        r = self.raw.loc[idx]
        self.problems.append(issue.problem(
            file=r["_file"], sheet=r["_sheet"], row=int(r["_row"]),
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
        fn: Callable[[object], Parsed]
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
        elif col.type == "number":
            fn = number_parser(col.percent)
        elif col.key == "case_ref":
            fn = parse_case_ref
        else:
            fn = parse_text
        parsed, issues = _by_unique(raw[col.key], fn)
        for pos in np.flatnonzero(pd.notna(issues)).tolist():  # only the cells with an issue
            idx = raw.index[pos]
            issue = issues[pos]
            if issue.severity == Severity.ERROR:
                unreadable.add((idx, col.key))
            cells.add(idx, col.key, issue, raw.at[idx, col.key])
        if col.type == "date":
            out[col.key] = pd.to_datetime(pd.Series(parsed, index=raw.index, dtype=object))
        elif col.type == "grade":
            out[col.key] = pd.array(parsed, dtype="Int64")
        elif col.type == "number":
            out[col.key] = pd.Series(parsed, index=raw.index, dtype="float64")
        else:
            out[col.key] = pd.Series(parsed, index=raw.index, dtype=object)
        if col.key == "partner":
            raw = raw.assign(partner=out["partner"])
            cells.raw = raw
    return out
