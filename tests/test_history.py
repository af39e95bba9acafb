"""Trends: earlier rounds of the same profile in the reports root show in every report.

The rounds are built without kernels (the round's own check, score and store steps) and
the reports rendered from the section list; one test runs two real rounds end to end.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from conftest import TODAY, base_row, build_round_data, page_text, write_return
from qa_lib.report.sections import report_body, section_html
from qa_lib.run.history import write_root_index
from qa_lib.run.round import run_round

TOOL = {"tool_name": "Home Conditions Tool"}
POLICE = "Cheshire Police"


def _returns(root: Path, halton) -> tuple[Path, Path]:
    # Q1: police tool use (2*1 + 2*0.5 + 1*0)/5 = 60 and 100 -> mean 80
    q1 = [base_row("HAL-0001", TU1="Yes", TU2="Partly", TU3="No", TU4="N/A",
                   recommended_actions="Repeat the home conditions tool at review.", **TOOL),
          base_row("HAL-0002", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes",
                   recommended_actions="Repeat the home conditions tool at review.", **TOOL)]
    write_return(root / "q1", halton, q1)
    # Q2: police tool use 100 and all Partly (0.5 x 6 / 6 = 50) -> mean 75
    q2 = [base_row("HAL-0011", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL),
          base_row("HAL-0012", TU1="Partly", TU2="Partly", TU3="Partly", TU4="Partly", **TOOL)]
    write_return(root / "q2", halton, q2)
    return root / "q1", root / "q2"


def _older_version(round_folder: Path) -> None:
    """Pretend the round was scored with an older profile version."""
    meta_path = round_folder / "data" / "round.json"
    meta = json.loads(meta_path.read_text())
    meta["profile"]["version"] = "0.9.0"
    meta_path.write_text(json.dumps(meta))


_BODIES: dict[tuple[str, str | None], str] = {}


def _body(data, partner: str | None = None) -> str:
    """A report's body rendered from the section list (once per round and report)."""
    key = (str(data.meta["round"]) + str(id(data)), partner)
    if key not in _BODIES:
        _BODIES[key] = report_body(data, partner)
    return _BODIES[key]


def _text(data, partner: str | None = None) -> str:
    return unescape(page_text(_body(data, partner)))


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory, halton):
    root = tmp_path_factory.mktemp("hist")
    out = root / "reports"
    q1, q2 = _returns(root, halton)
    r1 = build_round_data(halton, q1, out, "2026-Q1")
    _older_version(out / "2026-Q1")
    r2 = build_round_data(halton, q2, out, "2026-Q2")
    return out, r1, r2


def test_trend_and_change_since_last_round(two_rounds):
    _, _, r2 = two_rounds
    t = _text(r2, POLICE)
    # headline: tool use 75.0 now, 80.0 last round -> change -5.0
    assert re.search(r"Tool use 75\.0\s*† Good 2 75\.0 Good 0\.0 \u22125\.0", t), t[:2500]
    # the trend table has both rounds and the change
    assert re.search(r"Mean score by round \(Cheshire Police\) Measure 2026-Q1 2026-Q2 Change since "
                     r"last round Tool use 80\.0 75\.0 \u22125\.0", t)
    assert "Line chart of mean score by round for Cheshire Police" in _body(r2, POLICE)


def test_last_rounds_actions_and_version_marker(two_rounds):
    _, _, r2 = two_rounds
    for partner in (POLICE, None):
        t = _text(r2, partner)
        assert "Actions recommended last round (2026-Q1)" in t
        assert "Repeat the home conditions tool at review. 2" in t
        assert "2026-Q1 was scored with profile version 0.9.0" in t
        assert "This round was scored with version 1.0.0" in t


def test_first_round_has_no_trend_and_root_index_lists_rounds(two_rounds):
    out, r1, _ = two_rounds
    assert "first round of this profile" in _text(r1, POLICE)
    root = write_root_index(out).read_text(encoding="utf-8")
    assert 'href="2026-Q1/index.html"' in root and 'href="2026-Q2/index.html"' in root
    assert root.index("2026-Q2/index.html") < root.index("2026-Q1/index.html")  # newest first


@pytest.mark.e2e
def test_trend_page_of_a_real_second_round(tmp_path, halton):
    """Two real rounds: the second's pages show the trend, the last actions and the marker."""
    out = tmp_path / "reports"
    q1, q2 = _returns(tmp_path, halton)
    r1 = run_round(halton, "2026-Q1", q1, out, today=TODAY, progress=lambda s: None)
    _older_version(r1.folder)
    r2 = run_round(halton, "2026-Q2", q2, out, today=TODAY, progress=lambda s: None)
    html = (r2.folder / "partner-cheshire-police.html").read_text(encoding="utf-8")
    t = page_text(html)
    assert re.search(r"Tool use 75\.0\s*† Good 2 75\.0 Good 0\.0 \u22125\.0", t), t[:2500]
    assert re.search(r"Mean score by round \(Cheshire Police\) Measure 2026-Q1 2026-Q2 Change since "
                     r"last round Tool use 80\.0 75\.0 \u22125\.0", t)
    assert "Line chart of mean score by round for Cheshire Police" in html
    allp = page_text((r2.folder / "partnership.html").read_text(encoding="utf-8"))
    assert "Actions recommended last round (2026-Q1)" in allp
    assert "2026-Q1 was scored with profile version 0.9.0" in allp
    root = (out / "index.html").read_text(encoding="utf-8")
    assert root.index("2026-Q2/index.html") < root.index("2026-Q1/index.html")


# --------------------------------------------------------------------------- earlier rounds never block
# Issue 11, class 10: an earlier round that cannot be read, or that lacks a measure the
# profile has since gained, is shown as it is and noted; today's round always goes ahead.


@pytest.fixture(scope="module")
def first_round(tmp_path_factory, halton):
    """Q1 built once, and Q2's returns; each test copies Q1 before changing it."""
    root = tmp_path_factory.mktemp("first")
    q1, q2 = _returns(root, halton)
    build_round_data(halton, q1, root / "reports", "2026-Q1")
    return root / "reports" / "2026-Q1", q2


def _two_rounds_with_first_changed(tmp_path, halton, first_round, change) -> tuple:
    q1_folder, q2 = first_round
    out = tmp_path / "reports"
    shutil.copytree(q1_folder, out / "2026-Q1")
    change(out / "2026-Q1" / "data" / "scored.parquet")
    data = build_round_data(halton, q2, out, "2026-Q2")
    return data, unescape(page_text(section_html(data, "trend", POLICE)))


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b""),  # 0 bytes
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # cut short
    lambda p: p.write_text("not parquet at all"),
    lambda p: p.unlink(),  # gone
], ids=["empty", "truncated", "not-parquet", "missing"])
def test_a_damaged_earlier_round_is_left_out_with_a_note(tmp_path, halton, first_round, damage):
    data, text = _two_rounds_with_first_changed(tmp_path, halton, first_round, damage)
    assert data.meta["earlier_rounds"] == []
    assert "Round 2026-Q1 was left out of the trend: its data could not be read" in text
    assert "first round of this profile" in text
    assert len(data.scored) == 2  # today's round is whole


@pytest.mark.parametrize("dropped", [("impact",), ("feedback", "impact")])
def test_an_earlier_round_without_a_measure_shows_no_figure_there(tmp_path, halton, first_round,
                                                                  dropped):
    import pandas as pd

    def without(p):
        t = pd.read_parquet(p)
        t.drop(columns=[c for c in t.columns if c.split("__")[-1] in dropped
                        and c.startswith(("score__", "band__", "status__"))]).to_parquet(p)

    data, text = _two_rounds_with_first_changed(tmp_path, halton, first_round, without)
    assert data.meta["earlier_rounds"] == ["2026-Q1"]
    names = [m.name for m in halton.measures if m.key in dropped]
    assert f"Round 2026-Q1 has no scores for {', '.join(repr(n) for n in names)}" in text
    # the measures the earlier round had still trend: tool use 80.0 then 75.0
    assert re.search(r"Tool use 80\.0 75\.0 [−-]5\.0", text)
