"""Every report section without a kernel: the one section list, and what each section says.

Rounds are built with the round's own check, score and store steps (``build_round_data``)
and each report's body is rendered from the section list as its notebook shows it
(``report_body``): (a) the hand-worked round of test_round.py, (b) the same round
published, (c) two rounds in one reports root for the trend.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_round import TOOL, hv_rows, police_rows

from conftest import base_row, build_round_data, page_text, write_return
from qa_lib.report import sections as report
from qa_lib.report.policy import LEFT_OUT, Policy
from qa_lib.report.sections import SECTIONS, Scope
from qa_lib.report.summary_workbook import summary_views, write_summary

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
POLICE, HV = "Cheshire Police", "Health Visiting"


class Rendered:
    """A round's data and its reports' bodies, each rendered once."""

    def __init__(self, data):
        self.data = data
        self._html: dict[str | None, str] = {}

    def html(self, partner: str | None = None) -> str:
        if partner not in self._html:
            self._html[partner] = report.report_body(self.data, partner)
        return self._html[partner]

    def text(self, partner: str | None = None) -> str:
        """The visible text, entities read as a browser reads them."""
        return unescape(page_text(self.html(partner)))


def _hand_round(root: Path, halton, publish: bool) -> Rendered:
    write_return(root / "returns", halton, police_rows())
    write_return(root / "returns", halton, hv_rows())
    return Rendered(build_round_data(halton, root / "returns", root / "reports", "2026-Q3",
                                     publish=publish))


@pytest.fixture(scope="module")
def hand(tmp_path_factory, halton) -> Rendered:
    return _hand_round(tmp_path_factory.mktemp("hand"), halton, publish=False)


@pytest.fixture(scope="module")
def hand_published(tmp_path_factory, halton) -> Rendered:
    return _hand_round(tmp_path_factory.mktemp("hand-pub"), halton, publish=True)


@pytest.fixture(scope="module")
def trend(tmp_path_factory, halton) -> Rendered:
    """Two rounds in one reports root: police tool use 80 in 2026-Q1, 75 in 2026-Q2."""
    root = tmp_path_factory.mktemp("trend")
    write_return(root / "q1", halton, [
        base_row("HAL-0001", TU1="Yes", TU2="Partly", TU3="No", TU4="N/A", **TOOL),
        base_row("HAL-0002", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL)])
    build_round_data(halton, root / "q1", root / "reports", "2026-Q1")
    write_return(root / "q2", halton, [
        base_row("HAL-0011", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL),
        base_row("HAL-0012", TU1="Partly", TU2="Partly", TU3="Partly", TU4="Partly", **TOOL)])
    return Rendered(build_round_data(halton, root / "q2", root / "reports", "2026-Q2"))


# --------------------------------------------------------------------------- the one list


def test_anchors_are_unique_in_each_report_and_titles_agree():
    for scope in (Scope.PARTNER, Scope.PARTNERSHIP):
        anchors = [s.anchor for s in report.sections_for(scope)]
        assert len(anchors) == len(set(anchors)), scope
    titles: dict[str, str] = {}
    for s in SECTIONS:  # a section placed in both reports has one title and one function
        assert titles.setdefault(s.anchor, s.title) == s.title, s.anchor


def _notebook_sections(name: str) -> list[tuple[str, str]]:
    """(markdown before it, anchor) for each section cell of a notebook, in order."""
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    found = []
    for before, cell in zip(cells, cells[1:], strict=False):
        src = "".join(cell["source"])
        m = re.fullmatch(r'report\.show\(data, "([\w-]+)"\)', src)
        if cell["cell_type"] == "code" and (m or src == "report.show_first_screen(data)"):
            assert before["cell_type"] == "markdown", (name, src)
            found.append(("".join(before["source"]), m.group(1) if m else "(first screen)"))
    return found


@pytest.mark.parametrize(("name", "scope"), [("partner_report.ipynb", Scope.PARTNER),
                                             ("audit_round.ipynb", Scope.PARTNERSHIP)])
def test_notebook_cells_follow_the_section_list(name, scope):
    cells = _notebook_sections(name)
    assert [a for _, a in cells] == ["(first screen)"] + [
        s.anchor for s in report.sections_for(scope)]
    code = [c for c in json.loads((NOTEBOOKS / name).read_text())["cells"]
            if c["cell_type"] == "code"]
    assert len(code) == len(cells) + 2  # the parameters and the loading cell, then sections
    for words, _ in cells:  # each section is introduced in words, for an audit lead
        assert len(words.split()) >= 8 and words.rstrip().endswith("."), words


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "nav":
            self._in_nav = True
        if tag == "a" and self._in_nav:
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False


@pytest.mark.parametrize("partner", [POLICE, None])
@pytest.mark.parametrize("which", ["hand", "hand_published", "trend"])
def test_contents_anchors_all_lead_to_a_section(request, which, partner):
    body = request.getfixturevalue(which).html(partner)
    p = _Ids()
    p.feed(body)
    scope = report.scope_of(partner)
    listed = [s.anchor for s in report.sections_for(scope) if s.in_contents]
    assert p.links == [f"#{a}" for a in listed]
    for a in listed:
        assert p.ids.count(a) == 1, a
    # every section function ran and wrote its heading from the list, in the list's order
    shown = [s.anchor for s in report.sections_for(scope) if s.anchor in p.ids]
    assert shown == [i for i in p.ids if i in shown]
    assert set(listed) <= set(shown)
    for s in report.sections_for(scope):
        if s.anchor in p.ids:
            assert f'<h2 id="{s.anchor}">{s.title.replace(chr(39), "&#x27;")}</h2>' in body


def test_an_unknown_anchor_names_the_known_ones(hand):
    with pytest.raises(KeyError, match="headline"):
        report.section_html(hand.data, "no-such-section", POLICE)
    with pytest.raises(KeyError, match="partnership report"):
        report.section_html(hand.data, "headline")  # a partner's section


# --------------------------------------------------------------------------- what sections say


def test_partner_figures(hand):
    t = hand.text(POLICE)
    # Police tool use: mean of 60 and 100 = 80.0 (Good); partnership (60+100+100+0)/4 = 65.0
    assert re.search(r"Tool use 80\.0\s*† Good 2 65\.0 Requires improvement \+15\.0", t), t[:3000]
    assert re.search(r"The child's lived experience 50\.0\s*† Requires improvement 2", t)
    assert "HAL-0002" in t.split("Cases flagged for moderation")[-1]  # flagged, 2 bands apart
    th = hand.text(HV)
    assert re.search(r"Tool use 50\.0\s*† Requires improvement 2 65\.0", th)
    assert re.search(r"Parent and young-person feedback 100\.0\s*† Outstanding 1", th)
    # criteria: police TU2 Yes on one row and Partly on the other
    assert re.search(r"Tool use: answers by criterion \(Cheshire Police\) .*? TU2 ", t)
    assert "Cases in each band by measure (Cheshire Police)" in t
    assert "Timescales against statutory limits (Cheshire Police)" in t
    assert "Data quality by partner Partner Rows scored" in t


def test_partnership_figures(hand):
    html, t = hand.html(), hand.text()
    assert re.search(r"HAL-0001 100 92", t) or re.search(r"HAL-0001 92 100", t)
    assert re.search(r'alt="Heatmap of mean score by partner and measure\. [^"]*Cheshire Police: '
                     r"Tool use 80 \(Good\)", html)
    assert re.search(r"Tool use by partner Partner Cases scored Mean Median % Good or better "
                     r"Band of mean Health Visiting 2 50\.0 † 50\.0 1 of 2 Requires improvement "
                     r"Cheshire Police 2 80\.0 † 80\.0 1 of 2 Good Partnership 4 65\.0 † ", t)
    # HAL-0001, seen by both partners: neither stands two or more bands from their median
    assert "No case of the 1 case seen by two or more partners has a partner standing apart." in t
    assert "No shared area for improvement this round." in t


def test_at_a_glance_sentences(hand):
    # police means: TU 80, LE 50, TJ 75, FB 50, IM 75 (ties go to the first measure);
    # partnership (pooled rows): TU 65, LE 62.5, TJ 75, FB 66.7, IM 62.5
    t = hand.text(POLICE)
    assert ("Strongest measure: Tool use, 80.0 (Good). Weakest: The child's lived "
            "experience, 50.0 (Requires improvement).") in t
    assert "Above the partnership on 2 of 5 measures, below on 2, level on 1." in t
    assert "1 case flagged for moderation; 0 cases with a drift flag." in t
    t = hand.text()
    assert ("Strongest measure across partners: Timeliness, 75.0 (Good). Weakest: The "
            "child's lived experience, 62.5 (Requires improvement).") in t
    assert "Partners with a measure in the lowest band (Inadequate): none." in t
    assert "No shared area for improvement this round." in t
    # HAL-0001: police's tool use 60 (Requires improvement), HV's 100 (Outstanding), but
    # with two partners neither stands two or more bands from the case's median band
    assert "0 cases where a partner's band is two or more from the case's median band; 1 audit flagged" in t


def test_tools_used_section_and_sheet(hand, tmp_path):
    # police named the Home Conditions Tool in both its audits; of the round's 4 audits,
    # 3 name it (75%) and HV's HAL-0003 (tool use No) names none (25%)
    t = hand.text(POLICE)
    assert re.search(r"Neglect tools named in the audits \(Cheshire Police\) .*"
                     r"Home Conditions Tool 2 2 of 2 3 3 of 4 .*No tool named 0 0 of 2 1 1 of 4", t)
    assert "Home Conditions Tool: 100% against 75%" in hand.html(POLICE)  # alt
    t = hand.text()
    assert re.search(r"Home Conditions Tool 3 3 of 4 .*No tool named 1 1 of 4", t)
    path = write_summary(tmp_path / "summary.xlsx", summary_views(hand.data), hand.data.profile,
                         [("Round", "2026-Q3")])
    ws = openpyxl.load_workbook(path)["Tools used"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True)}
    hct = rows["Partner"].index("Home Conditions Tool")
    assert rows["Cheshire Police"][hct] == 2 and rows["Health Visiting"][hct] == 1
    assert rows["Partnership"][hct] == 3


def test_published_round_suppresses_and_leaves_out(hand_published):
    # every partner has 2 cases: each partner figure rests on 1 to 5 cases
    t = hand_published.text(POLICE)
    assert "Cases scored c" in t and "Publishing mode" in t
    assert re.search(r"Headline scores for Cheshire Police, round 2026-Q3 .* Tool use c c c ", t)
    assert "Every figure for this partner rests on 1 to 5 cases" in t
    assert re.search(r"Cases in each band by measure \(Cheshire Police\) Measure \w+ .* Tool use c ",
                     t)
    assert re.search(r"Tool use: answers by criterion \(Cheshire Police\) .*? TU1 [^\d]+ 2 c c c c c c ",
                     t)
    for title in ("Cases flagged for moderation", "Drift", "The child's voice",
                  "What the auditors said"):
        assert f"{title} {LEFT_OUT}" in t, title
    allp = hand_published.text()
    assert re.search(r"Mean score and band by partner and measure .* Cheshire Police c c c c c ", allp)
    for title in ("The multi-agency case view", "Cases where partners disagree",
                  "Cases flagged for moderation", "Drift"):
        assert f"{title} {LEFT_OUT}" in allp, title
    assert "flagged for moderation" not in allp.split("Contents", 1)[0]
    for page in (t, hand_published.text(HV), allp):
        assert "HAL-0" not in page  # no case reference anywhere


def test_every_case_level_section_is_left_out_by_the_policy(hand_published):
    for s in SECTIONS:
        partner = POLICE if s.scope == Scope.PARTNER else None
        html = s.html(hand_published.data, partner)
        if s.case_level:
            assert html == f'<h2 id="{s.anchor}">{s.title.replace(chr(39), "&#x27;")}</h2>' \
                           f"<p>{LEFT_OUT.replace(chr(39), '&#x27;')}</p>", s.anchor
        else:
            assert LEFT_OUT not in html, s.anchor


def test_trend_and_change_since_last_round(trend):
    t = trend.text(POLICE)
    # headline: tool use 75.0 now, 80.0 last round -> change -5.0
    assert re.search(r"Tool use 75\.0\s*† Good 2 75\.0 Good 0\.0 \u22125\.0", t), t[:2500]
    assert re.search(r"Mean score by round \(Cheshire Police\) Measure 2026-Q1 2026-Q2 Change since "
                     r"last round Tool use 80\.0 75\.0 \u22125\.0", t)
    assert "Since 2026-Q1: up on 0 measures, down on 1, level on 0." in t
    assert "Line chart of mean score by round for Cheshire Police" in trend.html(POLICE)
    assert re.search(r"Mean score by round \(the partnership\) Measure 2026-Q1 2026-Q2 Change "
                     r"since last round Tool use 80\.0 75\.0 \u22125\.0", trend.text())


# --------------------------------------------------------------------------- the policy


def test_policy_outside_publishing_changes_nothing():
    df = pd.DataFrame({"n": [3, 12], "mean": [80.0, 71.25], "band": ["Good", "Good"]})
    p = Policy(False)
    out = p.suppress(df, counts=["n"], bases={"n": ["mean"]}, words={"band": "n"},
                     withheld=["band"])
    assert out is df
    assert p.count(3) == "3" and not p.low(3) and p.shows_cases and p.notes == []
    assert p.chart_of_counts(lambda: type("C", (), {"html": lambda self: "<img>"})()) == "<img>"


def test_policy_suppresses_by_counts_bases_and_words():
    df = pd.DataFrame({"n": [3, 12, 0], "mean": [80.0, 71.25, float("nan")],
                       "band": ["Good", "Good", None], "share": [1.0, 2.0, 3.0]})
    out = Policy(True).suppress(df, bases={"n": ["mean", "absent column"]}, words={"band": "n"},
                                withheld=["share"])
    assert out["mean"].tolist() == ["c", "71.3", ":"]
    assert out["n"].tolist() == ["c", "12", "0"]
    assert out["band"].tolist()[:2] == ["c", "Good"] and pd.isna(out["band"].iloc[2])
    assert "share" not in out
    # a base that is the sum of shown counts: the figure goes, the counts are their own
    tl = pd.DataFrame({"Met": [2, 10], "Late": [1, 4], "Median taken": [4.0, 6.5]})
    shown = Policy(True).suppress(tl, counts=["Met", "Late"], bases={("Met", "Late"): ["Median taken"]})
    assert shown.iloc[0].tolist() == ["c", "c", "c"]
    assert shown.iloc[1].tolist() == ["c", "c", "6.5"]  # 4 is low, and 10 or 14 - 10 tells it


def test_policy_secondary_suppression_down_columns():
    # a column's total (the audits) would reveal one suppressed count: the next smallest goes
    tu = pd.DataFrame({"Audits": [3, 10, 0], "Partnership audits": [9, 12, 20]},
                      index=pd.Index(["A tool", "B tool", "No tool"], name="Tool"))
    out = Policy(True).suppress(tu, counts=list(tu.columns), secondary="columns")
    assert out["Audits"].tolist() == ["c", "c", "0"]
    assert out["Partnership audits"].tolist() == ["9", "12", "20"]
    html = Policy(True).table(tu, "Tools", counts=list(tu.columns), secondary="columns",
                              index=True, row_header="Tool")
    assert '<th scope="row">A tool</th><td>c</td>' in html


def test_show_displays_the_section_of_the_report_the_data_was_loaded_for(hand, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    report.show(hand.data, "heatmap")  # data of every partner: the partnership report
    report.show_first_screen(hand.data)
    assert shown == [report.section_html(hand.data, "heatmap", None),
                     report.first_screen(hand.data, None)]
    assert shown[0].startswith('<h2 id="heatmap">Partners by measure</h2>')
