"""The qa-audit command line: exit codes and what it prints."""

import openpyxl

from conftest import HALTON_V1, base_row, write_return
from qa_lib.cli import main


def test_template_command_writes_the_tool(tmp_path, capsys):
    assert main(["template", "--profile", HALTON_V1, "--partner", "Cheshire Police",
                 "--out", str(tmp_path)]) == 0
    path = tmp_path / "halton-audit-tool-cheshire-police.xlsx"
    assert path.is_file()
    assert openpyxl.load_workbook(path)["Audit"]["A3"].value == "case_ref"  # under the questions
    assert str(path) in capsys.readouterr().out


def test_template_for_unknown_partner_fails_plainly(tmp_path, capsys):
    assert main(["template", "--profile", HALTON_V1, "--partner", "Nobody",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "'Nobody' is not a partner" in err and "Traceback" not in err


def test_profiles_and_rules(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "halton" in out and "durham" in out and "Tool use (" in out
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for code in ("V03", "V09", "F07", "A02", "D02", "N10"):
        assert code in out


def test_validate_exit_codes(tmp_path, halton, capsys):
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_return(good, halton, [base_row("HAL-0001", TU1="Yes", tool_name="Home Conditions Tool")])
    write_return(bad, halton, [base_row("HAL-0001", TU1="Perhaps")])
    reports = tmp_path / "reports"
    assert main(["validate", "--profile", HALTON_V1, "--inputs", str(good),
                 "--today", "2026-11-02", "--out", str(reports)]) == 0
    assert main(["validate", "--profile", HALTON_V1, "--inputs", str(bad),
                 "--today", "2026-11-02", "--out", str(reports)]) == 1
    out = capsys.readouterr().out
    assert "row 2, column TU1" in out and "'Perhaps'" in out
    # each check leaves its validation report, never inside the inputs folder
    made = sorted(reports.glob("validation-*"))
    assert len(made) == 2 and all((d / "validation.html").is_file()
                                  and (d / "validation.xlsx").is_file() for d in made)
    assert "Perhaps" in (made[1] / "validation.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in bad.iterdir()) == ["cheshire-police.xlsx"]


def test_run_refused_round_exits_non_zero(tmp_path, halton, capsys):
    inputs = tmp_path / "returns"
    write_return(inputs, halton, [base_row("HAL-0001", TU1="Perhaps")])
    code = main(["run", "--profile", HALTON_V1, "--round", "R9", "--inputs", str(inputs),
                 "--out", str(tmp_path / "reports"), "--today", "2026-11-02"])
    assert code == 2
    out = capsys.readouterr().out
    assert "not scored" in out and "validation.html" in out
    assert not (tmp_path / "reports" / "R9").exists()


def test_missing_inputs_folder(tmp_path, capsys):
    assert main(["run", "--profile", HALTON_V1, "--round", "R1", "--inputs",
                 str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_default_workers_follow_the_cores_this_process_may_use():
    # a container or taskset limit, not the whole machine's core count
    import subprocess
    import sys

    code = ("import os; os.sched_setaffinity(0, {0}); "
            "from qa_lib.run.execute import usable_cores; print(usable_cores())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "1"
