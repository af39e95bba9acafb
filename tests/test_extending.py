"""An analyst's own profile, from a path, with a computed criterion registered by name; and
docs/extending.md's walkthrough, run exactly as written from an empty folder (issue 13)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import TODAY, base_row, page_text, write_return
from qa_lib.profile.computed import REGISTRY
from qa_lib.profile.schema import PROFILE_DIR, ProfileError, Rule, load_profile
from qa_lib.report.round_data import load_round
from qa_lib.run.manifest import Timer
from qa_lib.run.options import RoundOptions
from qa_lib.run.round import check, run_round, score_rows, store

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"

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


# --------------------------------------------------------------------------- a relative path


def _stored_round(profile_ref: str | Path, inputs: Path, out: Path):
    """A round's data stored (check, score, store) without any kernel; its folder."""
    opts = RoundOptions.build(profile_ref, "R", inputs, out, today=TODAY, jobs=1)
    tmp = out / "R"
    tmp.mkdir(parents=True)
    timer = Timer()
    checked = check(opts, tmp, timer, lambda s: None)
    store(opts, tmp, checked, score_rows(checked, opts.profile, timer), timer)
    return tmp


def _set_stored_path(folder: Path, path: str | None) -> None:
    f = folder / "data" / "round.json"
    meta = json.loads(f.read_text(encoding="utf-8"))
    if path is None:
        del meta["profile"]["path"]
    else:
        meta["profile"]["path"] = path
    f.write_text(json.dumps(meta), encoding="utf-8")


def test_a_profile_given_by_a_relative_path_is_stored_in_full(tmp_path, own_profile,
                                                               monkeypatch):
    """Issue 13: the round stored 'my_partnership/profile.yaml' and every report notebook,
    run from <round>/notebooks/, failed with "There is no profile called ..."."""
    work = own_profile.parent.parent
    monkeypatch.chdir(work)
    p = load_profile(own_profile)
    write_return(tmp_path / "in", p, [base_row("TST-0001", "Cheshire Police",
                                               attendance_pct=96, ED2="Yes")])
    folder = _stored_round("my_partnership/profile.yaml", tmp_path / "in", tmp_path / "out")
    meta = json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    assert meta["profile"]["path"] == str(own_profile.resolve())
    monkeypatch.chdir(folder)  # where the report notebooks run from
    data = load_round(folder)
    assert data.profile.name == "testshire" and "education" in [m.key for m in data.profile.measures]


def test_a_round_that_stored_a_relative_or_missing_path_says_what_to_do(tmp_path, own_profile,
                                                                         monkeypatch):
    p = load_profile(own_profile)
    write_return(tmp_path / "in", p, [base_row("TST-0001", "Cheshire Police", ED2="Yes")])
    folder = _stored_round(own_profile, tmp_path / "in", tmp_path / "out")
    _set_stored_path(folder, "my_partnership/profile.yaml")  # as rounds stored it before
    monkeypatch.chdir(own_profile.parent.parent)  # the folder it was run in: found
    assert load_round(folder).profile.name == "testshire"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as err:
        load_round(folder)
    msg = str(err.value)
    assert "relative path, 'my_partnership/profile.yaml'" in msg and "run the round again" in msg
    assert msg.count(". ") == 0 and "\n" not in msg  # one sentence
    _set_stored_path(folder, str(tmp_path / "moved" / "profile.yaml"))
    with pytest.raises(ProfileError, match=r"is no longer there: put it back, or run the round "
                                           r"again with --profile"):
        load_round(folder)
    _set_stored_path(folder, None)  # no path and no shipped profile of that name
    with pytest.raises(ProfileError, match="does not say where its profile file 'testshire'"):
        load_round(folder)


def test_a_shipped_profile_is_found_by_name_when_its_stored_path_is_gone(tmp_path):
    shipped = load_profile("halton")
    write_return(tmp_path / "in", shipped, [base_row("HAL-0001", "Cheshire Police", LE1="Yes")])
    folder = _stored_round("halton", tmp_path / "in", tmp_path / "out")
    meta = json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    assert meta["profile"]["path"] == str(PROFILE_DIR / "halton.yaml")
    for stored in ("/old/site-packages/qa_lib/profiles/halton.yaml", None):  # reinstalled; old
        _set_stored_path(folder, stored)
        assert load_round(folder).profile.name == "halton"


# --------------------------------------------------------------------------- docs/extending.md


@dataclass
class Step:
    """One runnable block of docs/extending.md: ```sh commands, ```python file=PATH (a file to
    write) or ```yaml edit=PATH (an edit of that file, as the page describes it)."""

    lang: str
    attrs: dict
    text: str


FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def walkthrough(doc: Path = DOC) -> list[Step]:
    """The page's runnable blocks in order (other blocks are examples to read)."""
    steps = []
    for lang, info, text in FENCE.findall(doc.read_text(encoding="utf-8")):
        attrs = dict(a.split("=", 1) for a in info.split())
        if lang == "sh" or attrs:
            steps.append(Step(lang, attrs, text))
    return steps


def apply_edit(path: Path, text: str) -> None:
    """The edit a ```yaml edit=PATH block shows: its keys replace the file's, and under a key
    whose first line says '# ... the existing ...' its entries are added after the file's."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in yaml.safe_load(text).items():
        if re.search(rf"^{key}:[ \t]*\n[ \t]+# \.\.\. the existing", text, re.M):
            data[key] = list(data[key]) + list(value)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def run_step(step: Step, cwd: Path) -> None:
    """Do one step from ``cwd``, with this Python's ``python`` and ``qa-audit`` first on PATH."""
    if step.lang == "sh":
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                     f"{os.environ.get('PATH', '')}"}
        res = subprocess.run(["bash", "-e", "-c", step.text], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=900)
        assert res.returncode == 0, f"{step.text}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    elif "file" in step.attrs:
        target = cwd / step.attrs["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(step.text, encoding="utf-8")
    else:
        apply_edit(cwd / step.attrs["edit"], step.text)


def test_the_walkthrough_has_every_step_with_relative_paths():
    steps = walkthrough()
    shown = [s.attrs.get("file") or s.attrs.get("edit") or s.text.strip().splitlines()[0]
             for s in steps]
    assert shown[:3] == ["mkdir my_partnership", "my_partnership/rules.py",
                         "my_partnership/profile.yaml"]
    assert "try_returns.py" in shown and "my_partnership/test_rules.py" in shown
    commands = "\n".join(s.text for s in steps if s.lang == "sh")
    for cmd in ("profiles", "template", "run"):
        assert f"qa-audit {cmd} --profile my_partnership/profile.yaml" in commands
    assert "python -m pytest -q my_partnership/test_rules.py" in commands
    assert all(s.lang == "sh" or s.attrs for s in steps)


def test_the_walkthrough_profile_edit_loads_from_a_relative_path(tmp_path, monkeypatch):
    """The fast layer's part of the walkthrough: the copy, the function and the edit as
    written, then the profile loaded by its relative path (the rest runs in the e2e test)."""
    steps = walkthrough()
    monkeypatch.delitem(REGISTRY, "attendance_at_least", raising=False)  # own_profile's
    (tmp_path / "my_partnership").mkdir()
    (tmp_path / "my_partnership" / "profile.yaml").write_bytes(
        (PROFILE_DIR / "halton.yaml").read_bytes())
    for step in steps[1:3]:
        run_step(step, tmp_path)
    monkeypatch.chdir(tmp_path)
    p = load_profile("my_partnership/profile.yaml")
    assert p.path == tmp_path.resolve() / "my_partnership" / "profile.yaml"
    assert p.name == "my_partnership" and p.version == "0.1.0" and "Schools" in p.partners
    assert p.measures[-1].name == "Education" and len(p.measures) == len(
        load_profile("halton").measures) + 1
    assert "attendance_pct" in [c.key for c in p.columns]


@pytest.mark.e2e
def test_extending_md_runs_as_written_and_every_report_shows_the_new_measure(tmp_path):
    """Issue 13, item 4: every block of docs/extending.md, in order, from an empty folder with
    relative paths: the copy, the function, the edit, profiles, template, synthetic returns,
    qa-audit run, and the analyst's own test."""
    for step in walkthrough():
        run_step(step, tmp_path)
    assert (tmp_path / "tools" / "my_partnership-audit-tool-schools.xlsx").is_file()
    folder = tmp_path / "reports" / "2026-Q4"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["failed_reports"] == []
    reports = ["index.html", "partnership.html", "partner-schools.html",
               "partner-cheshire-police.html", "validation.html", "summary.xlsx", "scored.csv"]
    assert [r for r in reports if not (folder / r).is_file()] == []
    meta = json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    assert meta["profile"]["path"] == str((tmp_path / "my_partnership" / "profile.yaml").resolve())
    for page in ("partnership.html", "partner-schools.html", "partner-cheshire-police.html"):
        text = page_text((folder / page).read_text(encoding="utf-8"))
        assert "Education" in text, page
        assert "my_partnership, version 0.1.0" in text, page
    text = page_text((folder / "partner-schools.html").read_text(encoding="utf-8"))
    assert "School attendance is at or above 90%" in text
    with open(folder / "scored.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["partner"] for r in rows} == {"Schools", "Cheshire Police"}
    assert all(r["case_ref"].startswith("MYP-") for r in rows)
    assert {"met", "not met"} <= {r["ED1__status"] for r in rows}  # attendance filled in
