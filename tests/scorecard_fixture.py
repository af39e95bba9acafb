"""Helpers for the strategy scorecard tests: the tests' Halton profile with indicators (one of
them computed), a scorecard filled as the performance team would, and a round's stored data
built with a scorecard, without any kernel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import yaml

from conftest import HALTON_V1, TODAY
from qa_lib.profile.schema import Profile, load_profile
from qa_lib.profile.scorecard_tool import SHEET, write_scorecard
from qa_lib.report.round_data import RoundData
from qa_lib.run import folder as round_folder
from qa_lib.run.manifest import Timer
from qa_lib.run.options import RoundOptions
from qa_lib.run.publish_copy import as_published
from qa_lib.run.round import check, score_rows, store

_SOURCE = {"section": "Measuring success", "quote": "We will know we are making a difference"}

INDICATORS = [
    {"key": "cp_long", "name": "Child protection plans of 18 months or more",
     "source": _SOURCE, "direction": "lower", "unit": "percent",
     "numerator": "child protection plans audited that lasted 18 months or more",
     "denominator": "child protection plans audited with a start date", "target": 10,
     "computed": {"function": "shorter_than_calendar_months", "start": "plan_start_date",
                  "end": "plan_end_date", "limit": 18,
                  "params": {"column": "plan_type", "values": ["Child Protection"]}}},
    {"key": "rereferrals", "name": "Re-referrals within 12 months", "source": _SOURCE,
     "direction": "lower", "unit": "percent",
     "numerator": "referrals within 12 months of a previous referral",
     "denominator": "referrals in the period", "baseline": 22, "target": 18},
    {"key": "ehas", "name": "Early help assessments completed", "source": _SOURCE,
     "direction": "higher", "unit": "count",
     "numerator": "early help assessments completed in the period", "target": 100},
    {"key": "cp_rate", "name": "Children on a child protection plan", "source": _SOURCE,
     "direction": "lower", "unit": "rate",
     "numerator": "children on a child protection plan at the end of the period",
     "denominator": "children aged 0 to 17 living in the area"},
    {"key": "days_to_plan", "name": "Days from referral to plan", "source": _SOURCE,
     "direction": "lower", "unit": "days",
     "numerator": "mean days from referral to the start of a plan"},
]


def halton_with_indicators(folder: Path, indicators: list[dict] | None = None) -> Profile:
    """The tests' frozen Halton profile with ``indicators`` (default INDICATORS), saved in
    ``folder`` and loaded."""
    raw = yaml.safe_load(Path(HALTON_V1).read_text(encoding="utf-8"))
    raw["indicators"] = INDICATORS if indicators is None else indicators
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "halton-indicators.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_profile(path)


def fill_scorecard(profile: Profile, path: Path, figures: dict[str, dict[str, object]],
                   extra_rows: list[dict[str, object]] = ()) -> Path:
    """The profile's scorecard template with ``figures`` (key -> numerator, denominator,
    value) typed into its rows, and ``extra_rows`` (column -> value) added below, saved at
    ``path``."""
    template = write_scorecard(profile, path.parent / "blank-scorecard.xlsx")
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET]
    header = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        key = row[header["key"] - 1].value
        for name, v in figures.get(key, {}).items():
            ws.cell(row=row[0].row, column=header[name], value=v)
    for extra in extra_rows:
        r = ws.max_row + 1
        for name, v in extra.items():
            ws.cell(row=r, column=header[name], value=v)
    wb.save(path)
    template.unlink()
    return path


def round_with_scorecard(profile: Profile, inputs: Path, out: Path, round_id: str,
                         indicators: Path | None, *, publish: bool = False,
                         today: dt.date = TODAY, period: dt.date | None = None) -> RoundData:
    """A round's stored data built with a scorecard, as conftest.build_round_data does."""
    opts = RoundOptions.build(profile, round_id, inputs, out, today=today,
                              jobs=1, period=period, indicators=indicators)
    tmp = round_folder.start(opts, lambda s: None)
    timer = Timer()
    checked = check(opts, tmp, timer, lambda s: None)
    data = store(opts, tmp, checked, score_rows(checked, profile, timer), timer)
    tmp.rename(opts.final)
    return as_published(data) if publish else data
