"""Files and folders the toolkit's user may not open (issue 11, class 8), with real
permissions: as root (where permissions do not apply) each case runs as the unprivileged
user 'nobody' through setpriv; as any other user it runs as that user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_checks_codes import csv_bytes, row

from conftest import HALTON_V1

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


def _other_user_available() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not _other_user_available(),
                                 reason="running as root without setpriv: no other user")]


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the other user can reach (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="qa-perm-"))
    folder.chmod(0o777)
    yield folder
    for p in folder.rglob("*"):
        p.chmod(0o700)
    shutil.rmtree(folder)


def _cli(*args: str) -> subprocess.CompletedProcess:
    """``qa-audit ARGS`` as an unprivileged user."""
    cmd = [sys.executable, "-c", "import sys; from qa_lib.cli import main; sys.exit(main())",
           *args]
    if os.geteuid() == 0:
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/tmp", "MPLCONFIGDIR": "/tmp"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/tmp", env=env, timeout=120)


def _inputs(shared: Path) -> Path:
    folder = shared / "in"
    folder.mkdir()
    (folder / "police.csv").write_bytes(csv_bytes([row()]))
    (folder / "schools.csv").write_bytes(csv_bytes([row(partner="Schools")]))
    for p in [folder, *folder.iterdir()]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    return folder


def test_a_return_the_user_may_not_read_is_refused_naming_it(shared):
    inputs = _inputs(shared)
    (inputs / "schools.csv").chmod(0o000)
    out = shared / "out"
    done = _cli("validate", "--profile", HALTON_V1, "--inputs", str(inputs), "--out", str(out),
                "--today", "2026-11-02")
    assert "Traceback" not in done.stderr + done.stdout
    reports = list(out.glob("validation-*/validation.xlsx"))
    assert reports, done.stdout + done.stderr
    import pandas as pd

    problems = pd.read_excel(reports[0], sheet_name="Problems", engine="calamine")
    f04 = problems[problems["Code"] == "F04"]
    assert list(f04["File"]) == ["schools.csv"]
    assert "PermissionError: Permission denied" in f04["What is wrong"].iat[0]


def test_a_subfolder_the_user_may_not_open_is_refused_naming_it(shared):
    inputs = _inputs(shared)
    locked = inputs / "late returns"
    locked.mkdir()
    (locked / "health.csv").write_bytes(csv_bytes([row(partner="Health Visiting")]))
    locked.chmod(0o000)
    done = _cli("validate", "--profile", HALTON_V1, "--inputs", str(inputs), "--out",
                str(shared / "out"), "--today", "2026-11-02")
    assert "Traceback" not in done.stderr + done.stdout
    assert "late returns" in done.stdout and "1 error" in done.stdout, done.stdout


def test_a_reports_folder_the_user_may_not_write_is_one_sentence(shared):
    inputs = _inputs(shared)
    out = shared / "out"
    out.mkdir()
    out.chmod(0o555)
    done = _cli("run", "--profile", HALTON_V1, "--round", "R", "--inputs", str(inputs), "--out",
                str(out), "--today", "2026-11-02")
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr
    assert "Nothing can be written in the reports folder" in done.stderr, done.stderr
    assert list(out.iterdir()) == []
