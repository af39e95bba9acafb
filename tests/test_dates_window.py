"""Dates that cannot be right are refused, never scored as late (issue 11, class 4).

A number typed into a date cell is read by Excel as a day of 1900 or 1905, which used to
be scored as a very late assessment with no word to anyone. Every date outside the audit's
window (1 January 2000 to 31 December 2099) is now an error naming the window, and a date
written month first (03/25/2026) is named as such.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import base_row, validate_folder, write_return
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.values import DATE_WINDOW, parse_date

WINDOW = "outside the audit's date window (1 January 2000 to 31 December 2099)"


@pytest.mark.parametrize("typed", [5, 45, 2000, 1905.0, 2026])
def test_a_number_typed_into_a_date_cell_of_a_workbook_is_refused(tmp_path, halton, typed):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", referral_date=typed, referral_decision_date=dt.date(2026, 9, 2)),
        base_row("HAL-0002", referral_date=dt.date(2026, 9, 1))])
    v = validate_folder(tmp_path, halton)
    [p] = [p for p in v.problems if p.row == 2 and p.severity == Severity.ERROR]
    assert (p.code, p.column) == ("D03", "referral_date") and WINDOW in p.message
    # the workbook's date format makes the number a date of 1900-1927 before it is read
    assert "A number typed into a date cell shows like this" in p.message
    assert not v.row_ok.iloc[0] and v.row_ok.iloc[1]  # never scored, the other row is
    assert path.exists()


@pytest.mark.parametrize("typed", [10000, 36525])  # 18/05/1927, 31/12/1999
def test_an_old_date_in_a_workbook_is_refused_naming_the_window(tmp_path, halton, typed):
    write_return(tmp_path, halton, [base_row("HAL-0001", referral_date=typed)])
    v = validate_folder(tmp_path, halton)
    [p] = [p for p in v.problems if p.severity == Severity.ERROR]
    assert (p.code, p.column) == ("D03", "referral_date") and WINDOW in p.message


@pytest.mark.parametrize(("typed", "code"), [
    ("5", "D01"), ("2000", "D01"), ("45.0", "D01"), ("9999", "D01"),  # not a date at all
    ("10000", "D03"), ("36525", "D03"), ("36525.0", "D03")])  # a day number before 2000
def test_a_number_in_a_csv_date_column_is_refused(tmp_path, halton, typed, code):
    from test_checks_codes import csv_bytes, problems, row

    found = [p for p in problems(tmp_path, "police.csv", csv_bytes([row(referral_date=typed)]))
             if p.column == "referral_date"]
    [p] = found
    assert p.code == code and p.severity == Severity.ERROR
    if code == "D03":
        assert WINDOW in p.message
        assert f"The number {typed.removesuffix('.0')} was typed where a date belongs" in p.message


@pytest.mark.parametrize(("value", "year"), [
    ("14/10/1066", 1066), ("31/12/1999", 1999), ("01/01/1900", 1900), ("01/01/3026", 3026),
    ("01/01/2100", 2100)])
def test_text_dates_outside_the_window(value, year):
    d, issue = parse_date(value)
    assert d is None and issue.code == "D03" and f"the year {year} cannot be right" in issue.message


@pytest.mark.parametrize("value", ["01/01/2000", "31/12/2099", "15/10/2026", "46310"])
def test_dates_inside_the_window_are_read(value):
    d, issue = parse_date(value)
    assert d is not None and DATE_WINDOW[0] <= d <= DATE_WINDOW[1]
    assert issue is None or issue.severity == Severity.NOTE


@pytest.mark.parametrize(("value", "second"), [
    ("03/25/2026", 25), ("12/31/2026", 31), ("1/13/2026", 13), ("02/14/26", 14),
    ("09-30-2026", 30), ("10.15.2026", 15)])
def test_month_first_dates_are_named(value, second):
    d, issue = parse_date(value)
    assert d is None and issue.code == "D04"
    assert f"has {second} where the month belongs" in issue.message


@pytest.mark.parametrize("value", ["31/02/2026", "02/30/2026", "13/13/2026", "00/15/2026"])
def test_dates_that_exist_neither_way_are_not_month_first(value):
    d, issue = parse_date(value)
    assert d is None and issue.code == "D02"
