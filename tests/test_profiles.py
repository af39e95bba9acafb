"""Every shipped strategy profile: loads, has the shape docs/method.md describes, and is traceable.

Traceability: every criterion cites the passage of its published strategy it comes from
(``source: {section, quote}``) and the quote must be found in the strategy text in
``shared/seeds`` (or ``$QA_SEEDS_DIR``). Outside CI the traceability tests are skipped when
the seed texts are not there; in CI (``$CI`` set) a missing seed folder is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import TODAY
from qa_lib.checks.rules import validate
from qa_lib.ingest.returns import read_returns
from qa_lib.profile import computed
from qa_lib.profile.audit_tool import write_template
from qa_lib.profile.schema import Profile, Rule, available_profiles, load_profile
from qa_lib.run.synthetic import make_demo_returns
from qa_lib.scoring.score import score

SHIPPED = available_profiles()
EXPECTED = {"halton", "durham", "north-east-lincolnshire", "calderdale", "herefordshire"}
CORE = ("tool_use", "lived_experience", "timeliness", "feedback")
# The statutory timescales every profile keeps (docs/method.md, "The four statutory timescales").
STATUTORY = {
    "T1": ("within_working_days", "referral_date", "referral_decision_date", 1),
    "T2": ("within_working_days", "referral_date", "assessment_end_date", 45),
    "T3": ("within_working_days", "strategy_discussion_date", "icpc_date", 15),
    "T4": ("within_calendar_months", "icpc_date", "first_review_date", 3),
}
DATE_KEYS = ["referral_date", "referral_decision_date", "assessment_start_date", "assessment_end_date",
             "strategy_discussion_date", "icpc_date", "first_review_date", "plan_start_date",
             "plan_end_date"]


# --------------------------------------------------------------------------- helpers

_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                       "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})


def normalise(text: str) -> str:
    """The same folding on both sides: no ``**``, straight quotes, single spaces, any case."""
    text = text.replace("**", "").replace("\\", "")  # markdown bold and escapes
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip().casefold()


def seeds_dir() -> Path:
    """The folder of strategy texts; skip (or, in CI, fail) when it is not there."""
    default = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    folder = Path(os.environ.get("QA_SEEDS_DIR", default))
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the strategy texts are missing: no folder {folder} "
                        f"(set QA_SEEDS_DIR to the folder of seed .txt files)")
        pytest.skip(f"strategy texts not found at {folder}; set QA_SEEDS_DIR to check that "
                    f"every criterion's quote is in its strategy")
    return folder


def strategy_text(profile: Profile) -> str:
    doc = profile.model.source_document
    assert doc is not None and doc.file, f"{profile.name}: no source_document.file"
    path = seeds_dir() / doc.file
    assert path.is_file(), f"{profile.name}: source_document.file {doc.file} is not in {path.parent}"
    return path.read_text(encoding="utf-8")


def untraceable(profile: Profile, text: str) -> list[str]:
    """Every criterion without a source, or whose quote or section is not in the text."""
    body = normalise(text)
    out = []
    for m in profile.measures:
        for c in m.criteria:
            if c.source is None:
                out.append(f"{profile.name} {c.key}: no source")
                continue
            if c.source.kind == "national":
                continue  # national guidance, not the strategy (test_timescales_cite_...)
            assert c.source.quote is not None and c.source.section is not None
            if normalise(c.source.quote) not in body:
                out.append(f"{profile.name} {c.key}: quote not in the strategy: {c.source.quote!r}")
            if normalise(c.source.section) not in body:
                out.append(f"{profile.name} {c.key}: section not in the strategy: "
                           f"{c.source.section!r}")
    return out


@pytest.fixture(scope="module", params=SHIPPED)
def profile(request) -> Profile:
    return load_profile(request.param)


# --------------------------------------------------------------------------- (a) and (b)

def test_all_five_strategies_ship():
    assert EXPECTED <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_profile_loads(name):
    p = load_profile(name)
    assert p.name == name
    assert re.fullmatch(r"\d+\.\d+\.\d+", p.version)
    assert p.describe().startswith(name)


def test_profile_shape(profile):
    keys = [m.key for m in profile.measures]
    assert set(CORE) <= set(keys), f"{profile.name}: core measures missing: {set(CORE) - set(keys)}"
    assert len(set(keys) - set(CORE)) >= 1, f"{profile.name}: no measure beyond the four core ones"
    # as many partners as the strategy names (never padded to a count)
    assert profile.partners and len(set(profile.partners)) == len(profile.partners)
    tools = profile.tools
    assert len(tools) >= 2 and tools[-1] == "Other"
    doc = profile.model.source_document
    assert doc is not None and doc.title and re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", doc.file or "")
    assert [b.min for b in profile.model.bands] == [90, 75, 50, 0]
    crit = [c.key for m in profile.measures for c in m.criteria]
    assert len(crit) == len(set(crit))
    assert all(re.fullmatch(r"[A-Z]{1,3}\d+", k) for k in crit), crit
    for m in profile.measures:
        for c in m.criteria:
            assert c.weight in (1, 2), f"{profile.name} {c.key}: weight {c.weight}"


def test_source_documents_are_distinct():
    files = [load_profile(n).model.source_document.file for n in SHIPPED]
    assert len(files) == len(set(files))


# --------------------------------------------------------------------------- (c) traceability

def test_every_criterion_is_traceable_to_its_strategy(profile):
    problems = untraceable(profile, strategy_text(profile))
    assert not problems, "\n".join(problems)


def test_normalise_folds_markup_quotes_space_and_case():
    assert normalise("**Think   Family**\n approach") == "think family approach"
    assert normalise("the child’s “voice”") == normalise("The child's \"voice\"")


def _variant(tmp_path: Path, name: str, mutate) -> Profile:
    data = yaml.safe_load(load_profile(name).path.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_profile(path)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_traceability_check_catches_a_changed_quote_and_a_missing_source(tmp_path, name):
    text = strategy_text(load_profile(name))

    def change_quote(d):
        d["measures"][1]["criteria"][0]["source"]["quote"] += " and a sentence the strategy never says"

    def drop_source(d):
        del d["measures"][0]["criteria"][0]["source"]

    changed = untraceable(_variant(tmp_path, name, change_quote), text)
    assert len(changed) == 1 and "quote not in the strategy" in changed[0]
    dropped = untraceable(_variant(tmp_path, name, drop_source), text)
    assert len(dropped) == 1 and "no source" in dropped[0]


# --------------------------------------------------------------------------- (d) schema

def test_template_columns(profile):
    cols = profile.column_map
    assert "tool_name" in cols
    tool = cols["tool_name"]
    assert tool.type == "choice" and tool.choices == profile.tools
    assert tool.required_when.column == "TU1" and set(tool.required_when.answers) == {"Yes", "Partly"}
    for key in DATE_KEYS:
        assert cols[key].type == "date"
    for c in profile.criteria.values():
        if c.answers:
            assert cols[c.key].type == "answer"
            assert all(isinstance(a, str) for a in c.answers) and {"Yes", "No"} <= set(c.answers)


def test_timeliness_keeps_the_statutory_rules(profile):
    timeliness = next(m for m in profile.measures if m.key == "timeliness")
    rules = {c.key: (c.rule.function, c.rule.start, c.rule.end, c.rule.limit)
             for c in timeliness.criteria if c.rule}
    assert rules == STATUTORY
    judged = [c for c in timeliness.criteria if c.answers]
    assert judged, f"{profile.name}: no judgement criterion on timeliness"
    assert [d.key for d in profile.model.date_columns] == DATE_KEYS
    assert [list(p) for p in profile.model.date_order] == [
        ["referral_date", "referral_decision_date"], ["assessment_start_date", "assessment_end_date"],
        ["strategy_discussion_date", "icpc_date"], ["icpc_date", "first_review_date"],
        ["plan_start_date", "plan_end_date"]]
    d = profile.model.drift
    assert (d.plan_start, d.plan_end, d.review_criterion) == (
        "plan_start_date", "plan_end_date", "T4")
    t2 = profile.criteria["T2"].rule
    assert t2.applies_when_any == ("assessment_start_date", "assessment_end_date")


def test_timescales_cite_national_guidance(profile):
    """T1 to T4 are Working Together's timescales, cited as such (with the requirement), never
    pinned to a strategy phrase."""
    for key in STATUTORY:
        src = profile.criteria[key].source
        assert src is not None and src.kind == "national", (profile.name, key)
        assert "Working Together to Safeguard Children" in (src.guidance or "")
        assert src.requirement and src.why
    assert "from the point of referral" in profile.criteria["T2"].source.requirement


def test_template_writes(profile, tmp_path):
    import openpyxl

    path = write_template(profile, tmp_path / "tool.xlsx", profile.partners[0], rows=20)
    header = [c.value for c in openpyxl.load_workbook(path)["Audit"][3]]  # keys: row 3
    assert {"case_ref", "partner", "tool_name", *DATE_KEYS} <= set(header)
    assert {c.key for c in profile.criteria.values() if c.answers} <= set(header)


@pytest.mark.parametrize("name", sorted(EXPECTED - {"halton"}))
def test_synthetic_round_validates_and_scores(tmp_path, name):
    p = load_profile(name)
    demo = make_demo_returns(p, tmp_path / "returns", cases=14, partners=list(p.partners)[:3],
                             template_rows=60)
    v = validate(read_returns(demo.returns, p), p, TODAY)
    assert not v.errors, [(e.code, e.column, e.message) for e in v.errors][:5]
    s = score(v.valid_table, p)
    for m in p.measures:
        assert s[f"score__{m.key}"].notna().any(), f"{name}: measure {m.key} never scored"


# --------------------------------------------------------------------------- computed criterion

def _plans(rows: list[tuple]) -> pd.DataFrame:
    t = pd.DataFrame(rows, columns=["plan_type", "plan_start_date", "plan_end_date", "audit_date"])
    for c in ("plan_start_date", "plan_end_date", "audit_date"):
        t[c] = pd.to_datetime(t[c])
    return t


CP, CIN = "Child Protection", "Child in Need"
UNDER_18 = Rule(function="shorter_than_calendar_months", start="plan_start_date",
                end="plan_end_date", limit=18, params={"column": "plan_type", "values": [CP]})


def test_shorter_than_calendar_months_is_registered_and_used_by_durham():
    assert computed.REGISTRY["shorter_than_calendar_months"] is computed.shorter_than_calendar_months
    ee6 = load_profile("durham").criteria["EE6"]
    assert ee6.rule == UNDER_18


def test_shorter_than_calendar_months():
    audit = dt.date(2026, 10, 15)
    t = _plans([
        (CP, "2024-01-10", "2025-07-09", audit),   # ended a day before 18 months: met
        (CP, "2024-01-10", "2025-07-10", audit),   # ended on 18 months: 18 months or more, late
        (CP, "2024-12-01", None, audit),           # open 22 months at the audit: overdue
        (CP, "2025-04-15", None, audit),           # open exactly 18 months at the audit: overdue
        (CP, "2025-06-01", None, audit),           # open 16 months: still in time (N/A)
        (CIN, "2023-01-01", None, audit),          # not a child protection plan: N/A
        (CP, None, None, audit),                   # no plan start: N/A
    ])
    out = computed.REGISTRY["shorter_than_calendar_months"](t, UNDER_18)
    assert np.array_equal(out.credit, [1, 0, 0, 0, np.nan, np.nan, np.nan], equal_nan=True)
    assert list(out.status) == ["met", "late", "overdue", "overdue", "in time", "not applicable",
                                "not applicable"]
    assert out.elapsed[0] == (dt.date(2025, 7, 9) - dt.date(2024, 1, 10)).days
    assert np.isnan(out.elapsed[5]) and np.isnan(out.elapsed[6])


def test_shorter_than_calendar_months_agrees_with_the_drift_flag():
    p = load_profile("durham")
    t = _plans([(CP, "2024-01-10", "2025-07-10", dt.date(2026, 10, 15)),
                (CP, "2024-01-10", "2025-07-09", dt.date(2026, 10, 15))])
    out = computed.shorter_than_calendar_months(t, UNDER_18)
    start, stop = pd.to_datetime(t["plan_start_date"]), pd.to_datetime(t["plan_end_date"])
    long_ = stop >= start + pd.DateOffset(months=p.model.drift.plan_months)
    assert list(long_) == [True, False]
    assert list(out.credit == 0) == list(long_)


def test_shorter_than_calendar_months_without_params_applies_to_every_row():
    t = _plans([(CIN, "2024-01-10", "2025-07-10", dt.date(2026, 10, 15)),
                ("None", "2026-01-10", "2026-05-10", dt.date(2026, 10, 15))])
    rule = Rule(function="shorter_than_calendar_months", start="plan_start_date",
                end="plan_end_date", limit=18)
    out = computed.shorter_than_calendar_months(t, rule)
    assert list(out.credit) == [0.0, 1.0]


@pytest.mark.parametrize("params", [{"column": "plan_type"}, {"values": [CP]},
                                    {"column": "plan_type", "values": []},
                                    {"column": "no_such_column", "values": [CP]}])
def test_shorter_than_calendar_months_bad_params_say_what_is_wrong(params):
    t = _plans([(CP, "2024-01-10", None, dt.date(2026, 10, 15))])
    rule = Rule(function="shorter_than_calendar_months", start="plan_start_date",
                end="plan_end_date", limit=18, params=params)
    with pytest.raises(ValueError, match="shorter_than_calendar_months: params"):
        computed.shorter_than_calendar_months(t, rule)
