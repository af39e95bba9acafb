"""The Halton reference profile carries exactly the criteria below; bad profiles get named errors."""

from pathlib import Path

import pytest
import yaml

from qa_lib.profile.schema import ProfileError, load_profile

YN = ("Yes", "Partly", "No")
YNA = ("Yes", "Partly", "No", "N/A")

# (measure, key, weight, answers or rule) of the Halton reference profile, written out by hand.
SPEC_HALTON = [
    ("tool_use", "TU1", 2, YN), ("tool_use", "TU2", 2, YNA), ("tool_use", "TU3", 1, YN),
    ("tool_use", "TU4", 1, YNA),
    ("lived_experience", "LE1", 1, YN), ("lived_experience", "LE2", 2, YNA),
    ("lived_experience", "LE3", 2, YN), ("lived_experience", "LE4", 1, YN),
    ("timeliness", "T1", 1, ("within_working_days", "referral_date", "referral_decision_date", 1)),
    ("timeliness", "T2", 1, ("within_working_days", "referral_date", "assessment_end_date", 45)),
    ("timeliness", "T3", 1, ("within_working_days", "strategy_discussion_date", "icpc_date", 15)),
    ("timeliness", "T4", 1, ("within_calendar_months", "icpc_date", "first_review_date", 3)),
    ("timeliness", "TJ1", 2, YN), ("timeliness", "TJ2", 2, YN),
    ("feedback", "FB1", 1, YN), ("feedback", "FB2", 1, YNA), ("feedback", "FB3", 1, YNA),
    ("impact", "IM1", 1, YN), ("impact", "IM2", 1, YNA),
]


def test_halton_matches_spec(halton):
    got = []
    for m in halton.measures:
        for c in m.criteria:
            how = c.answers if c.answers else (c.rule.function, c.rule.start, c.rule.end, c.rule.limit)
            got.append((m.key, c.key, c.weight, how))
    assert got == SPEC_HALTON
    assert [b.name for b in halton.model.bands] == ["Outstanding", "Good", "Requires improvement",
                                                     "Inadequate"]
    assert [b.min for b in halton.model.bands] == [90, 75, 50, 0]
    assert "Cheshire Police" in halton.partners
    assert {"Neglect Screening Tool", "Home Conditions Tool"} <= set(halton.tools)
    keys = [c.key for c in halton.columns]
    for k in ("case_ref", "partner", "auditor_role", "audit_date", "age_band", "plan_type",
              "neglect_types", "overall_grade", "strengths", "areas_for_improvement",
              "recommended_actions", "child_voice_excerpt", "tool_name", "feedback_stages",
              "gcp2_first_physical", "gcp2_latest_esteem", "referral_date", "plan_end_date"):
        assert k in keys
    assert len(keys) == len(set(keys))


def test_band_of(halton):
    assert halton.band_of(90) == "Outstanding"
    assert halton.band_of(89.999) == "Good"
    assert halton.band_of(75) == "Good"
    assert halton.band_of(50) == "Requires improvement"
    assert halton.band_of(49.9) == "Inadequate"
    assert halton.band_of(float("nan")) is None


def _broken(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(load_profile("halton").path.read_text())
    mutate(data)
    p = tmp_path / "broken.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d["measures"][0]["criteria"][0].__setitem__("weight", -1),
         "measures.0.criteria.0.weight", "greater than 0"),
        (lambda d: d["measures"][0]["criteria"][1].pop("question"),
         "measures.0.criteria.1.question", "required"),
        (lambda d: d.__setitem__("bands", [{"name": "Good", "min": 50}, {"name": "Bad", "min": 60}]),
         "bands", "best first"),
        (lambda d: d["measures"][2]["criteria"][0]["rule"].__setitem__("start", "nowhere_date"),
         "measures.2.criteria.0", "not in date_columns"),
        (lambda d: d.__setitem__("colour", "blue"), "colour", "is not a field here"),
        (lambda d: d["measures"][1]["criteria"][0].__setitem__("answers", ["Yes", "Maybe"]),
         "measures.1.criteria.0.answers", "Input should be"),
    ],
)
def test_malformed_profile_names_file_and_field(tmp_path, mutate, field, words):
    path = _broken(tmp_path, mutate)
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert field in msg
    assert words in msg


def test_unknown_computed_function(tmp_path):
    path = _broken(tmp_path, lambda d: d["measures"][2]["criteria"][0]["rule"].__setitem__(
        "function", "within_fortnight"))
    with pytest.raises(ProfileError, match="no computed criterion called 'within_fortnight'"):
        load_profile(path)


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="no profile called 'narnia'.*halton"):
        load_profile("narnia")
