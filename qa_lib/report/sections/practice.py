"""Sections on practice: statutory timescales, the neglect tools used, and the distance
travelled on each graded tool the profile lists.

Each function returns a section's body as HTML (its heading comes from the section list);
tables and charts go through the round's :class:`~qa_lib.report.policy.Policy`.
"""

from __future__ import annotations

import pandas as pd

from qa_lib.profile.schema import GradedTool
from qa_lib.report import charts, wording
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report.policy import Policy, of_words
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

TIMESCALE_COUNTS = ["Met", "Late", "Overdue", "Still in time"]


def timeliness_section(data: RoundData, partner: str | None) -> str:
    """Statutory timescales: chart and table."""
    tl = agg.timeliness(data.scored, data.profile, partner)
    who = partner or "the partnership"
    if tl.empty:
        return fr.paragraph("No dated criteria.")
    policy = Policy.of(data)
    return (fr.paragraph(
        "Working days exclude weekends and England and Wales bank holidays. Overdue means the "
        "event had not happened and the limit had passed on the audit date; still in time "
        "means it had not happened but the limit had not yet passed (left out of the score). "
        "Median taken is the median time from start to end where the event happened.")
        + policy.chart_of_counts(lambda: charts.timeliness_chart(tl, who))
        + policy.table(with_units(tl), f"Timescales against statutory limits ({who})",
                       counts=TIMESCALE_COUNTS, bases={("Met", "Late"): ["Median taken"]},
                       row_header="Criterion",
                       number_columns={c: 0 for c in TIMESCALE_COUNTS}))


def taken_words(v: float, unit: str) -> str:
    """A median time taken with its unit: "85 days", "4.5 working days"."""
    if pd.isna(v):
        return pub.NOT_AVAILABLE
    return wording.count(fr.round_half_up(float(v), 1), unit.removesuffix("s"))


def with_units(tl: pd.DataFrame) -> pd.DataFrame:
    """The timeliness table as shown: the median time taken with its unit, the unit's
    helper columns dropped."""
    return tl.assign(**{"Median taken": [taken_words(v, u) for v, u in
                                         zip(tl["Median taken"], tl["unit"], strict=True)],
                        "Limit": limits(tl)}).drop(columns=["unit", "limit_value"])


def limits(tl: pd.DataFrame) -> list[str]:
    """Each timescale's limit in words: "1 working day", "3 calendar months"."""
    out = []
    for text, v in zip(tl["Limit"], tl["limit_value"], strict=True):
        unit = str(text).split(" ", 1)[1] if " " in str(text) else ""
        out.append(wording.count(v, unit.removesuffix("s")) if unit and pd.notna(v)
                   else str(text))
    return out


def tools_section(data: RoundData, partner: str | None) -> str:
    """Which of the strategy's neglect tools the audits name: chart and table."""
    who = partner or "the partnership"
    if len(data.tools):
        tu = agg.tools_used(data.tools, partner)
    else:  # a round folder from before tools.parquet: no partnership figure if sliced
        counts = agg.tool_counts(data.scored, data.profile)
        tu = agg.tools_used(counts, None if data.partner else partner)
    if tu.empty:
        return fr.paragraph("This profile's audit sheet does not record which tool was used.")
    policy = Policy.of(data)
    shares = [c for c in tu.columns if "%" in c]
    return (fr.paragraph(
        "The neglect tool named in each audit (one partner's return for one case), from the "
        f"tools of the {data.profile.model.strategy}. {agg.NO_TOOL} counts audits that name "
        "none, for example where the tool-use question was answered No.")
        + policy.chart_of_counts(lambda: charts.tools_chart(tu, who))
        # published: counts only, each column suppressed down its tools (the column's total,
        # the audits, would reveal a lone suppressed count)
        + policy.table(_shares_in_words(tu), f"Neglect tools named in the audits ({who})",
                       index=True,
                       counts=[c for c in tu.columns if c not in shares], secondary="columns",
                       hidden=_tools_hidden(data, tu, partner, policy),
                       withheld=shares, row_header="Tool",
                       number_columns={c: (1 if c in shares else 0) for c in tu.columns}))


def _tools_hidden(data: RoundData, tu: pd.DataFrame, partner: str | None, policy: Policy
                  ) -> dict[str, pd.Series]:
    """The counts of the tools table that are c in the grid of every partner's counts
    (:meth:`Policy.hidden_counts`), so this page and the others never differ."""
    if not len(data.tools):
        return {}
    grid = policy.hidden_counts(data.tools).reindex(tu.index, fill_value=False)
    out = {}
    for col, who in (("Audits", partner or agg.PARTNERSHIP),
                     ("Partnership audits", agg.PARTNERSHIP)):
        if col in tu and who in grid:
            out[col] = grid[who].astype(bool)
    return out


def _shares_in_words(tu: pd.DataFrame) -> pd.DataFrame:
    """The tools table with each share of fewer than 20 audits as "k of n" (the audits are
    its column's total)."""
    out = tu.copy()
    for share, counts in (("% of audits", "Audits"),
                          ("Partnership % of audits", "Partnership audits")):
        if share in tu and counts in tu:
            total = tu[counts].sum()
            out[share] = pd.Series([of_words(p, total) for p in tu[share]], index=tu.index,
                                   dtype=object)
    return out


def distance_travelled_section(data: RoundData, partner: str | None,
                               tool: GradedTool) -> str:
    """A graded tool's first and latest grades in each area: the distance travelled (the
    section is written once for each of the profile's graded tools)."""
    dt_ = agg.distance_travelled(data.scored, tool, partner)
    better = "negative" if tool.lower_is_better else "positive"
    words = fr.paragraph(
        f"Where the {tool.name} was used, its first and latest grades for each area "
        f"({tool.scale}). A {better} change means care improved.")
    if not dt_["Cases with both grades"].any():
        return words + fr.paragraph(
            f"No audit{' from ' + partner if partner else ''} recorded both a first and a latest "
            f"{tool.name} grade in any area.")
    grades = ["Mean first grade", "Mean latest grade", "Mean change"]
    policy = Policy.of(data)
    # cases improved of those with both grades: c by the one rule (the rest 1 to 5 too)
    improved = pd.Series([policy.hides(k, n) for k, n in
                          zip(dt_["Cases improved"], dt_["Cases with both grades"], strict=True)],
                         index=dt_.index)
    return words + policy.table(
        dt_, f"{tool.name} grades, first and latest ({partner or 'all partners'})",
        bases={"Cases with both grades": grades}, counts=["Cases improved"], secondary=None,
        hidden={"Cases improved": improved},
        row_header="Area", number_columns={"Cases with both grades": 0, **{g: 1 for g in grades},
                                           "Cases improved": 0},
        signed=("Mean change",))
