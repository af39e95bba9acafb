"""The two-page summaries: content from hand-computed rounds, the chance marker, publishing,
the profile's measure target; and in a real browser, a demo-sized round's summaries print
on at most two sides of A4 with no axe-core violation.

Rounds are built without kernels (the round's own check, score and store steps).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml

from browser import axe_violations, open_offline
from conftest import HALTON_V1, base_row, build_round_data, page_text, write_return
from qa_lib.common.vocabulary import RoundStatus
from qa_lib.ingest.actions import read_actions
from qa_lib.profile.schema import ProfileError, load_profile
from qa_lib.report import summary_page as sp
from qa_lib.report.round_data import RoundData
from qa_lib.run.history import HISTORY_COLUMNS
from qa_lib.run.round import RoundResult, _index_page
from qa_lib.run.synthetic import (
    DEFAULT_DRIFT,
    DEFAULT_QUALITY,
    DEMO_COMMENTARY,
    make_demo_actions,
    make_demo_returns,
)

POLICE, CSC, HV = "Cheshire Police", "Children's Social Care", "Health Visiting"
TOOL = {"tool_name": "Home Conditions Tool"}
# tool use (TU1 w2, TU2 w2, TU3 w1, TU4 w1): every criterion the same answer gives 100,
# 50 or 0
ALL = {100: "Yes", 50: "Partly", 0: "No"}


def _rows(partner: str, prefix: str, scores: list[int]) -> list[dict]:
    out = []
    for i, s in enumerate(scores, start=1):
        a = ALL[s]
        out.append(base_row(f"{prefix}-{i:04d}", partner, TU1=a, TU2=a, TU3=a, TU4=a,
                            **(TOOL if a != "No" else {})))
    return out


# Police: Q2 ten at 100 and ten at 50 (mean 75, variance 12500/19); Q3 fourteen at 100 and
# six at 50 (mean 85, variance 10500/19). Change +10; chance moves a mean by up to
# 1.96 x sqrt(12500/19/20 + 10500/19/20) = 1.96 x sqrt(23000/380) = 15.25: within chance.
POLICE_Q2, POLICE_Q3 = [100] * 10 + [50] * 10, [100] * 14 + [50] * 6
POLICE_LIMIT = 1.96 * math.sqrt(23000 / 380)
# Children's Social Care: Q2 ten at 0 and ten at 50 (mean 25), Q3 ten at 50 and ten at 100
# (mean 75), both variance 12500/19: change +50 against 1.96 x sqrt(25000/380) = 15.90.
CSC_Q2, CSC_Q3 = [0] * 10 + [50] * 10, [50] * 10 + [100] * 10
CSC_LIMIT = 1.96 * math.sqrt(25000 / 380)
# Health Visiting: three cases each round (mean 100 in Q3): too few to test, c when published
HV_Q2, HV_Q3 = [50, 50, 100], [100, 100, 100]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory, halton) -> tuple[RoundData, Path]:
    """Two rounds of three partners (the other six of Halton's nine send nothing)."""
    root = tmp_path_factory.mktemp("summary")
    for rid, police, csc, hv in (("2026-Q2", POLICE_Q2, CSC_Q2, HV_Q2),
                                 ("2026-Q3", POLICE_Q3, CSC_Q3, HV_Q3)):
        tag = rid[-2:]
        write_return(root / rid, halton, _rows(POLICE, f"P{tag}", police))
        write_return(root / rid, halton, _rows(CSC, f"C{tag}", csc))
        write_return(root / rid, halton, _rows(HV, f"H{tag}", hv))
    build_round_data(halton, root / "2026-Q2", root / "reports", "2026-Q2")
    data = build_round_data(halton, root / "2026-Q3", root / "reports", "2026-Q3")
    return data, root / "reports" / "2026-Q3"


def _row(data: RoundData, partner: str | None, measure: str = "tool_use") -> pd.Series:
    rows = sp.measure_rows(data, partner)
    return rows.set_index("measure").loc[measure]


def _text(html: str) -> str:
    return unescape(page_text(html))


def test_history_keeps_the_spread_of_case_scores(rounds):
    data, _ = rounds
    assert "sd" in HISTORY_COLUMNS and "sd" in data.history
    h = data.history.set_index(["partner", "measure"])
    assert h.loc[(POLICE, "tool_use"), "sd"] == pytest.approx(math.sqrt(12500 / 19))
    assert h.loc[(POLICE, "tool_use"), "mean"] == pytest.approx(75)
    assert h.loc[(POLICE, "tool_use"), "cases_scored"] == 20


def test_change_within_chance_computed_by_hand(rounds):
    data, _ = rounds
    r = _row(data, POLICE)
    assert (r[sp.SCORE], r["last_mean"], r[sp.CHANGE]) == pytest.approx((85, 75, 10))
    assert r["sd"] == pytest.approx(math.sqrt(10500 / 19))
    assert r["limit"] == pytest.approx(POLICE_LIMIT)  # 15.25
    assert r["test"] == sp.ChangeTest.WITHIN
    text = _text(sp.summary_page_html(data, POLICE))
    assert "+10.0" in text and "Within chance (±15.2)" in text
    assert sp.METHOD in text  # the method said in one sentence


def test_change_beyond_chance_and_too_few(rounds):
    data, _ = rounds
    r = _row(data, CSC)
    assert r[sp.CHANGE] == pytest.approx(50) and r["limit"] == pytest.approx(CSC_LIMIT)
    assert r["test"] == sp.ChangeTest.BEYOND
    text = _text(sp.summary_page_html(data, CSC))
    assert "More than chance (±15.9)" in text
    assert "Biggest change since 2026-Q2: Tool use, up 50.0 points, more than chance" in text
    assert _row(data, HV)["test"] == sp.ChangeTest.TOO_FEW
    hv = sp.summary_page_html(data, HV)
    assert "Too few cases to judge" in _text(hv)
    assert "100.0" in hv and 'class="low"' in hv  # 3 cases: shown, with the low marker
    assert "Not scored this round" in _text(hv)  # the measures no answer scored


def test_threshold_formula():
    assert sp.chance_threshold(10.0, 25, 10.0, 25) == pytest.approx(1.96 * math.sqrt(8))
    assert sp.change_test(5.0, 10.0, 25, 10.0, 25)[0] == sp.ChangeTest.WITHIN  # 5 < 5.54
    assert sp.change_test(6.0, 10.0, 25, 10.0, 25)[0] == sp.ChangeTest.BEYOND
    assert sp.change_test(30.0, 10.0, 19, 10.0, 25)[0] == sp.ChangeTest.TOO_FEW
    assert sp.change_test(30.0, 10.0, 25, float("nan"), 25)[0] == sp.ChangeTest.NOT_TESTED


def test_partner_page_content(rounds):
    data, _ = rounds
    html = sp.summary_page_html(data, POLICE)
    text = _text(html)
    assert "<h1>Cheshire Police: summary of audit round 2026-Q3</h1>" in html
    assert "Strongest measure: Tool use, 85.0 (Good)." in text  # the only measure scored
    # its figure against the bands: 85.0 is Good, 5.0 below Outstanding (90)
    assert "5.0 points below Outstanding (90)" in text
    assert "Partnership score" in text and "81.4" in text  # (1400+300+500+1000+300)/43
    # the missing partners are named, in the key messages and the partners' list
    assert "6 partners of the 9 in the strategy profile returned no case scored" in text
    assert "Housing" in text and "Adult Mental Health" in text
    assert "3 partners returned audits this round." in text
    assert 'href="partner-cheshire-police.html"' in html  # back to the full report
    assert sp.NO_COMMENTARY in text
    assert "1 row was left out" not in text and "left out because of errors" not in text


def test_partnership_page(rounds):
    data, _ = rounds
    html = sp.summary_page_html(data, None)
    text = _text(html)
    assert "<h1>Partnership summary, audit round 2026-Q3</h1>" in html
    r = _row(data, None)
    assert r[sp.CASES] == 43 and r[sp.SCORE] == pytest.approx(3500 / 43)
    assert 'href="partnership.html"' in html
    assert "Rows scored" in text and "counts three times" in text  # pooled rows, said so
    assert "Biggest change since 2026-Q2: Tool use, up 30.2 points" in text  # (3500-2200)/43
    assert sp.summary_page_html(data, "Partnership") == html


def test_old_history_without_sd_is_not_tested(rounds):
    data, _ = rounds
    old = dataclasses.replace(data, history=data.history.drop(columns=["sd"]))
    assert _row(old, POLICE)["test"] == sp.ChangeTest.NOT_TESTED
    assert "Not tested" in _text(sp.summary_page_html(old, POLICE))


def test_first_round_says_so(rounds):
    data, _ = rounds
    first = dataclasses.replace(data, history=pd.DataFrame())
    text = _text(sp.summary_page_html(first, POLICE))
    assert "first round of this profile" in text and "Change against chance" not in text


def test_publishing_shows_c_for_a_base_of_one_to_five(rounds):
    data, _ = rounds
    pub = dataclasses.replace(data, meta={**data.meta, "publish": True})
    html = sp.summary_page_html(pub, HV)
    text = _text(html)
    row = re.search(r"<th scope=\"row\">Tool use</th>(.*?)</tr>", html).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert [re.sub(r"<[^>]+>", "", c) for c in cells[:4]] == ["c", "c", "c", "c"]
    assert "100.0" not in row and "Too few" not in row
    assert "Cases scored c" in text and "Health Visiting (c cases)" in text
    assert "Strongest measure" not in text  # never a figure resting on 3 cases
    assert "Every change since 2026-Q2 rests on 1 to 5 cases" in text
    assert 'class="low"' not in html  # c, not marked
    # a partner with 20 cases keeps its figures
    police = _text(sp.summary_page_html(pub, POLICE))
    assert "85.0" in police and "Within chance (±15.2)" in police


def test_rows_left_out_are_a_key_message(rounds):
    data, _ = rounds
    partial = dataclasses.replace(data, excluded=pd.DataFrame(
        {"partner": [POLICE, CSC, CSC], "reasons": ["TU3: not an answer"] * 3}))
    assert "1 row was left out because of errors" in _text(
        sp.summary_page_html(partial, POLICE))
    assert "3 rows were left out because of errors" in _text(sp.summary_page_html(partial, None))
    published = dataclasses.replace(partial, meta={**data.meta, "publish": True})
    assert "c rows were left out because of errors" in _text(
        sp.summary_page_html(published, POLICE))  # never "c row was": that would say 1


def test_commentary_shown_and_scanned(rounds):
    data, _ = rounds
    d = dataclasses.replace(data)
    d.commentary = pd.DataFrame({  # type: ignore[attr-defined]
        "about": ["Partnership", POLICE],
        "commentary": ["Tool use is improving across partners.",
                       "Chronologies improved; ring the lead on 07700 900123 for detail."]})
    police = _text(sp.summary_page_html(d, POLICE))
    assert "Chronologies improved" in police and "07700 900123" not in police
    assert "[redacted]" in police and "Tool use is improving" not in police
    assert "Tool use is improving across partners." in _text(sp.summary_page_html(d, None))
    assert sp.NO_COMMENTARY in _text(sp.summary_page_html(d, CSC))


def _with_target(tmp_path: Path, target: float | None, source: bool = True) -> Path:
    raw = yaml.safe_load(Path(HALTON_V1).read_text(encoding="utf-8"))
    m = raw["measures"][0]
    m["target"] = target
    if source:
        m["target_source"] = {"section": "Audit", "quote": "A synthetic target for the test only.",
                              "why": "States the audit target for tool use (test only)."}
    path = tmp_path / "halton-target.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_measure_target_from_the_profile(rounds, tmp_path):
    data, _ = rounds
    profile = load_profile(_with_target(tmp_path, 90))
    assert profile.measures[0].target == 90
    d = dataclasses.replace(data, profile=profile)
    text = _text(sp.summary_page_html(d, POLICE))
    assert "5.0 points below the target of 90" in text
    assert "The target is met on 0 of the 1 measure with a target." in text
    met = dataclasses.replace(data, profile=load_profile(_with_target(tmp_path, 80)))
    assert "Target of 80 met, by 5.0 points" in _text(sp.summary_page_html(met, POLICE))


def test_measure_target_needs_a_source_and_a_range(tmp_path):
    with pytest.raises(ProfileError, match="target_source"):
        load_profile(_with_target(tmp_path, 80, source=False))
    with pytest.raises(ProfileError, match="measures.0.target"):
        load_profile(_with_target(tmp_path, 120))


def test_write_pages_and_index_links(rounds):
    data, folder = rounds
    names = sp.write_summary_pages(folder, data)
    assert names == ["summary-partnership.html", "summary-children-s-social-care.html",
                     "summary-health-visiting.html", "summary-cheshire-police.html"]
    assert all((folder / n).is_file() for n in names)
    result = RoundResult(RoundStatus.COMPLETE, folder, None,  # type: ignore[arg-type]
                         reports=["partnership.html", *names])
    index = _index_page(data, data.round_id, data.profile,
                        [(POLICE, "partner-cheshire-police.html")], result)
    assert 'href="summary-partnership.html"' in index
    assert 'href="summary-cheshire-police.html"' in index


# --------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def durham_pages(tmp_path_factory) -> list[Path]:
    """A demo-sized round (Durham, 7 partners, 40 cases) after an earlier one: its summaries."""
    durham = load_profile("durham")
    root = tmp_path_factory.mktemp("durham")
    partners = list(durham.partners)[:7]
    earlier = [q - d for q, d in zip(DEFAULT_QUALITY, DEFAULT_DRIFT, strict=True)]
    make_demo_returns(durham, root / "q2", seed=1, cases=40, audit_start=dt.date(2026, 6, 1),
                      audit_end=dt.date(2026, 6, 26), partners=partners, quality=earlier,
                      ref_prefix="DUR26Q2", template_rows=41)
    make_demo_returns(durham, root / "q3", seed=2, cases=40, partners=partners,
                      ref_prefix="DUR26Q3", template_rows=41)
    build_round_data(durham, root / "q2", root / "reports", "2026-Q2", today=dt.date(2026, 6, 30))
    data = build_round_data(durham, root / "q3", root / "reports", "2026-Q3",
                            today=dt.date(2026, 10, 30))
    # the lead's commentary as the actions workbook gives it (the demo fills the
    # partnership's), and a long one for Police, which must still print on two sides
    book = make_demo_actions(durham, root / "actions.xlsx", root / "reports" / "2026-Q2",
                             dt.date(2026, 6, 30), 1)
    read = read_actions(book, durham, dt.date(2026, 10, 30)).commentary
    long = " ".join(["Chronologies have improved since the last round, and escalation still "
                     "waits too long for a further incident when the history shows enough."] * 6)
    data.commentary = pd.concat([read, pd.DataFrame({"about": ["Police"],
                                                     "commentary": [long]})])
    folder = root / "reports" / "2026-Q3"
    return [folder / n for n in sp.write_summary_pages(folder, data)]


def _pdf_pages(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    import io
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_summaries_print_on_two_sides_and_pass_axe(browser, durham_pages):
    assert len(durham_pages) == 8  # the partnership and 7 partners
    assert DEMO_COMMENTARY[1] in durham_pages[0].read_text(encoding="utf-8")
    for path in durham_pages:
        page, attempted = open_offline(browser, path)
        try:
            assert attempted == []
            assert axe_violations(page) == [], path.name
            page.emulate_media(media="print")
            assert _pdf_pages(page.pdf(format="A4")) <= 2, path.name
            shown = page.evaluate("() => document.querySelector('header.page a')"
                                  ".checkVisibility()")
            assert not shown  # no link to follow on paper
        finally:
            page.context.close()
