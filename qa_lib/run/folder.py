"""Keeping round folders safe: never overwritten, never left half-written.

A round writes into ``.<round>.partial-<host>-<pid>-*`` beside its final folder and renames
it into place at the end, so a run killed part-way never leaves a folder under the round's
name. An existing round folder is moved aside (``<round>.replaced-<stamp>``) only with
``force``; a refused round goes to ``<round>.refused-<stamp>``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def _exists_message(opts: RoundOptions) -> str:
    return (f"The round folder {opts.final} already exists and is never overwritten. Use another "
            f"--round name, or --force to move the old folder aside and run again.")


def _unwritable(out: Path, exc: OSError) -> RoundError:
    return RoundError(f"Nothing can be written in the reports folder {out} "
                      f"({exc.strerror or exc}). Choose another --out, or ask for write "
                      "access to this one.")


def start(opts: RoundOptions, progress: Callable[[str], None]) -> Path:
    """The unfinished folder this run writes into, after checking the round folder is free
    (or ``force`` was given) and removing what killed runs left behind."""
    if opts.final.exists() and not opts.force:
        raise RoundError(_exists_message(opts))
    try:
        opts.out.mkdir(parents=True, exist_ok=True)
        for d in clean_stale_partials(opts.out):
            progress(f"Removed {d.name}, left unfinished by a run that was stopped.")
        return Path(tempfile.mkdtemp(prefix=f".{opts.round_id}.partial-{host()}-{os.getpid()}-",
                                     dir=opts.out))
    except OSError as exc:
        raise _unwritable(opts.out, exc) from None


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3`` ... when runs in the same second took it."""
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{name}-{n}"
    return target


def new_folder(out: Path, name: str) -> Path:
    """Make a new folder ``out/name`` (``name-2`` ... if taken), with a plain error when the
    reports folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = free_name(out, name)
        target.mkdir()
        return target
    except OSError as exc:
        raise _unwritable(out, exc) from None


def put_in_place(tmp: Path, opts: RoundOptions, progress: Callable[[str], None]) -> Path:
    """Rename the finished folder to the round's name, moving an old one aside (only with
    ``force``: a folder that appeared under the round's name while this run went on is
    never moved without it)."""
    if opts.final.exists():
        if not opts.force:
            raise RoundError(_exists_message(opts))
        aside = free_name(opts.out, f"{opts.round_id}.replaced-{stamp()}")
        opts.final.rename(aside)
        progress(f"The previous {opts.final} was moved to {aside}.")
    tmp.rename(opts.final)
    return opts.final


def put_aside_refused(tmp: Path, opts: RoundOptions) -> Path:
    """Rename a refused round's folder (validation report and manifest) beside the round's
    name, so the lead can fix the returns and rerun under the same name."""
    target = free_name(opts.out, f"{opts.round_id}.refused-{stamp()}")
    tmp.rename(target)
    return target


LOCK_NAME = ".qa-audit.lock"


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the reports folder for one run: a second run in the same folder stops at once
    with a plain message instead of moving the first run's folder aside (an advisory
    ``flock`` on ``.qa-audit.lock``, released when the run ends or its process dies)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(out, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise RoundError(f"Another qa-audit run is writing in the reports folder {out} "
                             f"({holder}). Wait for it to finish, or use another --out.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {host()}, since "
                      f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def discard(tmp: Path) -> None:
    """Remove an unfinished folder (after an error; a finished one was renamed away)."""
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)
