"""Sections of scores: headline, comparison, bands, criteria, heatmap, partnership figures,
themes and the trend across rounds.

Each function returns a section's body as HTML (its heading comes from the section list,
:mod:`qa_lib.report.sections.listing`); tables and charts go through the round's
:class:`~qa_lib.report.policy.Policy`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from qa_lib.report import charts
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

CHANGE = "Change since last round"


def partner_headline(data: RoundData, partner: str | None) -> str:
    """Each measure: partner score and band, partnership score and band, cases scored."""
    assert partner is not None, "a partner's section"
    hl = agg.headline(data.scored, data.profile, partner, data.history, data.figures)
    change = (" Change since last round is this round's score minus the partner's score in "
              f"{sorted(data.history['round'].unique())[-1]}." if len(data.history) else "")
    t = Policy.of(data).table(
        hl.drop(columns=["measure"]), f"Headline scores for {partner}, round {data.round_id}",
        bases={"Cases scored": ["Score", "Difference", CHANGE]}, words={"Band": "Cases scored"},
        formatted=["Partnership score"],
        row_header="Measure", band_columns=["Band", "Partnership band"],
        number_columns={"Score": 1, "Cases scored": 0, "Partnership score": 1,
                        "Difference": 1, CHANGE: 1},
        low_flags={"Score": "Low number"}, cls="data headline")
    return (fr.paragraph("Mean measure score out of 100 for this partner's cases, the band "
                         "it falls in, and the same for every partner's cases together. "
                         "Difference is this partner's score minus the partnership's." + change)
            + t + fr.paragraph(fr.LOW_NOTE, "note"))


def partner_comparison(data: RoundData, partner: str | None) -> str:
    """Chart of the partner against the partnership by measure."""
    assert partner is not None, "a partner's section"
    hl = agg.headline(data.scored, data.profile, partner, figures=data.figures)
    hl["Score"] = Policy.of(data).mask(hl["Score"], hl["Cases scored"])  # not drawn if low
    return charts.measure_comparison(hl, partner, data.profile).html()


def bands_section(data: RoundData, partner: str | None) -> str:
    """Band distribution chart and table."""
    who = partner or "the partnership"
    policy = Policy.of(data)
    dist = agg.band_distribution(data.scored, data.profile, partner)
    bands = list(dist.columns)
    return (policy.chart_of_counts(lambda: charts.band_distribution(dist, data.profile, who))
            + policy.table(dist, f"Cases in each band by measure ({who})", index=True,
                           counts=bands, row_header="Measure",
                           number_columns={b: 0 for b in bands}))


def criteria_section(data: RoundData, partner: str | None) -> str:
    """Per measure, each criterion's % Yes / Partly / No / N/A / missing."""
    policy = Policy.of(data)
    cb = agg.criteria_breakdown(data.scored, data.profile, partner)
    out = [fr.paragraph(
        "Share of rows giving each answer. For dated criteria, Yes means the timescale was "
        "met, No that it was missed or is overdue, and N/A that it did not apply or is still "
        "in time.")]
    pct = {c: 1 for c in cb.columns if c.startswith("% ")}
    for m in data.profile.measures:
        sub = cb[cb["measure"] == m.key].drop(columns=["measure", "Measure"])
        out.append(fr.heading(m.name, 3))
        out.append(policy.table(sub, f"{m.name}: answers by criterion "
                                     f"({partner or 'all partners'})",
                                bases={"Rows": list(pct)}, row_header="Criterion",
                                number_columns={**pct, "Weight": 0, "Rows": 0}))
    return "".join(out)


def heatmap_table(data: RoundData, links: dict[str, str] | None = None) -> str:
    """Mean score and band by partner and measure, as a table (partner names optionally linked)."""
    f = data.figures
    hm = agg.heatmap(data.scored, data.profile, figures=f)
    cells = hm.astype(object)
    low = Policy.of(data).lows(agg.heatmap(data.scored, data.profile, value="cases_scored",
                                           figures=f))
    for c in hm.columns:
        cells[c] = [pub.SUPPRESSED if lo else f"{fr.fmt_number(v)} {fr.band_badge(data.profile.band_of(v))}"
                    for v, lo in zip(hm[c], low[c], strict=True)]
    cells = cells.reset_index()
    names = [escape(p) for p in cells["Partner"]]
    if links:
        names = [f'<a href="{escape(links[p], quote=True)}">{escape(p)}</a>' if p in links
                 else escape(p) for p in cells["Partner"]]
    cells["Partner"] = names
    return fr.table(cells, "Mean score and band by partner and measure", row_header="Partner",
                    html_columns=["Partner", *hm.columns], cls="data wide-bands")


def heatmap_section(data: RoundData, partner: str | None = None) -> str:
    """Heatmap of partners by measure, with the same figures as a table."""
    f = data.figures
    hm = agg.heatmap(data.scored, data.profile, figures=f)
    n = agg.heatmap(data.scored, data.profile, value="cases_scored", figures=f)
    chart = charts.heatmap(Policy.of(data).mask(hm, n), data.profile)  # low figures not drawn
    return chart.html() + heatmap_table(data)


def partnership_measures(data: RoundData, partner: str | None = None) -> str:
    """Per partner and measure: cases scored, mean, median, % Good or better, band."""
    policy = Policy.of(data)
    f = data.figures.rename(columns={
        "partner": "Partner", "measure_name": "Measure", "cases_scored": "Cases scored",
        "mean": "Mean", "median": "Median", "pct_good_or_better": "% Good or better",
        "band": "Band of mean"})
    out = []
    for m in data.profile.measures:
        sub = f[f["measure"] == m.key].drop(columns=["measure", "Measure"])
        out.append(fr.heading(m.name, 3))
        out.append(policy.table(
            sub, f"{m.name} by partner",
            bases={"Cases scored": ["Mean", "Median", "% Good or better"]},
            words={"Band of mean": "Cases scored"},
            row_header="Partner", band_columns=["Band of mean"],
            number_columns={"Cases scored": 0, "Mean": 1, "Median": 1, "% Good or better": 1},
            low_flags={"Mean": "low_number"}))
    out.append(fr.paragraph(fr.LOW_NOTE, "note"))
    return "".join(out)


def themes_section(data: RoundData, partner: str | None = None) -> str:
    """Criteria on which most partners are strong, or most need to improve."""
    policy = Policy.of(data)
    th = agg.themes(data.scored, data.profile)
    out = [fr.paragraph(
        "A theme is a criterion on which most partners stand in the same place. A shared area "
        f"for improvement is met in fewer than {agg.WEAK_BELOW:.0f}% of a partner's answered "
        "rows by at least half of the partners answering it; a shared strength is met in "
        f"{agg.STRONG_MIN:.0f}% or more by at least two thirds of them. Met means Yes, or "
        "within the timescale. Partners in the theme names them.")]
    for theme, title in ((agg.SHARED_WEAKNESS, "Shared areas for improvement"),
                         (agg.SHARED_STRENGTH, "Shared strengths")):
        sub = th[th["Theme"] == theme].drop(columns=["Theme"])
        out.append(fr.heading(title, 3))
        # the shares rest on each partner's rows: published, the words stay, not the figures
        out.append(policy.table(sub, f"{title} across partners", withheld=["Partnership % met"],
                                row_header="Criterion",
                                number_columns={"Partners answering": 0,
                                                "Partners in the theme": 0,
                                                "Partnership % met": 1},
                                empty="None in this round."))
    return "".join(out)


def trend_section(data: RoundData, partner: str | None) -> str:
    """Each measure's trend across the earlier rounds of this profile, and last round's actions."""
    who = partner or "the partnership"
    earlier = data.meta.get("history_notes") or []  # earlier rounds left out or different
    said = fr.callout(fr.bullet_list(earlier), "warning", "Earlier rounds.") if earlier else ""
    if not len(data.history):
        return fr.paragraph("This is the first round of this profile in the reports folder, "
                            "so there is no trend yet.") + said
    tr = _trend_shown(data, partner)
    rounds = [c for c in tr.columns if c != CHANGE]
    out = [charts.trend_chart(tr.drop(columns=[CHANGE]), who).html(),
           fr.table(tr.reset_index(), f"Mean score by round ({who})", row_header="Measure",
                    number_columns={**{r: 1 for r in rounds}, CHANGE: 1})]
    out.append(said)
    notes = agg.version_notes(data.history, data.profile.version)
    if notes:
        out.append(fr.callout(fr.bullet_list(
            [*notes, f"This round was scored with version {data.profile.version}; scores "
                     "across versions may not be comparable."]), "warning",
            "Different profile versions."))
    out.append(_last_actions(data, partner))
    return "".join(out)


def _trend_shown(data: RoundData, partner: str | None) -> pd.DataFrame:
    """The trend table with figures resting on suppressed bases missing; the change is
    missing when either of the last two rounds' figures is."""
    args = (data.history, data.scored, data.profile, data.round_id, partner)
    tr = agg.trend(*args, figures=data.figures)
    n = agg.trend(*args, value="cases_scored", figures=data.figures).drop(columns=[CHANGE])
    low = Policy.of(data).lows(n)
    tr = Policy.of(data).mask(tr, n)
    tr.loc[low.iloc[:, -2:].any(axis=1) if low.shape[1] > 1 else low.any(axis=1),
           CHANGE] = float("nan")
    return tr


def _last_actions(data: RoundData, partner: str | None) -> str:
    """What the auditors recommended in the last round, most frequent first."""
    la = data.last_actions
    if not len(la):
        return ""
    who = partner or "the partnership"
    last_round = la["round"].iloc[0]
    if partner:
        la = la[la["partner"] == partner]
    la = la.rename(columns={"case_ref": "Case", "partner": "Partner",
                            "recommended_actions": "Action recommended"})
    counts = la["Action recommended"].value_counts()
    return (fr.heading(f"Actions recommended last round ({last_round})", 3)
            + fr.paragraph(
                "What the auditors recommended in the last round, beside this round's evidence "
                "above: the change in each measure shows whether the actions made a difference.")
            + fr.table(counts.rename_axis("Action recommended").reset_index(name="Cases"),
                       f"Actions recommended in {last_round} ({who}), most frequent first",
                       row_header="Action recommended", number_columns={"Cases": 0})
            + fr.paragraph(f"{len(la)} action(s) recorded on {la['Case'].nunique()} case(s)."))
