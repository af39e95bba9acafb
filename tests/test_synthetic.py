"""The demo round's synthetic returns have what the issue asks of them."""

import numpy as np
import pytest

from conftest import TODAY
from qa_lib.checks.rules import validate
from qa_lib.common.working_days import bank_holidays
from qa_lib.ingest.returns import read_returns
from qa_lib.run.synthetic import make_demo_returns
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score


@pytest.fixture(scope="module")
def demo(tmp_path_factory, halton):
    d = make_demo_returns(halton, tmp_path_factory.mktemp("demo") / "returns")
    v = validate(read_returns(d.returns, halton), halton, TODAY)
    return d, v, score(v.valid_table, halton)


def test_demo_is_clean_and_large_enough(demo):
    d, v, s = demo
    assert not v.errors
    assert d.partners and s["case_ref"].nunique() >= 40
    per_partner = s.groupby("partner")["case_ref"].nunique()
    assert (per_partner >= 0.7 * s["case_ref"].nunique()).all()  # each partner audits most cases


def test_demo_has_every_kind_of_answer_and_timescale(demo):
    _, _, s = demo
    answers = set(s["TU2"].dropna()) | set(s["FB3"].dropna())
    assert {"Yes", "Partly", "No", "N/A"} <= answers
    assert s["TU1"].isna().any()  # blanks
    statuses = set(s["T2__status"]) | set(s["T4__status"])
    assert {"met", "late", "overdue", "in time"} <= statuses
    assert s["moderation_flag"].any() and s["drift_plan_long"].any()


def test_demo_has_a_strong_and_a_weak_partner(demo, halton):
    d, _, s = demo
    hm = agg.heatmap(s, halton)
    means = hm.drop(index=agg.PARTNERSHIP).mean(axis=1)
    assert means.idxmax() == d.strong and means.idxmin() == d.weak
    assert means[d.strong] - means[d.weak] > 30


def test_demo_windows_cross_bank_holidays(demo):
    _, v, s = demo
    t = v.valid_table
    hols = bank_holidays(2025, 2026)
    start = t["referral_date"].to_numpy().astype("datetime64[D]")
    end = t["referral_decision_date"].to_numpy().astype("datetime64[D]")
    crossing = [(a, b) for a, b in zip(start, end, strict=True)
                if any((h > a) and (h <= b) for h in hols)]
    assert crossing
    assert np.isfinite(s["T1__elapsed"]).all()


@pytest.mark.parametrize("name", ["halton", "durham", "north-east-lincolnshire", "calderdale",
                                  "herefordshire"])
def test_the_demo_fills_each_profiles_scorecard_without_a_problem(tmp_path, name):
    from qa_lib.ingest.scorecard import read_scorecard
    from qa_lib.profile.schema import load_profile
    from qa_lib.run.synthetic import make_demo_scorecard

    profile = load_profile(name)
    first = make_demo_scorecard(profile, tmp_path / "q1.xlsx", round_index=0)
    second = make_demo_scorecard(profile, tmp_path / "q2.xlsx", round_index=1)
    assert first is not None and second is not None
    a, b = read_scorecard(first, profile), read_scorecard(second, profile)
    assert a.problems == [] and b.problems == []
    filled = {i.key for i in profile.model.indicators if i.computed is None}
    assert set(a.values["key"]) == filled and a.values["value"].notna().all()
    assert not a.values["value"].equals(b.values["value"])  # the figures move between rounds
