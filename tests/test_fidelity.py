"""Every shipped profile says only what its strategy says (issue 12): each source quote is
in the strategy and says why it supports its criterion, the timescales cite national
guidance, no tool or partner is listed that the text does not name unless it is marked
inferred, a plan-length drift flag only where the text sets one, the strategy's own
scorecard, and a traceability document in docs/profiles/ that is up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_profiles import STATUTORY, normalise, strategy_text

from qa_lib.profile.schema import Listed, Profile, Source, available_profiles, load_profile
from qa_lib.profile.traceability import profile_document

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=available_profiles())
def profile(request) -> Profile:
    return load_profile(request.param)


def _in_text(source: Source, body: str) -> list[str]:
    if source.kind == "national":
        return []
    out = []
    if normalise(source.quote or "") not in body:
        out.append(f"quote not in the strategy: {source.quote!r}")
    if normalise(source.section or "") not in body:
        out.append(f"section not in the strategy: {source.section!r}")
    return out


def test_every_criterion_says_why_its_source_supports_it(profile):
    missing = [c.key for c in profile.criteria.values() if not (c.source and c.source.why)]
    assert not missing, f"{profile.name}: no 'why' for {missing}"


def test_only_the_timescales_cite_national_guidance(profile):
    national = {c.key for c in profile.criteria.values()
                if c.source and c.source.kind == "national"}
    assert national == set(STATUTORY)


def _unnamed(entries: tuple[Listed, ...], body: str) -> list[str]:
    """Entries neither inferred nor named: their name is not in the text, and no source of
    theirs quotes the text naming them."""
    return [e.name for e in entries
            if not e.inferred and e.name != "Other" and normalise(e.name) not in body
            and not (e.source and not _in_text(e.source, body))]


def test_no_tool_the_strategy_does_not_name_unless_inferred(profile):
    body = normalise(strategy_text(profile))
    assert not _unnamed(profile.tool_entries, body), profile.name
    for g in profile.model.graded_tools:
        assert g.name in profile.tools
        assert g.inferred or normalise(g.name) in body, (profile.name, g.name)
    assert "Graded Care Profile 2" not in profile.tools  # named by none of the five


def test_every_inferred_entry_says_why(profile):
    for e in (*profile.partner_entries, *profile.tool_entries):
        if e.inferred:
            assert e.source and e.source.why, (profile.name, e.name)
    for c in profile.criteria.values():
        if c.inferred:
            assert c.source and c.source.why, (profile.name, c.key)


def test_sources_of_lists_drift_and_indicators_are_in_the_strategy(profile):
    body = normalise(strategy_text(profile))
    problems = []
    for e in (*profile.partner_entries, *profile.tool_entries):
        if e.source:
            problems += [f"{e.name}: {p}" for p in _in_text(e.source, body)]
    d = profile.model.drift
    if d is not None and d.plan_months is not None:
        assert d.source is not None, f"{profile.name}: a plan limit with no source"
        problems += [f"drift: {p}" for p in _in_text(d.source, body)]
    for i in profile.model.indicators:
        problems += [f"indicator {i.key}: {p}" for p in _in_text(i.source, body)]
    assert not problems, f"{profile.name}: " + "; ".join(problems)


def test_a_plan_length_flag_only_where_the_strategy_sets_one(profile):
    d = profile.model.drift
    months = d.plan_months if d else None
    if profile.name == "durham":
        assert months == 18 and d is not None and d.plan_types
        assert all("protection" in t.lower() for t in d.plan_types)
    elif months is not None:
        assert d is not None and d.source is not None and d.source.why


def test_each_strategy_has_its_scorecard(profile):
    assert profile.model.indicators, f"{profile.name}: no indicators"
    keys = [i.key for i in profile.model.indicators]
    assert len(keys) == len(set(keys))


def test_the_traceability_document_is_up_to_date(profile):
    doc = ROOT / "docs" / "profiles" / f"{profile.name}.md"
    assert doc.read_text(encoding="utf-8") == profile_document(profile), (
        f"{doc} is out of date: run python -m qa_lib.profile.traceability")


def test_no_partner_the_strategy_does_not_name_unless_inferred(profile):
    body = normalise(strategy_text(profile))
    assert not _unnamed(profile.partner_entries, body), profile.name


def test_the_method_section_shows_what_is_inferred(profile):
    from qa_lib.report.sections.about import _inferred_entries

    html = _inferred_entries(profile)
    inferred = [e.name for e in (*profile.partner_entries, *profile.tool_entries) if e.inferred]
    for name in inferred:
        assert name.replace("'", "&#x27;") in html
    if not inferred:
        assert "Every partner and tool of the profile is named by the strategy." in html
