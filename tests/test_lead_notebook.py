"""The audit lead's notebook (issue 13): notebooks/run_round.ipynb runs a whole round step
by step through AuditRound, the same steps as qa-audit run, from JupyterLab or papermill."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from conftest import HALTON_V1, TODAY, base_row, write_return
from qa_lib.cli import main
from qa_lib.run.lead_notebook import LEAD_NOTEBOOK, as_date, copy_notebook
from qa_lib.run.options import RoundError
from qa_lib.run.round import AuditRound, RoundStopped, run_round

PARAMETERS = ["profile", "round_id", "inputs", "out", "allow_partial", "publish", "today",
              "jobs", "indicators", "actions"]


def _returns(folder: Path, halton, *, bad: bool = False) -> Path:
    rows = [base_row(f"HAL-{i:04d}", TU1="Yes", tool_name="Home Conditions Tool", LE2="Partly")
            for i in range(1, 6)]
    if bad:
        rows[2]["TU2"] = "Maybe"
    write_return(folder, halton, rows, name="police.xlsx")
    write_return(folder, halton, [{**r, "partner": "Schools"} for r in rows], name="schools.xlsx")
    return folder


def test_the_notebook_reads_as_a_document_with_its_parameters_first():
    nb = nbformat.read(LEAD_NOTEBOOK, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    tagged = [i for i in code if "parameters" in nb.cells[i].metadata.get("tags", [])]
    assert tagged == [code[0]]
    params = {}
    exec(nb.cells[code[0]].source, {}, params)  # plain assignments only
    assert list(params) == PARAMETERS
    assert all(nb.cells[i - 1].cell_type == "markdown" for i in code), "a code cell with no words"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # stored clean


def test_a_copy_for_the_lead_never_overwrites(tmp_path, capsys):
    first = copy_notebook(tmp_path / "mine")
    first.write_text("my edits")
    second = copy_notebook(tmp_path / "mine")
    assert (first.name, second.name) == ("run_round.ipynb", "run_round-2.ipynb")
    assert first.read_text() == "my edits"
    assert main(["notebook", "--out", str(tmp_path / "cli")]) == 0
    out = capsys.readouterr().out
    assert "papermill --inject-output-path" in out and (tmp_path / "cli" / "run_round.ipynb").is_file()
    with pytest.raises(RoundError, match="is a file, not a folder"):
        copy_notebook(first)


def test_today_is_read_as_a_date_or_refused_in_one_sentence():
    assert as_date("2026-11-02") == dt.date(2026, 11, 2) and as_date(None) is None
    with pytest.raises(RoundError, match="is not a date"):
        as_date("2/11/2026")


def test_steps_in_the_wrong_order_say_so_and_release_the_folder(tmp_path, halton):
    inputs = _returns(tmp_path / "returns", halton)
    r = AuditRound(HALTON_V1, "R1", inputs, tmp_path / "reports", today=TODAY,
                   progress=lambda s: None).open()
    with pytest.raises(RoundError, match="Check the returns first"):
        r.score()
    r.close()
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")
                and p.is_dir()]  # nothing unfinished left behind
    with AuditRound(HALTON_V1, "R1", inputs, tmp_path / "reports", today=TODAY,
                    progress=lambda s: None) as again:  # the lock was released
        assert again.check().validated.errors == []
        assert again.can_score


def test_a_round_that_cannot_go_on_stops_in_one_sentence(tmp_path, halton):
    inputs = _returns(tmp_path / "returns", halton, bad=True)
    r = AuditRound(HALTON_V1, "R2", inputs, tmp_path / "reports", today=TODAY,
                   progress=lambda s: None).open()
    r.check()
    assert not r.can_score
    with pytest.raises(RoundStopped) as stopped:
        r.stop_unless_scorable()
    lines = stopped.value._render_traceback_()
    assert len(lines) == 1 and lines[0].startswith("Round stopped: 2 errors must be fixed")
    assert "validation.html" in lines[0]
    refused = [p for p in (tmp_path / "reports").iterdir() if ".refused-" in p.name]
    assert len(refused) == 1 and (refused[0] / "validation.html").is_file()


@pytest.mark.e2e
def test_papermill_gives_the_same_round_as_the_command(tmp_path, halton):
    inputs = _returns(tmp_path / "returns", halton)
    res = run_round(HALTON_V1, "2026-Q3", inputs, tmp_path / "by-command", today=TODAY,
                    progress=lambda s: None)
    executed = tmp_path / "executed.ipynb"
    pm.execute_notebook(str(LEAD_NOTEBOOK), str(executed), cwd=str(tmp_path), progress_bar=False,
                        parameters={"profile": HALTON_V1, "round_id": "2026-Q3",
                                    "inputs": "returns", "out": "by-notebook",
                                    "today": TODAY.isoformat(), "jobs": 2,
                                    "PAPERMILL_OUTPUT_PATH": str(executed)})
    folder = tmp_path / "by-notebook" / "2026-Q3"
    assert (folder / "scored.csv").read_bytes() == (res.folder / "scored.csv").read_bytes()
    a = json.loads((res.folder / "manifest.json").read_text())
    b = json.loads((folder / "manifest.json").read_text())
    assert a["inputs"] == b["inputs"] and a["counts"] == b["counts"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in res.folder.iterdir()] + ["run_round.ipynb"])  # kept with the round
    nb = nbformat.read(executed, as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    for words in ("Files read", "No errors.", "At a glance", "Partners by measure",
                  "Round index", "partner-cheshire-police.html", "This notebook was kept as"):
        assert words in shown, words


@pytest.mark.e2e
def test_papermill_stops_a_round_with_errors_in_one_sentence(tmp_path, halton):
    _returns(tmp_path / "returns", halton, bad=True)
    with pytest.raises(pm.PapermillExecutionError) as failed:
        pm.execute_notebook(str(LEAD_NOTEBOOK), str(tmp_path / "executed.ipynb"),
                            cwd=str(tmp_path), progress_bar=False,
                            parameters={"profile": HALTON_V1, "round_id": "R", "inputs": "returns",
                                        "out": "reports", "today": TODAY.isoformat()})
    assert failed.value.ename == "RoundStopped"
    assert failed.value.traceback == [f"Round stopped: {failed.value.evalue}"]
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    assert "Errors to fix" in shown and "Maybe" in shown
    assert not (tmp_path / "reports" / "R").exists()
