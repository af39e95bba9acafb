"""Rounds are ordered by the period they cover, never by name (issue 11, class 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import base_row, build_round_data, page_text, write_return
from qa_lib.common.periods import period_of
from qa_lib.run.history import finished_rounds


@pytest.mark.parametrize(("name", "first_day"), [
    ("2026-Q3", dt.date(2026, 7, 1)), ("Q3-2026", dt.date(2026, 7, 1)),
    ("Q3 2026", dt.date(2026, 7, 1)), ("2026Q3", dt.date(2026, 7, 1)),
    ("q3_2026", dt.date(2026, 7, 1)), ("2026 q4", dt.date(2026, 10, 1)),
    ("Q1-2027", dt.date(2027, 1, 1)),
    ("2026-09", dt.date(2026, 9, 1)), ("09-2026", dt.date(2026, 9, 1)),
    ("2026_9", dt.date(2026, 9, 1)), ("Sep 2026", dt.date(2026, 9, 1)),
    ("September-2026", dt.date(2026, 9, 1)), ("2026 Sept", dt.date(2026, 9, 1)),
    ("Dec 2026", dt.date(2026, 12, 1)), ("jan 2027", dt.date(2027, 1, 1)),
    ("2026", dt.date(2026, 1, 1)),
])
def test_round_names_state_their_period(name, first_day):
    assert period_of(name) == first_day


@pytest.mark.parametrize("name", ["R1", "Pilot", "Q5-2026", "2026-13", "Smarch 2026", "K",
                                  "2026-Q3-rerun", "1899"])
def test_names_without_a_period(name):
    assert period_of(name) is None


def _round(tmp_path, halton, out, name, audit=dt.date(2026, 10, 15), **kw):
    folder = tmp_path / f"in-{name}"
    write_return(folder, halton, [base_row("HAL-0001", audit_date=audit, TU1="Yes", TU2="Yes",
                                           TU3="Yes", TU4="Yes",
                                           tool_name="Home Conditions Tool",
                                           strengths=f"Audited for round {name}")])
    return build_round_data(halton, folder, out, name, today=dt.date(2027, 11, 2), **kw)


@pytest.mark.parametrize(("older", "newer"), [
    ("Q4-2026", "Q1-2027"), ("Dec 2026", "Jan 2027"), ("2026-12", "2027-01"),
    ("Sep 2026", "2026-Q4")])
def test_the_newer_round_finds_the_older_whatever_their_names(tmp_path, halton, older, newer):
    out = tmp_path / "reports"
    _round(tmp_path, halton, out, older)
    data = _round(tmp_path, halton, out, newer)
    assert data.meta["earlier_rounds"] == [older]
    assert [m["round"] for _, m in finished_rounds(out)] == [older, newer]


def test_an_older_round_run_after_a_newer_one_has_no_predecessor(tmp_path, halton):
    """Rerunning last year's round (as --force does) never takes a newer round as its past."""
    out = tmp_path / "reports"
    _round(tmp_path, halton, out, "Q1-2027")
    data = _round(tmp_path, halton, out, "Q4-2026")
    assert data.meta["earlier_rounds"] == []
    assert data.meta["period"] == "2026-10-01"


def test_rounds_without_a_period_in_their_names_use_period_or_audit_dates(tmp_path, halton):
    out = tmp_path / "reports"
    # "Zulu" sorts after "Alpha" but covers an earlier period, given with --period
    _round(tmp_path, halton, out, "Zulu", period=dt.date(2026, 3, 1))
    alpha = _round(tmp_path, halton, out, "Alpha", period=dt.date(2026, 6, 1))
    assert alpha.meta["earlier_rounds"] == ["Zulu"]
    # no --period: the latest audit date stands for the period
    later = _round(tmp_path, halton, out, "Mike", audit=dt.date(2026, 10, 1))
    assert later.meta["period"] == "2026-10-01"
    assert later.meta["earlier_rounds"] == ["Zulu", "Alpha"]


def test_last_round_is_the_latest_period_not_the_last_name(tmp_path, halton):
    """Q1-2027 sorts before Q4-2026 by name: every 'since last round' uses the period order."""
    from qa_lib.report.sections import partner_headline, report_body
    from qa_lib.report.summary_page import last_round
    from qa_lib.scoring import aggregate as agg

    out = tmp_path / "reports"
    _round(tmp_path, halton, out, "Q4-2026", audit=dt.date(2026, 11, 1))
    _round(tmp_path, halton, out, "Q1-2027", audit=dt.date(2027, 2, 1))
    now = _round(tmp_path, halton, out, "Q2-2027", audit=dt.date(2027, 5, 1))
    assert agg.rounds_in_order(now.history) == ["Q4-2026", "Q1-2027"]
    assert agg.last_round(now.history) == last_round(now) == "Q1-2027"
    text = page_text(partner_headline(now, "Cheshire Police"))
    assert "score in Q1-2027" in text and "Q4-2026" not in text
    assert "Since Q1-2027" in page_text(report_body(now, "Cheshire Police"))
