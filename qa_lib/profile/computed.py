"""Computed criteria: rules over dates or other columns, registered by name.

A profile criterion with ``rule: {function: NAME, ...}`` is scored by the
function registered here under NAME. A function takes the validated table (one
row per case and partner, dates already parsed) and the rule, and returns a
:class:`Outcome`: a credit per row (1, 0, a fraction, or NaN where the
criterion does not apply), a short status word per row, and optionally a
measured quantity (days elapsed). Functions must be vectorised over the table.

Analysts add their own with the decorator::

    @register("within_10_days_of_referral")
    def my_rule(table, rule): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qa_lib.common.vocabulary import TimescaleStatus
from qa_lib.common.working_days import add_months, working_days_between


@dataclass
class Outcome:
    """What a computed criterion gives for every row."""

    credit: np.ndarray  # float; NaN = not applicable (left out of the score)
    status: np.ndarray  # object array of TimescaleStatus words (or an analyst's own words)
    elapsed: np.ndarray | None = None  # e.g. working days from start to end (or to the audit date)


ComputedFn = Callable[[pd.DataFrame, object], Outcome]
REGISTRY: dict[str, ComputedFn] = {}


def register(name: str) -> Callable[[ComputedFn], ComputedFn]:
    """Register a computed criterion under ``name`` for use in profile files."""

    def deco(fn: ComputedFn) -> ComputedFn:
        if name in REGISTRY and REGISTRY[name] is not fn:
            raise ValueError(f"a computed criterion called '{name}' is already registered")
        REGISTRY[name] = fn
        return fn

    return deco


def _dates(table: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_datetime(table[col], errors="coerce").to_numpy().astype("datetime64[D]")


def _deadline_outcome(
    start: np.ndarray, end: np.ndarray, audit: np.ndarray, within: np.ndarray,
    overdue: np.ndarray, elapsed: np.ndarray,
) -> Outcome:
    """Shared rule (docs/method.md): applies when start is present; end present -> 1 within the limit
    else 0; end absent -> 0 if the limit had passed on the audit date, else N/A (still in time)."""
    has_start = ~np.isnat(start)
    has_end = ~np.isnat(end)
    credit = np.full(start.shape, np.nan)
    status = np.full(start.shape, TimescaleStatus.NOT_APPLICABLE, dtype=object)
    done = has_start & has_end
    credit[done] = np.where(within[done], 1.0, 0.0)
    status[done] = np.where(within[done], TimescaleStatus.MET, TimescaleStatus.LATE)
    open_ = has_start & ~has_end & ~np.isnat(audit)
    credit[open_ & overdue] = 0.0
    status[open_ & overdue] = TimescaleStatus.OVERDUE
    status[open_ & ~overdue] = TimescaleStatus.IN_TIME
    return Outcome(credit=credit, status=status, elapsed=elapsed)


@register("within_working_days")
def within_working_days(table: pd.DataFrame, rule) -> Outcome:
    """End within ``limit`` working days of start (England and Wales working days)."""
    start, end, audit = (_dates(table, c) for c in (rule.start, rule.end, "audit_date"))
    to_end = working_days_between(start, end)
    to_audit = working_days_between(start, audit)
    limit = float(rule.limit)
    within = np.nan_to_num(to_end, nan=np.inf) <= limit
    overdue = np.nan_to_num(to_audit, nan=-np.inf) > limit
    elapsed = np.where(np.isnan(to_end), to_audit, to_end)
    return _deadline_outcome(start, end, audit, within, overdue, elapsed)


@register("within_calendar_months")
def within_calendar_months(table: pd.DataFrame, rule) -> Outcome:
    """End on or before the same date ``limit`` calendar months after start."""
    start, end, audit = (_dates(table, c) for c in (rule.start, rule.end, "audit_date"))
    deadline = add_months(start, int(rule.limit))
    ok_end = ~(np.isnat(end) | np.isnat(deadline))
    within = np.zeros(start.shape, dtype=bool)
    within[ok_end] = end[ok_end] <= deadline[ok_end]
    ok_audit = ~(np.isnat(audit) | np.isnat(deadline))
    overdue = np.zeros(start.shape, dtype=bool)
    overdue[ok_audit] = audit[ok_audit] > deadline[ok_audit]
    stop = np.where(np.isnat(end), audit, end)
    elapsed = (stop - start).astype("timedelta64[D]").astype(float)
    elapsed[np.isnat(start) | np.isnat(stop)] = np.nan
    return _deadline_outcome(start, end, audit, within, overdue, elapsed)


@register("shorter_than_calendar_months")
def shorter_than_calendar_months(table: pd.DataFrame, rule) -> Outcome:
    """A period (a plan) lasted less than ``limit`` calendar months, optionally for some rows only.

    For indicators such as "children subject to a child protection plan for 18 months or
    more": a period that reaches the same date ``limit`` months after its start counts as
    ``limit`` months or more, as the drift flag does. End present: credit 1 if the end is
    before that date, else 0 (late). End absent: 0 (overdue) if the audit date has reached
    it, else N/A (still in time). Applies only when the start date is present.

    ``params`` may name a ``column`` and the ``values`` of it the rule applies to, e.g.
    ``{column: plan_type, values: [Child Protection]}``; on other rows the criterion is
    N/A (status "not applicable") and takes no part in the score. Without ``params`` it
    applies to every row. ``elapsed`` is calendar days from start to end (or to the audit
    date while open).
    """
    start, end, audit = (_dates(table, c) for c in (rule.start, rule.end, "audit_date"))
    deadline = add_months(start, int(rule.limit))
    ok_end = ~(np.isnat(end) | np.isnat(deadline))
    within = np.zeros(start.shape, dtype=bool)
    within[ok_end] = end[ok_end] < deadline[ok_end]
    ok_audit = ~(np.isnat(audit) | np.isnat(deadline))
    overdue = np.zeros(start.shape, dtype=bool)
    overdue[ok_audit] = audit[ok_audit] >= deadline[ok_audit]
    stop = np.where(np.isnat(end), audit, end)
    elapsed = (stop - start).astype("timedelta64[D]").astype(float)
    elapsed[np.isnat(start) | np.isnat(stop)] = np.nan
    out = _deadline_outcome(start, end, audit, within, overdue, elapsed)

    params = dict(rule.params or {})
    if not params:
        return out
    column, values = params.get("column"), params.get("values")
    if not isinstance(column, str) or not isinstance(values, list | tuple) or not values:
        raise ValueError(f"rule {rule.function}: params needs 'column' (a column name) and "
                         f"'values' (a list of the values the rule applies to)")
    if column not in table.columns:
        raise ValueError(f"rule {rule.function}: params column '{column}' is not a column of the table")
    in_scope = table[column].isin([str(v) for v in values]).to_numpy()
    out.credit[~in_scope] = np.nan
    out.status[~in_scope] = TimescaleStatus.NOT_APPLICABLE
    out.elapsed[~in_scope] = np.nan
    return out
