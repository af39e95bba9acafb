"""Graded Care Profile 2: distance travelled from first and latest grades."""

import math

import pandas as pd

from qa_lib.scoring.aggregate import distance_travelled


def test_distance_travelled_by_hand():
    scored = pd.DataFrame({
        "partner": ["A", "A", "A", "B"],
        "gcp2_first_physical": [4, 5, None, 3],
        "gcp2_latest_physical": [2, 5, 1, 3],
        "gcp2_first_safety": [3, None, None, None],
        "gcp2_latest_safety": [None, None, None, None],
    })
    a = distance_travelled(scored, "A").set_index("Area")
    # physical: cases 1 and 2 have both grades; first (4+5)/2 = 4.5, latest (2+5)/2 = 3.5,
    # change ((2-4) + (5-5))/2 = -1.0; one case improved
    assert a.loc["Physical", "Cases with both grades"] == 2
    assert a.loc["Physical", "Mean first grade"] == 4.5
    assert a.loc["Physical", "Mean latest grade"] == 3.5
    assert a.loc["Physical", "Mean change"] == -1.0
    assert a.loc["Physical", "Cases improved"] == 1
    assert a.loc["Safety", "Cases with both grades"] == 0
    assert math.isnan(a.loc["Safety", "Mean change"])
    allp = distance_travelled(scored).set_index("Area")
    assert allp.loc["Physical", "Cases with both grades"] == 3  # B's 3 -> 3 counts too


def test_no_gcp2_columns_no_rows():
    assert distance_travelled(pd.DataFrame({"partner": ["A"]})).empty
