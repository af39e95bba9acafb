"""Working days with England and Wales bank holidays, and calendar months."""

import datetime as dt

import numpy as np
import pytest

from qa_lib.common.working_days import add_months, add_working_days, bank_holidays, working_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-10-14", "2026-10-14", 0),  # same day = 0
        ("2026-10-14", "2026-10-15", 1),  # next working day = 1
        ("2026-10-16", "2026-10-19", 1),  # Friday to Monday: the weekend does not count
        ("2026-10-17", "2026-10-19", 1),  # Saturday to Monday
        ("2026-08-28", "2026-09-01", 1),  # Friday to Tuesday over the August bank holiday
        ("2026-12-24", "2026-12-29", 1),  # Christmas Day and the Boxing Day substitute (28th)
        ("2026-04-02", "2026-04-07", 1),  # Good Friday and Easter Monday
        ("2026-10-01", "2026-10-29", 20),
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between([start], [end])[0] == expected


def test_missing_dates_give_nan():
    out = working_days_between(["2026-10-01", None], [None, "2026-10-02"])
    assert np.isnan(out).all()


def test_bank_holidays_are_england_and_wales():
    days = {d.astype(dt.date) for d in bank_holidays(2026, 2026)}
    assert dt.date(2026, 8, 31) in days  # summer bank holiday (England and Wales)
    assert dt.date(2026, 8, 3) not in days  # Scotland's summer holiday is not ours
    assert dt.date(2026, 3, 17) not in days  # St Patrick's Day (Northern Ireland) is not ours
    assert dt.date(2026, 12, 28) in days  # substitute for Boxing Day on a Saturday


def test_add_working_days_and_months():
    assert add_working_days(["2026-08-28"], 1)[0] == np.datetime64("2026-09-01")
    assert add_working_days(["2026-10-17"], 0)[0] == np.datetime64("2026-10-17")
    assert add_months(["2026-01-31"], 1)[0] == np.datetime64("2026-02-28")
    assert add_months(["2026-11-30"], 3)[0] == np.datetime64("2027-02-28")
    assert add_months(["2026-10-15"], 3)[0] == np.datetime64("2027-01-15")
