"""Rounds that survive faults, never overwrite, and give the same outputs twice."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import HALTON_V1, TODAY, base_row, write_return
from qa_lib.run.folder import host as _host
from qa_lib.run.round import NOTEBOOK_DIR, RoundError, run_round

pytestmark = pytest.mark.e2e  # every test here runs notebooks in kernels

YES = {k: "Yes" for k in ("TU1", "TU2", "TU3", "LE1", "LE2", "TJ1", "FB1", "IM1")}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, halton):
    d = tmp_path_factory.mktemp("faults") / "returns"
    write_return(d, halton, [base_row(f"HAL-{i:04d}", "Cheshire Police", **YES,
                                      tool_name="Home Conditions Tool", TU4="Partly")
                             for i in range(1, 5)])
    write_return(d, halton, [base_row(f"HAL-{i:04d}", "Health Visiting", **YES,
                                      tool_name="Neglect Screening Tool", LE3="No")
                             for i in range(1, 4)])
    return d


def _notebooks_with(tmp: Path, code: str) -> Path:
    """A copy of the report notebooks whose partner notebook runs ``code`` after loading."""
    d = tmp / "nbs"
    shutil.copytree(NOTEBOOK_DIR, d)
    nb = nbformat.read(d / "partner_report.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, d / "partner_report.ipynb")
    return d


def quiet(_msg: str) -> None:
    pass


def test_one_partner_failing_does_not_stop_the_others(tmp_path, halton, inputs):
    nbs = _notebooks_with(tmp_path, 'if partner == "Health Visiting":\n'
                                    '    raise RuntimeError("synthetic failure for the test")')
    res = run_round(halton, "R", inputs, tmp_path / "out", today=TODAY, progress=quiet,
                    notebook_dir=nbs)
    assert res.status == "failed" and res.exit_code != 0
    assert "synthetic failure for the test" in res.failed["Health Visiting"]
    assert list(res.failed) == ["Health Visiting"]
    assert (res.folder / "partner-cheshire-police.html").is_file()
    assert (res.folder / "partnership.html").is_file()
    assert not (res.folder / "partner-health-visiting.html").exists()
    # the failed notebook is saved as far as it got, with the error, for the lead to open
    saved = nbformat.read(res.folder / "notebooks" / "partner-health-visiting.ipynb", 4)
    errors = [o for c in saved.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors and "synthetic failure for the test" in errors[0]["evalue"]
    index = (res.folder / "index.html").read_text(encoding="utf-8")
    assert "Some reports could not be made" in index and "Health Visiting" in index


def test_hanging_notebook_is_stopped_by_the_timeout(tmp_path, halton, inputs):
    nbs = _notebooks_with(tmp_path, 'import time\nif partner == "Cheshire Police":\n'
                                    '    time.sleep(120)')
    t0 = time.perf_counter()
    res = run_round(halton, "R", inputs, tmp_path / "out", today=TODAY, progress=quiet,
                    notebook_dir=nbs, timeout=4)
    assert time.perf_counter() - t0 < 60
    assert res.status == "failed"
    assert "more than 4 s" in res.failed["Cheshire Police"]
    assert (res.folder / "partner-health-visiting.html").is_file()
    # saved as far as it got: the cells before the hanging one ran, the ones after did not
    saved = nbformat.read(res.folder / "notebooks" / "partner-cheshire-police.ipynb", 4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    hung = next(i for i, c in enumerate(code) if "time.sleep(120)" in c.source)
    assert all(c.get("execution_count") for c in code[:hung])
    assert not any(c.get("outputs") for c in code[hung + 1:])


def test_force_moves_the_old_round_aside(tmp_path, halton, inputs):
    out = tmp_path / "out"
    first = run_round(halton, "R", inputs, out, today=TODAY, progress=quiet)
    old_manifest = (first.folder / "manifest.json").read_bytes()
    with pytest.raises(RoundError):
        run_round(halton, "R", inputs, out, today=TODAY, progress=quiet)
    run_round(halton, "R", inputs, out, today=TODAY, progress=quiet, force=True)
    aside = list(out.glob("R.replaced-*"))
    assert len(aside) == 1 and (aside[0] / "manifest.json").read_bytes() == old_manifest
    assert (out / "R" / "index.html").is_file()


def _xlsx_cells(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in sorted(z.namelist())
                if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"]


def test_two_runs_give_the_same_outputs(tmp_path, halton, inputs):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs.iterdir()}
    a = run_round(halton, "R", inputs, tmp_path / "a", today=TODAY, progress=quiet, jobs=1)
    b = run_round(halton, "R", inputs, tmp_path / "b", today=TODAY, progress=quiet, jobs=2)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs.iterdir()}
    assert before == after  # inputs untouched
    assert (a.folder / "scored.csv").read_bytes() == (b.folder / "scored.csv").read_bytes()
    assert _xlsx_cells(a.folder / "summary.xlsx") == _xlsx_cells(b.folder / "summary.xlsx")
    for page in ("partnership.html", "partner-cheshire-police.html",
                 "partner-health-visiting.html", "validation.html"):
        assert (a.folder / page).read_text() == (b.folder / page).read_text(), page
    ma, mb = (json.loads((x.folder / "manifest.json").read_text()) for x in (a, b))
    assert ma["inputs"] == mb["inputs"] and ma["profile"] == mb["profile"]


def test_killed_round_leaves_no_folder_under_its_name(tmp_path, inputs):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa_lib.cli", "run", "--profile", HALTON_V1, "--round", "K",
         "--inputs", str(inputs), "--out", str(out), "--today", TODAY.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # wait until it is writing its reports
            partial = list(out.glob(".K.partial-*/notebooks/*.ipynb")) if out.exists() else []
            if partial:
                break
            time.sleep(0.05)
        assert partial, "the round never started writing"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (out / "K").exists()
    left = list(out.glob(".K.partial-*"))
    assert len(left) == 1, "the killed run's unfinished folder is there (hidden)"
    # a folder from a run still going (this test's own process) must survive the next run
    going = out / f".J.partial-{_host()}-{os.getpid()}-abcd1234"
    going.mkdir()
    said: list[str] = []
    res = run_round(HALTON_V1, "K", inputs, out, today=TODAY, progress=said.append)
    assert res.status == "complete"
    assert not left[0].exists() and any(left[0].name in s for s in said)
    assert going.is_dir()


def test_a_reused_kernel_keeps_no_names_from_the_previous_notebook(tmp_path, halton, inputs):
    # one worker runs all three notebooks in one kernel; each partner notebook refuses to run
    # if a name set by an earlier notebook is still there
    nbs = _notebooks_with(tmp_path, 'assert "earlier_partner" not in globals(), earlier_partner'
                                    '\nearlier_partner = partner')
    res = run_round(halton, "R", inputs, tmp_path / "out", today=TODAY, progress=quiet,
                    notebook_dir=nbs, jobs=1)
    assert res.status == "complete", res.failed
