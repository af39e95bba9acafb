"""Publishing mode: counts of 1 to 5 as c, secondary suppression, z and :, case detail left out."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from conftest import TODAY, base_row, page_text, write_return
from qa_lib.report import publish as pub
from qa_lib.run.round import run_round

ALL = ("TU1", "TU2", "TU3", "TU4", "LE1", "LE2", "LE3", "LE4", "TJ1", "TJ2", "FB1", "FB2", "FB3",
       "IM1", "IM2")


def test_suppress_counts_with_secondary():
    df = pd.DataFrame({"A": [3, 10, 0, 8], "B": [7, 12, 4, 2], "C": [9, 0, 6, 3]})
    out = pub.suppress_counts(df, ["A", "B", "C"])
    # row 0: 3 is low; next smallest (7) also suppressed so the total cannot reveal it
    assert out.iloc[0].tolist() == ["c", "c", "9"]
    assert out.iloc[1].tolist() == ["10", "12", "0"]  # nothing low
    assert out.iloc[2].tolist() == ["0", "c", "c"]  # zeros are not used for secondary
    assert out.iloc[3].tolist() == ["8", "c", "c"]  # two low: no secondary needed


def test_suppress_by_base():
    df = pd.DataFrame({"n": [3, 12, 0], "mean": [80.0, 71.25, float("nan")]})
    out = pub.suppress_by_base(df, "n", ["mean"])
    assert out["mean"].tolist() == ["c", "71.3", ":"]
    assert out["n"].tolist() == ["c", "12", "0"]




@pytest.fixture(scope="module")
def published(tmp_path_factory, halton):
    root = tmp_path_factory.mktemp("pub")
    yes = {k: "Yes" for k in ALL}
    police = [base_row(f"HAL-{i:04d}", "Cheshire Police", **yes, tool_name="Home Conditions Tool")
              for i in range(1, 4)]  # only 3 cases
    hv = [base_row(f"HAL-{i:04d}", "Health Visiting", **{**yes, "TU1": "No", "TU2": "No"})
          for i in range(1, 11)]  # 10 cases: tool use (0 + 0 + 1 + 1)/6 = 33.3
    write_return(root / "in", halton, police)
    write_return(root / "in", halton, hv)
    res = run_round(halton, "P", root / "in", root / "out", today=TODAY, publish=True,
                    progress=lambda s: None)
    assert res.status == "complete", res.failed
    return res.folder


@pytest.mark.e2e
def test_partner_with_three_cases_is_suppressed(published):
    t = page_text((published / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "Cases scored c" in t
    assert re.search(r"Headline scores for Cheshire Police, round P .* Tool use c c c ", t)
    assert "Publishing mode" in t
    assert "Left out in publishing mode" in t  # moderation, drift, narrative, voice
    assert "HAL-0001" not in t


@pytest.mark.e2e
def test_partner_with_ten_cases_is_shown(published):
    t = page_text((published / "partner-health-visiting.html").read_text(encoding="utf-8"))
    assert re.search(r"Tool use 33\.3 Inadequate 10 ", t), t[:1500]


@pytest.mark.e2e
def test_partnership_heatmap_and_no_case_level_outputs(published):
    t = page_text((published / "partnership.html").read_text(encoding="utf-8"))
    assert re.search(r"Mean score and band by partner and measure .* Cheshire Police c c c c c ", t)
    assert not (published / "scored.csv").exists()
    wb = openpyxl.load_workbook(published / "summary.xlsx")
    assert "Moderation" not in wb.sheetnames and "Case view" not in wb.sheetnames
    assert "Child's voice" not in wb.sheetnames
    rows = {r[0]: r[1:] for r in wb["Heatmap"].iter_rows(min_row=2, values_only=True)}
    assert rows["Cheshire Police"][0] == "c"
    assert round(float(rows["Health Visiting"][0]), 1) == 33.3


@pytest.mark.e2e
def test_tools_used_counts_are_suppressed(published):
    # police's 3 audits all name the Home Conditions Tool: c; the partnership's 13 audits are
    # 3 naming it and 10 naming none: the 10 goes too, or 13 - 10 would reveal the 3
    t = page_text((published / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert re.search(r"Neglect tools named in the audits \(Cheshire Police\) .*"
                     r"Home Conditions Tool c c .*No tool named 0 c ", t), t
    wb = openpyxl.load_workbook(published / "summary.xlsx")
    rows = {r[0]: r for r in wb["Tools used"].iter_rows(values_only=True)}
    hct = rows["Partner"].index("Home Conditions Tool")
    assert rows["Cheshire Police"][hct] == "c" and rows["Partnership"][hct] == "c"


@pytest.mark.e2e
def test_at_a_glance_leaves_out_low_numbers_and_case_counts(published):
    police = page_text((published / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    glance = police.split("At a glance", 1)[1].split("Contents", 1)[0]
    assert "Strongest" not in glance and "moderation" not in glance  # every figure rests on 3
    assert "Every figure for this partner rests on 1 to 5 cases" in glance
    hv = page_text((published / "partner-health-visiting.html").read_text(encoding="utf-8"))
    assert "Weakest: Tool use, 33.3 (Inadequate)." in hv
    allp = page_text((published / "partnership.html").read_text(encoding="utf-8"))
    assert "Partners with a measure in the lowest band (Inadequate): Health Visiting." in allp
    assert "flagged for moderation" not in allp.split("Contents", 1)[0]
