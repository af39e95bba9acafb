"""Working days and calendar months, with England and Wales bank holidays.

Counting convention (see docs/assumptions.md): the number of working days from
``start`` to ``end`` is the number of working days *after* the start day up to
and including the end day, so the same day is 0 and the next working day is 1.
Working days are Monday to Friday less the bank holidays of England and Wales
(``holidays`` package, United Kingdom, subdivision England; Wales shares them).
All functions are vectorised over numpy ``datetime64[D]`` arrays; NaT in gives
a missing result out.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

_NAT = np.datetime64("NaT", "D")


@lru_cache(maxsize=64)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England and Wales bank holidays (including substitute days) for a span of years."""
    years = range(first_year, last_year + 1)
    cal = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return np.array(sorted(cal.keys()), dtype="datetime64[D]")


def _as_days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values), errors="coerce").to_numpy().astype("datetime64[D]")


def _calendar(*arrays: np.ndarray) -> np.busdaycalendar:
    years = [a[~np.isnat(a)].astype("datetime64[Y]").astype(int) + 1970 for a in arrays]
    years = [y for y in years if y.size]
    if not years:
        return np.busdaycalendar()
    lo = int(min(y.min() for y in years)) - 1
    hi = int(max(y.max() for y in years)) + 1
    return np.busdaycalendar(holidays=bank_holidays(lo, hi))


def working_days_between(start, end) -> np.ndarray:
    """Working days after ``start`` up to and including ``end`` (float, NaN where a date is missing).

    Negative when ``end`` is before ``start``.
    """
    s, e = _as_days(start), _as_days(end)
    out = np.full(s.shape, np.nan)
    ok = ~(np.isnat(s) | np.isnat(e))
    if ok.any():
        cal = _calendar(s[ok], e[ok])
        one = np.timedelta64(1, "D")
        out[ok] = np.busday_count(s[ok] + one, e[ok] + one, busdaycal=cal)
    return out


def add_working_days(start, n: int) -> np.ndarray:
    """The date ``n`` working days after ``start`` (the last day still within a limit of n).

    ``n = 0`` gives ``start`` itself, whatever day it is.
    """
    s = _as_days(start)
    if int(n) == 0:
        return s
    out = np.full(s.shape, _NAT)
    ok = ~np.isnat(s)
    if ok.any():
        cal = _calendar(s[ok], s[ok] + np.timedelta64(int(n) * 2 + 30, "D"))
        first = np.busday_offset(s[ok], 0, roll="backward", busdaycal=cal)
        out[ok] = np.busday_offset(first, int(n), roll="forward", busdaycal=cal)
    return out


def add_months(start, months: int) -> np.ndarray:
    """Calendar months after ``start``; a day past the month's end falls back to its last day
    (31 January + 1 month = 28 or 29 February)."""
    s = pd.to_datetime(pd.Series(start), errors="coerce")
    shifted = s + pd.DateOffset(months=int(months))
    return shifted.to_numpy().astype("datetime64[D]")
