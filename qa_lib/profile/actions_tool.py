"""The actions workbook: what the partnership agreed to do about a round's findings.

``qa-audit template --actions --profile P [--from ROUND_FOLDER]`` writes it for the audit lead
to fill after the subgroup has met; ``qa-audit run ... --actions FILE`` reads it back
(:mod:`qa_lib.ingest.actions`) and the reports show each action beside the measure it was
meant to move (:mod:`qa_lib.report.sections.actions`). Sheets:

* ``Actions``: an Excel Table, one row per agreed action: action, partner (dropdown of the
  profile's partners and the Partnership), measure (dropdown: key and name), owner (a role,
  never a person's name), due date, status (Open, Done, Dropped), round agreed, notes;
* ``Commentary``: the lead's commentary on the round, one row per partner and one for the
  Partnership;
* ``Suggested`` (with ``--from``): the auditors' recommended actions of that round, to copy
  from;
* ``Instructions``, and a hidden ``Lists`` sheet holding the dropdowns' values.

With ``--from`` a finished round's open actions are carried forward with their round agreed
kept. This module also holds what both ends share: the columns, the statuses and how an
action's progress is judged against the round's date.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from qa_lib.common.excel_cells import put  # text as typed: never a formula, controls shown
from qa_lib.profile.schema import Measure, Profile
from qa_lib.profile.workbook_look import HEADER_FILL, Line, opening_lines, write_lines

SHEET = "Actions"
COMMENTARY_SHEET = "Commentary"
SUGGESTED_SHEET = "Suggested"
PARTNERSHIP = "Partnership"  # an action (or commentary) for the partnership as a whole
NEXT_NAME = "actions-next.xlsx"  # the workbook for the next round, in each round folder
BLANK_ROWS = 60  # empty rows formatted below the carried-forward actions
DATE_FORMAT = "DD/MM/YYYY"
CARRIED_FILL = PatternFill("solid", fgColor="FFF2CC")  # a row carried forward


class ActionStatus(StrEnum):
    """The status the audit lead records for an action (the workbook's dropdown)."""

    OPEN = "Open"
    DONE = "Done"
    DROPPED = "Dropped"


class Progress(StrEnum):
    """Where an action stands at a round: its status, with an open action past its due date
    overdue."""

    DONE = "done"
    DROPPED = "dropped"
    OVERDUE = "overdue"
    OPEN = "open"


# The Actions sheet's columns: (header, width). The reader matches headers by their lower-case
# form with _ for spaces (action, partner, measure, owner, due_date, status, round_agreed, notes).
COLUMNS = (("action", 50), ("partner", 26), ("measure", 36), ("owner", 30), ("due date", 12),
           ("status", 10), ("round agreed", 13), ("notes", 40))
REQUIRED = ("action", "partner", "measure", "owner", "due_date", "status")
COMMENTARY_COLUMNS = (("about", 30), ("commentary", 110))
SUGGESTED_COLUMNS = (("partner", 26), ("action recommended", 70), ("cases", 8))
# How the round stores the actions (data/actions.parquet) and commentary.
ACTION_FIELDS = ["action", "partner", "measure", "owner", "due", "status", "progress",
                 "round_agreed", "notes", "row"]
COMMENTARY_FIELDS = ["about", "commentary", "row"]


def progress_of(status: str, due: dt.date | None, today: dt.date) -> Progress:
    """An action's progress on ``today``: done, dropped, overdue (open and due before
    ``today``) or open."""
    if status == ActionStatus.DONE:
        return Progress.DONE
    if status == ActionStatus.DROPPED:
        return Progress.DROPPED
    day = due_date(due)
    if day is not None and day < today:
        return Progress.OVERDUE
    return Progress.OPEN


def due_date(v: Any) -> dt.date | None:
    """A stored due date as a date (None when there is none)."""
    return None if v is None or pd.isna(v) else pd.Timestamp(v).date()


def measure_label(m: Measure) -> str:
    """A measure as the dropdown offers it: 'tool_use: Tool use and assessment'."""
    return f"{m.key}: {m.name}"


def partner_choices(profile: Profile) -> list[str]:
    """Who an action may be for: each partner, then the Partnership."""
    return [*profile.partners, PARTNERSHIP]


def actions_name(profile: Profile) -> str:
    """The default file name of a profile's actions workbook."""
    return f"{profile.name}-actions.xlsx"


# --------------------------------------------------------------------------- a round's actions


def _round_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(f"'{folder}' is not a finished audit round (it has no readable "
                         "data/round.json): give a round's folder, e.g. reports/2026-Q3.") from None


def carried_forward(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions still open (neither Done nor Dropped), in their order."""
    if not len(actions):
        return pd.DataFrame(columns=ACTION_FIELDS)
    return actions[~actions["status"].isin([ActionStatus.DONE, ActionStatus.DROPPED])]


def suggestions(scored: pd.DataFrame) -> pd.DataFrame:
    """The auditors' recommended actions of a round (already redacted), by partner, each
    with the number of cases it was written on, most frequent first."""
    cols = ["partner", "action recommended", "cases"]
    if "recommended_actions" not in scored:
        return pd.DataFrame(columns=cols)
    rec = scored[scored["recommended_actions"].notna()
                 & (scored["recommended_actions"].astype(str).str.strip() != "")]
    if not len(rec):
        return pd.DataFrame(columns=cols)
    out = (rec.groupby(["partner", "recommended_actions"], sort=False).size()
           .reset_index(name="cases")
           .rename(columns={"recommended_actions": "action recommended"}))
    return out.sort_values(["partner", "cases"], ascending=[True, False], kind="stable")[cols]


def round_actions(folder: Path | str, profile: Profile) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """What a finished round hands to the next workbook: its name, its open actions and its
    auditors' recommended actions. Raises ValueError (a sentence for the audit lead) when the
    folder is not a round of this profile."""
    folder = Path(folder)
    meta = _round_meta(folder)
    if meta.get("profile", {}).get("name") != profile.name:
        raise ValueError(f"Round {meta.get('round')} in '{folder}' was made with the "
                         f"'{meta.get('profile', {}).get('name')}' profile, not '{profile.name}'.")
    data = folder / "data"
    actions = (pd.read_parquet(data / "actions.parquet") if (data / "actions.parquet").exists()
               else pd.DataFrame(columns=ACTION_FIELDS))
    try:
        scored = pd.read_parquet(data / "scored.parquet",
                                 columns=["partner", "recommended_actions"])
    except Exception:  # an older round without the column, or none: nothing to suggest
        scored = pd.DataFrame(columns=["partner"])
    return str(meta["round"]), carried_forward(actions), suggestions(scored)


# --------------------------------------------------------------------------- the workbook


def write_actions(profile: Profile, out: Path | str, from_round: Path | str | None = None
                  ) -> Path:
    """Write the actions workbook to ``out`` (a file, or a folder for the default name),
    pre-filled from the finished round in ``from_round`` when given."""
    out = Path(out)
    if out.is_dir() or not out.suffix:
        out = out / actions_name(profile)
    wb = build_actions(profile, from_round)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def build_actions(profile: Profile, from_round: Path | str | None = None) -> Workbook:
    """The actions workbook (not yet saved): Actions, Commentary, Suggested (with
    ``from_round``), Instructions and the hidden Lists."""
    source = None if from_round is None else round_actions(from_round, profile)
    wb = Workbook()
    _instructions(wb.active, profile, None if source is None else source[0])
    refs = _lists(wb, profile)
    _actions_sheet(wb, profile, refs, None if source is None else source[1])
    _commentary_sheet(wb, profile, refs)
    if source is not None:
        _suggested_sheet(wb, source[2], source[0])
    wb.properties.title = f"{profile.title}: agreed actions"
    wb.properties.creator = "qa-audit"
    order = [SHEET, COMMENTARY_SHEET, SUGGESTED_SHEET, "Instructions", "Lists"]
    wb._sheets.sort(key=lambda ws: order.index(ws.title))  # the sheet to fill opens first
    wb.active = 0
    return wb


def _header(ws, columns: tuple[tuple[str, int], ...]) -> None:
    for j, (head, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=head)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"


def _table(ws, name: str, columns: int, last_row: int) -> None:
    table = Table(displayName=name, ref=f"A1:{get_column_letter(columns)}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)


def _lists(wb: Workbook, profile: Profile) -> dict[str, str]:
    """The hidden sheet of dropdown values; returns each list's range."""
    ws = wb.create_sheet("Lists")
    ws.sheet_state = "hidden"
    lists = {"partner": partner_choices(profile),
             "measure": [measure_label(m) for m in profile.measures],
             "status": [s.value for s in ActionStatus]}
    refs = {}
    for j, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=key)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=v).number_format = "@"
        refs[key] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    return refs


def _dropdown(refs: dict[str, str], key: str, what: str) -> DataValidation:
    return DataValidation(type="list", formula1=f"={refs[key]}", allow_blank=True,
                          showErrorMessage=True, errorTitle="Choose from the list",
                          error=f"Choose the {what} from the list.", showInputMessage=True,
                          promptTitle=key, prompt="Pick from the list")


def _actions_sheet(wb: Workbook, profile: Profile, refs: dict[str, str],
                   carried: pd.DataFrame | None) -> None:
    ws = wb.create_sheet(SHEET)
    _header(ws, COLUMNS)
    carried = carried if carried is not None else pd.DataFrame(columns=ACTION_FIELDS)
    labels = {m.key: measure_label(m) for m in profile.measures}
    for r, a in enumerate(carried.to_dict("records"), start=2):
        shown = (a["action"], a["partner"], labels.get(a["measure"], a["measure"]), a["owner"],
                 due_date(a["due"]), ActionStatus.OPEN.value, a["round_agreed"], a["notes"])
        for j, v in enumerate(shown, start=1):
            put(ws, r, j, v).fill = CARRIED_FILL
    last = len(carried) + BLANK_ROWS + 1
    names = [h for h, _ in COLUMNS]
    for r in range(2, last + 1):
        for j, head in enumerate(names, start=1):
            cell = ws.cell(row=r, column=j)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = DATE_FORMAT if head == "due date" else "@"
    for key, what in (("partner", "partner"), ("measure", "measure"), ("status", "status")):
        dv = _dropdown(refs, key, what)
        letter = get_column_letter(names.index(key) + 1)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    due = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                         showErrorMessage=True, errorTitle="Not a date",
                         error="Enter the due date as DD/MM/YYYY.")
    letter = get_column_letter(names.index("due date") + 1)
    due.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(due)
    owner = ws.cell(row=1, column=names.index("owner") + 1)
    owner.comment = Comment("A role, never a person's name: for example 'Designated "
                            "safeguarding lead'.", "qa-audit")
    _table(ws, "Actions", len(COLUMNS), last)


def _commentary_sheet(wb: Workbook, profile: Profile, refs: dict[str, str]) -> None:
    ws = wb.create_sheet(COMMENTARY_SHEET)
    _header(ws, COMMENTARY_COLUMNS)
    for r, who in enumerate(partner_choices(profile), start=2):
        ws.cell(row=r, column=1, value=who).number_format = "@"
        c = ws.cell(row=r, column=2)
        c.number_format = "@"
        c.alignment = Alignment(wrap_text=True, vertical="top")
    last = len(partner_choices(profile)) + 1
    dv = _dropdown(refs, "partner", "partner (or the Partnership)")
    dv.add(f"A2:A{last}")
    ws.add_data_validation(dv)
    _table(ws, "Commentary", len(COMMENTARY_COLUMNS), last)


def _suggested_sheet(wb: Workbook, suggested: pd.DataFrame, round_id: str) -> None:
    ws = wb.create_sheet(SUGGESTED_SHEET)
    _header(ws, SUGGESTED_COLUMNS)
    for r, s in enumerate(suggested.itertuples(index=False), start=2):
        for j, v in enumerate(s, start=1):
            put(ws, r, j, int(v) if j == 3 else v).alignment = Alignment(wrap_text=True,
                                                                        vertical="top")
    if len(suggested):
        _table(ws, "Suggested", len(SUGGESTED_COLUMNS), len(suggested) + 1)
    else:
        ws.cell(row=2, column=1, value=f"The auditors recommended no actions in {round_id}.")


def _instructions(ws, profile: Profile, from_round: str | None) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 120
    carried = ([(f"Pre-filled from round {from_round}: its open actions are carried forward "
                 "(yellow rows, round agreed kept); its auditors' recommended actions are on "
                 "the 'Suggested' sheet to copy from.", None)] if from_round else [])
    lines: list[Line] = [
        *opening_lines(profile, "agreed actions"),
        *carried,
        ("", None),
        ("How to fill in the actions workbook", Font(bold=True, size=13)),
        ("1. After the subgroup has discussed a round's reports, record on the 'Actions' sheet "
         "each action the partnership agreed: one row each. Do not rename the columns.", None),
        ("2. partner: the agency that will act, or 'Partnership' for the partnership as a "
         "whole. measure: the measure the action is meant to move (leave blank if none).", None),
        ("3. owner: a role, not a person's name (for example 'Designated safeguarding lead', "
         "'Head of service, early help'). The reports show the owner, and a name is refused.",
         None),
        ("4. due date: DD/MM/YYYY. status: Open, Done or Dropped (blank counts as Open). An "
         "open action past its due date is reported as overdue.", None),
        ("5. round agreed: the round whose findings the action answers (for example 2026-Q1); "
         "left blank it is taken as the last round before the one it is read with.", None),
        ("6. On the 'Commentary' sheet, write the lead's commentary on the round for each "
         "partner and for the Partnership (leave a row blank for none).", None),
        ("7. Never enter a child's or family's details. Anything that looks like personal "
         "data in the text is replaced with [redacted] before reporting.", None),
        ("8. Run the next round with: qa-audit run ... --actions <this file>. Keep this file "
         "outside the folder of audit returns. Each round folder then holds actions-next.xlsx: "
         "this workbook carried forward for the round after.", None),
    ]
    write_lines(ws, lines)
