"""Which way round a file writes its dates (issue 11, class 4): a file that writes dates
month first has its either-way dates refused too; a file whose every text date could be
read either way is read day first with a note asking the partner to confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from test_checks_codes import HALTON, csv_bytes, row

from conftest import TODAY, base_row, write_return
from qa_lib.checks.rules import validate
from qa_lib.ingest.date_order import judge_date_order
from qa_lib.ingest.returns import read_returns


def _read(tmp_path, files: dict[str, bytes]):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return validate(read_returns(folder, HALTON), HALTON, TODAY)


def _by_code(v, code):
    return [p for p in v.problems if p.code == code]


@pytest.mark.parametrize("dates", [
    {"audit_date": "03/10/2026"},
    {"audit_date": "01/10/26", "referral_date": "02/09/26"},
    {"audit_date": "01.11.2026", "plan_start_date": "05-06-2025"},
])
def test_a_file_whose_every_date_could_be_either_way_is_read_day_first_with_a_note(
        tmp_path, dates):
    v = _read(tmp_path, {"police.csv": csv_bytes([row(**dates)])})
    (note,) = _by_code(v, "N23")
    first_key, first = next(iter(dates.items()))
    assert (note.row, note.column) == (2, first_key)
    assert note.message.startswith("Every date written in this file could be read day first or "
                                   f"month first (for example '{first}' in row 2, ")
    for key in dates:
        assert key in note.message
    day, month = int(first[:2]), int(first[3:5])
    assert v.table[first_key].iat[0].day == day and v.table[first_key].iat[0].month == month
    assert not [p for p in v.problems if p.severity == "error"]


@pytest.mark.parametrize("clear,either", [
    ("03/25/2026", "04/10/2026"),
    ("12/31/2025", "01/02/2026"),
    ("2/13/26", "3/4/26"),
])
def test_in_a_month_first_file_the_either_way_dates_are_refused_too(tmp_path, clear, either):
    v = _read(tmp_path, {"police.csv": csv_bytes([
        row(referral_date=clear, audit_date="10/09/2026"),
        row(case_ref="HAL-0002", audit_date=either)])})
    assert [(p.row, p.column) for p in _by_code(v, "D04")] == [(2, "referral_date")]
    refused = {(p.row, p.value) for p in _by_code(v, "D05")}
    assert refused == {(2, "10/09/2026"), (3, either)}
    d05 = next(p for p in _by_code(v, "D05") if p.row == 3)
    assert d05.message.startswith(f"This file writes dates month first ('{clear}' in row 2), so "
                                  f"'{either}' may be ")
    assert not v.row_ok.any()  # no row of the file is scored with a date that may be wrong
    assert v.table["audit_date"].isna().all()


def test_one_plain_day_first_date_settles_the_file(tmp_path):
    v = _read(tmp_path, {"police.csv": csv_bytes([
        row(audit_date="15/10/2026", referral_date="03/04/2026")])})
    assert not _by_code(v, "N23") and not _by_code(v, "D05")
    assert v.table["referral_date"].iat[0] == dt.datetime(2026, 4, 3)


def test_each_file_is_judged_on_its_own(tmp_path):
    v = _read(tmp_path, {
        "police.csv": csv_bytes([row(audit_date="15/10/2026", referral_date="03/04/2026")]),
        "schools.csv": csv_bytes([row(partner="Schools", audit_date="03/10/2026")]),
        "health.csv": csv_bytes([row(partner="Health Visiting", audit_date="10/13/2026",
                                     referral_date="01/02/2026")])})
    assert [p.file for p in _by_code(v, "N23")] == ["schools.csv"]
    assert [(p.file, p.column) for p in _by_code(v, "D05")] == [("health.csv", "referral_date")]


def test_dates_held_as_dates_are_not_judged(tmp_path, halton):
    write_return(tmp_path / "in", halton, [base_row(audit_date=dt.date(2026, 10, 3),
                                                    referral_date=dt.date(2026, 4, 5))])
    v = validate(read_returns(tmp_path / "in", halton), halton, TODAY)
    assert not _by_code(v, "N23") and not _by_code(v, "D05")


def test_the_same_day_and_month_is_never_in_doubt():
    import pandas as pd

    raw = pd.DataFrame({"_file": ["a.csv"], "_row": [2], "audit_date": ["05/05/2026"]})
    judged = judge_date_order(raw, ["audit_date"])
    assert judged.refused == [] and judged.notes == []
