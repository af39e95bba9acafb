"""A profile is checked whole when it is loaded (issue 15): a misspelt field, a column that
is not the sheet's, a rule's parameter its function does not take are each named with their
field path by ``qa-audit profiles --profile FILE`` (exit code 2), never left to crash a run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qa_lib.cli import main
from qa_lib.profile.schema import PROFILE_DIR, available_profiles, load_profile

SHIPPED = PROFILE_DIR / "durham.yaml"


def _copy(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "my-profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _refused(path: Path, capsys) -> str:
    assert main(["profiles", "--profile", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"qa-audit: Profile file {path} is not valid:")
    return captured.err


def _criterion(data: dict, key: str) -> tuple[str, dict]:
    for i, m in enumerate(data["measures"]):
        for j, c in enumerate(m["criteria"]):
            if c["key"] == key:
                return f"measures.{i}.criteria.{j}", c
    raise KeyError(key)


def test_shipped_profiles_load_and_an_unchanged_copy_is_valid(tmp_path, capsys):
    for name in available_profiles():
        load_profile(name)
    load_profile(Path(__file__).parent / "profiles" / "halton-v1.yaml")
    path = _copy(tmp_path, lambda d: None)
    assert main(["profiles", "--profile", str(path)]) == 0
    assert f"The profile file {path} is valid." in capsys.readouterr().out


def test_a_misspelt_field_of_a_rule_is_named_with_its_path(tmp_path, capsys):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    where, _ = _criterion(data, "T1")

    def misspell(d):
        rule = _criterion(d, "T1")[1]["rule"]
        rule["limt"] = rule.pop("limit")

    err = _refused(_copy(tmp_path, misspell), capsys)
    assert (f"field '{where}.rule.limt': 'limt' is not a field here. Did you mean 'limit'?"
            in err)


def test_a_rule_without_a_field_its_function_reads_is_named(tmp_path, capsys):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    where, _ = _criterion(data, "T1")
    err = _refused(_copy(tmp_path, lambda d: _criterion(d, "T1")[1]["rule"].pop("limit")),
                   capsys)
    # within_working_days reads rule.limit (it used to fail the run with a TypeError)
    assert f"field '{where}.rule.limit': within_working_days needs 'limit'" in err


def test_a_misspelt_weight_is_named(tmp_path, capsys):
    def misspell(d):
        d["measures"][1]["criteria"][3]["wieght"] = d["measures"][1]["criteria"][3].pop("weight")

    err = _refused(_copy(tmp_path, misspell), capsys)
    assert "field 'measures.1.criteria.3.wieght': 'wieght' is not a field here. Did you mean " \
           "'weight'?" in err


def test_a_misspelt_rule_parameter_is_named(tmp_path, capsys):
    def misspell(d):
        d["indicators"][2]["computed"]["params"] = {"colum": "plan_type",
                                                   "values": ["Child Protection"]}

    err = _refused(_copy(tmp_path, misspell), capsys)
    assert ("field 'indicators.2.computed.params.colum': shorter_than_calendar_months has no "
            "parameter 'colum'. Did you mean 'column'?") in err


def test_a_renamed_column_a_rule_uses_is_named(tmp_path, capsys):
    def rename(d):
        for col in d["date_columns"]:
            if col["key"] == "plan_start_date":
                col["key"] = "plan_begin_date"

    err = _refused(_copy(tmp_path, rename), capsys)
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    where, _ = _criterion(data, "EE6")
    assert f"field '{where}.rule.start': criterion EE6: 'plan_start_date' is not in " \
           "date_columns" in err
    # the scorecard's computed indicator names it too (it used to crash the run)
    assert "field 'indicators.2.computed.start': 'plan_start_date' is not in date_columns." \
        in err
    assert "field 'drift.plan_start': 'plan_start_date' is not in date_columns" in err


def test_a_renamed_choice_column_a_rule_uses_is_named(tmp_path, capsys):
    def rename(d):
        d["indicators"][2]["computed"]["params"]["column"] = "plan_typ"

    err = _refused(_copy(tmp_path, rename), capsys)
    assert ("field 'indicators.2.computed.params.column': the column 'plan_typ' is not a column "
            "of the profile's audit sheet. Did you mean 'plan_type'?") in err


def test_a_value_not_among_the_columns_choices_is_named(tmp_path, capsys):
    def rename(d):
        d["indicators"][2]["computed"]["params"]["values"] = ["Child protection plan"]

    err = _refused(_copy(tmp_path, rename), capsys)
    assert "field 'indicators.2.computed.params.values': 'Child protection plan' is not one " \
           "of plan_type's choices" in err


def test_a_plugin_rules_parameter_is_checked_against_what_it_reads(tmp_path, capsys):
    (tmp_path / "rules.py").write_text(
        "import numpy as np\n"
        "from qa_lib.profile.computed import Outcome, register\n\n\n"
        "@register('at_least_issue15')\n"
        "def at_least(table, rule):\n"
        "    threshold = float(rule.params['threshold'])\n"
        "    met = table['audit_date'].notna().to_numpy() & (threshold > 0)\n"
        "    return Outcome(credit=met.astype(float), status=np.array(['met'] * len(met)))\n")

    def add(d):
        d["plugins"] = ["rules.py"]
        d["measures"][0]["criteria"].append(
            {"key": "ZZ1", "question": "Attendance", "weight": 1,
             "rule": {"function": "at_least_issue15", "params": {"threshhold": 90}}})

    path = _copy(tmp_path, add)
    i, j = 0, len(yaml.safe_load(path.read_text())["measures"][0]["criteria"]) - 1
    err = _refused(path, capsys)
    assert (f"field 'measures.{i}.criteria.{j}.rule.params.threshhold': at_least_issue15 has "
            "no parameter 'threshhold'. Did you mean 'threshold'?") in err
    assert (f"field 'measures.{i}.criteria.{j}.rule.params': at_least_issue15 needs the "
            "parameter 'threshold'") in err


@pytest.mark.parametrize("pattern, words", [
    ({"regex": "DUR-[0-9]{5}", "example": "DUR-1234"}, "does not match the regex"),
    ({"regex": "DUR-[0-9", "example": "DUR-1"}, "is not a regular expression"),
    ({"regex": "DUR-[0-9]{5}", "exmple": "DUR-12345"}, "Did you mean 'example'?"),
])
def test_a_case_ref_pattern_is_checked(tmp_path, capsys, pattern, words):
    err = _refused(_copy(tmp_path, lambda d: d.update(case_ref_pattern=pattern)), capsys)
    assert "field 'case_ref_pattern" in err and words in err


def test_a_parameter_given_to_a_function_that_takes_none_is_named(tmp_path, capsys):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    where, _ = _criterion(data, "T1")
    err = _refused(_copy(tmp_path, lambda d: _criterion(d, "T1")[1]["rule"].update(
        params={"threshold": 2})), capsys)
    assert (f"field '{where}.rule.params.threshold': within_working_days has no parameter "
            "'threshold'. within_working_days takes no parameters.") in err


def test_a_plugin_that_hands_its_rule_to_a_helper_is_trusted(tmp_path, capsys):
    """What a function reads is told from its own source: one that never names params (a
    helper reads them) is not refused for parameters it cannot be seen to read."""
    (tmp_path / "rules.py").write_text(
        "import numpy as np\n"
        "from qa_lib.profile.computed import Outcome, register\n\n\n"
        "def _helper(table, rule):\n"
        "    met = table['audit_date'].notna().to_numpy() & (rule.params['cutoff'] > 0)\n"
        "    return Outcome(credit=met.astype(float), status=np.array(['met'] * len(met)))\n\n\n"
        "@register('helped_issue15')\n"
        "def helped(table, rule):\n"
        "    return _helper(table, rule)\n")

    def add(d):
        d["plugins"] = ["rules.py"]
        d["measures"][0]["criteria"].append(
            {"key": "ZZ2", "question": "Helped", "weight": 1,
             "rule": {"function": "helped_issue15", "params": {"cutoff": 3}}})

    path = _copy(tmp_path, add)
    assert main(["profiles", "--profile", str(path)]) == 0, capsys.readouterr().err
