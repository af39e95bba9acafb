"""What the audit lead's notebook (``notebooks/run_round.ipynb``) shows between its steps,
and how a lead gets a copy of it to work on.

The notebook holds no logic: it opens an :class:`~qa_lib.run.round.AuditRound` and calls
its steps, displaying what the functions here return. ``qa-audit notebook --out DIR``
copies the notebook for the lead (:func:`copy_notebook`): rounds execute the report
notebooks in ``notebooks/``, so a lead never edits those.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
from html import escape
from pathlib import Path

import pandas as pd

from qa_lib.common.vocabulary import Severity
from qa_lib.profile.audit_tool import slugify
from qa_lib.report import fragments as fr
from qa_lib.report import wording
from qa_lib.report.validation_report import file_table, shown_problems, visible_frame
from qa_lib.run.options import NOTEBOOK_DIR, RoundError
from qa_lib.run.round import Checked, RoundResult

LEAD_NOTEBOOK = NOTEBOOK_DIR / "run_round.ipynb"
SHOWN = ["Severity", "Code", "Sheet", "Excel row", "Cells", "Column", "Value found",
         "What is wrong", "How to fix it"]


def as_date(value: str | dt.date | None) -> dt.date | None:
    """A parameter given as 'YYYY-MM-DD' (or a date, or None for today)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RoundError(f"today = {value!r} is not a date: write it as 'YYYY-MM-DD', or None "
                         "for today.") from None


def files_table(checked: Checked) -> pd.DataFrame:
    """One row per file read: partner, status, rows read, rows with errors, errors, notes."""
    return visible_frame(file_table(checked.validated, checked.files))


def problems_table(checked: Checked, severity: Severity | None = None) -> pd.DataFrame:
    """The problems found, errors first, a problem repeated on many rows as one line."""
    found = [p for p in checked.validated.problems if severity is None or p.severity == severity]
    return shown_problems(found)[["File", *SHOWN]]


def links_html(result: RoundResult) -> str:
    """Links to the finished round's pages, for the last cell of the notebook."""
    folder = result.folder
    pages = [("Round index", folder / "index.html"),
             ("Partnership report", folder / "partnership.html")]
    pages += [(f"{p}: partner report", folder / f"partner-{slugify(p)}.html")
              for p in result.partners]
    pages += [("Validation report", folder / "validation.html"),
              ("Summary tables (Excel)", folder / "summary.xlsx"),
              ("Actions workbook for the next round", folder / "actions-next.xlsx")]
    if result.published is not None:
        pages.append(("Published copy, to share", result.published / "index.html"))
    items = "".join(f'<li><a href="{escape(_href(path), quote=True)}">{escape(name)}</a>'
                    f" <code>{escape(str(path))}</code></li>"
                    for name, path in pages if path.exists())
    status = fr.paragraph(f"Round {escape(folder.name)}: {result.status}; rows scored "
                          f"{result.rows_scored}, left out {result.rows_left_out}; "
                          f"{wording.count(len(result.reports), 'report')}.")
    return status + f"<ul>{items}</ul>"


def _href(path: Path) -> str:
    """A link a notebook opened from anywhere can follow: relative to the working folder
    when the page is under it (JupyterLab opens those), else a file address."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def notebook_path(namespace: dict) -> Path | None:
    """The executed notebook's own file, where it can be known: papermill's
    ``--inject-output-path`` parameter, JupyterLab's session, or the command line of the
    papermill process that started this kernel (Linux). None otherwise."""
    for name in ("PAPERMILL_OUTPUT_PATH", "__session__"):
        value = namespace.get(name)
        if isinstance(value, str) and value.endswith(".ipynb") and Path(value).is_file():
            return Path(value)
    return _papermill_output()


def _papermill_output() -> Path | None:
    """The output notebook named on the command line of the papermill process that is this
    kernel's parent, resolved against that process's working folder."""
    try:
        parent = Path(f"/proc/{os.getppid()}")
        args = (parent / "cmdline").read_bytes().split(b"\0")
        cwd = Path(os.readlink(parent / "cwd"))
    except OSError:
        return None
    words = [a.decode(errors="replace") for a in args if a]
    if not any(Path(w).name.startswith("papermill") for w in words[:2]):
        return None
    notebooks = [w for w in words if w.endswith(".ipynb")]
    if len(notebooks) < 2:
        return None
    out = Path(notebooks[1])
    out = out if out.is_absolute() else cwd / out
    return out if out.is_file() else None


def copy_notebook(out: Path | str) -> Path:
    """Copy the audit lead's notebook into ``out`` (a folder, made if needed) for the lead to
    work on, never over an existing file: ``run_round.ipynb``, else ``run_round-2.ipynb``..."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise RoundError(f"'{folder}' is a file, not a folder: give a folder as --out.")
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / LEAD_NOTEBOOK.name, 1
    while target.exists():
        n += 1
        target = folder / f"{LEAD_NOTEBOOK.stem}-{n}.ipynb"
    shutil.copyfile(LEAD_NOTEBOOK, target)
    return target


def papermill_command(target: Path) -> str:
    """How to run the copied notebook from the command line."""
    return (f"papermill --inject-output-path {shlex.quote(str(target))} "
            f"{shlex.quote(str(target.with_name(target.stem + '-executed.ipynb')))} "
            "-p profile halton -p round_id 2026-Q3 -p inputs returns/ -p out reports/")
