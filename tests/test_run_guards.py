"""What the operating system and the audit lead can do to a run: each gets one plain sentence.

Issue 11, classes 8 and 9: folders that are files, folders that cannot be written, a full
disk, Ctrl-C, round names that cannot be folder names, two refused runs in one second, and
two runs of the same reports folder at once. No kernel runs here: every fault is met before
the notebooks, or stands in for them.
"""

from __future__ import annotations

import errno

import pytest

from conftest import HALTON_V1, TODAY, base_row, write_return
from qa_lib import cli
from qa_lib.run import folder
from qa_lib.run import round as round_module
from qa_lib.run.options import RoundError, RoundOptions, check_round_name
from qa_lib.run.round import run_round


def quiet(_: str) -> None:
    pass


@pytest.fixture
def returns(tmp_path, halton):
    write_return(tmp_path / "in", halton, [base_row("HAL-0001")])
    return tmp_path / "in"


@pytest.fixture
def refused_returns(tmp_path, halton):
    write_return(tmp_path / "bad", halton, [base_row("HAL 0001")])  # a space: V02, an error
    return tmp_path / "bad"


def run_cli(*args: str) -> int:
    return cli.main(["run", "--profile", HALTON_V1, "--today", TODAY.isoformat(), *args])


def leftovers(out):
    """Everything in the reports folder but the lock file and the root index."""
    return sorted(p.name for p in out.iterdir() if p.name not in (folder.LOCK_NAME, "index.html"))


# --------------------------------------------------------------------------- round names


@pytest.mark.parametrize("name", ["2026-Q3", "Q1-2027", "Round 4", "R1.v2", "2026_09", "x" * 64])
def test_plain_round_names_are_accepted(name):
    check_round_name(name)


@pytest.mark.parametrize("name", [
    "index.html", "INDEX.HTML", "summary.html", "x" * 65, "x" * 230, "../2026-Q3", "2026/Q3",
    "Q3:2026", ".hidden", "-Q3", "", "Q3 ", "Q3.", "2026-Q3\n", "Q3\tx"])
def test_round_names_that_cannot_name_a_folder_are_refused(name):
    with pytest.raises(RoundError, match="cannot be used as a round name"):
        check_round_name(name)


def test_a_round_named_index_html_never_reaches_the_reports_folder(tmp_path, returns, capsys):
    out = tmp_path / "reports"
    assert run_cli("--round", "index.html", "--inputs", str(returns), "--out", str(out)) == 2
    assert "cannot be used as a round name" in capsys.readouterr().err
    assert not out.exists()


def test_a_very_long_round_name_is_one_sentence(tmp_path, returns, capsys):
    assert run_cli("--round", "Q" * 230, "--inputs", str(returns), "--out",
                   str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at most 64 characters" in err and "..." in err


# --------------------------------------------------------------------------- folders


def test_inputs_that_is_a_file_is_named_as_a_file(tmp_path, returns, capsys):
    a_file = next(returns.iterdir())
    assert run_cli("--round", "R", "--inputs", str(a_file), "--out", str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "does not exist" not in err


def test_inputs_that_does_not_exist_says_so(tmp_path, capsys):
    assert run_cli("--round", "R", "--inputs", str(tmp_path / "nowhere"), "--out",
                   str(tmp_path / "o")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_out_that_is_a_file_is_named_as_a_file(tmp_path, returns, capsys):
    out = tmp_path / "reports.txt"
    out.write_text("not a folder")
    assert run_cli("--round", "R", "--inputs", str(returns), "--out", str(out)) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert out.read_text() == "not a folder"


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_a_reports_folder_that_cannot_be_written_is_one_sentence(tmp_path, returns, monkeypatch,
                                                                 capsys, code):
    def refuse(*args, **kwargs):
        raise OSError(code, "cannot write here", str(tmp_path / "o"))

    monkeypatch.setattr(folder.tempfile, "mkdtemp", refuse)  # root ignores chmod: stand in
    assert run_cli("--round", "R", "--inputs", str(returns), "--out", str(tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert "Nothing can be written in the reports folder" in err and "Traceback" not in err


def test_a_full_disk_mid_round_is_one_sentence_and_leaves_nothing(tmp_path, returns, monkeypatch,
                                                                  capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "x.parquet"))

    monkeypatch.setattr(round_module, "store", full)
    out = tmp_path / "o"
    assert run_cli("--round", "R", "--inputs", str(returns), "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Free some space" in err
    assert "Traceback" not in err and leftovers(out) == []


def test_ctrl_c_during_the_notebooks_cleans_up_and_says_so(tmp_path, returns, monkeypatch,
                                                           capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(round_module, "render_reports", interrupted)
    out = tmp_path / "o"
    assert run_cli("--round", "R", "--inputs", str(returns), "--out", str(out)) == 1
    assert "stopped (Ctrl-C)" in capsys.readouterr().err
    assert leftovers(out) == []  # no round folder, no unfinished folder


# --------------------------------------------------------------------------- runs side by side


def test_two_refused_runs_in_the_same_second_keep_both_reports(tmp_path, refused_returns,
                                                               monkeypatch):
    monkeypatch.setattr(folder, "stamp", lambda: "20261102-090000")
    out = tmp_path / "o"
    a = run_round(HALTON_V1, "R", refused_returns, out, today=TODAY, progress=quiet)
    b = run_round(HALTON_V1, "R", refused_returns, out, today=TODAY, progress=quiet)
    assert a.folder.name == "R.refused-20261102-090000"
    assert b.folder.name == "R.refused-20261102-090000-2"
    assert (a.folder / "validation.html").is_file() and (b.folder / "validation.html").is_file()


def test_a_second_run_in_the_same_reports_folder_waits_for_none(tmp_path, refused_returns):
    out = tmp_path / "o"
    with folder.locked(out):  # the first run, still going
        with pytest.raises(RoundError, match="Another qa-audit run is writing") as e:
            run_round(HALTON_V1, "R", refused_returns, out, today=TODAY, progress=quiet)
    assert f"process {__import__('os').getpid()}" in str(e.value)
    assert leftovers(out) == []
    # once the first run has finished, the folder is free again
    res = run_round(HALTON_V1, "R", refused_returns, out, today=TODAY, progress=quiet)
    assert res.folder.is_dir()


def test_a_folder_that_appears_under_the_round_name_is_not_moved_without_force(tmp_path, halton,
                                                                               returns):
    opts = RoundOptions.build(halton, "R", returns, tmp_path / "o", today=TODAY)
    tmp = folder.start(opts, quiet)
    opts.final.mkdir()  # made by someone else while this run went on
    (opts.final / "theirs.txt").write_text("keep")
    with pytest.raises(RoundError, match="already exists"):
        folder.put_in_place(tmp, opts, quiet)
    assert (opts.final / "theirs.txt").read_text() == "keep"
    forced = RoundOptions.build(halton, "R", returns, tmp_path / "o", today=TODAY, force=True)
    assert folder.put_in_place(tmp, forced, quiet) == opts.final
    assert [p.name for p in (tmp_path / "o").glob("R.replaced-*")]


# --------------------------------------------------------------------------- nothing to score


@pytest.mark.parametrize("hidden", [[], [".DS_Store"], [".~lock.x.xlsx#"]])
def test_an_empty_inputs_folder_is_an_error(tmp_path, capsys, hidden):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in hidden:
        (inputs / name).write_text("x")
    assert run_cli("--round", "R", "--inputs", str(inputs), "--out", str(tmp_path / "o")) == 2
    assert "is empty" in capsys.readouterr().err
    assert cli.main(["validate", "--profile", HALTON_V1, "--inputs", str(inputs), "--out",
                     str(tmp_path / "o")]) == 2
    assert "is empty" in capsys.readouterr().err


def test_allow_partial_with_no_scorable_row_keeps_the_report_it_points_to(tmp_path,
                                                                          refused_returns,
                                                                          capsys):
    out = tmp_path / "o"
    code = run_cli("--round", "R", "--inputs", str(refused_returns), "--out", str(out),
                   "--allow-partial")
    said = capsys.readouterr().out
    assert code == 2 and "no row could be scored" in said and "--allow-partial" not in said
    report = said.split("Validation report: ")[1].split("\n")[0]
    with open(report, encoding="utf-8") as f:
        assert "V02" in f.read()  # the case reference's error, in the report it points to
    assert not (out / "R").exists()
