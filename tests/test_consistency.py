"""The same child described differently by partners (V11), and the child's voice of an unborn
child (V12): the notes on real returns, the round still scored, and what the partnership and
partner reports then say.

Returns are the generated audit tool filled with openpyxl (``write_return``); rounds are built
with the round's own check, score and store steps (``build_round_data``), without a kernel.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pandas as pd
import pytest

from conftest import base_row, build_round_data, page_text, validate_folder, write_return
from qa_lib.checks import rules
from qa_lib.common.vocabulary import Severity
from qa_lib.report import sections as report
from qa_lib.report.policy import LEFT_OUT
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import Scope, consistency
from qa_lib.report.sections.cases import child_voice_section
from qa_lib.report.summary_workbook import summary_views

POLICE, HV, SCHOOLS = "Cheshire Police", "Health Visiting", "Schools"
V11 = rules.code_of(rules.described_differently)
V12 = rules.code_of(rules.unborn_voice)


def _returns(folder, profile):
    """Three partners' returns. HAL-0001: Schools records another age band and plan start
    date; HAL-0002: alike, one blank referral date (not a difference); HAL-0003: another
    assessment start date and neglect type only (not compared); HAL-0004: an unborn child,
    one partner with words as the child's voice."""
    march, april = dt.date(2026, 3, 2), dt.date(2026, 4, 1)
    write_return(folder, profile, [
        base_row("HAL-0001", POLICE, plan_start_date=march, referral_date=march),
        base_row("HAL-0002", POLICE, referral_date=march),
        base_row("HAL-0003", POLICE, assessment_start_date=march),
        base_row("HAL-0004", POLICE, age_band="Unborn",
                 child_voice_excerpt="We just want the baby home with us."),
    ])
    write_return(folder, profile, [
        base_row("HAL-0001", HV, plan_start_date=march, referral_date=march),
        base_row("HAL-0002", HV),
        base_row("HAL-0003", HV, assessment_start_date=april, neglect_types="Medical"),
        base_row("HAL-0004", HV, age_band="Unborn"),
    ])
    write_return(folder, profile, [
        base_row("HAL-0001", SCHOOLS, age_band="1-4", plan_start_date=april,
                 referral_date=march, child_voice_excerpt="I like my teacher."),
    ])


@pytest.fixture(scope="module")
def round_data(halton, tmp_path_factory) -> RoundData:
    root = tmp_path_factory.mktemp("consistency")
    _returns(root / "returns", halton)
    return build_round_data(halton, root / "returns", root / "reports", "2026-Q3")


def test_each_case_listed_once_with_every_partners_value(halton, tmp_path):
    _returns(tmp_path, halton)
    v = validate_folder(tmp_path, halton)
    notes = [p for p in v.problems if p.code == V11]
    assert len(notes) == 1 and not v.errors  # one note for one case; nothing stops the round
    p = notes[0]
    assert (p.severity, p.file, p.row, p.column, p.value, p.partner) == (
        Severity.NOTE, "cheshire-police.xlsx", 2, "case_ref", "HAL-0001", POLICE)
    assert p.message == (
        "Case HAL-0001 is described differently by its partners: age_band '5-10' (Cheshire "
        "Police in cheshire-police.xlsx row 2, Health Visiting in health-visiting.xlsx row 2), "
        "'1-4' (Schools in schools.xlsx row 2); plan_start_date 02/03/2026 (Cheshire Police "
        "in cheshire-police.xlsx row 2, Health Visiting in health-visiting.xlsx row 2), "
        "01/04/2026 (Schools in schools.xlsx row 2).")
    assert bool(v.row_ok.all())


def test_the_message_reads_back_into_its_facts():
    parts = [("age_band", "'5-10' (Police in a.xlsx row 2), '1-4' (Schools in b.xlsx row 3)"),
             ("icpc_date", "02/03/2026 (Police in a.xlsx row 2), 03/03/2026 (HV in c.xlsx row 9)")]
    msg = rules.differences_message("HAL-0009", parts)
    assert msg.startswith("Case HAL-0009 is described differently by its partners: age_band ")
    assert rules.differences_of(msg) == parts


def test_blanks_and_personal_references_are_not_compared():
    t = pd.DataFrame({
        "case_ref": ["A-1", "A-1", "A-1", "943 476 5919", "943 476 5919"],
        "age_band": ["5-10", None, " 5-10 ", "1-4", "5-10"],
        "plan_type": ["Child in Need", "Child in Need", None, "None", "None"],
        "icpc_date": pd.to_datetime(["2026-03-02 00:00", "2026-03-02 15:30", None, None, None]),
    })
    # A-1 agrees once blanks are left out, the text stripped and the dates read by the day;
    # the second reference is an NHS number, refused by V03 and never repeated here
    assert rules.differing_facts(t) == {}
    t.loc[2, "plan_type"] = "Child Protection"
    assert rules.differing_facts(t) == {"A-1": ["plan_type"]}


def test_the_partnership_report_lists_the_case_described_differently(round_data):
    html = report.section_html(round_data, "described-differently")
    text = unescape(page_text(html))
    assert "1 case is described differently by the partners who audited it" in text
    dd = consistency.described_differently(round_data.problems)
    assert dd.to_dict("records") == [
        {"Case": "HAL-0001", "Recorded as": "age_band",
         "What each partner recorded": "'5-10' (Cheshire Police in cheshire-police.xlsx row 2, "
                                       "Health Visiting in health-visiting.xlsx row 2), '1-4' "
                                       "(Schools in schools.xlsx row 2)"},
        {"Case": "HAL-0001", "Recorded as": "plan_start_date",
         "What each partner recorded": "02/03/2026 (Cheshire Police in cheshire-police.xlsx row "
                                       "2, Health Visiting in health-visiting.xlsx row 2), "
                                       "01/04/2026 (Schools in schools.xlsx row 2)"},
    ]
    assert "Child's age band at the audit (age_band)" in text
    assert "Date the current plan started (plan_start_date)" in text
    assert len(round_data.scored) == 9  # every row scored: the notes stop nothing


def test_the_section_sits_before_data_quality_in_the_partnership_report_only():
    anchors = [s.anchor for s in report.sections_for(Scope.PARTNERSHIP)]
    assert anchors[anchors.index("data-quality") - 1] == "described-differently"
    assert "described-differently" not in [s.anchor for s in report.sections_for(Scope.PARTNER)]
    assert report.section("described-differently", Scope.PARTNERSHIP).case_level


def test_no_case_described_differently_says_so(halton):
    data = RoundData(scored=pd.DataFrame(), problems=pd.DataFrame(), excluded=pd.DataFrame(),
                     meta={"round": "R"}, profile=halton)
    text = unescape(page_text(consistency.consistency_section(data)))
    assert text.strip().startswith("Every case audited by two or more partners is described alike")
    assert "Cases described differently by their partners: No case." in text


def test_the_voice_section_leaves_out_an_unborn_child(round_data):
    notes = round_data.problems[round_data.problems["code"] == V12]
    assert notes[["file", "row", "column", "severity"]].values.tolist() == [
        ["cheshire-police.xlsx", 5, "child_voice_excerpt", "note"]]
    for partner in (POLICE, None):
        html = child_voice_section(round_data, partner)
        assert "baby home" not in html
        assert ("1 excerpt recorded for an unborn child is left out: an unborn child cannot "
                "speak") in unescape(html)
    police = unescape(page_text(child_voice_section(round_data, POLICE)))
    assert "No excerpt of the child's voice was recorded in this round." in police
    everyone = child_voice_section(round_data, None)
    assert "I like my teacher." in everyone
    assert re.search(r"Case HAL-0001, age band 1-4, Schools", everyone)
    schools = child_voice_section(round_data, SCHOOLS)  # no unborn child: no sentence about one
    assert "unborn" not in schools
    voices = summary_views(round_data)["Child's voice"][0]  # summary.xlsx: the same rule
    assert "I like my teacher." in voices["Text"].tolist()
    assert not voices["Text"].str.contains("baby home").any()


def test_a_published_round_leaves_the_list_out(halton, tmp_path):
    _returns(tmp_path / "returns", halton)
    data = build_round_data(halton, tmp_path / "returns", tmp_path / "reports", "2026-Q3",
                            publish=True)
    html = report.section_html(data, "described-differently")
    assert "HAL-0001" not in html and LEFT_OUT in html
