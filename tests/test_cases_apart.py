"""Cases where partners see the same child differently: the case view and cases apart.

Hand-worked tables first, then property tests: the case view's gaps equal to the rule
written as a plain loop; cases apart equal to the rule written with the plain statistical
median (a partner is listed when its band position is two or more from the median of the
case's positions), and the same when the bands are read the other way round.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from qa_lib.common.vocabulary import band_col, score_col
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import cases
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


def test_hand_worked_case_view(halton):
    # Halton bands: Outstanding 90+, Good 75+, Requires improvement 50+, Inadequate below.
    n = len(halton.measures)
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


# a case score in each Halton band: Outstanding, Good, Requires improvement, Inadequate
OUT, GOOD, RI, INAD = 95.0, 80.0, 60.0, 30.0
MIRROR = {OUT: INAD, GOOD: RI, RI: GOOD, INAD: OUT}  # the same bands read from the other end


def _cases(profile, scores: dict[str, list[float | None]]) -> pd.DataFrame:
    """A scored table from each case's case scores, one per partner in the profile's order."""
    n, partners = len(profile.measures), list(profile.partners)
    return _table(profile, [(c, partners[i], s, [s] * n) for c, row in scores.items()
                            for i, s in enumerate(row)])


def test_hand_worked_cases_apart(halton):
    p = list(halton.partners)
    t = _cases(halton, {
        # 3 partners O, R, R (O Outstanding, G Good, R Requires improvement, I Inadequate):
        # the median is R; O is 2 bands from it: listed
        "A": [OUT, RI, RI],
        # 2 partners O and I, three bands apart: the median is halfway, 1.5 bands from each,
        # so neither is listed (the case view shows their gap of 3)
        "B": [OUT, INAD],
        # 4 partners O, G, R, I: the median lies between G and R (1.5); O is 1.5 bands from
        # it: not listed
        "C": [OUT, GOOD, RI, INAD],
        # 4 partners O, G, I, I: the median is halfway between G and I, which is R; O is 2
        # bands from it: listed (the two I are 1 band from it)
        "C2": [OUT, GOOD, INAD, INAD],
        # 4 partners O, R, R, I: both middle bands are R, so the median is R; O is 2 bands
        # from it (listed), I is 1 (not listed)
        "D": [OUT, RI, RI, INAD],
        # 6 partners O, R, R, I, I, I: the median lies between R and I (2.5); O is 2.5 bands
        # from it: listed, with the median named as both bands
        "E": [OUT, RI, RI, INAD, INAD, INAD],
        # 4 partners G and one with no case score: the blank takes no part
        "F": [GOOD, GOOD, GOOD, GOOD, None],
        # 3 partners I, G, G: the median is G; I is 2 bands worse: listed (the rule runs both
        # ways)
        "H": [INAD, GOOD, GOOD],
    })
    ap = agg.cases_apart(t, halton)
    assert ap.to_dict("records") == [
        {"Case": "A", "Partners": 3, "Median band": "Requires improvement",
         "Partner": p[0], "Partner's band": "Outstanding", "Bands from the median": 2},
        {"Case": "C2", "Partners": 4, "Median band": "Requires improvement",
         "Partner": p[0], "Partner's band": "Outstanding", "Bands from the median": 2},
        {"Case": "D", "Partners": 4, "Median band": "Requires improvement",
         "Partner": p[0], "Partner's band": "Outstanding", "Bands from the median": 2},
        {"Case": "E", "Partners": 6, "Median band": "between Requires improvement and Inadequate",
         "Partner": p[0], "Partner's band": "Outstanding", "Bands from the median": 2.5},
        {"Case": "H", "Partners": 3, "Median band": "Good",
         "Partner": p[0], "Partner's band": "Inadequate", "Bands from the median": 2},
    ]


def test_two_partners_three_bands_from_the_median(halton):
    p = list(halton.partners)
    # O, I, I, I, O: the median is I; both O partners are 3 bands from it
    ap = agg.cases_apart(_cases(halton, {"A": [OUT, INAD, INAD, INAD, OUT]}), halton)
    assert ap[["Partner", "Bands from the median"]].values.tolist() == [[p[0], 3], [p[4], 3]]
    assert ap["Median band"].tolist() == ["Inadequate", "Inadequate"]
    assert ap["Partners"].tolist() == [5, 5]


def test_no_case_apart_gives_an_empty_table_with_its_columns(halton):
    t = _table(halton, [("A", "Schools", 80.0, [80.0] * len(halton.measures))])
    ap = agg.cases_apart(t, halton)
    assert ap.empty and list(ap.columns) == ["Case", "Partners", "Median band", "Partner",
                                             "Partner's band", "Bands from the median"]


def test_the_section_states_the_rule_and_counts_the_cases(halton):
    t = _cases(halton, {"A": [OUT, RI, RI], "B": [OUT, INAD], "C": [GOOD],
                        "D": [INAD, GOOD, GOOD]})
    data = RoundData(scored=t, problems=pd.DataFrame(), excluded=pd.DataFrame(),
                     meta={"round": "2026-Q3"}, profile=halton)
    html = cases.apart_section(data)
    assert "two or more bands from the median of all its partners&#x27; bands" in html
    # A and D are listed; C has one partner, so three cases are seen by two or more
    assert ("2 of the 3 cases seen by two or more partners have a partner standing "
            "apart") in html
    assert html.count("<tr>") == 3  # the header row and the two partners standing apart
    none = cases.apart_section(RoundData(
        scored=_cases(halton, {"B": [OUT, INAD]}), problems=pd.DataFrame(),
        excluded=pd.DataFrame(), meta={"round": "2026-Q3"}, profile=halton))
    assert "No case of the 1 case seen by two or more partners has a partner standing apart." \
        in none


# ----------------------------------------------------------------- the rules as plain loops


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


def _plain_apart(t: pd.DataFrame, profile) -> list[tuple[str, str, float]]:
    """The rule as a plain loop: each case's band positions sorted, the median the middle one
    or the mean of the two middle ones; a partner two or more positions from it is listed."""
    order = {p: i for i, p in enumerate(profile.partners)}
    out = []
    for case, g in t.groupby("case_ref", sort=True):
        pos = {p: profile.band_names.index(b) for p, b in zip(g["partner"], g["case_band"],
                                                               strict=True) if b}
        if len(pos) < 2:
            continue
        s = sorted(pos.values())
        k = len(s)
        med = s[k // 2] if k % 2 else (s[k // 2 - 1] + s[k // 2]) / 2
        out += [(case, p, abs(v - med)) for p, v in pos.items() if abs(v - med) >= 2]
    return sorted(out, key=lambda r: (r[0], order[r[1]]))


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
        for p in data.draw(st.lists(st.sampled_from(partners), min_size=1, max_size=8,
                                    unique=True)):
            rows.append((case, p, data.draw(SCORE), [data.draw(SCORE) for _ in range(n)]))
    t = _table(halton, rows)
    gaps = agg.case_view(t, halton)["Widest band gap"].to_dict()
    plain = _plain_gaps(t, halton)
    assert gaps.keys() == plain.keys()
    assert all(math.isclose(gaps[k], plain[k]) for k in plain)
    ap = agg.cases_apart(t, halton)
    assert list(zip(ap["Case"], ap["Partner"], ap["Bands from the median"], strict=True)) == (
        _plain_apart(t, halton))


@settings(max_examples=examples(60), deadline=None)
@given(scores=st.lists(st.lists(st.sampled_from([OUT, GOOD, RI, INAD]), min_size=1,
                                max_size=8), min_size=1, max_size=5))
def test_the_rule_is_the_same_read_from_either_end(halton, scores):
    named = {f"C{i}": row for i, row in enumerate(scores)}
    mirrored = {c: [MIRROR[s] for s in row] for c, row in named.items()}
    ap, back = (agg.cases_apart(_cases(halton, s), halton) for s in (named, mirrored))
    keep = ["Case", "Partner", "Bands from the median"]
    assert back[keep].equals(ap[keep])
