"""The strategy scorecard workbook, generated from a profile's ``indicators``.

A profile's indicators are the measures its strategy says it will monitor (the share of
child protection plans lasting 18 months or more, re-referrals, ...). Those the toolkit
cannot work out from the case rows are filled in each period by the performance team on
the scorecard workbook written here (``qa-audit template --indicators --profile P``):

* ``Scorecard``: one row per indicator to fill, with its key, name, what is counted and out
  of what, unit, which way is good, baseline and target, and three input cells: numerator
  and denominator (for a percentage or a rate), or the value;
* ``Instructions``: how to fill it, and the indicators worked out from the audit returns
  (nothing to enter for those).

The reader is :mod:`qa_lib.ingest.scorecard`; the round uses the figures for the
partnership report's *Strategy scorecard* section. This module also holds what both ends
share: the columns, how a value is worked out from its numerator and denominator, and the
checks of a profile's indicators.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from qa_lib.profile.schema import Indicator, Profile
from qa_lib.profile.workbook_look import HEADER_FILL, Line, opening_lines, write_lines

SHEET = "Scorecard"
RATE_PER = 10_000  # a rate is per 10,000 (children), as published children's social care rates
# The scorecard's columns: (header, width). Headers are what the reader matches (by their
# lower-case form with _ for spaces): key, numerator, denominator, value; the others are
# there for the person filling it in and are never read back.
COLUMNS = (("key", 14), ("indicator", 40), ("what is counted", 40), ("out of what", 34),
           ("unit", 10), ("good when", 11), ("baseline", 10), ("target", 10),
           ("numerator", 12), ("denominator", 13), ("value", 10))
INPUTS = ("numerator", "denominator", "value")
WITH_DENOMINATOR = ("percent", "rate")  # units worked out from a numerator and denominator
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # a cell to fill in
UNUSED_FILL = PatternFill("solid", fgColor="D9D9D9")  # not used for this unit
UNIT_WORDS = {"percent": "%", "count": "count", "number": "number", "days": "days",
              "rate": f"per {RATE_PER:,}"}
COMPUTABLE_UNITS = ("percent", "count")  # a computed indicator counts cases


def fillable(profile: Profile) -> tuple[Indicator, ...]:
    """The indicators the performance team fills in (every one not computed)."""
    return tuple(i for i in profile.model.indicators if i.computed is None)


def computed(profile: Profile) -> tuple[Indicator, ...]:
    """The indicators worked out from the case rows."""
    return tuple(i for i in profile.model.indicators if i.computed is not None)


def worked_out(unit: str, numerator: float, denominator: float) -> float | None:
    """A percentage (100 x n / d) or a rate (per 10,000) from its numerator and denominator;
    None when the denominator is 0 (nothing to count: not available)."""
    if not denominator:
        return None
    return (100.0 if unit == "percent" else float(RATE_PER)) * numerator / denominator


def check_indicators(profile: Profile) -> list[str]:
    """What is wrong with a profile's indicators, as sentences (empty when sound): keys used
    twice, and computed indicators whose rule is not registered, names columns the audit
    sheet does not have, or whose unit is not a share or count of cases."""
    from qa_lib.profile import computed as rules  # the registry of computed criteria

    out: list[str] = []
    keys = [i.key for i in profile.model.indicators]
    out += [f"indicator key '{k}' is used twice" for k in sorted({k for k in keys
                                                                   if keys.count(k) > 1})]
    columns = set(profile.column_map)
    for ind in computed(profile):
        rule = ind.computed
        assert rule is not None
        if rule.function not in rules.REGISTRY:
            out.append(f"indicator {ind.key}: no computed rule called '{rule.function}' is "
                       f"registered (known: {', '.join(sorted(rules.REGISTRY))})")
        named = [rule.start, rule.end, *rule.applies_when_any]
        col = (rule.params or {}).get("column")
        named += [col] if isinstance(col, str) else []
        for c in named:
            if c is not None and c not in columns:
                out.append(f"indicator {ind.key}: '{c}' is not a column of the audit sheet")
        if ind.unit not in COMPUTABLE_UNITS:
            out.append(f"indicator {ind.key}: a computed indicator counts cases, so its unit "
                       f"must be one of {', '.join(COMPUTABLE_UNITS)}, not '{ind.unit}'")
    return out


def scorecard_name(profile: Profile) -> str:
    """The default file name of a profile's scorecard workbook."""
    return f"{profile.name}-strategy-scorecard.xlsx"


def write_scorecard(profile: Profile, out: Path | str) -> Path:
    """Write the profile's scorecard workbook to ``out`` (a file, or a folder for the default
    name). Raises ValueError when the profile has no indicators or they are unsound."""
    out = Path(out)
    if out.is_dir() or not out.suffix:
        out = out / scorecard_name(profile)
    wb = build_scorecard(profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def unusable(profile: Profile) -> str | None:
    """Why the profile can have no scorecard (no indicators, or unsound ones), or None."""
    if not profile.model.indicators:
        return f"The '{profile.name}' profile has no indicators, so it has no strategy scorecard"
    problems = check_indicators(profile)
    if problems:
        return f"The '{profile.name}' profile's indicators are not sound: " + "; ".join(problems)
    return None


def build_scorecard(profile: Profile) -> Workbook:
    """The scorecard workbook (not yet saved): Instructions, then the Scorecard sheet."""
    why = unusable(profile)
    if why:
        raise ValueError(why + ".")
    wb = Workbook()
    _instructions(wb.active, profile)
    ws = wb.create_sheet(SHEET)
    for j, (head, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=j, value=head)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    figures = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="A number of 0 or more",
                             error="Enter a number of 0 or more, or leave the cell blank.")
    ws.add_data_validation(figures)
    first_input = [h for h, _ in COLUMNS].index("numerator") + 1
    for r, ind in enumerate(fillable(profile), start=2):
        shown = (ind.key, ind.name, ind.numerator, ind.denominator or "",
                 UNIT_WORDS[ind.unit], ind.direction, ind.baseline, ind.target)
        for j, v in enumerate(shown, start=1):
            cell = ws.cell(row=r, column=j, value=v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(v, str):
                cell.number_format = "@"
        for j, name in enumerate(INPUTS, start=first_input):
            cell = ws.cell(row=r, column=j)
            used = name == "value" or ind.unit in WITH_DENOMINATOR
            cell.fill = INPUT_FILL if used else UNUSED_FILL
            cell.number_format = "0" if name != "value" else "0.0"
            if used:
                figures.add(cell.coordinate)
    ws.freeze_panes = "C2"
    wb.properties.title = f"{profile.title} strategy scorecard"
    wb.properties.creator = "qa-audit"
    wb.move_sheet(SHEET, offset=-1)  # the sheet to fill opens first
    wb.active = 0
    return wb


def _instructions(ws, profile: Profile) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 120
    lines: list[Line] = [
        *opening_lines(profile, "strategy scorecard"),
        ("", None),
        ("How to fill in the scorecard", Font(bold=True, size=13)),
        ("1. One workbook for each audit round: the figures for the period the round covers. "
         "Fill in the yellow cells of the 'Scorecard' sheet; do not rename its columns or "
         "change the keys.", None),
        ("2. For a percentage (unit %) or a rate (per 10,000), enter the numerator (what is "
         "counted) and the denominator (what it is out of) as whole numbers; the toolkit works "
         "out the value. If you only have the figure itself, enter it as the value instead "
         "(12.5 for 12.5%).", None),
        ("3. For a count, a number or a number of days, enter the value (grey cells are not "
         "used).", None),
        ("4. Leave a row blank if the figure is not known this period: the report shows it as "
         "not available.", None),
        ("5. Enter figures only, never a child's details.", None),
        ("6. The audit lead runs the round with: qa-audit run ... --indicators <this file>. "
         "Keep this file outside the folder of audit returns.", None),
        ("", None),
    ]
    auto = computed(profile)
    if auto:
        lines.append(("Worked out from the audit returns (nothing to enter)",
                      Font(bold=True, size=13)))
        for ind in auto:
            out_of = f" out of {ind.denominator}" if ind.denominator else ""
            lines.append((f"{ind.key}: {ind.name} ({ind.numerator}{out_of}).", None))
    write_lines(ws, lines)
