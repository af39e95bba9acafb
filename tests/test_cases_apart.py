"""Cases where partners see the same child differently: the case view and cases apart.

A hand-worked table first, then a property test holding the vectorised functions equal
to the rule written as a plain loop over cases and measures.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from qa_lib.common.vocabulary import band_col, score_col
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import band_index, bands_of


def _table(profile, rows: list[tuple[str, str, float | None, list[float | None]]]
           ) -> pd.DataFrame:
    """A scored table from (case, partner, case score, measure scores); bands from scores."""
    keys = [m.key for m in profile.measures]
    t = pd.DataFrame({"case_ref": [r[0] for r in rows], "partner": [r[1] for r in rows],
                      "case_score": [np.nan if r[2] is None else r[2] for r in rows]})
    t["case_band"] = bands_of(t["case_score"], profile)
    for i, k in enumerate(keys):
        t[score_col(k)] = [np.nan if r[3][i] is None else r[3][i] for r in rows]
        t[band_col(k)] = bands_of(t[score_col(k)], profile)
    return t


def test_hand_worked_case_view_and_cases_apart(halton):
    # Halton bands: Outstanding 90+, Good 75+, Requires improvement 50+, Inadequate below.
    n = len(halton.measures)
    first = halton.measures[0].name
    rows = [
        # case A: police 95 (Outstanding) and health 40 (Inadequate) on the first measure,
        # three bands apart; the case scores 80 (Good) and 60 (RI) are one band apart.
        ("A", "Cheshire Police", 80.0, [95.0] + [None] * (n - 1)),
        ("A", "Health Visiting", 60.0, [40.0] + [None] * (n - 1)),
        ("A", "Schools", None, [None] * n),  # nothing scored: takes part in nothing
        # case B: one partner only, so nothing to compare
        ("B", "Cheshire Police", 20.0, [20.0] * n),
        # case C: 76 (Good) and 55 (RI) on every measure: one band apart everywhere
        ("C", "Housing", 76.0, [76.0] * n),
        ("C", "Schools", 55.0, [55.0] * n),
    ]
    t = _table(halton, rows)
    cv = agg.case_view(t, halton)
    assert cv.loc["A", "Widest band gap"] == 3
    assert cv.loc["B", "Widest band gap"] == 0
    assert cv.loc["C", "Widest band gap"] == 1
    assert cv.loc["A", "Cheshire Police"] == 80 and cv.loc["A", "Partners"] == 3
    ap = agg.cases_apart(t, halton)
    assert ap.to_dict("records") == [{
        "Case": "A", "Measure": first, "Highest": "Cheshire Police: 95 (Outstanding)",
        "Lowest": "Health Visiting: 40 (Inadequate)", "Bands apart": 3}]


def test_no_case_apart_gives_an_empty_table_with_its_columns(halton):
    t = _table(halton, [("A", "Schools", 80.0, [80.0] * len(halton.measures))])
    ap = agg.cases_apart(t, halton)
    assert ap.empty and list(ap.columns) == ["Case", "Measure", "Highest", "Lowest",
                                             "Bands apart"]


# ----------------------------------------------------------------- the rule as a plain loop


def _plain_gaps(t: pd.DataFrame, profile) -> dict[str, float]:
    out = {}
    for case, g in t.groupby("case_ref", sort=True):
        worst = 0.0
        for col in ["case_band"] + [band_col(m.key) for m in profile.measures]:
            idx = band_index(g[col], profile).dropna()
            if len(idx) >= 2:
                worst = max(worst, float(idx.max() - idx.min()))
        out[case] = worst
    return out


def _plain_apart(t: pd.DataFrame, profile) -> list[dict]:
    rows = []
    measures = [("Case score", "case_band", "case_score")] + [
        (m.name, band_col(m.key), score_col(m.key)) for m in profile.measures]
    for case, g in t.groupby("case_ref", sort=True):
        for name, bcol, scol in measures:
            sub = g[[bcol, scol, "partner"]].dropna()
            if len(sub) < 2:
                continue
            idx = band_index(sub[bcol], profile)
            if float(idx.max() - idx.min()) >= 2:
                hi, lo = sub.loc[idx.idxmin()], sub.loc[idx.idxmax()]
                rows.append({"Case": case, "Measure": name,
                             "Highest": f"{hi['partner']}: {hi[scol]:.0f} ({hi[bcol]})",
                             "Lowest": f"{lo['partner']}: {lo[scol]:.0f} ({lo[bcol]})",
                             "Bands apart": int(idx.max() - idx.min())})
    return rows


SCORE = st.one_of(st.none(), st.sampled_from([0.0, 20.0, 49.9, 50.0, 74.5, 75.0, 89.9, 90.0,
                                              100.0]))


@settings(max_examples=examples(60), deadline=None)
@given(data=st.data())
def test_vectorised_equals_the_plain_rule(halton, data):
    n = len(halton.measures)
    partners = list(halton.partners)
    rows = []
    for case in data.draw(st.lists(st.sampled_from(["C1", "C2", "C3", "C4"]), min_size=1,
                                   max_size=4, unique=True)):
        for p in data.draw(st.lists(st.sampled_from(partners), min_size=1, max_size=4,
                                    unique=True)):
            rows.append((case, p, data.draw(SCORE), [data.draw(SCORE) for _ in range(n)]))
    t = _table(halton, rows)
    gaps = agg.case_view(t, halton)["Widest band gap"].to_dict()
    plain = _plain_gaps(t, halton)
    assert gaps.keys() == plain.keys()
    assert all(math.isclose(gaps[k], plain[k]) for k in plain)
    assert agg.cases_apart(t, halton).to_dict("records") == _plain_apart(t, halton)
