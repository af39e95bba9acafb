"""The published copy of a round: a separate folder holding only what may be shared, never a
round itself (never in trends or the list of rounds), never overwriting, the round only read."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import TODAY, base_row, build_round_data, page_text, write_return
from qa_lib.cli import main
from qa_lib.run.history import finished_rounds
from qa_lib.run.options import RoundError
from qa_lib.run.publish_copy import publish_round
from qa_lib.run.round import run_round

YES = {k: "Yes" for k in ("TU1", "TU2", "TU3", "TU4", "LE1", "LE2", "LE3", "LE4", "TJ1", "TJ2",
                          "FB1", "FB2", "FB3", "IM1", "IM2")}


def _returns(folder: Path, halton, note: str = "") -> Path:
    police = [base_row(f"HAL-{i:04d}", "Cheshire Police", **YES, tool_name="Home Conditions Tool",
                       strengths=f"Police audit {note}") for i in range(1, 4)]  # 3 cases
    hv = [base_row(f"HAL-{i:04d}", "Health Visiting", **{**YES, "TU1": "No"})
          for i in range(1, 13)]
    write_return(folder, halton, police)
    write_return(folder, halton, hv)
    return folder


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def round_folder(tmp_path, halton) -> Path:
    build_round_data(halton, _returns(tmp_path / "in", halton), tmp_path / "reports", "2026-Q3")
    return tmp_path / "reports" / "2026-Q3"


def test_the_copy_holds_only_pages_and_summary_and_links_resolve(round_folder):
    before = _hashes(round_folder)
    copy = publish_round(round_folder, progress=lambda s: None)
    assert copy == round_folder.parent / "2026-Q3.published"
    names = sorted(p.name for p in copy.rglob("*"))
    assert names == ["index.html", "partner-cheshire-police.html",
                     "partner-health-visiting.html", "partnership.html",
                     "summary-cheshire-police.html", "summary-health-visiting.html",
                     "summary-partnership.html", "summary.xlsx"]
    for page in copy.glob("*.html"):
        for href in re.findall(r'href="([^"#:]+)"', page.read_text(encoding="utf-8")):
            assert (copy / href).is_file(), f"{page.name} links to {href}, not in the copy"
    assert _hashes(round_folder) == before  # the round is only read
    police = page_text((copy / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "Cases scored c" in police and "HAL-0001" not in police
    assert "Left out in publishing mode" in police
    # the round's own pages stay full: its stored data was not marked published
    assert '"publish": true' not in (round_folder / "data" / "round.json").read_text()


def test_the_copy_is_never_a_round_and_never_overwritten(round_folder, tmp_path, halton):
    copy = publish_round(round_folder, progress=lambda s: None)
    assert [p.name for p, _ in finished_rounds(round_folder.parent)] == ["2026-Q3"]
    index = (round_folder.parent / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q3.published/index.html"' in index
    with pytest.raises(RoundError, match="already exists and is never overwritten"):
        publish_round(round_folder, progress=lambda s: None)
    with pytest.raises(RoundError, match="itself a published copy"):
        publish_round(copy, progress=lambda s: None)
    said: list[str] = []
    again = publish_round(round_folder, force=True, progress=said.append)
    assert again == copy and any("moved to" in s for s in said)
    assert len(list(round_folder.parent.glob("2026-Q3.published.replaced-*"))) == 1
    # the next round finds the round, not its copy
    nxt = build_round_data(halton, _returns(tmp_path / "in-q4", halton, "Q4"),
                           round_folder.parent, "2026-Q4")
    assert nxt.meta["earlier_rounds"] == ["2026-Q3"]


def test_the_same_returns_under_a_new_name_are_not_an_earlier_round(tmp_path, halton):
    inputs = _returns(tmp_path / "in", halton)
    build_round_data(halton, inputs, tmp_path / "reports", "2026-Q3")
    again = build_round_data(halton, inputs, tmp_path / "reports", "2026-Q4")
    assert again.meta["earlier_rounds"] == []
    assert any("very same return files" in n for n in again.meta["history_notes"])


def test_publish_command(round_folder, capsys):
    assert main(["publish", str(round_folder)]) == 0
    assert "2026-Q3.published" in capsys.readouterr().out
    assert main(["publish", str(round_folder)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert main(["publish", str(round_folder.parent / "nothing")]) == 2
    assert "is not a finished audit round" in capsys.readouterr().err


@pytest.mark.e2e
def test_run_with_publish_writes_the_round_and_its_copy(tmp_path, halton):
    res = run_round(halton, "P", _returns(tmp_path / "in", halton), tmp_path / "out", today=TODAY,
                    publish=True, progress=lambda s: None, jobs=1)
    assert res.status == "complete", res.failed
    assert (res.folder / "scored.csv").is_file()  # the round itself is whole
    full = page_text((res.folder / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "Cases scored 3" in full
    assert res.published == tmp_path / "out" / "P.published"
    pub = page_text((res.published / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "Cases scored c" in pub
    assert sorted(p.suffix for p in res.published.iterdir()) == [".html"] * 7 + [".xlsx"]
    short = page_text((res.published / "summary-cheshire-police.html").read_text(encoding="utf-8"))
    assert "HAL-0001" not in short
