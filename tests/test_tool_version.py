"""A return made with another version of the audit tool (issue 11, class 3): read by
question where the questions are unchanged, refused naming each scored question that
changed, never scored against the wrong questions."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import HALTON_V1, base_row, write_return
from qa_lib.checks.rules import validate
from qa_lib.ingest.returns import read_returns
from qa_lib.ingest.tool_version import bare_question, read_stamp
from qa_lib.profile.audit_tool import template_name
from qa_lib.profile.schema import Profile, load_profile


def _next_version(tmp_path: Path, mutate, name: str = "halton", version: str = "1.1.0"
                  ) -> Profile:
    """The profile (the tests' Halton by default) with its criteria changed by ``mutate``
    and a new version."""
    source = HALTON_V1 if name == "halton" else name
    data = yaml.safe_load(load_profile(source).path.read_text(encoding="utf-8"))
    data["version"] = version
    mutate({c["key"]: c for m in data["measures"] for c in m["criteria"]}, data)
    path = tmp_path / f"{name}-{version}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_profile(path)


def _old_return(tmp_path: Path, halton: Profile, **answers) -> Path:
    """Last round's return: made with the shipped (version 1.0.0) Halton tool."""
    folder = tmp_path / "returns"
    write_return(folder, halton, [base_row("HAL-0001", **answers),
                                  base_row("HAL-0002", **answers)])
    return folder


def _codes(ingested, code: str) -> list:
    return [p for p in ingested.problems if p.code == code]


def test_the_tool_says_which_profile_and_version_made_it(tmp_path, halton):
    folder = _old_return(tmp_path, halton)
    book = openpyxl.load_workbook(next(folder.iterdir()))
    rows = [[c.value for c in row] for row in book["Instructions"].iter_rows()]
    import pandas as pd

    stamp = read_stamp(pd.DataFrame(rows))
    assert stamp is not None
    assert (stamp.profile, stamp.version) == ("halton", halton.version)
    assert set(stamp.questions) == {c.key for c in halton.columns}
    assert bare_question(stamp.questions["TU2"]) == bare_question(halton.criteria["TU2"].question)


def test_same_tool_reads_without_a_note(tmp_path, halton):
    ing = read_returns(_old_return(tmp_path, halton, TU1="Yes"), halton)
    assert not _codes(ing, "N20") and not _codes(ing, "F15")
    assert list(ing.table["TU1"]) == ["Yes", "Yes"]


def test_a_new_version_with_the_same_questions_is_read_with_a_note(tmp_path, halton):
    new = _next_version(tmp_path, lambda crit, data: None)
    ing = read_returns(_old_return(tmp_path, halton, TU1="Partly"), new)
    (note,) = _codes(ing, "N20")
    assert "version 1.0.0" in note.message and "version 1.1.0" in note.message
    assert "questions are the same" in note.message
    assert list(ing.table["TU1"]) == ["Partly", "Partly"]


@pytest.mark.parametrize("old,new", [(("TU2", "TU3"), ("TU3", "TU2")),
                                     (("LE2", "LE3", "LE4"), ("LE4", "LE2", "LE3"))])
def test_renumbered_criteria_are_read_by_their_question(tmp_path, halton, old, new):
    """The criteria are renumbered: each old column's answers go to the key that asks its
    question now, never to the key it used to have."""
    def renumber(crit, data):
        questions = {k: (crit[k]["question"], crit[k]["answers"]) for k in old}
        for o, n in zip(old, new, strict=True):
            crit[n]["question"], crit[n]["answers"] = questions[o]

    profile = _next_version(tmp_path, renumber)
    answers = dict(zip(old, ["Yes", "No", "Partly"], strict=False))
    ing = read_returns(_old_return(tmp_path, halton, **answers), profile)
    assert not _codes(ing, "F15")
    for o, n in zip(old, new, strict=True):
        assert list(ing.table[n]) == [answers[o]] * 2, (o, n)
        assert bare_question(profile.criteria[n].question) == bare_question(
            halton.criteria[o].question)
    (note,) = _codes(ing, "N20")
    for o, n in zip(old, new, strict=True):
        assert f"{o} as {n}" in note.message


@pytest.mark.parametrize("key,question", [
    ("TU1", "A graded care profile was completed with the family"),
    ("LE3", "The child's own words are recorded in the plan"),
    ("FB1", "Parents were offered an interpreter"),
])
def test_a_changed_scored_question_refuses_the_file_naming_it(tmp_path, halton, key, question):
    def change(crit, data):
        crit[key]["question"] = question

    profile = _next_version(tmp_path, change)
    ing = read_returns(_old_return(tmp_path, halton, **{key: "Yes"}), profile)
    (refused,) = _codes(ing, "F15")
    old_q = halton.criteria[key].question
    assert f"{key} asked '{old_q[:40]}" in refused.message
    assert question[:40] in refused.message
    assert "version 1.0.0" in refused.message and "'halton' profile, version 1.1.0" in refused.message
    assert ing.table.empty  # nothing of the file is scored
    assert [f.status for f in ing.files] == ["refused"]


def test_a_scored_question_new_since_the_tool_refuses_the_file(tmp_path, halton):
    def add(crit, data):
        data["measures"][0]["criteria"].append(
            {"key": "TU5", "question": "The family's own view of the home was recorded",
             "weight": 1, "answers": ["Yes", "Partly", "No"],
             "source": dict(crit["TU1"]["source"])})

    profile = _next_version(tmp_path, add)
    ing = read_returns(_old_return(tmp_path, halton), profile)
    (refused,) = _codes(ing, "F15")
    assert "TU5 is new: 'The family's own view of the home was recorded'" in refused.message


def test_a_question_no_longer_asked_is_not_read_and_its_key_reused_is_not_confused(
        tmp_path, halton):
    """TU3 (chronology) is dropped and the old TU4 becomes TU3: the old TU4 column is read
    as TU3, the old TU3 column is not read at all (not a duplicate TU3)."""
    def drop(crit, data):
        tools = data["measures"][0]["criteria"]
        data["measures"][0]["criteria"] = [c for c in tools if c["key"] != "TU3"]
        crit["TU4"]["key"] = "TU3"

    profile = _next_version(tmp_path, drop)
    ing = read_returns(_old_return(tmp_path, halton, TU3="No", TU4="Partly"), profile)
    assert not _codes(ing, "F15") and not _codes(ing, "F08")
    assert list(ing.table["TU3"]) == ["Partly", "Partly"]
    (note,) = _codes(ing, "N20")
    assert "TU4 as TU3" in note.message and "no longer asked, so not read: TU3" in note.message


def test_a_question_reworded_slightly_is_the_same_question(tmp_path, halton):
    def typo(crit, data):
        crit["TU3"]["question"] = crit["TU3"]["question"].replace("is in place", "was in place")

    profile = _next_version(tmp_path, typo)
    ing = read_returns(_old_return(tmp_path, halton, TU3="Yes"), profile)
    assert not _codes(ing, "F15")
    assert list(ing.table["TU3"]) == ["Yes", "Yes"]
    (note,) = _codes(ing, "N20")
    assert "worded differently but asking the same: TU3" in note.message


def test_another_profiles_tool_is_refused_naming_that_profile(tmp_path, halton):
    durham = load_profile("durham")
    folder = tmp_path / "returns"
    write_return(folder, durham, [base_row("DUR-0001", partner=durham.partners[0])])
    ing = read_returns(folder, halton)
    (refused,) = [p for p in ing.problems if p.severity == "error" and p.code in ("F15", "F07")]
    assert refused.code == "F15"
    assert "'durham' profile's audit tool" in refused.message
    assert "not this round's 'halton' profile" in refused.message
    assert "another audit" in refused.message


def test_a_long_list_of_changed_questions_is_cut_short(tmp_path, halton):
    def reword(crit, data):
        for k in list(crit)[:8]:
            crit[k]["question"] = f"Entirely new question number {k} about something else"

    profile = _next_version(tmp_path, reword)
    ing = read_returns(_old_return(tmp_path, halton), profile)
    (refused,) = _codes(ing, "F15")
    assert "8 scored questions changed" in refused.message and "and 3 more" in refused.message


def test_a_return_without_instructions_or_a_csv_is_read_by_its_keys(tmp_path, halton):
    profile = _next_version(tmp_path, lambda crit, data: None)
    folder = _old_return(tmp_path, halton, TU1="Yes")
    path = next(folder.iterdir())
    book = openpyxl.load_workbook(path)
    del book["Instructions"]
    book.save(path)
    rows = list(book["Audit"].iter_rows(min_row=1, max_row=3, values_only=True))
    with open(folder / "as-csv.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(rows[0])
        w.writerow([("HAL-0003" if v == "HAL-0001" else v) for v in rows[1]])
    ing = read_returns(folder, profile)
    assert not _codes(ing, "N20") and not _codes(ing, "F15")
    assert sorted(ing.table["case_ref"]) == ["HAL-0001", "HAL-0002", "HAL-0003"]


def test_validation_of_a_renumbered_return_scores_the_right_answers(tmp_path, halton):
    from conftest import TODAY

    def swap(crit, data):
        crit["TU2"]["question"], crit["TU3"]["question"] = (crit["TU3"]["question"],
                                                              crit["TU2"]["question"])
        crit["TU2"]["answers"], crit["TU3"]["answers"] = crit["TU3"]["answers"], crit["TU2"]["answers"]

    profile = _next_version(tmp_path, swap)
    v = validate(read_returns(_old_return(tmp_path, halton, TU2="N/A", TU3="No"), profile),
                 profile, TODAY)
    assert not [p for p in v.problems if p.severity == "error"]
    assert list(v.table["TU3"]) == ["N/A", "N/A"] and list(v.table["TU2"]) == ["No", "No"]


def test_the_committed_audit_tools_and_example_round_are_this_versions(tmp_path):
    """audit_templates/ holds the tools partners are sent: read as they are, with no note
    that they come from another version (regenerate them with `make templates`)."""
    root = Path(__file__).resolve().parents[1] / "audit_templates"
    shipped = load_profile("halton")
    tools = sorted((root / "halton").glob("halton-audit-tool-*.xlsx"))
    assert {t.name for t in tools} == {template_name(shipped, p) for p in shipped.partners}
    ing = read_returns(root / "example_round" / "halton-2026-Q3", shipped)
    assert not [p for p in ing.problems if p.code in ("N20", "F15")]
    assert len(ing.table) and all(f.status == "read" for f in ing.files)
