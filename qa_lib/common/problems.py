"""Problems found in a return, and the one registry of every problem code.

A :class:`Problem` is one row of the validation report. Every problem code the toolkit
can raise is defined once, with :func:`define`, as a :class:`ProblemCode`: its severity,
the one-line title the catalogue shows, the default message and fix, and the fields it
concerns. Problems are only ever made through a definition (``F07.problem(...)``,
``F06.refuse(...)``, ``C01.issue(...)``), so a code and its severity are never typed twice.

Reading-time codes are defined in :mod:`qa_lib.ingest.codes`, validation codes beside their
checks in :mod:`qa_lib.checks.rules`; :func:`qa_lib.checks.rules.catalogue` imports both,
so it sees every code.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

from qa_lib.common.vocabulary import Severity

COLUMNS = ["severity", "code", "partner", "file", "sheet", "row", "column", "letter", "value",
           "message", "fix"]

HEADINGS = {
    "severity": "Severity", "code": "Code", "partner": "Partner", "file": "File",
    "sheet": "Sheet", "row": "Excel row", "column": "Column", "letter": "Column letter",
    "value": "Value found", "message": "What is wrong", "fix": "How to fix it",
}

_CODE_FORM = re.compile(r"[A-Z]\d\d")


@dataclass
class Problem:
    """A problem or note for one file, or one cell of one row, of a return."""

    severity: Severity
    code: str
    message: str
    fix: str
    file: str
    sheet: str | None = None
    row: int | None = None  # the spreadsheet's own row number (1-based)
    column: str | None = None  # the column key
    letter: str | None = None  # the spreadsheet column letter
    value: str | None = None
    partner: str | None = None


@dataclass(frozen=True)
class ProblemCode:
    """The one definition of a problem code: what it means and what the audit lead is told.

    ``message`` and ``fix`` may be :meth:`str.format` templates with named fields; the
    fields are filled from the keyword arguments of :meth:`problem`, :meth:`refuse` or
    :meth:`issue` (and, for :meth:`problem`, from the location: ``row``, ``column`` ...).
    A message or fix passed in explicitly is used as it is, never formatted.
    """

    code: str
    severity: Severity
    title: str  # the one line of the catalogue
    message: str  # the default message
    fix: str  # the default fix
    fields: tuple[str, ...] = ()  # the columns (or kinds of column) it concerns

    def text(self, message: str | None = None, fix: str | None = None,
             **context: object) -> tuple[str, str]:
        """The message and fix for one occurrence: those given, else the defaults filled
        from ``context``."""
        return (self.message.format(**context) if message is None else message,
                self.fix.format(**context) if fix is None else fix)

    def issue(self, message: str | None = None, *, fix: str | None = None,
              **context: object) -> Issue:
        """This problem found before it is known where (one cell value, one file)."""
        msg, fx = self.text(message, fix, **context)
        return Issue(self, msg, fx)

    def problem(self, *, file: str, message: str | None = None, fix: str | None = None,
                sheet: str | None = None, row: int | None = None, column: str | None = None,
                letter: str | None = None, value: str | None = None, partner: str | None = None,
                **context: object) -> Problem:
        """This problem at one place of one file (a cell, a row, or the whole file)."""
        msg, fx = self.text(message, fix, file=file, sheet=sheet, row=row, column=column,
                            letter=letter, value=value, **context)
        return Issue(self, msg, fx).problem(file=file, sheet=sheet, row=row, column=column,
                                            letter=letter, value=value, partner=partner)

    def refuse(self, message: str | None = None, *, fix: str | None = None,
               sheet: str | None = None, column: str | None = None,
               **context: object) -> FileRefused:
        """The exception that refuses a whole file for this problem (raise it)."""
        msg, fx = self.text(message, fix, sheet=sheet, column=column, **context)
        return FileRefused(Issue(self, msg, fx), sheet=sheet, column=column)


@dataclass(frozen=True)
class Issue:
    """One occurrence of a problem code with its message and fix, not yet placed in a file."""

    definition: ProblemCode
    message: str
    fix: str

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def severity(self) -> Severity:
        return self.definition.severity

    def problem(self, *, file: str, sheet: str | None = None, row: int | None = None,
                column: str | None = None, letter: str | None = None, value: str | None = None,
                partner: str | None = None) -> Problem:
        """This issue placed at one cell, row or file."""
        return Problem(self.severity, self.code, self.message, self.fix, file=file, sheet=sheet,
                       row=row, column=column, letter=letter, value=value, partner=partner)


class FileRefused(Exception):
    """A file that cannot be read at all, with the message and fix for the audit lead.

    Made by :meth:`ProblemCode.refuse`, never directly."""

    def __init__(self, issue: Issue, sheet: str | None = None, column: str | None = None):
        super().__init__(issue, sheet, column)  # the arguments, so that it pickles
        self.issue, self.sheet, self.column = issue, sheet, column

    def __str__(self) -> str:
        return self.issue.message

    @property
    def code(self) -> str:
        return self.issue.code

    @property
    def message(self) -> str:
        return self.issue.message

    @property
    def fix(self) -> str:
        return self.issue.fix

    def problem(self, file: str) -> Problem:
        """The refusal as the validation report's row for ``file``."""
        return self.issue.problem(file=file, sheet=self.sheet, column=self.column)


REGISTRY: dict[str, ProblemCode] = {}


def define(code: str, severity: Severity, title: str, *, fix: str, message: str | None = None,
           fields: tuple[str, ...] | list[str] = ()) -> ProblemCode:
    """Define and register a problem code; the message defaults to the title.

    Raises ValueError if the code is malformed or already defined: each code is defined once.
    """
    if not _CODE_FORM.fullmatch(code):
        raise ValueError(f"A problem code is a capital letter and two digits, not {code!r}.")
    if code in REGISTRY:
        raise ValueError(f"The problem code {code} is defined twice.")
    if not isinstance(severity, Severity):
        raise ValueError(f"The severity of {code} must be a Severity, not {severity!r}.")
    definition = ProblemCode(code, severity, title, title if message is None else message, fix,
                             tuple(fields))
    REGISTRY[code] = definition
    return definition


def registered() -> list[ProblemCode]:
    """Every problem code defined so far, sorted by code (import :mod:`qa_lib.checks.rules`
    first to be sure every stage's codes are defined)."""
    return [REGISTRY[c] for c in sorted(REGISTRY)]


def _cell(text: str) -> str:
    """Text made safe for one cell of a markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(codes: list[ProblemCode]) -> str:
    """The catalogue of ``codes`` as a markdown table: code, severity, meaning, fields, fix."""
    lines = ["| code | severity | what it means | concerns | default fix |",
             "|---|---|---|---|---|"]
    for d in codes:
        fields = ", ".join(d.fields) if d.fields else "the whole file"
        lines.append(f"| {d.code} | {d.severity} | {_cell(d.title)} | {_cell(fields)} "
                     f"| {_cell(d.fix)} |")
    return "\n".join(lines) + "\n"


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table in the validation report's column order, sorted for reading."""
    df = pd.DataFrame([asdict(p) for p in problems], columns=COLUMNS)
    if df.empty:
        return df
    df["row"] = df["row"].astype("Int64")
    order = {Severity.ERROR: 0, Severity.NOTE: 1}
    df = df.assign(_s=df["severity"].map(order)).sort_values(
        ["file", "_s", "row", "letter", "code"], na_position="first", kind="stable"
    )
    return df.drop(columns="_s").reset_index(drop=True)


def row_ranges(rows: list[int]) -> str:
    """Spreadsheet rows as a reader writes them: '4', '2 to 11', '3, 5 and 9 to 12'."""
    runs: list[tuple[int, int]] = []
    for r in sorted(set(rows)):
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    parts = [str(a) if a == b else f"{a} to {b}" for a, b in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


GROUP_KEY = ["severity", "code", "partner", "file", "sheet", "column", "letter", "value",
             "message", "fix"]


def grouped_problems(df: pd.DataFrame) -> pd.DataFrame:
    """A problems table (:func:`problems_frame`) with each problem repeated on several rows
    of one file (same code, column, value and message) as one row: ``row`` becomes text
    ('2 to 11', '3, 5 and 9 to 12') and ``count`` says how many cells it stands for. So a
    value drag-filled down 500 rows is one line of the report, not 500."""
    if df.empty:
        return df.assign(count=pd.Series(dtype="int64"))
    key = df[GROUP_KEY].astype("string").fillna("\x00")  # a missing value groups with missing
    groups = key.groupby(GROUP_KEY, sort=False, dropna=False).ngroup()
    out = df.assign(_g=groups.to_numpy())
    first = out.drop_duplicates("_g").set_index("_g")
    rows: dict[int, list[int]] = {}
    for g, r in zip(out["_g"].tolist(), out["row"].tolist(), strict=True):
        rows.setdefault(g, [])
        if r is not None and not pd.isna(r):
            rows[g].append(int(r))
    first["count"] = out.groupby("_g").size()
    first["row"] = pd.Series([row_ranges(rows[g]) if len(rows[g]) > 1
                              else (rows[g][0] if rows[g] else None) for g in first.index],
                             index=first.index, dtype=object)
    return first.reset_index(drop=True)
