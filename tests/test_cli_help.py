"""The command line explains itself (issue 15): help for every option, an example for every
command, profile and partner names in any case, and the profiles listing in full."""

from __future__ import annotations

import argparse

import pytest

from qa_lib.cli import _parser, main


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_of_every_command_has_help():
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}"
               for name, sub in _subparsers().items() for a in sub._actions
               if not a.help or a.help == argparse.SUPPRESS]
    assert missing == []


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_every_command_shows_an_example(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Example" in out
    assert f"qa-audit {name}" in out.split("Example", 1)[1]


def test_run_help_shows_a_whole_round(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out.split("A whole round", 1)[1]
    steps = ["qa-audit template --profile halton --all-partners",
             "Partners fill in their tool", "qa-audit validate --profile halton",
             "qa-audit run --profile halton", "qa-audit publish reports/2026-Q3"]
    at = [out.index(s) for s in steps]
    assert at == sorted(at)  # template, fill, validate, run, publish, in that order


def test_profile_and_partner_in_any_case(tmp_path, capsys):
    assert main(["template", "--profile", "Durham", "--partner", " police ",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Profile: durham" in out
    assert "Partner: Police (as the profile names it)" in out
    assert (tmp_path / "durham-audit-tool-police.xlsx").is_file()


def test_an_unknown_partner_gets_the_closest_name_in_one_line(tmp_path, capsys):
    assert main(["template", "--profile", "durham", "--partner", "polise",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("qa-audit: 'polise' is not a partner of the durham profile. "
                   "Did you mean 'Police'?")


def test_an_unknown_profile_gets_the_closest_name(capsys):
    assert main(["profiles", "--profile", "Durhm"]) == 2
    err = capsys.readouterr().err
    assert "There is no profile called 'Durhm'. Did you mean 'durham'?" in err


def test_profiles_lists_measures_partners_tools_graded_tools_and_indicators(capsys):
    assert main(["profiles", "--profile", "HALTON"]) == 0
    out = capsys.readouterr().out
    heads = ["Measures:", "Partners:", "Tools:", "Graded tools:", "Indicators:"]
    at = [out.index(h) for h in heads]
    assert at == sorted(at)
    partners = out[out.index("Partners:"):out.index("Tools:")]
    assert "  Cheshire Police" in partners
    from qa_lib.profile.schema import load_profile

    p = load_profile("halton")
    inferred = [e.name for e in p.partner_entries if e.inferred]
    for name in inferred:
        assert f"  {name} (inferred" in partners
    for g in p.graded_tools:
        assert f"  {g.name} [{g.key}]" in out
    for ind in p.model.indicators:
        assert ind.name in out


def test_every_example_is_a_command_the_parser_takes():
    """Each example line in the help parses as written (nothing is run)."""
    import shlex

    from qa_lib.cli import EXAMPLES, ROUND_EXAMPLE

    lines = [line.strip() for text in [*EXAMPLES.values(), ROUND_EXAMPLE]
             for line in text.splitlines() if line.strip().startswith("qa-audit ")]
    assert len(lines) >= 15
    for line in lines:
        args = _parser().parse_args(shlex.split(line)[1:])
        assert args.command == shlex.split(line)[1]


def test_profiles_lists_a_graded_tool_with_its_scale_and_areas(tmp_path, capsys):
    import yaml

    from qa_lib.profile.schema import PROFILE_DIR

    data = yaml.safe_load((PROFILE_DIR / "halton.yaml").read_text(encoding="utf-8"))
    data["graded_tools"] = [{"name": "Home Conditions Tool", "key": "hct", "min": 1, "max": 4,
                             "areas": ["Physical care", {"name": "Love and care", "key": "love"}]}]
    path = tmp_path / "graded.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["profiles", "--profile", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("Graded tools:\n  Home Conditions Tool [hct]: 1 best to 4 worst; areas: Physical "
            "care; Love and care\nIndicators:") in out
    assert "Indicators:\n  Neglect identified early enough (at Level 2 Early Help) " \
           "[identified_early]: percent, higher is better; filled in\n" in out
