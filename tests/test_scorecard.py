"""The strategy scorecard (issue 12, item 4): the template, reading and checking a filled
scorecard, computed indicators, the round's stored figures and trend, the partnership
report's section and the summary workbook's sheet, and each shipped profile's scorecard.

Rounds are built without kernels (tests/scorecard_fixture.py); the one full round through
the notebooks is marked e2e."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import openpyxl
import pandas as pd
import pytest
from scorecard_fixture import fill_scorecard, halton_with_indicators, round_with_scorecard

from conftest import HALTON_V1, TODAY, base_row, write_return
from conftest import page_text as _page_text
from qa_lib.cli import main
from qa_lib.common.vocabulary import RoundStatus
from qa_lib.ingest.scorecard import read_scorecard
from qa_lib.profile.schema import available_profiles, load_profile
from qa_lib.profile.scorecard_tool import SHEET, build_scorecard, check_indicators, fillable
from qa_lib.report import sections as report
from qa_lib.report.sections.scorecard import scorecard_section
from qa_lib.report.summary_workbook import summary_views
from qa_lib.run.options import RoundError, RoundOptions
from qa_lib.run.round import run_round
from qa_lib.run.synthetic import make_demo_returns
from qa_lib.scoring.indicators import How, Status, computed_figures, indicator_values, status

POLICE, HV = "Cheshire Police", "Health Visiting"
FIGURES = {"rereferrals": {"numerator": 40, "denominator": 200},  # 20.0%
           "ehas": {"value": 120},
           "cp_rate": {"numerator": 35, "denominator": 50_000},  # 7.0 per 10,000
           "days_to_plan": {"value": 12.5}}


def page_text(html: str) -> str:
    """A page's visible text, entities (&#x27;) read as the characters they stand for."""
    return html_lib.unescape(_page_text(html))


@pytest.fixture
def prof(tmp_path):
    return halton_with_indicators(tmp_path / "profile")


def _plan(case: str, partner: str, start: dt.date | None, end: dt.date | None = None,
          plan_type: str = "Child Protection") -> dict:
    return base_row(case, partner, plan_type=plan_type, plan_start_date=start,
                    plan_end_date=end)


# HAL-0001: Police record an open plan from January 2024 (18 months or more at the audit);
# Health Visiting record it ended after 13 months: partners disagree, the case counts as 18+.
# HAL-0002: open since March 2026, still in time. HAL-0003: 20 months, ended. HAL-0004 is a
# child in need plan and HAL-0005 has no start date: the rule does not apply to either.
PLANS = {POLICE: [_plan("HAL-0001", POLICE, dt.date(2024, 1, 10)),
                  _plan("HAL-0002", POLICE, dt.date(2026, 3, 1)),
                  _plan("HAL-0003", POLICE, dt.date(2023, 1, 1), dt.date(2024, 9, 1)),
                  _plan("HAL-0004", POLICE, dt.date(2020, 1, 1), plan_type="Child in Need"),
                  _plan("HAL-0005", POLICE, None)],
         HV: [_plan("HAL-0001", HV, dt.date(2024, 1, 10), dt.date(2025, 3, 1))]}


def _returns(folder, profile, plans=PLANS):
    for partner, rows in plans.items():
        write_return(folder, profile, rows, partner)
    return folder


# --------------------------------------------------------------------------- the template


def test_template_has_a_row_per_indicator_to_fill_and_instructions(prof, tmp_path):
    assert check_indicators(prof) == []
    wb = build_scorecard(prof)
    assert wb.sheetnames == [SHEET, "Instructions"]
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    assert header == ["key", "indicator", "what is counted", "out of what", "unit", "good when",
                      "baseline", "target", "numerator", "denominator", "value"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["rereferrals", "ehas", "cp_rate", "days_to_plan"]
    assert rows[0][1:8] == ["Re-referrals within 12 months",
                            "referrals within 12 months of a previous referral",
                            "referrals in the period", "%", "lower", 22, 18]
    assert rows[2][4] == "per 10,000"
    text = " ".join(str(c.value) for r in wb["Instructions"].iter_rows() for c in r if c.value)
    assert "cp_long: Child protection plans of 18 months or more" in text  # computed: no row
    assert "Worked out from the audit returns (nothing to enter)" in text


def test_cli_writes_the_scorecard_and_refuses_a_profile_without_indicators(prof, tmp_path,
                                                                           capsys):
    assert main(["template", "--indicators", "--profile", str(prof.path),
                 "--out", str(tmp_path / "out")]) == 0
    path = tmp_path / "out" / "halton-strategy-scorecard.xlsx"
    assert f"Wrote {path}" in capsys.readouterr().out
    assert openpyxl.load_workbook(path)[SHEET]["A2"].value == "rereferrals"
    assert main(["template", "--indicators", "--profile", HALTON_V1, "--out",
                 str(tmp_path / "none")]) == 2
    assert "has no indicators, so it has no strategy scorecard" in capsys.readouterr().err


# --------------------------------------------------------------------------- reading


def test_round_trip_template_fill_read(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", FIGURES)
    sc = read_scorecard(path, prof)
    assert sc.problems == []
    got = sc.values.set_index("key")
    assert got.loc["rereferrals", ["numerator", "denominator", "value", "row"]].tolist() == [
        40, 200, 20.0, 2]
    assert got.loc["ehas", "value"] == 120 and got.loc["ehas", "numerator"] == 120
    assert got.loc["cp_rate", "value"] == pytest.approx(7.0)
    assert got.loc["days_to_plan", "value"] == 12.5
    assert (sc.source.sheet, sc.source.header_row, sc.source.rows) == (SHEET, 1, 4)
    assert len(sc.source.sha256) == 64


def test_a_csv_scorecard_is_read_by_its_content(prof, tmp_path):
    path = tmp_path / "scorecard.xls"
    path.write_text("Scorecard for Q3\n\nKey;Numerator;Denominator;Value\nrereferrals;40;200;\n"
                    "ehas;;;120\ncp_rate;35;50000;\ndays_to_plan;;;12.5\n", encoding="utf-8")
    sc = read_scorecard(path, prof)
    assert [(p.code, p.message) for p in sc.problems] == [  # read by content, and noted
        ("N15", "'scorecard.xls' is a text (CSV) file with an Excel name; it was read as CSV.")]
    assert sc.values["value"].round(1).tolist() == [20.0, 120, 7.0, 12.5]
    assert sc.source.header_row == 3


def test_every_refusal_names_row_and_column(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", {
        "rereferrals": {"numerator": 250, "denominator": 200},  # S06 in row 2, column I
        "ehas": {"value": "about 120"},  # S04 in row 3, column K
        "cp_rate": {"numerator": 35},  # S07: no denominator, row 4 column J
        "days_to_plan": {"value": -3}},  # S05 in row 5, column K
        extra_rows=[{"key": "re_referals", "value": 3}])  # S02 in row 6, column A
    sc = read_scorecard(path, prof)
    found = {(p.code, p.row, p.letter, p.column) for p in sc.problems}
    assert found == {("S06", 2, "I", "numerator"), ("S04", 3, "K", "value"),
                     ("S07", 4, "J", "denominator"), ("S05", 5, "K", "value"),
                     ("S02", 6, "A", "key")}
    by = {p.code: p for p in sc.problems}
    assert by["S06"].message == ("The numerator 250 is greater than the denominator 200: more "
                                 "are counted than there are to count.")
    assert by["S02"].message.endswith("Did you mean 're_referrals'?") is False
    assert "Did you mean 'rereferrals'?" in by["S02"].message
    assert by["S04"].message == "'about 120' is not a number."
    assert by["S07"].message == ("The numerator is entered but the denominator is blank, so "
                                 "the figure cannot be worked out.")
    assert all(p.file == "scorecard.xlsx" and p.sheet == SHEET for p in sc.problems)
    assert sc.values.empty  # no row with an error gives a figure


def test_a_scorecard_that_cannot_be_opened_is_one_error_naming_it(prof, tmp_path):
    empty = tmp_path / "scorecard.xlsx"
    empty.write_bytes(b"")
    sc = read_scorecard(empty, prof)
    assert [(p.code, p.file, p.row) for p in sc.problems] == [("F02", "scorecard.xlsx", None)]
    assert sc.source.status == "refused" and sc.values.empty
    pdf = tmp_path / "scorecard.pdf"
    pdf.write_bytes(b"%PDF-1.7 the scorecard printed")
    assert [p.code for p in read_scorecard(pdf, prof).problems] == ["F12"]


# --------------------------------------------------------------------------- computed


def test_computed_indicator_by_hand(prof, tmp_path):
    """Cases with a CP plan and a start date: HAL-0001 (18+ by one partner's record),
    HAL-0002 (still in time), HAL-0003 (20 months): 2 of 3 = 66.7%, one case apart."""
    data = round_with_scorecard(prof, _returns(tmp_path / "in", prof), tmp_path / "out", "R",
                                None)
    row = data.indicators.set_index("key").loc["cp_long"]
    assert (row["numerator"], row["denominator"], row["cases_apart"]) == (2, 3, 1)
    assert row["value"] == pytest.approx(200 / 3)
    assert row["how"] == How.COMPUTED
    # the rest were not given: no scorecard
    assert set(data.indicators.set_index("key")["how"].drop("cp_long")) == {How.NOT_GIVEN}


def test_computed_counting_each_child_once_in_both_directions(prof):
    ind = next(i for i in prof.model.indicators if i.key == "cp_long")
    rows = [r for rs in PLANS.values() for r in rs]
    table = pd.DataFrame(rows)
    for c in ("audit_date", "plan_start_date", "plan_end_date"):
        table[c] = pd.to_datetime(table[c])
    assert computed_figures(table, ind) == (2, 3, 1)
    # higher is better: it counts the good outcome, on every record of the case: HAL-0001
    # (one record 18+) and HAL-0002 (still in time) are not counted, HAL-0003 is 18+
    higher = ind.model_copy(update={"direction": "higher"})
    assert computed_figures(table, higher) == (0, 3, 1)
    table.loc[table["case_ref"] == "HAL-0003", "plan_end_date"] = pd.Timestamp(2023, 6, 1)
    assert computed_figures(table, higher) == (1, 3, 1)
    assert computed_figures(table.iloc[:0], ind) == (0, 0, 0)


def test_a_scorecard_figure_for_a_computed_indicator_is_ignored_with_a_note(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", FIGURES,
                          extra_rows=[{"key": "cp_long", "value": 50}])
    sc = read_scorecard(path, prof)
    assert [(p.code, p.row, p.severity) for p in sc.problems] == [("S10", 6, "note")]
    assert "cp_long" not in set(sc.values["key"])


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(("direction", "target", "value", "expected"), [
    ("lower", 18, 18.0, Status.MET), ("lower", 18, 18.1, Status.NOT_MET),
    ("higher", 100, 100.0, Status.MET), ("higher", 100, 99.0, Status.NOT_MET),
    ("higher", None, 5.0, Status.NO_TARGET), ("lower", 18, None, Status.NOT_AVAILABLE)])
def test_status_against_target_by_direction(prof, direction, target, value, expected):
    ind = prof.model.indicators[1].model_copy(update={"direction": direction, "target": target})
    assert status(ind, value) == expected


# --------------------------------------------------------------------------- the round


def test_two_rounds_show_the_scorecard_with_its_trend(prof, tmp_path):
    out = tmp_path / "reports"
    first = fill_scorecard(prof, tmp_path / "q2.xlsx", {
        "rereferrals": {"numerator": 50, "denominator": 200}, "ehas": {"value": 90}})
    round_with_scorecard(prof, _returns(tmp_path / "q2", prof), out, "2026-Q2", first,
                         today=dt.date(2026, 10, 30))
    second = fill_scorecard(prof, tmp_path / "q3.xlsx", FIGURES)
    data = round_with_scorecard(prof, _returns(tmp_path / "q3", prof), out, "2026-Q3", second)
    assert data.indicator_history["round"].unique().tolist() == ["2026-Q2"]
    assert data.meta["indicators"]["file"] == "q3.xlsx"
    assert len(data.meta["indicators"]["sha256"]) == 64
    assert (out / "2026-Q3" / "data" / "indicators.parquet").exists()
    html = report.section_html(data, "scorecard")
    assert '<h2 id="scorecard">Strategy scorecard</h2>' in html
    t = page_text(html)
    # indicator, good when, baseline, target, 2026-Q2, this round, counted, out of, status,
    # change since last round, where the figure came from
    # a change of a percentage is in percentage points
    assert re.search(r"Re-referrals within 12 months lower 22\.0% 18\.0% 25\.0% 20\.0% 40 200 "
                     r"Not met -5\.0 percentage points scorecard", t), t
    assert re.search(r"Early help assessments completed higher 100 90 120 120 Met \+30 "
                     r"scorecard", t), t
    # a share of 3 cases is a count (honest small numbers), marked to be read with care
    assert re.search(r"Child protection plans of 18 months or more lower 10\.0% 2 of 3 † "
                     r"2 of 3 † 2 3 Not met 0\.0 percentage points computed from the case rows",
                     t), t
    assert "† low number: the figure rests on 1 to 5 cases" in t
    assert re.search(r"Days from referral to plan lower : 12\.5 days No target", t), t
    assert "This round (2026-Q3)" in t and "2026-Q2" in t
    assert "1 case where partners' records differ was counted the less favourable way" in t
    assert "\u201cWe will know we are making a difference\u201d (Measuring success)" in t
    sheet = summary_views(data)["Strategy scorecard"][0]
    assert sheet.columns[:2].tolist() == ["Key", "Indicator"]
    assert sheet.set_index("Key").loc["rereferrals", "2026-Q2"] == 25.0  # a number
    assert sheet.set_index("Key").loc["rereferrals", "Unit"] == "%"
    assert sheet.set_index("Key").loc["rereferrals", "Status"] == Status.NOT_MET


def test_an_earlier_round_without_a_scorecard_shows_no_trend_and_never_crashes(
        halton, prof, tmp_path):
    out = tmp_path / "reports"
    round_with_scorecard(prof, _returns(tmp_path / "q2", prof), out, "2026-Q2", None,
                         today=dt.date(2026, 10, 30))
    (out / "2026-Q2" / "data" / "indicators.parquet").unlink()  # a round from before scorecards
    data = round_with_scorecard(prof, _returns(tmp_path / "q3", prof), out, "2026-Q3",
                                fill_scorecard(prof, tmp_path / "q3.xlsx", FIGURES))
    assert data.indicator_history.empty
    assert "2026-Q2" not in page_text(report.section_html(data, "scorecard"))


def test_a_profile_without_indicators_has_no_section_or_sheet(halton, tmp_path):
    from conftest import build_round_data

    data = build_round_data(halton, _returns(tmp_path / "in", halton), tmp_path / "out")
    assert data.indicators.empty
    assert report.section_html(data, "scorecard") == ""
    assert "Strategy scorecard" not in summary_views(data)
    with pytest.raises(RoundError, match="has no indicators"):
        RoundOptions.build(halton, "R2", tmp_path / "in", tmp_path / "out",
                           indicators=fill_scorecard(
                               halton_with_indicators(tmp_path / "p"), tmp_path / "s.xlsx", {}))


def test_publishing_shows_counts_of_1_to_5_as_c(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", {
        "rereferrals": {"numerator": 4, "denominator": 200}, "ehas": {"value": 3},
        "cp_rate": {"numerator": 35, "denominator": 50_000}, "days_to_plan": {"value": 2}})
    data = round_with_scorecard(prof, _returns(tmp_path / "in", prof), tmp_path / "out", "R",
                                path, publish=True)
    t = page_text(scorecard_section(data, None))
    assert re.search(r"Re-referrals within 12 months lower 22\.0% 18\.0% c c 200 c", t), t
    assert re.search(r"Early help assessments completed higher 100 c c c", t), t
    # computed from 3 cases: c; a number of days is not a count: shown
    assert re.search(r"Child protection plans of 18 months or more lower 10\.0% c c c c", t), t
    assert re.search(r"Days from referral to plan lower 2\.0 days", t), t
    assert "partners' records differ" not in t  # a count of cases: never published
    sheet = summary_views(data, publish=True)["Strategy scorecard"][0].set_index("Key")
    assert sheet.loc["ehas", "This round (R)"] == "c"


def test_a_bad_scorecard_refuses_the_round_naming_row_and_column(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx",
                          {**FIGURES, "rereferrals": {"numerator": 250, "denominator": 200}})
    res = run_round(prof, "R", _returns(tmp_path / "in", prof), tmp_path / "out", today=TODAY,
                    indicators=path, progress=lambda s: None, jobs=1)
    assert res.status == RoundStatus.REFUSED
    problems = pd.read_excel(res.folder / "validation.xlsx", sheet_name="Problems", engine="openpyxl")
    row = problems[problems["Code"] == "S06"].iloc[0]
    assert (row["File"], row["Sheet"], row["Excel row"], row["Column letter"]) == (
        "scorecard.xlsx", SHEET, 2, "I")
    files = pd.read_excel(res.folder / "validation.xlsx", sheet_name="Files", engine="openpyxl")
    assert files.set_index("File").loc["scorecard.xlsx", "Partner"] == "Strategy scorecard"
    manifest = json.loads((res.folder / "manifest.json").read_text())
    assert "scorecard.xlsx" in [i["file"] for i in manifest["inputs"]]


def test_the_scorecard_must_be_a_file_outside_the_returns(prof, tmp_path):
    inputs = _returns(tmp_path / "in", prof)
    inside = fill_scorecard(prof, inputs / "scorecard.xlsx", FIGURES)
    with pytest.raises(RoundError, match="inside the returns folder"):
        RoundOptions.build(prof, "R", inputs, tmp_path / "out", indicators=inside)
    with pytest.raises(RoundError, match="does not exist"):
        RoundOptions.build(prof, "R", inputs, tmp_path / "out",
                           indicators=tmp_path / "nowhere.xlsx")


def test_run_command_takes_indicators(prof, tmp_path, capsys):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", {
        **FIGURES, "ehas": {"value": -1}})
    code = main(["run", "--profile", str(prof.path), "--round", "R", "--inputs",
                 str(_returns(tmp_path / "in", prof)), "--out", str(tmp_path / "out"),
                 "--indicators", str(path), "--today", TODAY.isoformat(), "--jobs", "1"])
    assert code == 2
    assert "scorecard.xlsx, sheet Scorecard, row 3, column value (K): -1 is negative" in (
        capsys.readouterr().out)


def test_validate_command_checks_a_scorecard_too(prof, tmp_path, capsys):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", {**FIGURES, "ehas": {"value": "x"}})
    code = main(["validate", "--profile", str(prof.path), "--inputs",
                 str(_returns(tmp_path / "in", prof)), "--out", str(tmp_path / "out"),
                 "--indicators", str(path), "--today", TODAY.isoformat()])
    assert code == 1
    assert "scorecard.xlsx, sheet Scorecard, row 3, column value (K): 'x' is not a number." in (
        capsys.readouterr().out)


@pytest.mark.e2e
def test_a_whole_round_with_a_scorecard(prof, tmp_path):
    path = fill_scorecard(prof, tmp_path / "scorecard.xlsx", FIGURES)
    res = run_round(prof, "R", _returns(tmp_path / "in", prof), tmp_path / "out", today=TODAY,
                    indicators=path, progress=lambda s: None, jobs=1)
    assert res.status == RoundStatus.COMPLETE, res.failed
    assert "Strategy scorecard" in page_text((res.folder / "partnership.html").read_text())
    assert "Strategy scorecard" in openpyxl.load_workbook(res.folder / "summary.xlsx").sheetnames
    manifest = json.loads((res.folder / "manifest.json").read_text())
    got = {i["file"]: i["sha256"] for i in manifest["inputs"]}
    assert got["scorecard.xlsx"] == read_scorecard(path, prof).source.sha256
    assert manifest["parameters"]["indicators"] == str(path)


# --------------------------------------------------------------------------- shipped profiles


def _figures_for(profile, k: int) -> dict[str, dict[str, object]]:
    """Plausible figures for every indicator to fill, changing with ``k`` (the round)."""
    out: dict[str, dict[str, object]] = {}
    for i, ind in enumerate(fillable(profile)):
        if ind.unit in ("percent", "rate"):
            out[ind.key] = {"numerator": 20 + 5 * i + k, "denominator": 400}
        else:
            out[ind.key] = {"value": 30 + 2 * i + k}
    return out


@pytest.mark.slow  # two rounds per profile: in make test, not make test-fast
@pytest.mark.parametrize("name", available_profiles())
def test_each_shipped_profile_shows_its_scorecard_with_trend(name, tmp_path):
    profile = load_profile(name)
    assert profile.model.indicators, f"{name}: the profile lists no indicators"
    assert check_indicators(profile) == []
    out = tmp_path / "reports"
    for k, (round_id, first, last) in enumerate((
            ("2026-Q2", dt.date(2026, 6, 1), dt.date(2026, 6, 26)),
            ("2026-Q3", dt.date(2026, 9, 7), dt.date(2026, 10, 23)))):
        demo = make_demo_returns(profile, tmp_path / round_id, seed=k, cases=8,
                                 audit_start=first, audit_end=last,
                                 partners=list(profile.partners)[:2],
                                 ref_prefix=f"{name[:3].upper()}{k}", template_rows=20)
        scorecard = None
        if fillable(profile):
            scorecard = fill_scorecard(profile, tmp_path / f"scorecard-{round_id}.xlsx",
                                       _figures_for(profile, k))
            assert read_scorecard(scorecard, profile).errors == []
        data = round_with_scorecard(profile, demo.returns, out, round_id, scorecard,
                                    today=dt.date(2026, 10, 30))
    values = indicator_values(profile, None, None)
    assert values["key"].tolist() == [i.key for i in profile.model.indicators]
    html = report.section_html(data, "scorecard")
    t = page_text(html)
    assert '<h2 id="scorecard">Strategy scorecard</h2>' in html
    assert "This round (2026-Q3)" in t and "2026-Q2" in t  # the trend: last round's column
    shown = data.indicators.set_index("key")
    for ind in profile.model.indicators:
        assert ind.name in t
        assert pd.notna(shown.loc[ind.key, "value"]), (name, ind.key)  # every figure arrived
    assert "Strategy scorecard" in summary_views(data)
