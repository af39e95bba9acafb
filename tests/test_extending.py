"""An analyst's own profile, from a path, with a computed criterion registered by name."""

from __future__ import annotations

import csv
import re
import textwrap

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import TODAY, base_row, write_return
from qa_lib.profile.computed import REGISTRY
from qa_lib.profile.schema import Rule, load_profile
from qa_lib.run.round import run_round

RULES_PY = textwrap.dedent('''
    import numpy as np
    import pandas as pd

    from qa_lib.profile.computed import Outcome, register


    @register("attendance_at_least")
    def attendance_at_least(table, rule):
        """1 when attendance_pct is at or above params.threshold, 0 below; N/A when blank."""
        pct = pd.to_numeric(table["attendance_pct"], errors="coerce").to_numpy(dtype=float)
        threshold = float(rule.params["threshold"])
        met = pct >= threshold
        credit = np.where(np.isnan(pct), np.nan, met.astype(float))
        status = np.where(np.isnan(pct), "not applicable", np.where(met, "met", "not met"))
        return Outcome(credit=credit, status=status.astype(object), elapsed=pct)
''')


@pytest.fixture(scope="module")
def own_profile(tmp_path_factory):
    d = tmp_path_factory.mktemp("analyst") / "my_partnership"
    d.mkdir()
    (d / "rules.py").write_text(RULES_PY)
    data = yaml.safe_load(load_profile("halton").path.read_text())
    data.update(name="testshire", title="Testshire neglect audit", version="0.3.0")
    data["plugins"] = ["rules.py"]
    data["measures"].append({"key": "education", "name": "Education", "criteria": [
        {"key": "ED1", "question": "School attendance is at or above 90%", "weight": 2,
         "rule": {"function": "attendance_at_least", "params": {"threshold": 90}},
         "source": {"section": "Our priorities", "quote": "school attendance and health"}},
        {"key": "ED2", "question": "The school was part of the plan", "weight": 1,
         "answers": ["Yes", "Partly", "No", "N/A"]}]})
    data["extra_columns"].append({"key": "attendance_pct", "type": "number",
                                  "question": "School attendance this term, %"})
    path = d / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_profile_from_path_registers_the_function(own_profile):
    p = load_profile(own_profile)
    assert p.name == "testshire" and p.version == "0.3.0"
    assert "attendance_at_least" in REGISTRY
    assert "attendance_pct" in [c.key for c in p.columns]
    out = REGISTRY["attendance_at_least"](
        pd.DataFrame({"attendance_pct": [95, 89.9, None, "90"]}),
        Rule(function="attendance_at_least", params={"threshold": 90}))
    assert out.credit[0] == 1 and out.credit[1] == 0
    assert np.isnan(out.credit[2]) and out.credit[3] == 1


@pytest.mark.e2e
def test_round_with_the_new_measure(tmp_path, own_profile):
    p = load_profile(own_profile)
    rows = [
        # education: ED1 met (1 x 2) + ED2 Partly (0.5 x 1) -> 2.5 / 3 = 83.3
        base_row("TST-0001", "Cheshire Police", attendance_pct=96, ED2="Partly"),
        # education: ED1 not met (0 x 2) + ED2 Yes (1 x 1) -> 1 / 3 = 33.3
        base_row("TST-0002", "Cheshire Police", attendance_pct=71.5, ED2="Yes"),
        # education: ED1 N/A (blank) + ED2 Yes -> 1 / 1 = 100
        base_row("TST-0003", "Cheshire Police", ED2="Yes"),
    ]
    write_return(tmp_path / "in", p, rows)
    res = run_round(str(own_profile), "T1", tmp_path / "in", tmp_path / "out", today=TODAY,
                    progress=lambda s: None)
    assert res.status == "complete", res.failed
    with open(res.folder / "scored.csv", newline="") as fh:
        got = {r["case_ref"]: r for r in csv.DictReader(fh)}
    assert round(float(got["TST-0001"]["score__education"]), 4) == round(250 / 3, 4)
    assert round(float(got["TST-0002"]["score__education"]), 4) == round(100 / 3, 4)
    assert float(got["TST-0003"]["score__education"]) == 100.0
    assert got["TST-0002"]["ED1__status"] == "not met"
    html = (res.folder / "partner-cheshire-police.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # mean of 83.3, 33.3 and 100 = 72.2 (Requires improvement), shown in the headline
    assert re.search(r"Education 72\.2\s*† Requires improvement 3", text), text[:2000]
    assert "School attendance is at or above 90%" in text
    assert "testshire, version 0.3.0" in text
    assert "Our priorities" in text and "school attendance and health" in text
