"""End to end: templates filled as partners would, a real round through papermill, the outputs."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import TODAY, assert_self_contained, base_row, page_text, write_return
from qa_lib.run.round import RoundError, run_round

pytestmark = pytest.mark.e2e  # every test here runs notebooks in kernels

ALL_YES = {k: "Yes" for k in ("TU1", "TU2", "TU3", "TU4", "LE1", "LE2", "LE3", "LE4", "TJ1", "TJ2",
                              "FB1", "FB2", "FB3", "IM1", "IM2")}
TOOL = {"tool_name": "Home Conditions Tool"}


def police_rows():
    return [
        # TU (2*1 + 2*0.5 + 1*0) / (2+2+1) = 60; LE, TJ, FB (N/A left out), IM all Yes = 100
        # case (60+100+100+100+100)/5 = 92 -> Outstanding; grade Good is one band away: no flag
        base_row("HAL-0001", "Cheshire Police", **{**ALL_YES, "TU2": "Partly", "TU3": "No",
                                                   "TU4": "N/A", "FB2": "N/A", "FB3": "N/A"}, **TOOL),
        # TU 100; LE all No = 0; TJ (2*.5+2*.5)/4 = 50; FB 0; IM 50 -> case 40 Inadequate;
        # auditor said Good (2 bands away) -> moderation flag
        base_row("HAL-0002", "Cheshire Police", **{
            "TU1": "Yes", "TU2": "Yes", "TU3": "Yes", "TU4": "Yes", "LE1": "No", "LE2": "No",
            "LE3": "No", "LE4": "No", "TJ1": "Partly", "TJ2": "Partly", "FB1": "No", "FB2": "No",
            "FB3": "No", "IM1": "Partly", "IM2": "Partly"}, **TOOL),
    ]


def hv_rows():
    return [
        base_row("HAL-0001", "Health Visiting", **ALL_YES, **TOOL),  # every measure 100
        # TU all No = 0 (no tool used); LE all Partly = 50; TJ1 No, TJ2 Yes -> 2/4 = 50;
        # FB1 Yes, FB2/FB3 blank -> 1 of 3 answered: insufficient evidence; IM No, No = 0
        # case (0 + 50 + 50 + 0)/4 = 25 Inadequate, auditor Inadequate
        base_row("HAL-0003", "Health Visiting", overall_grade="Inadequate", **{
            "TU1": "No", "TU2": "No", "TU3": "No", "TU4": "No", "LE1": "Partly", "LE2": "Partly",
            "LE3": "Partly", "LE4": "Partly", "TJ1": "No", "TJ2": "Yes", "FB1": "Yes",
            "IM1": "No", "IM2": "No"}),
    ]


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory, halton):
    root = tmp_path_factory.mktemp("e2e")
    inputs = root / "returns"
    write_return(inputs, halton, police_rows())
    write_return(inputs, halton, hv_rows())
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs.iterdir()}
    res = run_round(halton, "2026-Q3", inputs, root / "reports", today=TODAY,
                    progress=lambda s: None)
    assert res.status == "complete", (res.status, res.failed)
    return {"res": res, "root": root, "inputs": inputs, "before": before,
            "folder": root / "reports" / "2026-Q3"}


def test_round_folder_has_every_output(round_dir):
    f = round_dir["folder"]
    for name in ("index.html", "partnership.html", "partner-cheshire-police.html",
                 "partner-health-visiting.html", "summary.xlsx", "validation.html",
                 "validation.xlsx", "scored.csv", "manifest.json",
                 "notebooks/audit_round.ipynb", "notebooks/partner-cheshire-police.ipynb"):
        assert (f / name).is_file(), name
    assert not list(f.parent.glob(".2026-Q3.partial-*")), "temporary folder left behind"


def _scored(folder: Path) -> dict:
    with open(folder / "scored.csv", newline="", encoding="utf-8") as fh:
        return {(r["case_ref"], r["partner"]): r for r in csv.DictReader(fh)}


def test_template_round_trip_scores(round_dir):
    s = _scored(round_dir["folder"])
    a = s[("HAL-0001", "Cheshire Police")]
    assert float(a["score__tool_use"]) == 60.0
    assert float(a["score__feedback"]) == 100.0
    assert float(a["case_score"]) == 92.0
    assert a["case_band"] == "Outstanding"
    assert a["moderation_flag"] == "False"
    b = s[("HAL-0002", "Cheshire Police")]
    assert float(b["score__lived_experience"]) == 0.0
    assert float(b["score__timeliness"]) == 50.0
    assert float(b["case_score"]) == 40.0
    assert b["moderation_flag"] == "True"
    c = s[("HAL-0003", "Health Visiting")]
    assert c["status__feedback"] == "insufficient evidence"
    assert c["score__feedback"] == ""
    assert float(c["case_score"]) == 25.0
    assert len(s) == 4


def test_inputs_untouched(round_dir):
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in round_dir["inputs"].iterdir()}
    assert after == round_dir["before"]




def test_partner_pages_self_contained_with_own_figures(round_dir):
    f = round_dir["folder"]
    police = (f / "partner-cheshire-police.html").read_text(encoding="utf-8")
    hv = (f / "partner-health-visiting.html").read_text(encoding="utf-8")
    assert assert_self_contained(police) >= 3
    assert assert_self_contained(hv) >= 3
    t = page_text(police)
    # Police tool use: mean of 60 and 100 = 80.0 (Good); partnership (60+100+100+0)/4 = 65.0
    assert re.search(r"Tool use 80\.0\s*† Good 2 65\.0 Requires improvement \+15\.0", t), t[:3000]
    # Police lived experience: mean of 100 and 0 = 50.0 (Requires improvement)
    assert re.search(r"The child's lived experience 50\.0\s*† Requires improvement 2", t)
    assert "HAL-0002" in t  # flagged for moderation
    th = page_text(hv)
    # Health Visiting tool use: mean of 100 and 0 = 50.0; feedback rests on one case (100.0)
    assert re.search(r"Tool use 50\.0\s*† Requires improvement 2 65\.0", th)
    assert re.search(r"Parent and young-person feedback 100\.0\s*† Outstanding 1", th)
    assert "Cheshire Police" not in th.split("Method")[0].split("About this report")[1][:200]
    for page in (police, hv):
        assert '<html lang="en-GB">' in page
        assert "<h1>" in page and "<caption>" in page and 'scope="col"' in page


def test_partnership_page(round_dir):
    html = (round_dir["folder"] / "partnership.html").read_text(encoding="utf-8")
    assert assert_self_contained(html) >= 1
    t = page_text(html)
    assert "Partners by measure" in t and "multi-agency case view" in t
    # HAL-0001: police case score 92 (Outstanding) and health visiting 100 (Outstanding)
    assert re.search(r"HAL-0001 100 92", t) or re.search(r"HAL-0001 92 100", t)
    # The heatmap image has alt text giving every partner's figures
    assert re.search(r'alt="Heatmap of mean score by partner and measure\. [^"]*Cheshire Police: '
                     r'Tool use 80 \(Good\)', html)


def test_manifest(round_dir):
    m = json.loads((round_dir["folder"] / "manifest.json").read_text())
    assert m["profile"] == {"name": "halton", "version": "1.0.0",
                            "strategy": "Halton Neglect Strategy 2022-2025"}
    hashes = {i["file"]: i["sha256"] for i in m["inputs"]}
    assert hashes == round_dir["before"]
    assert m["toolkit"]["name"] == "qa-audit" and m["toolkit"]["version"]
    assert m["parameters"]["round"] == "2026-Q3"
    assert m["parameters"]["today"] == TODAY.isoformat()
    for stage in ("read", "validate", "score", "notebooks", "render"):
        assert m["timings_seconds"][stage] >= 0
    assert "partner-health-visiting.html" in m["outputs"]


def test_summary_workbook(round_dir):
    wb = openpyxl.load_workbook(round_dir["folder"] / "summary.xlsx")
    assert {"Heatmap", "Measures", "Criteria", "Case view", "Moderation", "Drift",
            "Data quality", "Method"} <= set(wb.sheetnames)
    ws = wb["Heatmap"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["Cheshire Police"][0] == 80.0
    assert rows["Partnership"][0] == 65.0
    assert ws.conditional_formatting


def test_existing_round_never_overwritten(round_dir, halton):
    root = round_dir["root"]
    before = (round_dir["folder"] / "manifest.json").read_bytes()
    with pytest.raises(RoundError, match="already exists"):
        run_round(halton, "2026-Q3", round_dir["inputs"], root / "reports", today=TODAY,
                  progress=lambda s: None)
    assert (round_dir["folder"] / "manifest.json").read_bytes() == before


def test_strict_round_refused_and_partial_round_says_so(tmp_path, halton):
    inputs = tmp_path / "returns"
    rows = police_rows() + [base_row("HAL-0009", "Cheshire Police", TU1="Maybe")]
    write_return(inputs, halton, rows)
    out = tmp_path / "reports"
    res = run_round(halton, "R1", inputs, out, today=TODAY, progress=lambda s: None)
    assert res.status == "refused" and res.exit_code != 0
    assert not (out / "R1").exists()
    assert (res.folder / "validation.html").is_file() and (res.folder / "validation.xlsx").is_file()
    vt = page_text((res.folder / "validation.html").read_text(encoding="utf-8"))
    assert "cheshire-police.xlsx" in vt and "Maybe" in vt and " 4 " in vt
    # the file table, then one section per file naming its partner
    assert re.search(r"Files read .* cheshire-police\.xlsx Cheshire Police read 3 1 1 0", vt), vt[:2000]
    assert "cheshire-police.xlsx (Cheshire Police) 1 error, 0 notes" in vt
    part = run_round(halton, "R1", inputs, out, today=TODAY, allow_partial=True,
                     progress=lambda s: None)
    assert part.status == "partial" and part.rows_left_out == 1 and part.rows_scored == 2
    for page in ("index.html", "partnership.html", "partner-cheshire-police.html"):
        t = page_text((out / "R1" / page).read_text(encoding="utf-8"))
        first_screen = t[: t.find("Contents") if "Contents" in t else 1500]
        assert "partial round" in first_screen and "1 row" in first_screen, page



def test_partner_notebook_reads_only_its_own_slice(round_dir, halton):
    import pandas as pd

    from qa_lib.report.round_data import load_round
    from qa_lib.scoring import aggregate as agg

    full = load_round(round_dir["folder"])
    mine = load_round(round_dir["folder"], partner="Cheshire Police")
    assert set(mine.scored["partner"]) == {"Cheshire Police"} and len(mine.scored) == 2
    # the headline from the slice plus the round's figures equals the one from the whole table
    pd.testing.assert_frame_equal(
        agg.headline(mine.scored, halton, "Cheshire Police", figures=mine.figures),
        agg.headline(full.scored, halton, "Cheshire Police"))


def test_an_executed_notebook_reruns_alone_with_the_same_output(round_dir):
    # what an audit lead does in JupyterLab: open the round's executed notebook and Run all,
    # in a fresh kernel of its own; every cell must show exactly what the round showed
    import nbformat
    from nbclient import NotebookClient

    from qa_lib.run.execute import IPCKernelManager, own_kernel

    path = round_dir["folder"] / "notebooks" / "partner-cheshire-police.ipynb"
    saved = nbformat.read(path, as_version=4)
    again = nbformat.read(path, as_version=4)
    with own_kernel() as kernel:
        NotebookClient(again, kernel_name=kernel, timeout=120,
                       kernel_manager_class=IPCKernelManager,
                       resources={"metadata": {"path": str(path.parent)}}).execute()

    def shown(nb):
        return [[o.get("data", {}).get("text/html") for o in c.get("outputs", [])]
                for c in nb.cells if c.cell_type == "code"]

    assert shown(again) == shown(saved)
    assert any("Home Conditions Tool" in (h or "") for cell in shown(again) for h in cell)
