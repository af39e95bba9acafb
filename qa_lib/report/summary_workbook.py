"""summary.xlsx: the report tables for people who live in Excel, one sheet per view.

Every cell, headers and the Method sheet included, is written through
:func:`qa_lib.common.excel_cells.put`: control characters shown as ``[U+XXXX]``,
formula-like text kept as text. Each sheet is an Excel Table (filter and sort work at
once) with headings in words; a number is a number cell in both modes (a suppressed
figure is the text c, as published). In publishing mode every figure goes through the
same rule as the pages (:class:`~qa_lib.report.policy.Policy`)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from qa_lib.common.excel_cells import put
from qa_lib.profile.schema import GradedTool, Profile
from qa_lib.report import publish as pub
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections.about import DQ_COUNTS
from qa_lib.report.sections.figures import hidden_keys, themes_shown
from qa_lib.report.sections.practice import limits
from qa_lib.report.sections.scorecard import scorecard_sheet
from qa_lib.scoring import aggregate as agg

TIMESCALE_COUNTS = ["Met", "Late", "Overdue", "Still in time"]

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
BAND_FILLS = ["2166AC", "92C5DE", "F4A582", "B2182B"]
BAND_FONTS = ["FFFFFF", "000000", "000000", "FFFFFF"]


MEASURE_HEADINGS = {"partner": "Partner", "measure_name": "Measure",
                    "cases_scored": "Cases scored", "mean": "Mean", "median": "Median",
                    "pct_good_or_better": "% Good or better", "band": "Band of mean",
                    "low_number": "Low number (1 to 5 cases)"}


def heading(col: object) -> str:
    """A column key as a heading in words ("case_ref" -> "Case ref"); words stay as they are."""
    text = str(col)
    if "_" in text and text == text.lower():
        text = text.replace("_", " ").capitalize()
    return text


def _table(ws, name: str, n_cols: int, n_rows: int) -> None:
    """Make the written range an Excel Table named after the sheet."""
    ident = re.sub(r"\W", "", name.title()) or "Sheet"
    ident = ident if ident[0].isalpha() else f"T{ident}"
    ref = f"A1:{get_column_letter(max(1, n_cols))}{max(2, n_rows + 1)}"
    table = Table(displayName=ident[:200], ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)


def _write_sheet(wb: Workbook, name: str, df: pd.DataFrame, profile: Profile,
                 band_cols: tuple[str, ...] = (), index: bool = False) -> None:
    ws = wb.create_sheet(name[:31])
    if index:
        df = df.reset_index()
    df = df.rename(columns=heading)
    band_cols = tuple(heading(c) for c in band_cols)
    cols = list(df.columns)
    for j, c in enumerate(cols, start=1):
        cell = put(ws, 1, j, str(c))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(df.itertuples(index=False), start=2):
        for j, v in enumerate(row, start=1):
            v = pub.number(v)
            if isinstance(v, float) and not pd.isna(v):
                v = round(v, 1)
            put(ws, i, j, v)
    for j, c in enumerate(cols, start=1):
        values = [str(c)] + [str(v) for v in df.iloc[:, j - 1].tolist()[:200]]
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, max(map(len, values)) + 2))
    ws.freeze_panes = "B2"
    if cols:
        _table(ws, name, len(cols), len(df))
    last = len(df) + 1
    for c in band_cols:
        if c not in cols or last < 2:
            continue
        letter = get_column_letter(cols.index(c) + 1)
        if pd.api.types.is_numeric_dtype(df[c]):
            _score_rules(ws, f"{letter}2:{letter}{last}", profile)
            continue
        if not df[c].isin(profile.band_names).any():  # scores among c (published): no colour
            continue
        for k, band in enumerate(profile.band_names):
            fill = PatternFill("solid", fgColor=BAND_FILLS[k % 4], bgColor=BAND_FILLS[k % 4])
            ws.conditional_formatting.add(
                f"{letter}2:{letter}{last}",
                CellIsRule(operator="equal", formula=[f'"{band}"'], fill=fill,
                           font=Font(color=BAND_FONTS[k % 4])))


def _score_rules(ws, rng: str, profile: Profile) -> None:
    upper = 100.0
    for k, b in enumerate(profile.model.bands):
        fill = PatternFill("solid", fgColor=BAND_FILLS[k % 4], bgColor=BAND_FILLS[k % 4])
        ws.conditional_formatting.add(rng, CellIsRule(
            operator="between", formula=[str(b.min), str(upper)], fill=fill,
            font=Font(color=BAND_FONTS[k % 4]), stopIfTrue=True))
        upper = b.min - 1e-9


def write_summary(path: Path, views: dict[str, tuple[pd.DataFrame, tuple[str, ...], bool]],
                  profile: Profile, method: list[tuple[str, str]]) -> Path:
    """Write ``views`` (sheet name -> (table, band columns, keep index)) and a Method sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, (df, bands, index) in views.items():
        _write_sheet(wb, name, df, profile, bands, index)
    ws = wb.create_sheet("Method")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    for j, h in enumerate(("Item", "Detail"), start=1):
        put(ws, 1, j, h).font = Font(bold=True)
    for i, (k, v) in enumerate(method, start=2):
        put(ws, i, 1, k).font = Font(bold=True)
        put(ws, i, 2, v).alignment = Alignment(wrap_text=True)
    _table(ws, "Method", 2, len(method))
    wb.save(path)
    return Path(path)


View = tuple[pd.DataFrame, tuple[str, ...], bool]  # table, band columns, keep the index


def summary_views(data: RoundData, publish: bool = False) -> dict[str, View]:
    """The report tables, one per sheet, through the same publishing policy as the pages
    (:class:`~qa_lib.report.policy.Policy`): in publishing mode small counts and figures
    resting on them are suppressed, and case-level sheets are left out."""
    policy = Policy(publish)
    s, profile = data.scored, data.profile
    figures = data.figures  # written once by the round
    measures = tuple(m.name for m in profile.measures)
    views: dict[str, View] = {}
    if policy.notes:
        views["Notes"] = (pd.DataFrame({"Note": policy.notes}), (), False)
    hm = agg.heatmap(s, profile, figures=figures)
    keys = hidden_keys(policy, figures)
    names = {m.name: m.key for m in profile.measures}
    hidden = pd.DataFrame({c: [(p, names[c]) in keys for p in hm.index] for c in hm.columns},
                          index=hm.index)
    tl = agg.timeliness(s, profile)
    if len(tl):
        tl = tl.assign(Unit=tl["unit"], Limit=limits(tl)).drop(columns=["unit", "limit_value"])
    views.update({
        "Heatmap": (hm.astype(object).mask(hidden, pub.SUPPRESSED) if policy.publishing
                    else hm, measures, True),
        "Measures": (policy.suppress(
            figures.drop(columns=["measure"]),
            bases={"cases_scored": ["mean", "median"]},
            shares={"cases_scored": ["pct_good_or_better"]},
            words={"band": "cases_scored"}, hidden=policy.hidden_figures(figures),
            withheld=["low_number"], sheet=True).rename(columns=MEASURE_HEADINGS),
            ("Band of mean",), False),
        "Criteria": (_criteria(data, policy), (), False),
        "Timeliness": (policy.suppress(tl, counts=TIMESCALE_COUNTS,
                                       bases={("Met", "Late"): ["Median taken"]}, sheet=True),
                       (), False),
        "Data quality": (_data_quality(data, policy), (), False),
    })
    tools = data.tools.T
    tools.index.name = "Partner"
    if len(tools.columns):
        # partners' rows add up to the partnership's, tools' columns to each one's audits
        grid = policy.hidden_counts(data.tools).T  # the pages' answer, partners as rows
        views["Tools used"] = (policy.suppress(
            tools, counts=list(tools.columns), secondary=None,
            hidden={c: grid[c] for c in tools.columns}, sheet=True), (), True)
    for g in profile.graded_tools:  # one sheet per graded tool: its distance travelled
        views[f"Distance travelled ({g.key})"[:31]] = (_distance(data, policy, g), (), False)
    themes = themes_shown(data, policy)
    views["Themes"] = (policy.suppress(themes, withheld=["Partnership % met", "Low number",
                                                         "Answered rows"], sheet=True), (), False)
    scorecard = scorecard_sheet(data, policy)  # only for a profile with indicators
    if len(scorecard):
        views["Strategy scorecard"] = (scorecard, (), False)
    if len(data.history) and policy.shows_cases:  # published rounds have no trend sheet
        views["Trend"] = (_trend(data).reset_index(), (), False)
    if policy.shows_cases:
        views.update(_case_level(data))
    return views


def _criteria(data: RoundData, policy: Policy) -> pd.DataFrame:
    """Each partner's criteria breakdown, then the partnership's."""
    s, profile = data.scored, data.profile
    partners = [p for p in profile.partners if p in set(s["partner"])]
    crit = pd.concat([agg.criteria_breakdown(s, profile, p).assign(Partner=p) for p in partners]
                     + [agg.criteria_breakdown(s, profile).assign(Partner=agg.PARTNERSHIP)],
                     ignore_index=True).drop(columns=["measure"])
    # the partners' rows add up to the partnership's: one partner alone c takes the next
    hidden = policy.hidden_figures(crit, n="Rows", partner="Partner", measure="Criterion")
    return policy.suppress(crit, shares={"Rows": [c for c in crit.columns if c.startswith("% ")]},
                           hidden=hidden, sheet=True)


def _data_quality(data: RoundData, policy: Policy) -> pd.DataFrame:
    """Each partner's data quality: counts about a partner as the page shows them."""
    dq = agg.data_quality(data.scored, data.profile, data.problems, data.excluded)
    missing = dq["Missing answers"].map(policy.low) if len(dq) else pd.Series(dtype=bool)
    return policy.suppress(dq, counts=DQ_COUNTS, secondary="columns",
                           hidden={"% missing": missing}, sheet=True)


def _distance(data: RoundData, policy: Policy, tool: GradedTool) -> pd.DataFrame:
    """A graded tool's distance travelled: each partner's areas, then the partnership's."""
    s, profile = data.scored, data.profile
    partners = [p for p in profile.partners if p in set(s["partner"])]
    dist = pd.concat([agg.distance_travelled(s, tool, p).assign(Partner=p) for p in partners]
                     + [agg.distance_travelled(s, tool).assign(Partner=agg.PARTNERSHIP)],
                     ignore_index=True)
    dist = dist[["Partner", *[c for c in dist.columns if c != "Partner"]]]
    dist.insert(1, "Tool", tool.name)
    # partners' cases add up to the partnership's, in each area: one alone c takes the next
    both = policy.hidden_figures(dist, n="Cases with both grades", partner="Partner",
                                 measure="Area")
    better = policy.hidden_figures(dist, n="Cases improved", partner="Partner", measure="Area")
    improved = both | better | pd.Series([policy.hides(k, n) for k, n in zip(
        dist["Cases improved"], dist["Cases with both grades"], strict=True)], index=dist.index)
    grades = ["Mean first grade", "Mean latest grade", "Mean change"]
    return policy.suppress(dist, counts=["Cases improved"], secondary=None,
                           bases={"Cases with both grades": grades},
                           hidden={"Cases with both grades": both, **{g: both for g in grades},
                                   "Cases improved": improved}, sheet=True)


def _trend(data: RoundData) -> pd.DataFrame:
    """Each partner's trend, then the partnership's."""
    s, profile = data.scored, data.profile
    partners = [p for p in profile.partners if p in set(s["partner"])]
    tr = pd.concat([agg.trend(data.history, s, profile, data.round_id, p, figures=data.figures)
                    .assign(Partner=p) for p in [*partners, None]])
    tr["Partner"] = tr["Partner"].fillna(agg.PARTNERSHIP)
    return tr


def _case_level(data: RoundData) -> dict[str, View]:
    """The sheets that list individual cases (never part of a published round)."""
    s, profile = data.scored, data.profile
    return {
        "Case view": (agg.case_view(s, profile), (), True),
        "Cases apart": (agg.cases_apart(s, profile), (), False),
        "Moderation": (agg.moderation(s, profile), ("Auditor's grade", "Band of case score"),
                       False),
        "Drift": (agg.drift(s, profile), (), False),
        "Child's voice": (agg.child_voices(s)[0], (), False),  # never an unborn child's
        "Recommended actions": (agg.narrative(s, "recommended_actions"), (), False),
    }
