"""The action log across rounds (issue 14 item 4): the actions workbook, reading it back,
each action's status against the round's date, carrying open actions forward, and the
Agreed actions section of both reports.

Workbooks are real .xlsx files written by the template (openpyxl) and filled the way an audit
lead fills them; rounds are built without kernels (the round's own check, score and store
steps) with ``--actions``, and the sections rendered from the section list. Figures are
worked by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from conftest import base_row, build_round_data, page_text, write_return
from qa_lib.cli import main
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.actions import owner_kind, read_actions
from qa_lib.profile.actions_tool import (
    COLUMNS,
    NEXT_NAME,
    PARTNERSHIP,
    Progress,
    build_actions,
    progress_of,
    write_actions,
)
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import section_html
from qa_lib.run import folder as round_folder
from qa_lib.run.manifest import Timer
from qa_lib.run.options import RoundOptions
from qa_lib.run.publish_copy import as_published
from qa_lib.run.round import RoundError, check, score_rows, store

TOOL = {"tool_name": "Home Conditions Tool"}
POLICE = "Cheshire Police"
HEADS = [h for h, _ in COLUMNS]
Q1_TODAY, Q2_TODAY, Q3_TODAY = dt.date(2026, 11, 2), dt.date(2027, 2, 1), dt.date(2027, 5, 3)


def _text(html: str) -> str:
    return unescape(page_text(html))


def _fill(path: Path, rows: list[dict], profile, from_round: Path | None = None,
          commentary: dict[str, str] | None = None) -> Path:
    """The actions workbook from the template, with ``rows`` (header -> value) written under
    any carried-forward rows, as the audit lead fills it in Excel."""
    wb = build_actions(profile, from_round)
    ws = wb["Actions"]
    first = next(r for r in range(2, ws.max_row + 2) if not ws.cell(r, 1).value)
    for r, row in enumerate(rows, start=first):
        for head, value in row.items():
            ws.cell(r, HEADS.index(head) + 1, value=value)
    cs = wb["Commentary"]
    for r in range(2, cs.max_row + 1):
        if commentary and cs.cell(r, 1).value in commentary:
            cs.cell(r, 2, value=commentary[cs.cell(r, 1).value])
    wb.save(path)
    return path


def _round(profile, inputs: Path, out: Path, round_id: str, today: dt.date,
           actions: Path | None = None) -> RoundData:
    """A round's stored data built without kernels (check, score, store), with --actions."""
    opts = RoundOptions.build(profile, round_id, inputs, out, today=today, jobs=1,
                              actions=actions)
    tmp = round_folder.start(opts, lambda s: None)
    timer = Timer()
    checked = check(opts, tmp, timer, lambda s: None)
    assert not checked.validated.errors, checked.validated.errors
    data = store(opts, tmp, checked, score_rows(checked, profile, timer), timer)
    tmp.rename(opts.final)
    return data


def _returns(root: Path, halton) -> dict[str, Path]:
    # Q1: police tool use (2*1 + 2*0.5 + 1*0)/5 = 60 and 100 -> mean 80; two cases
    # recommend the same action
    write_return(root / "q1", halton, [
        base_row("HAL-0001", TU1="Yes", TU2="Partly", TU3="No", TU4="N/A",
                 recommended_actions="Repeat the home conditions tool at review.", **TOOL),
        base_row("HAL-0002", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes",
                 recommended_actions="Repeat the home conditions tool at review.", **TOOL)])
    # Q2: police tool use 100 and all Partly (0.5) = 50 -> mean 75 (change -5.0)
    write_return(root / "q2", halton, [
        base_row("HAL-0011", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL),
        base_row("HAL-0012", TU1="Partly", TU2="Partly", TU3="Partly", TU4="Partly", **TOOL)])
    # Q3: police tool use 100 and 100 -> mean 100 (change +25.0)
    write_return(root / "q3", halton, [
        base_row("HAL-0021", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL),
        base_row("HAL-0022", TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes", **TOOL)])
    return {q: root / q for q in ("q1", "q2", "q3")}


AGREED = [  # the actions agreed after Q1, read with Q2 (today 01/02/2027)
    {"action": "Repeat the home conditions tool at every review.", "partner": POLICE,
     "measure": "tool_use: Tool use", "owner": "Designated safeguarding lead",
     "due date": dt.date(2027, 1, 15), "status": "Open", "round agreed": "2026-Q1"},
    {"action": "Share the chronology at every core group.", "partner": PARTNERSHIP,
     "measure": "tool_use", "owner": "Partnership business manager",
     "due date": dt.date(2027, 3, 31), "status": "Open"},  # round agreed left blank
    {"action": "Seek the family's feedback at closure.", "partner": POLICE,
     "measure": "feedback", "owner": "Named nurse for safeguarding",
     "due date": dt.date(2026, 12, 1), "status": "Done", "round agreed": "2026-Q1"},
    {"action": "Neglect training for new staff.", "partner": PARTNERSHIP,
     "owner": "Partnership business manager", "status": "Dropped", "round agreed": "2026-Q1"},
]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory, halton):
    """Q1 without a workbook; Q2 with the actions agreed after Q1; Q3 with Q2's
    actions-next.xlsx, one more action marked Done."""
    root = tmp_path_factory.mktemp("actions")
    inputs, out = _returns(root, halton), root / "reports"
    q1 = _round(halton, inputs["q1"], out, "2026-Q1", Q1_TODAY)
    wb2 = _fill(root / "after-q1.xlsx", AGREED, halton, out / "2026-Q1",
                commentary={PARTNERSHIP: "Tool use fell short; four actions agreed.",
                            POLICE: "Police to lead on tool use."})
    q2 = _round(halton, inputs["q2"], out, "2026-Q2", Q2_TODAY, wb2)
    carried = openpyxl.load_workbook(out / "2026-Q2" / NEXT_NAME)
    ws = carried["Actions"]
    assert ws.cell(2, HEADS.index("action") + 1).value == AGREED[0]["action"]
    ws.cell(2, HEADS.index("status") + 1, value="Done")
    carried.save(root / "after-q2.xlsx")
    q3 = _round(halton, inputs["q3"], out, "2026-Q3", Q3_TODAY, root / "after-q2.xlsx")
    return {"root": root, "out": out, "inputs": inputs, "q1": q1, "q2": q2, "q3": q3,
            "wb2": wb2}


# --------------------------------------------------------------------------- the template


def test_template_sheets_columns_and_validations(halton):
    wb = build_actions(halton)
    assert wb.sheetnames == ["Actions", "Commentary", "Instructions", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Actions"]
    assert [c.value for c in ws[1]] == ["action", "partner", "measure", "owner", "due date",
                                        "status", "round agreed", "notes"]
    assert list(ws.tables) == ["Actions"] and ws.tables["Actions"].ref.startswith("A1:H")
    lists = wb["Lists"]

    def listed(dv) -> list[str]:
        col, first, last = re.fullmatch(r"=Lists!\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)",
                                        dv.formula1).groups()
        return [lists[f"{col}{r}"].value for r in range(int(first), int(last) + 1)]

    by_col = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    assert listed(by_col["B"]) == [*halton.partners, "Partnership"]
    assert listed(by_col["C"]) == [f"{m.key}: {m.name}" for m in halton.measures]
    assert listed(by_col["F"]) == ["Open", "Done", "Dropped"]
    assert by_col["E"].type == "date" and ws["E2"].number_format == "DD/MM/YYYY"
    assert "role, never a person's name" in ws["D1"].comment.text
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "a role, not a person's name" in text and "--actions" in text
    cs = wb["Commentary"]
    assert [c.value for c in cs[1]] == ["about", "commentary"]
    assert [cs.cell(r, 1).value for r in range(2, cs.max_row + 1)] == [
        *halton.partners, "Partnership"]
    assert list(cs.tables) == ["Commentary"]


def test_template_prefilled_from_a_round(rounds, halton):
    wb = build_actions(halton, rounds["out"] / "2026-Q2")
    assert wb.sheetnames == ["Actions", "Commentary", "Suggested", "Instructions", "Lists"]
    ws = wb["Actions"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=4)]
    # the two still open (neither Done nor Dropped), round agreed kept (the blank one was
    # taken as agreed after the last earlier round, 2026-Q1)
    assert rows[0][:4] == [AGREED[0]["action"], POLICE, "tool_use: Tool use",
                           "Designated safeguarding lead"]
    assert rows[0][4] == dt.date(2027, 1, 15) and rows[0][5:7] == ["Open", "2026-Q1"]
    assert rows[1][:2] == [AGREED[1]["action"], PARTNERSHIP] and rows[1][6] == "2026-Q1"
    assert rows[2] == [None] * 8
    # Q1's auditors recommended one action on two cases; Q2's none
    q1 = build_actions(halton, rounds["out"] / "2026-Q1")["Suggested"]
    assert [[c.value for c in row] for row in q1.iter_rows()] == [
        ["partner", "action recommended", "cases"],
        [POLICE, "Repeat the home conditions tool at review.", 2]]
    assert "recommended no actions in 2026-Q2" in str(wb["Suggested"]["A2"].value)


def test_template_from_a_folder_that_is_not_a_round(tmp_path, halton):
    with pytest.raises(ValueError, match="is not a finished audit round"):
        build_actions(halton, tmp_path)


def test_cli_template_actions(rounds, tmp_path, capsys):
    assert main(["template", "--profile", "halton", "--actions", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "halton-actions.xlsx").is_file()
    out = tmp_path / "next.xlsx"
    assert main(["template", "--profile", rounds["q1"].meta["profile"]["path"], "--actions",
                 "--from", str(rounds["out"] / "2026-Q1"), "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[:3] == ["Actions", "Commentary", "Suggested"]
    assert main(["template", "--profile", "halton", "--from", str(tmp_path)]) == 2
    assert "--from goes with --actions" in capsys.readouterr().err


# --------------------------------------------------------------------------- reading


def test_each_problem_names_its_row_and_column(tmp_path, halton):
    bad = [
        {"action": "Fine.", "partner": "Cheshire Polise", "owner": "Team Manager"},   # row 2
        {"action": "Fine.", "measure": "tool usage"},                                # row 3
        {"action": "Fine.", "due date": "next spring"},                              # row 4
        {"action": "Fine.", "status": "Finished"},                                   # row 5
        {"action": "Fine.", "owner": "Jane Smith"},                                  # row 6
        {"partner": POLICE, "status": "Open"},                                       # row 7
        {"action": "Call Mrs Patel on 07700 900123.", "notes": "Seen on 03/02/2027"},  # row 8
        {"action": "Fine.", "partner": "cheshire  police", "status": "done",
         "owner": "Education Safeguarding Officer"},                                 # row 9
    ]
    path = _fill(tmp_path / "bad.xlsx", bad, halton, commentary={"Health Visiting": "Good."})
    log = read_actions(path, halton, Q2_TODAY)
    found = [(p.code, p.row, p.column, p.letter, p.value) for p in log.problems]
    assert found == [
        ("L03", 2, "partner", "B", "Cheshire Polise"),
        ("L04", 3, "measure", "C", "tool usage"),
        ("L05", 4, "due_date", "E", "next spring"),
        ("L06", 5, "status", "F", "Finished"),
        ("L07", 6, "owner", "D", "[withheld]"),  # the name never reaches the report
        ("L02", 7, "action", "A", None),
        ("L08", 8, "action", "A", "[withheld]"),
        ("L08", 8, "notes", "H", "[withheld]"),
    ]
    msgs = {p.code: p for p in log.problems}
    assert msgs["L03"].message.endswith("Did you mean 'Cheshire Police'?")
    assert msgs["L07"].message.startswith("The owner looks like a name")
    assert all(p.sheet == "Actions" and p.file == "bad.xlsx" for p in log.problems)
    assert [p.severity for p in log.problems].count(Severity.NOTE) == 2
    # rows with an error give no action; row 8 is read with the personal data redacted, row 9
    # with its partner and status matched whatever their case (a role in capitals is a role)
    assert log.actions["row"].tolist() == [8, 9]
    assert log.actions["action"].tolist() == ["Call [redacted] on [redacted].", "Fine."]
    assert log.actions["notes"].iloc[0] == "Seen on [redacted]"
    assert (log.actions["partner"].iloc[1], log.actions["status"].iloc[1]) == (POLICE, "Done")
    assert log.commentary[["about", "commentary"]].values.tolist() == [["Health Visiting",
                                                                        "Good."]]


def test_a_workbook_without_the_table_is_refused(tmp_path, halton):
    wb = openpyxl.Workbook()
    wb.active.title = "Actions"
    wb.active.append(["action", "partner", "owner", "status"])
    wb.save(tmp_path / "old.xlsx")
    log = read_actions(tmp_path / "old.xlsx", halton, Q2_TODAY)
    assert [(p.code, p.row) for p in log.problems] == [("L01", None)]
    assert "(row 1 lacks: measure, due date)" in log.problems[0].message
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 a zip cut short")
    assert [p.code for p in read_actions(tmp_path / "junk.xlsx", halton, Q2_TODAY).problems] == [
        "F04"]


@pytest.mark.parametrize(("owner", "kind"), [
    ("Designated safeguarding lead", None), ("Team Manager", None),
    ("Education Safeguarding Officer", None), ("Head of Service", None),
    ("Jane Smith", "a name"), ("Mr Patel", "a name"), ("Sarah, team manager", "a name"), ("Sam", None),
    ("jane.smith@example.org", "an e-mail address")])
def test_owner_is_a_role_not_a_name(owner, kind):
    assert owner_kind(owner) == kind


def test_statuses_against_the_rounds_date():
    today = dt.date(2027, 2, 1)
    assert progress_of("Open", dt.date(2027, 1, 31), today) == Progress.OVERDUE
    assert progress_of("Open", today, today) == Progress.OPEN  # due today: not yet overdue
    assert progress_of("Open", None, today) == Progress.OPEN
    assert progress_of("Done", dt.date(2020, 1, 1), today) == Progress.DONE
    assert progress_of("Dropped", dt.date(2020, 1, 1), today) == Progress.DROPPED


def test_the_round_stores_the_actions_with_their_status(rounds):
    a = rounds["q2"].actions.set_index("action")
    assert a["progress"].to_dict() == {
        AGREED[0]["action"]: "overdue",  # due 15/01/2027, before 01/02/2027
        AGREED[1]["action"]: "open",  # due 31/03/2027
        AGREED[2]["action"]: "done", AGREED[3]["action"]: "dropped"}
    assert a["round_agreed"].tolist() == ["2026-Q1"] * 4  # the blank one: the last round
    assert a.loc[AGREED[3]["action"], "measure"] in (None, "") or a.loc[
        AGREED[3]["action"], "measure"] != a.loc[AGREED[3]["action"], "measure"]  # missing
    assert rounds["q2"].meta["actions"]["file"] == "after-q1.xlsx"
    assert rounds["q1"].meta["actions"] is None and not len(rounds["q1"].actions)
    folder = rounds["out"] / "2026-Q2" / "data"
    assert (folder / "actions.parquet").is_file() and (folder / "commentary.parquet").is_file()


def test_open_actions_are_carried_into_actions_next(rounds):
    ws = openpyxl.load_workbook(rounds["out"] / "2026-Q2" / NEXT_NAME)["Actions"]
    carried = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    assert carried == [AGREED[0]["action"], AGREED[1]["action"]]  # open and overdue
    ws3 = openpyxl.load_workbook(rounds["out"] / "2026-Q3" / NEXT_NAME)["Actions"]
    assert [ws3.cell(r, 1).value for r in range(2, ws3.max_row + 1)
            if ws3.cell(r, 1).value] == [AGREED[1]["action"]]


def test_a_status_carried_into_the_next_round(rounds):
    """Q3 read Q2's carried-forward workbook with one action marked Done: Q3 shows it done,
    the other (due 31/03/2027) now overdue, both still agreed in 2026-Q1."""
    a = rounds["q3"].actions.set_index("action")
    assert a["progress"].to_dict() == {AGREED[0]["action"]: "done",
                                       AGREED[1]["action"]: "overdue"}
    assert a["round_agreed"].tolist() == ["2026-Q1", "2026-Q1"]
    t = _text(section_html(rounds["q3"], "actions", POLICE))
    # tool use: police 75.0 in Q2, 100.0 in Q3 (+25.0); two cases each, so marked low
    assert re.search(r"Repeat the home conditions tool at every review\. Cheshire Police "
                     r"Designated safeguarding lead 15/01/2027 Done 2026-Q1 Tool use "
                     r"75\.0\s*† 100\.0\s*† \+25\.0", t), t


# --------------------------------------------------------------------------- the section


def test_section_with_a_workbook(rounds):
    t = _text(section_html(rounds["q2"], "actions", None))
    assert ("4 actions for the partnership in the actions workbook: 1 done, 1 overdue, 1 open "
            "and 1 dropped.") in t
    assert "The 2 open actions (overdue or not) are carried forward into actions-next.xlsx" in t
    # overdue first, then open, done, dropped; tool use 80.0 in Q1, 75.0 in Q2 (-5.0), for
    # the police and (the only partner) for the partnership
    assert re.search(r"Designated safeguarding lead 15/01/2027 Overdue: carried forward "
                     r"2026-Q1 Tool use 80\.0\s*† 75\.0\s*† \u22125\.0", t), t
    assert re.search(r"Share the chronology at every core group\. Partnership Partnership "
                     r"business manager 31/03/2027 Open: carried forward 2026-Q1", t)
    assert "Neglect training for new staff. Partnership Partnership business manager Dropped" in t
    assert t.index("Overdue: carried") < t.index("Open: carried") < t.index("Done") < t.index(
        "Dropped")
    assert "Tool use fell short; four actions agreed." in t and "Police to lead" in t
    assert "† low number" in t


def test_partner_report_shows_its_own_and_the_partnerships(rounds, halton):
    t = _text(section_html(rounds["q2"], "actions", POLICE))
    assert "4 actions for Cheshire Police" in t
    assert "Police to lead on tool use." in t and "Tool use fell short" in t
    other = _text(section_html(rounds["q2"], "actions", "Health Visiting"))
    assert "2 actions for Health Visiting" in other and "Designated safeguarding" not in other
    assert "Police to lead" not in other


def test_section_without_a_workbook(rounds, tmp_path, halton):
    data = build_round_data(halton, rounds["inputs"]["q2"], rounds["out"], "R-none",
                            today=Q2_TODAY, period=dt.date(2026, 2, 1))  # after Q1 only
    html = section_html(data, "actions", None)
    t = _text(html)
    assert t.startswith(" Agreed actions No actions workbook was given for this round: ")
    assert "<code>qa-audit template --actions --from &lt;last round&gt;</code>" in html
    assert "Actions recommended last round (2026-Q1)" in t
    assert "Repeat the home conditions tool at review. 2" in t
    assert "Actions recommended" not in _text(section_html(data, "trend", None))
    first = _text(section_html(rounds["q1"], "actions", None))
    assert "No actions workbook" in first and "recommended" not in first


def test_publishing_mode(rounds, halton):
    """Published: the measures' figures rest on 2 cases, so c; the actions, owners and
    commentary are the partnership's own words and stay; the auditors' own words go."""
    pub = as_published(rounds["q2"])
    try:
        t = _text(section_html(pub, "actions", None))
        assert re.search(r"Designated safeguarding lead 15/01/2027 Overdue: carried forward "
                         r"2026-Q1 Tool use c c c", t), t
        assert "Tool use fell short" in t and "†" not in t
    finally:
        pub.meta.pop("publish")
    data = build_round_data(halton, rounds["inputs"]["q2"], rounds["out"], "R-pub",
                            today=Q2_TODAY, period=dt.date(2026, 2, 2), publish=True)
    t = _text(section_html(data, "actions", None))
    assert "No actions workbook was given" in t
    assert "Repeat the home conditions tool at review." not in t
    assert "left out in publishing mode" in t


# --------------------------------------------------------------------------- the round


def test_the_workbook_is_kept_outside_the_returns_and_only_read(rounds, halton):
    inside = rounds["root"] / "copy-of-q2" / "actions.xlsx"
    inside.parent.mkdir()
    inside.write_bytes(rounds["wb2"].read_bytes())
    with pytest.raises(RoundError, match="inside the returns folder"):
        RoundOptions.build(halton, "X", inside.parent, rounds["out"], actions=inside)
    with pytest.raises(RoundError, match="does not exist"):
        RoundOptions.build(halton, "X", rounds["inputs"]["q2"], rounds["out"],
                           actions=rounds["root"] / "none.xlsx")
    before = rounds["wb2"].read_bytes()
    read_actions(rounds["wb2"], halton, Q2_TODAY)
    assert rounds["wb2"].read_bytes() == before


def test_an_error_in_the_workbook_goes_to_the_validation_report(rounds, halton, tmp_path):
    path = _fill(tmp_path / "bad.xlsx", [{"action": "x", "status": "Finished"}], halton)
    opts = RoundOptions.build(halton, "2026-Q9", rounds["inputs"]["q2"], tmp_path / "out",
                              today=Q2_TODAY, jobs=1, actions=path)
    tmp = round_folder.start(opts, lambda s: None)
    try:
        checked = check(opts, tmp, Timer(), lambda s: None)
        assert [(p.code, p.file, p.row) for p in checked.validated.errors] == [
            ("L06", "bad.xlsx", 2)]
        page = (tmp / "validation.html").read_text(encoding="utf-8")
        assert "Finished" in page and "bad.xlsx" in page and "Actions workbook" in page
    finally:
        round_folder.discard(tmp)


def test_validate_command_reads_the_workbook(rounds, tmp_path, capsys):
    path = _fill(tmp_path / "bad.xlsx", [{"action": "x", "partner": "Nobody"}],
                 rounds["q1"].profile)
    code = main(["validate", "--profile", rounds["q1"].meta["profile"]["path"], "--inputs",
                 str(rounds["inputs"]["q2"]), "--out", str(tmp_path / "v"), "--actions",
                 str(path), "--today", "2027-02-01"])
    assert code == 1 and "1 error" in capsys.readouterr().out


def test_write_actions_names_the_file(tmp_path, halton):
    assert write_actions(halton, tmp_path).name == "halton-actions.xlsx"


@pytest.mark.slow  # three rounds: in make test, not make test-fast
def test_the_demo_carries_statuses_into_its_third_round(tmp_path):
    """The demo's flow without kernels: four actions agreed after round 1 (one Done), read
    with round 2; round 2's actions-next.xlsx with one more Done, read with round 3. Round 3
    shows the tool action done and the others overdue, all agreed in 2026-Q1."""
    from qa_lib.profile.schema import load_profile
    from qa_lib.run.synthetic import DEMO_ACTIONS, demo_rounds, make_demo_actions

    profile = load_profile("halton")
    out, actions, data = tmp_path / "reports", None, None
    for k, (round_id, d, today) in enumerate(demo_rounds(profile, tmp_path / "returns",
                                                         cases=6, rounds=3,
                                                         template_rows=12)):
        data = _round(profile, d.returns, out, round_id, today, actions)
        actions = make_demo_actions(profile, tmp_path / f"actions-{round_id}.xlsx",
                                    out / round_id, today, round_index=k + 1)
    assert data is not None and data.round_id == "2026-Q3"
    a = data.actions.set_index("action")
    tool, life, feedback = DEMO_ACTIONS[0][0], DEMO_ACTIONS[1][0], DEMO_ACTIONS[3][0]
    assert a["progress"].to_dict() == {tool: "done", life: "overdue", feedback: "overdue"}
    assert set(a["round_agreed"]) == {"2026-Q1"}
    t = _text(section_html(data, "actions", None))
    assert "3 actions for the partnership in the actions workbook: 1 done, 2 overdue" in t
    assert "One more action is done" in t


def test_text_as_typed_in_the_next_workbook(tmp_path, halton):
    """Auditors' text holding a control character or looking like a formula is written as
    text into actions-next.xlsx (never a live formula, never a workbook openpyxl refuses)."""
    write_return(tmp_path / "in", halton, [
        base_row("HAL-0001", TU1="Yes", recommended_actions="+1 more visit needed",
                 **TOOL),
        base_row("HAL-0002", TU1="Yes", recommended_actions="Review_x000B_the plan", **TOOL)])
    data = build_round_data(halton, tmp_path / "in", tmp_path / "out", "2026-Q1")
    ws = openpyxl.load_workbook(tmp_path / "out" / "2026-Q1" / NEXT_NAME)["Suggested"]
    cells = {ws.cell(r, 2).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    assert set(cells) == {"+1 more visit needed", "Review[U+000B]the plan"}
    assert all(c.data_type == "s" for c in cells.values())
    assert cells["+1 more visit needed"].quotePrefix  # stays text when edited in Excel
    assert data.meta["actions"] is None


@pytest.mark.e2e
def test_two_real_rounds_show_the_actions_and_carry_them(tmp_path, halton):
    """Two rounds through the report notebooks: the second, run with --actions, shows each
    action's status on its pages, and its actions-next.xlsx carries the open ones."""
    from qa_lib.run.round import run_round

    inputs, out = _returns(tmp_path, halton), tmp_path / "reports"
    r1 = run_round(halton, "2026-Q1", inputs["q1"], out, today=Q1_TODAY, progress=lambda s: None)
    assert "No actions workbook was given" in _text(
        (r1.folder / "partnership.html").read_text(encoding="utf-8"))
    wb = _fill(tmp_path / "after-q1.xlsx", AGREED, halton, r1.folder)
    r2 = run_round(halton, "2026-Q2", inputs["q2"], out, today=Q2_TODAY, actions=wb,
                   progress=lambda s: None)
    assert r2.status == "complete", (r2.status, r2.failed)
    for page in ("partnership.html", "partner-cheshire-police.html"):
        t = _text((r2.folder / page).read_text(encoding="utf-8"))
        assert re.search(r"Designated safeguarding lead 15/01/2027 Overdue: carried forward "
                         r"2026-Q1 Tool use 80\.0\s*† 75\.0\s*† \u22125\.0", t), page
        assert "Seek the family's feedback at closure." in t
    ws = openpyxl.load_workbook(r2.folder / NEXT_NAME)["Actions"]
    assert [ws.cell(r, 1).value for r in (2, 3)] == [AGREED[0]["action"], AGREED[1]["action"]]
    manifest = (r2.folder / "manifest.json").read_text(encoding="utf-8")
    assert "after-q1.xlsx" in manifest and NEXT_NAME in manifest


def test_a_refused_workbook_with_allow_partial_is_said(rounds, halton, tmp_path):
    (tmp_path / "old.csv").write_text("action,owner\nTrain staff,Lead\n", encoding="utf-8")
    opts = RoundOptions.build(halton, "2026-Q8", rounds["inputs"]["q2"], tmp_path / "out",
                              today=Q2_TODAY, jobs=1, actions=tmp_path / "old.csv",
                              allow_partial=True, period=dt.date(2026, 2, 1))
    tmp = round_folder.start(opts, lambda s: None)
    try:
        checked = check(opts, tmp, Timer(), lambda s: None)
        assert [p.code for p in checked.validated.errors] == ["L01"]
        data = store(opts, tmp, checked, score_rows(checked, halton, Timer()), Timer())
        assert data.meta["refused_files"] == []  # not a partner's return
        t = _text(section_html(data, "actions", None))
        assert "The actions workbook old.csv could not be read (see the validation report)" in t
    finally:
        round_folder.discard(tmp)
