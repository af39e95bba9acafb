"""Trends: earlier rounds of the same profile in the reports root show in every report."""

from __future__ import annotations

import json
import re

import pytest

from conftest import TODAY, base_row, page_text, write_return
from qa_lib.run.round import run_round

pytestmark = pytest.mark.e2e  # every test here runs notebooks in kernels

TOOL = {"tool_name": "Home Conditions Tool"}




@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory, halton):
    root = tmp_path_factory.mktemp("hist")
    out = root / "reports"
    # Q1: police tool use (2*1 + 2*0.5 + 1*0)/5 = 60 and 100 -> mean 80
    q1 = [base_row("HAL-0001", TU1="Yes", TU2="Partly", TU3="No", TU4="N/A",
                   recommended_actions="Repeat the home conditions tool at review.", **TOOL),
          base_row("HAL-0002", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes",
                   recommended_actions="Repeat the home conditions tool at review.", **TOOL)]
    write_return(root / "q1", halton, q1)
    r1 = run_round(halton, "2026-Q1", root / "q1", out, today=TODAY, progress=lambda s: None)
    # pretend Q1 was scored with an older profile version
    meta_path = r1.folder / "data" / "round.json"
    meta = json.loads(meta_path.read_text())
    meta["profile"]["version"] = "0.9.0"
    meta_path.write_text(json.dumps(meta))
    # Q2: police tool use 100 and all Partly (0.5 x 6 / 6 = 50) -> mean 75
    q2 = [base_row("HAL-0011", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL),
          base_row("HAL-0012", TU1="Partly", TU2="Partly", TU3="Partly", TU4="Partly", **TOOL)]
    write_return(root / "q2", halton, q2)
    r2 = run_round(halton, "2026-Q2", root / "q2", out, today=TODAY, progress=lambda s: None)
    return out, r1, r2


def test_trend_and_change_since_last_round(two_rounds):
    out, _, r2 = two_rounds
    t = page_text((r2.folder / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    # headline: tool use 75.0 now, 80.0 last round -> change -5.0
    assert re.search(r"Tool use 75\.0\s*† Good 2 75\.0 Good 0\.0 \u22125\.0", t), t[:2500]
    # the trend table has both rounds and the change
    assert re.search(r"Mean score by round \(Cheshire Police\) Measure 2026-Q1 2026-Q2 Change since "
                     r"last round Tool use 80\.0 75\.0 \u22125\.0", t)
    assert "Line chart of mean score by round for Cheshire Police" in (
        r2.folder / "partner-cheshire-police.html").read_text(encoding="utf-8")


def test_last_rounds_actions_and_version_marker(two_rounds):
    _, _, r2 = two_rounds
    for page in ("partner-cheshire-police.html", "partnership.html"):
        t = page_text((r2.folder / page).read_text(encoding="utf-8"))
        assert "Actions recommended last round (2026-Q1)" in t
        assert "Repeat the home conditions tool at review. 2" in t
        assert "2026-Q1 was scored with profile version 0.9.0" in t
        assert "This round was scored with version 1.0.0" in t


def test_first_round_has_no_trend_and_root_index_lists_rounds(two_rounds):
    out, r1, _ = two_rounds
    t1 = page_text((r1.folder / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "first round of this profile" in t1
    root = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q1/index.html"' in root and 'href="2026-Q2/index.html"' in root
    assert root.index("2026-Q2/index.html") < root.index("2026-Q1/index.html")  # newest first
