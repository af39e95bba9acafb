"""The report notebooks' parameters, checked before anything is read.

A report notebook is opened by hand as well as run by ``qa-audit run``: left at its
defaults, or given a partner from another round, it must say in one line what to set,
not end in a long traceback or show an empty report. :func:`check_round_dir` and
:func:`check_partner` raise :class:`ParameterError`, which Jupyter shows as its one line
and papermill still records as the cell's error, so the notebook fails.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from qa_lib.report.round_data import DATA_DIR, round_profile

_MARKERS = ("round.json", "scored.parquet")  # what every round's data/ holds


class ParameterError(Exception):
    """A report notebook's parameter that cannot be used, with what to set instead.

    IPython shows an exception by calling its ``_render_traceback_`` where it has one: here
    the message alone, one line, with no frames of ``qa_lib``. The kernel still reports the
    cell as failed, so papermill (and so the round) records the notebook as failed."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def _shown(value: object) -> str:
    """A parameter's value as the reader typed it: '.' for ``"."`` or ``Path(".")``."""
    return repr(os.fspath(value)) if isinstance(value, str | os.PathLike) else repr(value)


def is_round_folder(folder: Path) -> bool:
    """True when ``folder`` holds a round's stored data (``data/round.json`` and the scored
    table), as ``qa-audit run`` writes it before the notebooks run."""
    return all((folder / DATA_DIR / name).is_file() for name in _MARKERS)


def check_round_dir(round_dir: object) -> Path:
    """``round_dir`` as a folder, once it is an audit round's; otherwise a
    :class:`ParameterError` saying what to set (a relative folder is also shown in full,
    since it is read from the notebook's own folder)."""
    folder = Path(round_dir) if isinstance(round_dir, str | os.PathLike) else None
    if folder is not None and str(round_dir).strip() and is_round_folder(folder):
        return folder
    where = (f" ({folder.resolve()})" if folder is not None and not folder.is_absolute()
             else "")
    raise ParameterError(
        f"{_shown(round_dir)}{where} is not an audit round folder: set round_dir to a folder "
        "made by qa-audit run (it holds data/ and manifest.json)")


def _meta(folder: Path) -> dict:
    return json.loads((folder / DATA_DIR / "round.json").read_text(encoding="utf-8"))


def round_partners(folder: Path | str) -> list[str]:
    """The partners with cases scored in the round at ``folder``, in the profile's order:
    the partners the round makes a report for. Only the scored table's partner column is
    read."""
    folder = Path(folder)
    scored = pd.read_parquet(folder / DATA_DIR / "scored.parquet", columns=["partner"])
    seen = set(scored["partner"].dropna())
    order = list(round_profile(_meta(folder)).partners)
    return [p for p in order if p in seen] + sorted(seen.difference(order))


def check_partner(folder: Path | str, partner: object,
                  say: Callable[[str], None] = print) -> str:
    """The partner whose report to show from the round at ``folder`` (already checked by
    :func:`check_round_dir`). ``None`` means the round's first partner, which ``say`` names
    in a sentence; a partner with no case scored in this round is a :class:`ParameterError`
    listing the partners that have."""
    folder = Path(folder)
    partners = round_partners(folder)
    round_id = _meta(folder).get("round", folder.name)
    if not partners:
        raise ParameterError(f"round {round_id} has no partner with a case scored, so there "
                             "is no partner report to show")
    if partner is None:
        say(f"partner was not set, so this is the report of the round's first partner, "
            f"{partners[0]}. The partners of round {round_id} are: {', '.join(partners)}.")
        return partners[0]
    if isinstance(partner, str) and partner in partners:
        return partner
    close = difflib.get_close_matches(partner, partners, n=1) if isinstance(partner, str) else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ParameterError(
        f"{partner!r} is not a partner in round {round_id}{hint}: set partner to one of "
        f"{', '.join(repr(p) for p in partners)}, or to None for the first")
