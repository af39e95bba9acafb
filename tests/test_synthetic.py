"""The demo round's synthetic returns have what the issue asks of them."""

import re

import numpy as np
import pytest
import yaml

from conftest import TODAY
from qa_lib.checks.rules import validate
from qa_lib.common.working_days import bank_holidays
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.schema import load_profile
from qa_lib.run.synthetic import case_ref_prefix, make_demo_returns
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


@pytest.mark.parametrize("name, prefix", [
    ("halton", "HAL"), ("my_partnership", "MYP"), ("north-east-lincolnshire", "NOR"),
    ("x", "X"), ("a_1-b", "A1B"), ("q4_2026", "Q42"), ("b-", "B"), ("my-", "MY")])
def test_the_demo_case_reference_prefix_is_letters_and_digits_for_any_profile_name(name, prefix):
    assert case_ref_prefix(name) == prefix
    assert re.fullmatch(r"[A-Z0-9]{1,3}", case_ref_prefix(name))


@pytest.mark.parametrize("name", ["my_partnership", "x", "a-1_b", "z9"])
def test_demo_returns_for_a_profile_named_with_underscores_digits_or_one_letter_are_clean(
        tmp_path, halton, name):
    """Issue 13: a profile named my_partnership gave references like MY_-0001, all refused."""
    data = yaml.safe_load(halton.path.read_text(encoding="utf-8"))
    data["name"] = name
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    profile = load_profile(path)
    d = make_demo_returns(profile, tmp_path / "returns", cases=8,
                          partners=list(profile.partners)[:2], template_rows=12)
    v = validate(read_returns(d.returns, profile), profile, TODAY)
    assert not v.errors, [(p.code, p.message) for p in v.errors][:5]
    refs = set(v.valid_table["case_ref"])
    assert len(refs) == 8 and all(r.startswith(f"{case_ref_prefix(name)}-") for r in refs)
