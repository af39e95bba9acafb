"""Publishing mode: counts of 1 to 5 as c, secondary suppression, z and :, case detail left out."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import TODAY, base_row, build_round_data, page_text, write_return
from qa_lib.report import publish as pub
from qa_lib.report.sections import report_body
from qa_lib.report.summary_workbook import summary_views, write_summary
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


def _returns(folder: Path, halton) -> Path:
    yes = {k: "Yes" for k in ALL}
    police = [base_row(f"HAL-{i:04d}", "Cheshire Police", **yes, tool_name="Home Conditions Tool")
              for i in range(1, 4)]  # only 3 cases
    hv = [base_row(f"HAL-{i:04d}", "Health Visiting", **{**yes, "TU1": "No", "TU2": "No"})
          for i in range(1, 11)]  # 10 cases: tool use (0 + 0 + 1 + 1)/6 = 33.3
    # 7 cases: with the police's 3 suppressed, the partnership's total would reveal them
    # through the one other partner; Schools, the next smallest, is suppressed with them
    schools = [base_row(f"HAL-{i:04d}", "Schools", **{**yes, "TU1": "No", "TU2": "No"})
               for i in range(21, 28)]
    write_return(folder, halton, police)
    write_return(folder, halton, hv)
    write_return(folder, halton, schools)
    return folder


class Published:
    """The published round's data (no kernel), its reports' text and its summary.xlsx."""

    def __init__(self, root: Path, halton):
        self.data = build_round_data(halton, _returns(root / "in", halton), root / "out", "P",
                                     publish=True)
        assert self.data.meta["publish"] is True
        self.summary = write_summary(root / "summary.xlsx", summary_views(self.data, True),
                                     halton, [("Round", "P")])
        self._text: dict[str | None, str] = {}

    def text(self, partner: str | None = None) -> str:
        """A report's visible text, rendered from the section list as its notebook shows it."""
        if partner not in self._text:
            self._text[partner] = unescape(page_text(report_body(self.data, partner)))
        return self._text[partner]


@pytest.fixture(scope="module")
def published(tmp_path_factory, halton) -> Published:
    return Published(tmp_path_factory.mktemp("pub"), halton)


def test_partner_with_three_cases_is_suppressed(published):
    t = published.text("Cheshire Police")
    assert "Cases scored c" in t
    assert re.search(r"Headline scores for Cheshire Police, round P .* Tool use c c c ", t)
    assert "Publishing mode" in t
    assert "Left out in publishing mode" in t  # moderation, drift, narrative, voice
    assert "HAL-0001" not in t


def test_partner_with_ten_cases_is_shown(published):
    t = published.text("Health Visiting")
    assert re.search(r"Tool use 33\.3 Inadequate 10 ", t), t[:1500]


def test_partnership_heatmap_and_no_case_level_sheets(published):
    t = published.text()
    assert re.search(r"Mean score and band by partner and measure .* Cheshire Police c c c c c ", t)
    wb = openpyxl.load_workbook(published.summary)
    assert "Moderation" not in wb.sheetnames and "Case view" not in wb.sheetnames
    assert "Child's voice" not in wb.sheetnames
    rows = {r[0]: r[1:] for r in wb["Heatmap"].iter_rows(min_row=2, values_only=True)}
    assert rows["Cheshire Police"][0] == "c"
    assert round(float(rows["Health Visiting"][0]), 1) == 33.3


def test_tools_used_counts_are_suppressed(published):
    # police's 3 audits all name the Home Conditions Tool: c; the partnership's 13 audits are
    # 3 naming it and 10 naming none: the 10 goes too, or 13 - 10 would reveal the 3
    t = published.text("Cheshire Police")
    assert re.search(r"Neglect tools named in the audits \(Cheshire Police\) .*"
                     r"Home Conditions Tool c c .*No tool named 0 c ", t), t
    wb = openpyxl.load_workbook(published.summary)
    rows = {r[0]: r for r in wb["Tools used"].iter_rows(values_only=True)}
    hct = rows["Partner"].index("Home Conditions Tool")
    assert rows["Cheshire Police"][hct] == "c" and rows["Partnership"][hct] == "c"


def test_at_a_glance_leaves_out_low_numbers_and_case_counts(published):
    police = published.text("Cheshire Police")
    glance = police.split("At a glance", 1)[1].split("Contents", 1)[0]
    assert "Strongest" not in glance and "moderation" not in glance  # every figure rests on 3
    assert "Every figure for this partner rests on 1 to 5 cases" in glance
    hv = published.text("Health Visiting")
    assert "Weakest: Tool use, 33.3 (Inadequate)." in hv
    allp = published.text()
    assert "Partners with a measure in the lowest band (Inadequate): Health Visiting." in allp
    assert "flagged for moderation" not in allp.split("Contents", 1)[0]


@pytest.mark.e2e
def test_published_round_pages_and_files(tmp_path, halton):
    """The real round (notebooks in kernels) with --publish: the round stays whole, and its
    published copy holds the suppressed pages and workbook only."""
    res = run_round(halton, "P", _returns(tmp_path / "in", halton), tmp_path / "out", today=TODAY,
                    publish=True, progress=lambda s: None)
    assert res.status == "complete", res.failed
    assert (res.folder / "scored.csv").exists() and res.published is not None
    t = page_text((res.published / "partner-cheshire-police.html").read_text(encoding="utf-8"))
    assert "Cases scored c" in t
    assert re.search(r"Headline scores for Cheshire Police, round P .* Tool use c c c ", t)
    assert "Left out in publishing mode" in t and "HAL-0001" not in t
    allp = page_text((res.published / "partnership.html").read_text(encoding="utf-8"))
    assert re.search(r"Mean score and band by partner and measure .* Cheshire Police c c c c c ",
                     allp)
    assert not (res.published / "scored.csv").exists()
    wb = openpyxl.load_workbook(res.published / "summary.xlsx")
    assert "Moderation" not in wb.sheetnames and "Case view" not in wb.sheetnames
    rows = {r[0]: r[1:] for r in wb["Heatmap"].iter_rows(min_row=2, values_only=True)}
    assert rows["Cheshire Police"][0] == "c"


@pytest.mark.parametrize("publish", [True, False])
def test_summary_sheets_are_tables_of_numbers_with_headings_in_words(published, tmp_path,
                                                                     halton, publish):
    path = write_summary(tmp_path / "summary.xlsx", summary_views(published.data, publish),
                         halton, [("Round", "P")])
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert len(ws.tables) == 1, ws.title  # an Excel Table: filter and sort at once
        (table,) = ws.tables.values()
        assert table.ref.startswith("A1:"), ws.title
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in header), (ws.title, header)
        assert not [h for h in header if "_" in h], (ws.title, header)  # no column keys
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:  # a number is a number cell; suppressed figures are the text c
                assert not (isinstance(v, str) and re.fullmatch(r"-?[\d,]+(\.\d+)?", v)), (
                    ws.title, row)
    hv = {r[0]: r for r in wb["Heatmap"].iter_rows(min_row=2, values_only=True)}
    assert hv["Health Visiting"][1] == pytest.approx(33.3)
    measures = [c.value for c in wb["Measures"][1]]
    assert measures[:3] == ["Partner", "Measure", "Cases scored"]
    hv_rows = [r for r in wb["Measures"].iter_rows(min_row=2, values_only=True)
               if r[0] == "Health Visiting"]
    assert hv_rows[0][2] == 10  # an int, not '10'
    police = [r for r in wb["Measures"].iter_rows(min_row=2, values_only=True)
              if r[0] == "Cheshire Police"]
    assert police[0][2] == ("c" if publish else 3)
