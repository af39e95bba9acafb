"""The one publishing rule and honest small numbers, by hand-worked examples.

* a figure derived from a suppressed count is c: its base, its numerator or the rest of
  its base (base minus numerator) 1 to 5 (:meth:`Policy.hides`);
* a share resting on fewer than 20 rows is "k of n", in both modes;
* a partner's figures alone c beside the partnership's total take the next smallest
  partner's with them;
* the low-number legend only where a figure on the page carries the mark, never published;
* a theme resting on 1 to 5 answered rows of a partner is marked (left out when published);
* a median time taken carries its unit.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pandas as pd
import pytest

from conftest import HALTON_V1, TODAY, base_row, page_text, table_of_rows
from qa_lib.profile.schema import load_profile
from qa_lib.report import fragments as fr
from qa_lib.report.policy import Policy, of_words
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import criteria_section, themes_section, timeliness_section
from qa_lib.report.sections.practice import limits, taken_words
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score

HALTON = load_profile(HALTON_V1)
ALL = ("TU1", "TU2", "TU3", "TU4", "LE1", "LE2", "LE3", "LE4", "TJ1", "TJ2", "FB1", "FB2", "FB3",
       "IM1", "IM2")
YES = {k: "Yes" for k in ALL}


def _data(rows: list[dict], publish: bool) -> RoundData:
    """A round scored in code from ``rows`` (no files, no kernel)."""
    s = score(table_of_rows(rows, HALTON), HALTON)
    return RoundData(scored=s, problems=pd.DataFrame(columns=["partner", "severity"]),
                     excluded=pd.DataFrame(columns=["partner", "reasons"]),
                     meta={"round": "R", "today": TODAY.isoformat(), "publish": publish},
                     profile=HALTON, figures=agg.measure_figures(s, HALTON),
                     tools=agg.tool_counts(s, HALTON))


def _text(html: str) -> str:
    return unescape(page_text(html))


# --------------------------------------------------------------------------- the one rule


@pytest.mark.parametrize(("numerator", "base", "hidden"), [
    (1, 10, True),     # 1 case
    (9, 10, True),     # the other 1 case
    (6, 20, False),
    (14, 20, False),
    (15, 20, True),    # the other 5
    (None, 3, True),   # a mean of 3 cases
    (None, 6, False),
    (0, 12, False),
    (12, 12, False),
])
def test_a_figure_derived_from_a_suppressed_count_is_hidden(numerator, base, hidden):
    assert Policy(True).hides(numerator, base) is hidden
    assert Policy(False).hides(numerator, base) is False


def test_shares_are_counts_under_twenty_rows_and_c_by_the_rule():
    df = pd.DataFrame({"Rows": [10, 40, 40, 3],
                       "% Yes": [10.0, 50.0, 90.0, 100.0], "% No": [90.0, 50.0, 10.0, 0.0]})
    shares = {"Rows": ["% Yes", "% No"]}
    shown = Policy(False).suppress(df, shares=shares)
    assert shown["% Yes"].tolist() == ["1 of 10", 50.0, 90.0, "3 of 3"]
    assert shown["% No"].tolist() == ["9 of 10", 50.0, 10.0, "0 of 3"]
    published = Policy(True).suppress(df, shares=shares)
    # 1 of 10: c, and the 9 with it (10 - 9 = 1); 90% of 40 is 36, its rest 4: c
    assert published.iloc[0].tolist() == [10, "c", "c"]
    assert published.iloc[1].tolist() == [40, "50.0", "50.0"]
    assert published.iloc[2].tolist() == [40, "c", "c"]
    assert published.iloc[3].tolist() == ["c", "c", "c"]
    assert of_words(25.0, 40) == 25.0 and of_words(25.0, 8) == "2 of 8"


def test_one_share_alone_suppressed_takes_the_next_smallest():
    # 40 rows: Yes 30, Partly 7, No 3: the 3 alone would be 100 - 75 - 17.5
    df = pd.DataFrame({"Rows": [40], "% Yes": [75.0], "% Partly": [17.5], "% No": [7.5]})
    out = Policy(True).suppress(df, shares={"Rows": ["% Yes", "% Partly", "% No"]})
    assert out.iloc[0].tolist() == [40, "75.0", "c", "c"]


def test_a_partner_alone_suppressed_beside_the_total_takes_the_next_partner():
    f = pd.DataFrame({"partner": ["A", "B", "C", agg.PARTNERSHIP] * 2,
                      "measure": ["m"] * 4 + ["n"] * 4,
                      "cases_scored": [3, 10, 7, 20, 3, 4, 9, 16]})
    hidden = Policy(True).hidden_figures(f)
    assert hidden.tolist() == [True, False, True, False, True, True, False, False]
    assert not Policy(False).hidden_figures(f).any()


def test_counts_suppressed_along_rows_and_columns_until_nothing_is_revealed():
    t = pd.DataFrame({"A": [3, 10, 13], "B": [0, 8, 8], "C": [7, 9, 16]},
                     index=["P", "H", agg.PARTNERSHIP])
    out = Policy(True).suppress(t, counts=list(t.columns), secondary="both")
    assert out.to_numpy().tolist() == [["c", "0", "c"], ["c", "8", "c"], ["13", "8", "16"]]


def test_the_low_number_legend_only_where_a_figure_is_marked():
    df = pd.DataFrame({"Score": [80.0, 60.0], "Low": [False, False]})
    plain = Policy(False).table(df, "T", number_columns={"Score": 1}, low_flags={"Score": "Low"})
    assert fr.LOW_MARK not in plain
    marked = Policy(False).table(df.assign(Low=[True, False]), "T", number_columns={"Score": 1},
                                 low_flags={"Score": "Low"})
    assert marked.count(fr.LOW_MARK) == 2 and "low number" in marked  # the mark and legend
    published = Policy(True).table(df.assign(Low=[True, False]), "T",
                                   number_columns={"Score": 1}, low_flags={"Score": "Low"})
    assert fr.LOW_MARK not in published


# --------------------------------------------------------------------------- in the report


def _t3_rows() -> list[dict]:
    """10 police cases: T3 (ICPC within 15 working days of the strategy discussion) met in
    one, late in nine."""
    start = dt.date(2026, 9, 1)
    rows = []
    for i in range(10):
        days = 10 if i == 0 else 40
        rows.append(base_row(f"HAL-{i + 1:04d}", "Cheshire Police", **YES,
                             strategy_discussion_date=start,
                             icpc_date=start + dt.timedelta(days=days)))
    return rows


def test_the_qa_subgroup_example_t3_met_once_in_ten():
    data = _data(_t3_rows(), publish=True)
    t = _text(criteria_section(data, "Cheshire Police"))
    # weight 1, 10 rows, then Yes, Partly, No, N/A, missing: 1 and 9 of 10 are c
    assert re.search(r"T3 [^†]+? discussion 1 10 c 0 of 10 c 0 of 10 0 of 10 ", t), t
    tl = _text(timeliness_section(data, "Cheshire Police"))
    assert re.search(r"T3 [^†]+? discussion 15 working days c c 0 0 28 working days ", tl), tl
    plain = _data(_t3_rows(), publish=False)
    t = _text(criteria_section(plain, "Cheshire Police"))
    assert re.search(r"T3 [^†]+? discussion 1 10 1 of 10 0 of 10 9 of 10 0 of 10 0 of 10 ", t), t


def test_median_taken_and_limits_carry_their_unit():
    assert taken_words(85.0, "days") == "85 days"
    assert taken_words(4.5, "working days") == "4.5 working days"
    assert taken_words(1.0, "working days") == "1 working day"
    tl = pd.DataFrame({"Limit": ["1 working days", "3 calendar months"],
                       "limit_value": [1.0, 3.0]})
    assert limits(tl) == ["1 working day", "3 calendar months"]
    t = _text(timeliness_section(_data(_t3_rows(), publish=False), "Cheshire Police"))
    assert re.search(r"T3 [^†]+? discussion 15 working days 1 9 0 0 28 working days ", t), t


def test_a_shared_strength_on_one_case_per_partner_is_marked_or_left_out():
    rows = [base_row("HAL-0001", "Cheshire Police", **YES),
            base_row("HAL-0001", "Health Visiting", **YES)]
    t = _text(themes_section(_data(rows, publish=False)))
    assert re.search(r"Shared strengths .* Health Visiting, Cheshire Police †", t), t
    assert "† low number" in t
    published = _text(themes_section(_data(rows, publish=True)))
    assert "Health Visiting, Cheshire Police" not in published and "†" not in published
    assert "left out in publishing mode" in published
