"""The partnership's themes and the neglect tools used, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qa_lib.common.vocabulary import AnswerState, credit_col, state_col
from qa_lib.scoring import aggregate as agg

PARTNERS = ["Cheshire Police"] * 4 + ["Health Visiting"] * 2 + ["Schools"] * 2
CREDIT = {"Y": 1.0, "P": 0.5, "N": 0.0}


def _scored(profile, answers: dict[str, list[str | None]]) -> pd.DataFrame:
    """Rows for PARTNERS; each criterion's answers (Y, P, N, NA or None for blank)."""
    t = pd.DataFrame({"partner": PARTNERS})
    for m in profile.measures:
        for c in m.criteria:
            a = answers.get(c.key, [None] * len(PARTNERS))
            t[state_col(c.key)] = [AnswerState.MISSING if x is None
                                   else AnswerState.NOT_APPLICABLE if x == "NA"
                                   else AnswerState.ANSWERED for x in a]
            t[credit_col(c.key)] = [CREDIT.get(x, np.nan) for x in a]
    return t


def test_themes_by_hand(halton):
    t = _scored(halton, {
        # police 3 of 4 met (75%: strong), HV 2 of 2 (strong), Schools 1 of 2 (50%: neither)
        # -> strong in 2 of 3 partners (two thirds): a shared strength, 6 of 8 met = 75%
        "TU1": ["Y", "Y", "Y", "N", "Y", "Y", "N", "Y"],
        # police 1 of 4 met (Partly is not met: 25%), HV 0 of 2, Schools 1 of 1 (N/A left out)
        # -> weak in 2 of 3 (at least half): shared area for improvement, 2 of 7 = 28.6%
        "LE1": ["N", "N", "P", "Y", "N", "N", "Y", "NA"],
        # police 0 of 1, HV 1 of 1, Schools 1 of 1 -> weak in only 1; strong in 2 of 3
        "LE2": ["N", None, None, None, "Y", None, "Y", None],
        # only police answered: no theme can rest on one partner
        "TU2": ["Y", "Y", "Y", "Y", None, None, None, None],
    })
    th = agg.themes(t, halton)
    got = [(r["Theme"], r["Criterion"], r["Partners in the theme"], r["Partners answering"],
            round(r["Partnership % met"], 1), r["Partners"]) for _, r in th.iterrows()]
    assert got == [
        (agg.SHARED_WEAKNESS, "LE1", 2, 3, 28.6, "Health Visiting, Cheshire Police"),
        (agg.SHARED_STRENGTH, "TU1", 2, 3, 75.0, "Health Visiting, Cheshire Police"),
        (agg.SHARED_STRENGTH, "LE2", 2, 3, 66.7, "Health Visiting, Schools"),
    ]


def test_no_theme_without_two_partners(halton):
    t = _scored(halton, {"TU1": ["N", "N", "N", "N", None, None, None, None]})
    assert agg.themes(t, halton).empty


def test_tools_used_by_hand(halton):
    t = pd.DataFrame({"partner": ["Schools", "Schools", "Schools", "Housing"],
                      "tool_name": ["Home Conditions Tool", "Home Conditions Tool", " ",
                                    "Graded Care Profile 2"]})
    counts = agg.tool_counts(t, halton)
    assert list(counts.index) == [*halton.tools, agg.NO_TOOL]
    assert list(counts.columns) == ["Schools", "Housing", agg.PARTNERSHIP]  # profile order
    a = agg.tools_used(counts, "Schools")
    assert a.loc["Home Conditions Tool", "Audits"] == 2
    assert math.isclose(a.loc["Home Conditions Tool", "% of audits"], 200 / 3)
    assert a.loc[agg.NO_TOOL, "Audits"] == 1  # a blank (even a space) names no tool
    assert a.loc["Graded Care Profile 2", "Audits"] == 0
    assert a.loc["Graded Care Profile 2", "Partnership audits"] == 1
    assert a.loc["Home Conditions Tool", "Partnership % of audits"] == 50.0
    allp = agg.tools_used(counts)
    assert list(allp.columns) == ["Audits", "% of audits"]
    assert allp["Audits"].sum() == 4


def test_no_tool_column_gives_an_empty_table(halton):
    counts = agg.tool_counts(pd.DataFrame({"partner": ["A"]}), halton)
    assert counts.empty and agg.tools_used(counts, "A").empty


def test_older_round_without_tool_counts_shows_the_partner_alone(halton):
    from qa_lib.report.round_data import RoundData
    from qa_lib.report.sections import tools_section

    t = pd.DataFrame({"partner": ["Schools", "Schools"],
                      "tool_name": ["Home Conditions Tool", None]})
    data = RoundData(scored=t, problems=pd.DataFrame(), excluded=pd.DataFrame(),
                     meta={"round": "R"}, profile=halton, partner="Schools")
    html = tools_section(data, "Schools")
    assert "Partnership audits" not in html  # no partnership figure from one partner's rows
    assert "Home Conditions Tool: 50%" in html  # the alt text

