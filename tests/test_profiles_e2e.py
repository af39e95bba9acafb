"""Every shipped profile works end to end: template, synthetic returns, notebooks, reports."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import assert_self_contained
from qa_lib.profile.audit_tool import slugify
from qa_lib.profile.schema import available_profiles, load_profile
from qa_lib.run.round import run_round
from qa_lib.run.synthetic import make_demo_returns

pytestmark = pytest.mark.e2e  # every test here runs notebooks in kernels

TODAY = dt.date(2026, 10, 30)


@pytest.mark.parametrize("name", available_profiles())
def test_profile_round_through_notebooks(tmp_path, name):
    profile = load_profile(name)
    partners = list(profile.partners)[:2]
    demo = make_demo_returns(profile, tmp_path / "returns", cases=8, seed=11, partners=partners,
                             quality=[0.85, 0.4])
    res = run_round(profile, "2026-Q3", demo.returns, tmp_path / "out", today=TODAY,
                    progress=lambda s: None)
    assert res.status == "complete", (res.failed, res.validated.errors[:3])
    pages = [res.folder / "partnership.html"] + [
        res.folder / f"partner-{slugify(p)}.html" for p in partners]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert_self_contained(html)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        for m in profile.measures:
            assert m.name in text, (page.name, m.name)
        assert f"{profile.name}, version {profile.version}" in text
        # the method section names each criterion's source in the strategy
        first = profile.measures[0].criteria[0]
        assert first.source is not None and first.source.section in text
