"""Keeping round folders safe: never overwritten, never left half-written.

A round writes into ``.<round>.partial-<host>-<pid>-*`` beside its final folder and renames
it into place at the end, so a run killed part-way never leaves a folder under the round's
name. An existing round folder is moved aside (``<round>.replaced-<stamp>``) only with
``force``; a refused round goes to ``<round>.refused-<stamp>``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from qa_lib.run.options import RoundError, RoundOptions

_PARTIAL = re.compile(r"^\..+\.partial-(?P<host>[A-Za-z0-9.]+)-(?P<pid>\d+)-[^-]+$")


def stamp() -> str:
    """The date and time, for the names of folders moved aside."""
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def host() -> str:
    """This machine's name as it appears in unfinished folders' names."""
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale_partials(out: Path) -> list[Path]:
    """Remove unfinished round folders (``.<round>.partial-<host>-<pid>-*``) whose run was
    stopped: made on this machine by a process that no longer exists. Folders of a run still
    going, or made on another machine, are left alone. Returns what was removed."""
    removed = []
    for d in sorted(Path(out).glob(".*.partial-*")):
        m = _PARTIAL.match(d.name)
        if d.is_dir() and m and m["host"] == host() and not _alive(int(m["pid"])):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def start(opts: RoundOptions, progress: Callable[[str], None]) -> Path:
    """The unfinished folder this run writes into, after checking the round folder is free
    (or ``force`` was given) and removing what killed runs left behind."""
    if opts.final.exists() and not opts.force:
        raise RoundError(
            f"The round folder {opts.final} already exists and is never overwritten. Use another "
            f"--round name, or --force to move the old folder aside and run again.")
    opts.out.mkdir(parents=True, exist_ok=True)
    for d in clean_stale_partials(opts.out):
        progress(f"Removed {d.name}, left unfinished by a run that was stopped.")
    return Path(tempfile.mkdtemp(prefix=f".{opts.round_id}.partial-{host()}-{os.getpid()}-",
                                 dir=opts.out))


def put_in_place(tmp: Path, opts: RoundOptions, progress: Callable[[str], None]) -> Path:
    """Rename the finished folder to the round's name, moving an old one aside (``force``)."""
    if opts.final.exists():  # only with force: keep the old one
        aside = opts.out / f"{opts.round_id}.replaced-{stamp()}"
        opts.final.rename(aside)
        progress(f"The previous {opts.final} was moved to {aside}.")
    tmp.rename(opts.final)
    return opts.final


def put_aside_refused(tmp: Path, opts: RoundOptions) -> Path:
    """Rename a refused round's folder (validation report and manifest) beside the round's
    name, so the lead can fix the returns and rerun under the same name."""
    target = opts.out / f"{opts.round_id}.refused-{stamp()}"
    tmp.rename(target)
    return target


def discard(tmp: Path) -> None:
    """Remove an unfinished folder (after an error; a finished one was renamed away)."""
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)
