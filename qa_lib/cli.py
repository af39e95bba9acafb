"""The ``qa-audit`` command line: template, run, validate, demo, profiles, rules."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import sys
from pathlib import Path

from qa_lib import __version__
from qa_lib.common.vocabulary import RoundStatus
from qa_lib.profile.actions_tool import write_actions
from qa_lib.profile.audit_tool import template_name, write_template
from qa_lib.profile.schema import (
    ProfileError,
    available_profiles,
    load_profile,
    shipped_profile_name,
)
from qa_lib.profile.scorecard_tool import write_scorecard
from qa_lib.report import wording


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{s}' is not a date in the form YYYY-MM-DD") from None


ROUND_EXAMPLE = """\
A whole round, from the blank tools to the copy to share (example: Halton, 2026-Q3):

  1. Write each partner's audit tool:
       qa-audit template --profile halton --all-partners --out tools-2026-Q3
  2. Partners fill in their tool and return it; save the returns in one folder,
     e.g. returns/2026-Q3 (Excel workbooks or CSV files).
  3. Check the returns before the round, and send each partner its problems:
       qa-audit validate --profile halton --inputs returns/2026-Q3
  4. Score them and write the reports:
       qa-audit run --profile halton --inputs returns/2026-Q3 --round 2026-Q3
  5. Write the copy to share (small counts shown as c, no case-level sections):
       qa-audit publish reports/2026-Q3
"""

PROFILE_HELP = ("profile name (any case: durham, Durham) or path to a profile .yaml file; "
                "qa-audit profiles lists them")

EXAMPLES = {
    "template": """\
Examples:
  qa-audit template --profile durham --partner police --out tools/
      (the partner's name in any case; the file is named as the profile names it)
  qa-audit template --profile Durham --all-partners --out tools-2026-Q3
  qa-audit template --profile halton --indicators --out scorecard.xlsx
  qa-audit template --profile halton --actions --from reports/2026-Q3 --out actions.xlsx
""",
    "run": "Example:\n  qa-audit run --profile halton --inputs returns/2026-Q3 --round 2026-Q3\n\n"
           + ROUND_EXAMPLE,
    "validate": """\
Examples:
  qa-audit validate --profile halton --inputs returns/2026-Q3
      (writes reports/validation-<when>/validation.html and .xlsx; exit code 1 if any
      return has errors)
  qa-audit validate --profile halton --inputs returns/2026-Q3 --today 2026-10-01
""",
    "demo": """\
Examples:
  qa-audit demo
      (three synthetic Halton rounds in demo_returns/ and reports/; open reports/index.html)
  qa-audit demo --profile durham --rounds 1 --cases 20 --seed 7 --out demo-reports
""",
    "publish": """\
Example:
  qa-audit publish reports/2026-Q3
      (writes reports/2026-Q3.published; the round folder is only read)
""",
    "notebook": "Example:\n  qa-audit notebook --out my-rounds\n",
    "profiles": """\
Examples:
  qa-audit profiles
      (every shipped profile with its measures)
  qa-audit profiles --profile durham
      (one profile in full: measures and criteria, partners, tools, graded tools, indicators)
  qa-audit profiles --profile my_partnership/profile.yaml
      (checks your own profile file: any problem is named with its field, exit code 2)
""",
    "rules": "Example:\n  qa-audit rules\n      (every validation check's code, severity, "
             "meaning and fix)\n",
}


def _sub(sub, name: str, helptext: str) -> argparse.ArgumentParser:
    """A subcommand with its help line as description and its examples below the options."""
    return sub.add_parser(name, help=helptext, description=helptext[:1].upper() + helptext[1:]
                          + ".", epilog=EXAMPLES[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa-audit", description="Multi-agency neglect case audit rounds, in one command.",
        epilog=ROUND_EXAMPLE + "\nEach command's --help gives its options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"qa-audit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = _sub(sub, "template", "write the Excel audit tool for a profile and partner")
    t.add_argument("--profile", required=True, help=PROFILE_HELP)
    t.add_argument("--partner", help="partner agency, one of the profile's partners (any case: "
                   "police, Police)")
    t.add_argument("--all-partners", action="store_true", help="one tool for each partner")
    t.add_argument("--indicators", action="store_true",
                   help="write the strategy scorecard workbook instead, for the performance "
                        "team to fill in each period")
    t.add_argument("--actions", action="store_true",
                   help="write the actions workbook instead: the actions the partnership "
                        "agreed after a round, their owners (roles) and due dates, and the "
                        "lead's commentary")
    t.add_argument("--from", dest="from_round", metavar="ROUND_FOLDER",
                   help="with --actions: a finished round whose open actions are carried "
                        "forward and whose auditors' recommended actions are listed")
    t.add_argument("--out", default="audit_templates", help="file or folder (default: %(default)s)")

    for name, helptext in (("run", "read, validate and score returns, and write the reports"),
                           ("validate", "read and validate returns only (nothing is scored)")):
        r = _sub(sub, name, helptext)
        r.add_argument("--profile", required=True, help=PROFILE_HELP)
        r.add_argument("--inputs", required=True, help="folder of returned workbooks")
        r.add_argument("--today", type=_date, help="reference date for 'future' checks "
                       "(YYYY-MM-DD; default: today)")
        r.add_argument("--indicators", metavar="FILE",
                       help="the filled strategy scorecard (qa-audit template --indicators), "
                            "kept outside the returns folder")
        r.add_argument("--actions", metavar="FILE",
                       help="the filled actions workbook (qa-audit template --actions), kept "
                            "outside the returns folder")
        if name == "validate":
            r.add_argument("--out", default="reports", help="where the validation report's "
                           "folder is made (default: %(default)s)")
        if name == "run":
            r.add_argument("--round", required=True, help="round name, e.g. 2026-Q3")
            r.add_argument("--period", type=_date,
                           help="first day of the period the round covers (YYYY-MM-DD), which "
                                "orders it among earlier rounds; default: read from the round "
                                "name (2026-Q3, Sep 2026), else the latest audit date")
            r.add_argument("--out", default="reports", help="reports root (default: %(default)s)")
            r.add_argument("--allow-partial", action="store_true",
                           help="score the valid rows even when some rows have errors")
            r.add_argument("--force", action="store_true",
                           help="if the round folder exists, move it aside and run again")
            r.add_argument("--jobs", type=int, default=None,
                           help="notebooks run at once (default: one per core)")
            r.add_argument("--publish", action="store_true",
                           help="also write the round's published copy, <round>.published "
                                "(as qa-audit publish does)")

    d = _sub(sub, "demo", "generate synthetic returns for a profile and run them as rounds")
    d.add_argument("--profile", default="halton", help="the profile to make returns for "
                   "(default: %(default)s)")
    d.add_argument("--rounds", type=int, default=3, choices=[1, 2, 3],
                   help="how many quarterly rounds to build (default: %(default)s)")
    d.add_argument("--out", default="reports", help="reports root the rounds are written in "
                   "(default: %(default)s); an earlier demo's round is moved aside")
    d.add_argument("--returns", default="demo_returns",
                   help="where the synthetic returns go (default: %(default)s)")
    d.add_argument("--seed", type=int, default=2026, help="seed of the random numbers: the "
                   "same seed makes the same returns (default: %(default)s)")
    d.add_argument("--cases", type=int, default=45,
                   help="cases audited in each round (default: %(default)s)")

    pb = _sub(sub, "publish", "write the published copy of a finished round: its report pages "
              "and summary.xlsx only, with counts of 1 to 5 (and every figure resting on them) "
              "as c and no case-level sections, in <round>.published beside it")
    pb.add_argument("round_folder", metavar="ROUND", help="a finished round's folder")
    pb.add_argument("--out", help="where the copy's folder is made (default: beside the round)")
    pb.add_argument("--force", action="store_true",
                    help="if the copy exists, move it aside and publish again")

    nb = _sub(sub, "notebook", "copy the audit lead's round notebook (run_round.ipynb) to a "
              "folder of your own, to run rounds from JupyterLab or papermill")
    nb.add_argument("--out", default="my-rounds",
                    help="folder for the copy (default: %(default)s); an existing notebook is "
                         "never overwritten")

    pr = _sub(sub, "profiles", "list the profiles with their measures, or check and show one")
    pr.add_argument("--profile", help="show one profile in full: a shipped name (any case) or "
                    "a path to your own profile file, which is checked")
    _sub(sub, "rules", "print the catalogue of validation checks")
    return p


def _cmd_template(a) -> int:
    profile = load_profile(a.profile)
    _said_profile(a.profile)
    out = Path(a.out)
    if a.actions:
        if a.partner or a.all_partners or a.indicators:
            raise ValueError("--actions writes the partnership's actions workbook: give no "
                             "--partner, --all-partners or --indicators with it.")
        print(f"Wrote {write_actions(profile, out, a.from_round)}")
        return 0
    if a.from_round:
        raise ValueError("--from goes with --actions (the actions workbook carried forward "
                         "from a round).")
    if a.indicators:
        if a.partner or a.all_partners:
            raise ValueError("--indicators writes the partnership's scorecard: give no "
                             "--partner or --all-partners with it.")
        print(f"Wrote {write_scorecard(profile, out)}")
        return 0
    if a.partner and a.all_partners:
        raise ValueError("Give --partner or --all-partners, not both.")
    partner = None
    if a.partner:
        partner = profile.partner_named(a.partner)
        if partner != a.partner:
            print(f"Partner: {partner} (as the profile names it)")
    partners = list(profile.partners) if a.all_partners else [partner]
    for partner in partners:
        target = out / template_name(profile, partner) if (out.is_dir() or not out.suffix) else out
        path = write_template(profile, target, partner)
        print(f"Wrote {path}")
    return 0


def _said_profile(given: str) -> None:
    """Say which shipped profile a name given in another case or spelling means."""
    name = shipped_profile_name(given)
    if name is not None and name != given and not Path(given).exists():
        print(f"Profile: {name}")


def _summary_line(res) -> str:
    return (f"Rows read {res.rows_read}, scored {res.rows_scored}, left out {res.rows_left_out}; "
            f"{wording.count(len(res.reports), 'page')} written in {res.seconds:.1f} s.")


def _cmd_run(a) -> int:
    from qa_lib.run.round import run_round

    _said_profile(a.profile)
    res = run_round(a.profile, a.round, a.inputs, a.out, allow_partial=a.allow_partial,
                    force=a.force, today=a.today, publish=a.publish, jobs=a.jobs,
                    period=a.period, indicators=a.indicators, actions=a.actions)
    return _report(res)


def _report(res) -> int:
    if res.status == RoundStatus.REFUSED:
        scorable = bool(res.validated.row_ok.any())
        print(f"\nThe round was not scored because "
              f"{'the returns have errors' if scorable else 'no row could be scored'}.\n"
              f"Validation report: {res.folder / 'validation.html'}\n"
              + ("Fix the returns and run again, or use --allow-partial to score the valid rows."
                 if scorable else "Fix the returns and run again."))
        return res.exit_code
    print("\n" + _summary_line(res))
    if res.failed:
        print("These reports could not be made:")
        for who, msg in res.failed.items():
            print(f"  {who}: {msg}")
    if res.status == RoundStatus.PARTIAL:
        print(f"Partial round: {wording.count(res.rows_left_out, 'row')} left out (see "
              "validation.html).")
    print(f"Round folder: {res.folder}\nOpen: {res.index}")
    if res.published is not None:
        print(f"Published copy (to share): {res.published / 'index.html'}")
    return res.exit_code


def _cmd_validate(a) -> int:
    from qa_lib.report.validation_report import validation_summary
    from qa_lib.run.round import validate_only

    _said_profile(a.profile)
    v, folder = validate_only(a.profile, a.inputs, a.out, a.today, a.indicators,
                              a.actions)
    print(validation_summary(v))
    print(f"Validation report: {folder / 'validation.html'} (and validation.xlsx)")
    return 1 if v.errors else 0


def _cmd_demo(a) -> int:
    import shutil

    from qa_lib.run.round import run_round
    from qa_lib.run.synthetic import demo_rounds, make_demo_actions, make_demo_scorecard

    profile = load_profile(a.profile)
    _said_profile(a.profile)
    returns = Path(a.returns) / profile.name
    if returns.exists():
        shutil.rmtree(returns)  # the demo's own generated returns, never a partner's
    rounds = demo_rounds(profile, returns, seed=a.seed, cases=a.cases, rounds=a.rounds)
    demo = rounds[-1][1]
    print(f"Synthetic returns for {wording.count(len(rounds), 'round')}, "
          f"{wording.count(len(demo.partners), 'partner')} and "
          f"{demo.cases} cases each, in {returns} (strongest: {demo.strong}; weakest: "
          f"{demo.weak}).")
    code = 0
    actions = None  # the actions agreed after the round before, carried from round to round
    for k, (round_id, d, today) in enumerate(rounds):
        print(f"\n== Round {round_id} ==")
        force = (Path(a.out) / round_id).exists()  # an earlier demo: moved aside, never lost
        scorecard = make_demo_scorecard(profile, returns / f"scorecard-{round_id}.xlsx",
                                        seed=a.seed, round_index=k)
        res = run_round(profile, round_id, d.returns, a.out, today=today, force=force,
                        indicators=scorecard, actions=actions,
                        publish=k + 1 == len(rounds))  # the latest round's copy to share
        code = max(code, _report(res))
        if k + 1 < len(rounds) and (res.folder / "data" / "round.json").is_file():
            actions = make_demo_actions(profile, returns / f"actions-after-{round_id}.xlsx",
                                        res.folder, today, round_index=k + 1)
            print(f"Agreed actions after {round_id} (synthetic): {actions}")
    print(f"\nAll rounds: {Path(a.out) / 'index.html'}")
    return code


def _cmd_publish(a) -> int:
    from qa_lib.run.publish_copy import publish_round

    target = publish_round(a.round_folder, a.out, force=a.force)
    print(f"Open: {target / 'index.html'}")
    return 0


def _cmd_notebook(a) -> int:
    from qa_lib.run.lead_notebook import copy_notebook, papermill_command

    target = copy_notebook(a.out)
    print(f"The audit lead's notebook: {target}")
    print("Open it in JupyterLab (make lab), set the parameters in its first code cell and "
          "choose Run > Run All Cells; or from the command line:")
    print(f"  {papermill_command(target)}")
    return 0


def _cmd_profiles(a) -> int:
    names = [a.profile] if a.profile else available_profiles()
    for name in names:
        prof = load_profile(name)
        if a.profile:
            print(prof.describe())
            if not shipped_profile_name(a.profile) or Path(a.profile).exists():
                print(f"\nThe profile file {prof.path} is valid.")
            continue
        print(f"{prof.name:<24} v{prof.version:<7} {prof.model.strategy}")
        for m in prof.measures:
            print(f"    {m.name} ({len(m.criteria)} criteria)")
    return 0


def _cmd_rules(a) -> int:
    """Print every problem code from the registry: code, severity, title, and the fix."""
    from qa_lib.checks.rules import catalogue

    for r in catalogue().itertuples(index=False):
        print(f"{r.code}  {r.severity:<5}  {r.title}")
        print(f"{'':12}Fix: {r.fix}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``qa-audit``; returns the exit code."""
    a = _parser().parse_args(argv)
    from qa_lib.run.options import RoundError  # not via run.round: no notebook start-up

    handlers = {"template": _cmd_template, "run": _cmd_run, "validate": _cmd_validate,
                "demo": _cmd_demo, "notebook": _cmd_notebook, "publish": _cmd_publish,
                "profiles": _cmd_profiles, "rules": _cmd_rules}
    try:
        return handlers[a.command](a)
    except (ProfileError, RoundError, ValueError, FileNotFoundError) as exc:
        print(f"qa-audit: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa-audit: stopped (Ctrl-C). The unfinished work was removed; nothing was written "
              "under the round's name, and the returns were not changed.", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a full disk, ...
        print(f"qa-audit: {os_error_sentence(exc)}", file=sys.stderr)
        return 1


def os_error_sentence(exc: OSError) -> str:
    """One plain sentence for an error from the operating system, naming the file."""
    what = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    hint = {errno.EACCES: " Ask for access to it, or choose another folder.",
            errno.EPERM: " Ask for access to it, or choose another folder.",
            errno.ENOSPC: " Free some space on that disk, or choose another --out.",
            errno.EROFS: " Choose another --out.",
            errno.ENAMETOOLONG: " Use a shorter folder or round name."}.get(exc.errno or 0, "")
    return f"{what}{where}; the round was not finished.{hint}"


if __name__ == "__main__":
    sys.exit(main())
