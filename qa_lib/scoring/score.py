"""Scoring: criteria credits -> measure scores, bands, case scores and flags.

Implements the rules of docs/method.md, vectorised over the table (no loop over rows):

* credits Yes 1, Partly 0.5, No 0; N/A leaves a criterion out; blank is missing
  (left out of the score, counted against completeness);
* measure score = 100 x sum(weight x credit) / sum(weight of answered, applicable
  criteria); fewer than half of the applicable criteria answered is
  *insufficient evidence*; no applicable criterion at all is *not applicable*;
* band of a score from the profile's bands; case score = mean of the case's
  scored measures; a moderation flag when the auditor's own grade is two or more
  bands from the band of the case score;
* drift flags (reported, not scored): plan open 18 months or more, first review
  overdue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_lib.common.vocabulary import (
    CREDITS,
    Answer,
    AnswerState,
    MeasureStatus,
    TimescaleStatus,
    band_col,
    credit_col,
    elapsed_col,
    mstatus_col,
    score_col,
    state_col,
    status_col,
)
from qa_lib.common.working_days import add_months
from qa_lib.profile import computed
from qa_lib.profile.schema import Criterion, Measure, Profile

STATES: list[str] = list(AnswerState)  # a criterion's state per row, stored as a categorical

CONTEXT = ["case_ref", "partner", "auditor_role", "audit_date", "age_band", "plan_type",
           "neglect_types", "overall_grade"]


def bands_of(scores: pd.Series | np.ndarray, profile: Profile) -> pd.Series:
    """Band name per score (missing where the score is missing)."""
    s = pd.Series(np.asarray(scores, dtype=float)).round(9)
    conds = [s >= b.min for b in profile.model.bands]
    names = [b.name for b in profile.model.bands]
    out = pd.Series(np.select(conds, names, default=""), dtype=object)
    out[s.isna()] = None
    return out


def band_index(bands: pd.Series, profile: Profile) -> pd.Series:
    """Position of each band, best = 0 (missing where unknown)."""
    order = {name: i for i, name in enumerate(profile.band_names)}
    return bands.map(order).astype("Float64")


# A criterion's state per row as a small integer code into STATES.
_ANSWERED, _NA, _MISSING = (STATES.index(s) for s in
                            (AnswerState.ANSWERED, AnswerState.NOT_APPLICABLE, AnswerState.MISSING))
_ANSWER_DTYPE = pd.CategoricalDtype([a.value for a in Answer])  # codes 0-3; -1 for blank
# By answer code (Yes, Partly, No, N/A, and blank as the last entry, index -1):
_CREDIT_OF = np.array([CREDITS[Answer.YES], CREDITS[Answer.PARTLY], CREDITS[Answer.NO], np.nan,
                       np.nan])
_STATE_DTYPE = pd.CategoricalDtype(STATES)
_STATE_OF = np.array([_ANSWERED, _ANSWERED, _ANSWERED, _NA, _MISSING], dtype=np.int8)


def score(table: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Score every row of a validated table. Returns a new table with every measure score."""
    t = table.reset_index(drop=True)
    keep = [c for c in ["_file", "_sheet", "_row", *CONTEXT] if c in t.columns]
    cols: dict[str, object] = {c: t[c] for c in keep}
    for m in profile.measures:
        states = [_criterion_columns(t, c, cols) for c in m.criteria]
        _measure_columns(m, states, cols, len(t), profile)
    out = pd.DataFrame(cols, index=range(len(t)))
    _case_columns(out, profile)
    return _drift(out, t, profile)


def _criterion_columns(t: pd.DataFrame, c: Criterion, cols: dict[str, object]) -> np.ndarray:
    """Add one criterion's answer (or status and elapsed days), credit and state columns to
    ``cols``; return its state codes."""
    if c.rule is None:
        ans = t[c.key]
        code = ans.astype(_ANSWER_DTYPE).cat.codes.to_numpy()
        credit = pd.Series(_CREDIT_OF[code], dtype=float)
        state = _STATE_OF[code]
        cols[c.key] = ans
    else:
        out = computed.REGISTRY[c.rule.function](t, c.rule)
        no_start = np.zeros(len(t), dtype=bool)
        if c.rule.applies_when_any:  # e.g. T2 only where the case had an assessment
            applies = t[list(c.rule.applies_when_any)].notna().any(axis=1).to_numpy()
            out.credit[~applies] = np.nan
            out.status[~applies] = TimescaleStatus.NOT_APPLICABLE
            if out.elapsed is not None:
                out.elapsed[~applies] = np.nan
            if c.rule.start:  # applies, but its clock cannot start: missing, not N/A
                no_start = applies & t[c.rule.start].isna().to_numpy()
                out.status[no_start] = TimescaleStatus.NO_START
        credit = pd.Series(out.credit, dtype=float)
        state = np.where(credit.notna(), _ANSWERED, np.where(no_start, _MISSING, _NA)
                         ).astype(np.int8)
        cols[status_col(c.key)] = pd.Series(out.status, dtype=object)
        if out.elapsed is not None:
            cols[elapsed_col(c.key)] = pd.Series(out.elapsed, dtype=float)
    cols[credit_col(c.key)] = credit
    cols[state_col(c.key)] = pd.Categorical.from_codes(state, dtype=_STATE_DTYPE)
    return state


def _measure_columns(m: Measure, states: list[np.ndarray], cols: dict[str, object], n: int,
                     profile: Profile) -> None:
    """Add one measure's score, status, band and answered/missing counts to ``cols``."""
    w = np.array([c.weight for c in m.criteria], dtype=float)
    cred = np.column_stack([np.asarray(cols[credit_col(c.key)], dtype=float)
                            for c in m.criteria]) if n else np.zeros((0, len(w)))
    st = np.column_stack(states) if n else np.zeros((0, len(w)), dtype=np.int8)
    answered = st == _ANSWERED
    applicable = answered | (st == _MISSING)
    num = np.where(answered, np.nan_to_num(cred) * w, 0.0).sum(axis=1)
    den = np.where(answered, w, 0.0).sum(axis=1)
    n_ans = answered.sum(axis=1)
    n_app = applicable.sum(axis=1)
    ok = (n_app > 0) & (n_ans > 0) & (2 * n_ans >= n_app)  # at least half answered
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = np.where(ok, 100.0 * num / np.where(den == 0, np.nan, den), np.nan)
    status = np.where(n_app == 0, MeasureStatus.NOT_APPLICABLE,
                      np.where(ok, MeasureStatus.SCORED, MeasureStatus.INSUFFICIENT))
    cols[score_col(m.key)] = pd.Series(sc, dtype=float)
    cols[mstatus_col(m.key)] = pd.Series(status, dtype=object)
    cols[band_col(m.key)] = bands_of(sc, profile)
    cols[f"answered__{m.key}"] = pd.Series(n_ans, dtype=int)
    cols[f"missing__{m.key}"] = pd.Series((st == _MISSING).sum(axis=1), dtype=int)


def _case_columns(out: pd.DataFrame, profile: Profile) -> None:
    """Case score (mean of the scored measures), its band, and the moderation flag."""
    scores = out[[score_col(m.key) for m in profile.measures]]
    out["case_score"] = scores.mean(axis=1, skipna=True)
    out["case_band"] = bands_of(out["case_score"], profile)
    grade_idx = band_index(out["overall_grade"], profile) if "overall_grade" in out else None
    case_idx = band_index(out["case_band"], profile)
    gap = (grade_idx - case_idx).abs() if grade_idx is not None else case_idx * np.nan
    out["grade_gap"] = gap
    out["moderation_flag"] = (gap >= 2).fillna(False).astype(bool)


def _drift(out: pd.DataFrame, t: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    d = profile.model.drift
    out["drift_plan_long"] = False
    out["plan_months_open"] = np.nan
    out["drift_review_overdue"] = False
    if d is None:
        return out
    start = pd.to_datetime(t[d.plan_start])
    stop = pd.to_datetime(t[d.plan_end]).fillna(pd.to_datetime(t["audit_date"]))
    if d.plan_months is not None:  # only where the strategy names a limit
        limit = pd.Series(add_months(start, d.plan_months))
        long_ = ((stop.to_numpy().astype("datetime64[D]") >= limit.to_numpy())
                 & start.notna().to_numpy())
        if d.plan_types:
            long_ &= t["plan_type"].isin(d.plan_types).to_numpy()
        out["drift_plan_long"] = pd.Series(long_, dtype=bool)
    months = (stop - start).dt.days / 30.4375
    out["plan_months_open"] = months.round(1)
    if d.review_criterion:
        out["drift_review_overdue"] = out[status_col(d.review_criterion)].eq(TimescaleStatus.OVERDUE)
    return out


def measure_columns(profile: Profile) -> list[str]:
    """Names of the measure score columns, in profile order."""
    return [score_col(m.key) for m in profile.measures]
