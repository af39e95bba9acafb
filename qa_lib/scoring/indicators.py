"""The strategy scorecard's figures: each indicator's value this round, worked out from the
case rows where the profile says how, its trend across rounds and its status against target.

A **computed indicator** (``computed:`` a rule registered in :mod:`qa_lib.profile.computed`)
is evaluated over the round's valid case rows, one per case and partner, and counts each
child once:

* the rule gives every row an outcome: *good* (credit 1: a plan shorter than 18 months),
  *bad* (a credit below 1: 18 months or more), *pending* (still in time at the audit date: an
  open plan not yet 18 months old), or none where it does not apply;
* a case is in the **denominator** when the rule applies on at least one of its partners'
  rows (pending included);
* the **numerator** counts the bad outcome for an indicator where lower is better (the plans
  of 18 months or more): a case counts when any of its partners' rows shows it; and the good
  outcome for one where higher is better: a case counts when all its rows show it. So where
  partners' records disagree the case counts the less favourable way, and a pending case is
  never counted as good;
* a percentage is 100 x numerator / denominator; a count is the numerator.

Status against target: *met* when the value is at or beyond the target in the good
direction (at most the target where lower is better), *not met* otherwise, *no target*
where none is set, and *not available* where the round has no figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_lib.common.vocabulary import TimescaleStatus
from qa_lib.profile import computed as rules
from qa_lib.profile.schema import Indicator, Profile
from qa_lib.profile.scorecard_tool import RATE_PER, UNIT_WORDS, worked_out

VALUES = ["key", "numerator", "denominator", "value", "how", "cases_apart"]
HISTORY = ["round", "key", "numerator", "denominator", "value", "how"]


class How:
    """Where an indicator's figure came from."""

    SCORECARD = "scorecard"
    COMPUTED = "computed from the case rows"
    NOT_GIVEN = "not available"


class Status:
    """An indicator's status against its target."""

    MET = "Met"
    NOT_MET = "Not met"
    NO_TARGET = "No target"
    NOT_AVAILABLE = "Not available"


def computed_figures(table: pd.DataFrame, ind: Indicator) -> tuple[int, int, int]:
    """(numerator, denominator, cases whose partners' rows disagree) of a computed indicator
    over the case rows ``table`` (one per case and partner, dates parsed): see the module
    docstring for how each child is counted once."""
    rule = ind.computed
    assert rule is not None
    if table.empty:
        return 0, 0, 0
    outcome = rules.REGISTRY[rule.function](table.reset_index(drop=True), rule)
    credit = np.asarray(outcome.credit, dtype=float)
    pending = np.isnan(credit) & (np.asarray(outcome.status, dtype=object)
                                  == TimescaleStatus.IN_TIME)
    if rule.applies_when_any:
        applies = table[list(rule.applies_when_any)].notna().any(axis=1).to_numpy()
        credit[~applies] = np.nan
        pending &= applies
    state = np.select([credit >= 1 - 1e-9, credit >= 0, pending], ["good", "bad", "pending"],
                      default="")
    rows = pd.DataFrame({"case": table["case_ref"].to_numpy(), "state": state})
    rows = rows[rows["state"] != ""]
    if rows.empty:
        return 0, 0, 0
    by_case = rows.groupby("case", sort=False)["state"]
    if ind.direction == "higher":  # counts the good outcome: every record of the case shows it
        counted = by_case.agg(lambda s: bool((s == "good").all()))
    else:  # counts the bad outcome: one record of the case showing it is enough
        counted = by_case.agg(lambda s: bool((s == "bad").any()))
    apart = int((by_case.nunique() > 1).sum())
    return int(counted.sum()), int(len(counted)), apart


def indicator_values(profile: Profile, table: pd.DataFrame | None,
                     entered: pd.DataFrame | None) -> pd.DataFrame:
    """One row per indicator of the profile: its numerator, denominator and value this round
    and where they came from (``how``): computed from the valid case rows ``table``, read
    from the scorecard (``entered``, as :func:`qa_lib.ingest.scorecard.read_scorecard` gives
    it), or not available. Empty (with the columns) for a profile with no indicators."""
    rows = []
    given = {} if entered is None else {r["key"]: r for r in entered.to_dict("records")}
    for ind in profile.model.indicators:
        num = den = value = None
        apart = None
        how = How.NOT_GIVEN
        if ind.computed is not None and table is not None:
            n, d, apart = computed_figures(table, ind)
            num, den, how = float(n), float(d), How.COMPUTED
            value = float(n) if ind.unit == "count" else worked_out(ind.unit, n, d)
        elif ind.key in given:
            r = given[ind.key]
            num, den, value, how = r["numerator"], r["denominator"], r["value"], How.SCORECARD
        rows.append({"key": ind.key, "numerator": num, "denominator": den, "value": value,
                     "how": how, "cases_apart": apart})
    return pd.DataFrame(rows, columns=VALUES).astype(
        {"numerator": float, "denominator": float, "value": float, "cases_apart": "Int64"})


def status(ind: Indicator, value: float | None) -> str:
    """The indicator's status against its target (see the module docstring)."""
    if value is None or pd.isna(value):
        return Status.NOT_AVAILABLE
    if ind.target is None:
        return Status.NO_TARGET
    good = value >= ind.target if ind.direction == "higher" else value <= ind.target
    return Status.MET if good else Status.NOT_MET


def scorecard_rows(profile: Profile, current: pd.DataFrame, history: pd.DataFrame,
                   round_id: str, rounds: int = 4) -> tuple[pd.DataFrame, list[str]]:
    """The scorecard as numbers, one row per indicator: key, name, unit, direction,
    baseline, target, the value of each of the last ``rounds`` earlier rounds that have one
    (a column per round, oldest first, each with its numerator and denominator for
    suppression), this round's value, numerator and denominator, how it was found, the
    status against target and the change since the last earlier round with a figure.
    Returns the table and the earlier rounds' names in its columns."""
    hist = history if len(history) else pd.DataFrame(columns=HISTORY)
    hist = hist[hist["round"] != round_id]
    earlier = list(dict.fromkeys(hist["round"]))[-rounds:]
    cur = current.set_index("key") if len(current) else pd.DataFrame(columns=VALUES).set_index(
        "key")
    out = []
    for ind in profile.model.indicators:
        row: dict[str, object] = {"key": ind.key, "name": ind.name, "unit": ind.unit,
                                  "direction": ind.direction, "baseline": ind.baseline,
                                  "target": ind.target}
        last = None
        for r in earlier:
            h = hist[(hist["round"] == r) & (hist["key"] == ind.key)]
            v = float(h["value"].iat[0]) if len(h) and pd.notna(h["value"].iat[0]) else None
            row[f"value {r}"] = v
            row[f"numerator {r}"] = float(h["numerator"].iat[0]) if len(h) else None
            row[f"denominator {r}"] = float(h["denominator"].iat[0]) if len(h) else None
            last = v if v is not None else last
        c = cur.loc[ind.key] if ind.key in cur.index else None
        value = None if c is None or pd.isna(c["value"]) else float(c["value"])
        row.update({
            "value": value,
            "numerator": None if c is None else c["numerator"],
            "denominator": None if c is None else c["denominator"],
            "how": How.NOT_GIVEN if c is None else c["how"],
            "cases_apart": None if c is None else c["cases_apart"],
            "status": status(ind, value),
            "change": None if value is None or last is None else value - last,
        })
        out.append(row)
    return pd.DataFrame(out), earlier


def unit_words(ind: Indicator) -> str:
    """The unit as the reports name it."""
    return UNIT_WORDS[ind.unit] if ind.unit != "rate" else f"per {RATE_PER:,}"
