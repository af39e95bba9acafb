"""Sections of scores: headline, comparison, bands, criteria, heatmap, partnership figures,
themes and the trend across rounds.

Each function returns a section's body as HTML (its heading comes from the section list,
:mod:`qa_lib.report.sections.listing`); tables and charts go through the round's
:class:`~qa_lib.report.policy.Policy`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from qa_lib.common.vocabulary import AnswerState, state_col
from qa_lib.report import charts, wording
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

CHANGE = "Change since last round"


def hidden_keys(policy: Policy, figures: pd.DataFrame) -> set[tuple[str, str]]:
    """The (partner, measure) pairs of a round's measure figures shown as c
    (:meth:`Policy.hidden_figures`)."""
    if not len(figures):
        return set()
    hidden = policy.hidden_figures(figures)
    return set(zip(figures.loc[hidden, "partner"], figures.loc[hidden, "measure"], strict=True))


def headline_shown(data: RoundData, partner: str, policy: Policy
                   ) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The partner's headline and, for each figure, the rows where it is c by the one rule:
    the partner's own figures when they rest on 1 to 5 cases (or are the secondary ones);
    the partnership's when the partnership's cases, or the other partners' cases beside
    this partner's, are 1 to 5; the change when last round's figure rested on 1 to 5."""
    hl = agg.headline(data.scored, data.profile, partner, data.history, data.figures)
    f = data.figures
    now = hidden_keys(policy, f)
    allp = f[f["partner"] == agg.PARTNERSHIP].set_index("measure")["cases_scored"]
    mine = hl["measure"].map(lambda m: (partner, m) in now)
    whole = pd.Series([(agg.PARTNERSHIP, m) in now or policy.hides(
        None if me else n, allp.get(m)) for m, n, me in
        zip(hl["measure"], hl["Cases scored"], mine, strict=True)], index=hl.index)
    masks = {"Score": mine, "Band": mine, "Cases scored": mine,
             "Partnership score": whole, "Partnership band": whole,
             "Difference": mine | whole}
    if CHANGE in hl:
        last_round = agg.last_round(data.history)
        before = hidden_keys(policy, data.history[data.history["round"] == last_round])
        masks[CHANGE] = mine | hl["measure"].map(lambda m: (partner, m) in before)
    return hl, masks


def partner_headline(data: RoundData, partner: str | None) -> str:
    """Each measure: partner score and band, partnership score and band, cases scored."""
    assert partner is not None, "a partner's section"
    policy = Policy.of(data)
    hl, masks = headline_shown(data, partner, policy)
    change = (" Change since last round is this round's score minus the partner's score in "
              f"{agg.last_round(data.history)}." if len(data.history) else "")
    t = policy.table(
        hl.drop(columns=["measure"]), f"Headline scores for {partner}, round {data.round_id}",
        bases={"Cases scored": ["Score", "Difference", CHANGE]},
        words={"Band": "Cases scored"}, hidden=masks,
        row_header="Measure", band_columns=["Band", "Partnership band"],
        number_columns={"Score": 1, "Cases scored": 0, "Partnership score": 1,
                        "Difference": 1, CHANGE: 1},
        low_flags={"Score": "Low number"}, cls="data headline")
    return (fr.paragraph("Mean measure score out of 100 for this partner's cases, the band "
                         "it falls in, and the same for every partner's cases together. "
                         "Difference is this partner's score minus the partnership's." + change)
            + t)


def partner_comparison(data: RoundData, partner: str | None) -> str:
    """Chart of the partner against the partnership by measure (a figure shown as c in the
    tables is a c on the chart, with no bar)."""
    assert partner is not None, "a partner's section"
    hl, masks = headline_shown(data, partner, Policy.of(data))
    return charts.measure_comparison(hl, partner, data.profile,
                                     hidden=(masks["Score"], masks["Partnership score"])).html()


def bands_section(data: RoundData, partner: str | None) -> str:
    """Band distribution chart and table (a measure whose figures are c in the headline has
    its counts c too: they add up to its cases)."""
    who = partner or "the partnership"
    policy = Policy.of(data)
    dist = agg.band_distribution(data.scored, data.profile, partner)
    bands = list(dist.columns)
    keys = hidden_keys(policy, data.figures)
    names = {m.name: m.key for m in data.profile.measures}
    gone = pd.Series([(partner or agg.PARTNERSHIP, names.get(m)) in keys for m in dist.index],
                     index=dist.index)
    return (policy.chart_of_counts(lambda: charts.band_distribution(dist, data.profile, who))
            + policy.table(dist, f"Cases in each band by measure ({who})", index=True,
                           counts=bands, hidden={b: gone for b in bands},
                           row_header="Measure", number_columns={b: 0 for b in bands}))


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
                                shares={"Rows": list(pct)}, row_header="Criterion",
                                number_columns={**pct, "Weight": 0, "Rows": 0}))
    return "".join(out)


def _heatmap_hidden(data: RoundData, policy: Policy) -> pd.DataFrame:
    """Partners by measures: True where the heatmap's figure is c (the measures table's rule)."""
    hm = agg.heatmap(data.scored, data.profile, figures=data.figures)
    keys = hidden_keys(policy, data.figures)
    names = {m.name: m.key for m in data.profile.measures}
    return pd.DataFrame({c: [(p, names[c]) in keys for p in hm.index] for c in hm.columns},
                        index=hm.index)


def heatmap_table(data: RoundData, links: dict[str, str] | None = None) -> str:
    """Mean score and band by partner and measure, as a table (partner names optionally linked)."""
    f = data.figures
    hm = agg.heatmap(data.scored, data.profile, figures=f)
    cells = hm.astype(object)
    low = _heatmap_hidden(data, Policy.of(data))
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
    hm = agg.heatmap(data.scored, data.profile, figures=data.figures)
    hidden = _heatmap_hidden(data, Policy.of(data))
    chart = charts.heatmap(hm.mask(hidden), data.profile, hidden=hidden)  # c, not drawn
    return chart.html() + heatmap_table(data)


def partnership_measures(data: RoundData, partner: str | None = None) -> str:
    """Per partner and measure: cases scored, mean, median, % Good or better, band. Where
    a measure has one partner on 1 to 5 cases, the next smallest goes too (the
    partnership's total would reveal it); % Good or better is also c where the cases in
    the band or the rest are 1 to 5, and "k of n" on fewer than 20 cases."""
    policy = Policy.of(data)
    hidden = policy.hidden_figures(data.figures)
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
            bases={"Cases scored": ["Mean", "Median"]},
            shares={"Cases scored": ["% Good or better"]},
            words={"Band of mean": "Cases scored"}, hidden=hidden[sub.index],
            row_header="Partner", band_columns=["Band of mean"],
            number_columns={"Cases scored": 0, "Mean": 1, "Median": 1, "% Good or better": 1},
            low_flags={"Mean": "low_number"}))
    return "".join(out)


def themes_shown(data: RoundData, policy: Policy) -> pd.DataFrame:
    """The round's themes, each with ``Low number``: True when a partner in it rests on 1
    to 5 answered rows (a theme of one case per partner is not a shared finding). In
    publishing mode such themes are left out; outside it they are marked."""
    th = agg.themes(data.scored, data.profile)
    s = data.scored
    keys = list(dict.fromkeys(th["Criterion"]))
    answered = (s[[state_col(k) for k in keys]] == AnswerState.ANSWERED).groupby(
        s["partner"]).sum() if keys else pd.DataFrame()
    low = []
    for crit, partners in zip(th["Criterion"], th["Partners"], strict=True):
        sizes = answered[state_col(crit)]
        who = [p.strip() for p in str(partners).split(",") if p.strip()]
        low.append(any(pub.is_low(sizes.get(p, 0)) for p in who))
    rows = [int(answered[state_col(c)].sum()) for c in th["Criterion"]]
    th = th.assign(**{"Low number": pd.Series(low, index=th.index, dtype=bool),
                      "Answered rows": pd.Series(rows, index=th.index, dtype=int)})
    return th[~th["Low number"]] if policy.publishing else th


@wording.sentence("themes-left-out")
def themes_left_out(n: int) -> str:
    """Under the themes in publishing mode: themes resting on few cases."""
    return (f"{wording.count(n, 'theme')} resting on 1 to 5 answered rows of a partner "
            f"{wording.plural(n, 'is')} left out in publishing mode.")


def themes_section(data: RoundData, partner: str | None = None) -> str:
    """Criteria on which most partners are strong, or most need to improve."""
    policy = Policy.of(data)
    th = themes_shown(data, policy)
    out = [fr.paragraph(
        "A theme is a criterion on which most partners stand in the same place. A shared area "
        f"for improvement is met in fewer than {agg.WEAK_BELOW:.0f}% of a partner's answered "
        "rows by at least half of the partners answering it; a shared strength is met in "
        f"{agg.STRONG_MIN:.0f}% or more by at least two thirds of them. Met means Yes, or "
        "within the timescale. Partners in the theme names them.")]
    marked = bool(th["Low number"].any())
    if marked:  # the mark goes on the partners, who rest on few rows
        th = th.assign(Partners=[f"{p} {fr.LOW_MARK}" if lo else p
                                 for p, lo in zip(th["Partners"], th["Low number"], strict=True)])
    for theme, title in ((agg.SHARED_WEAKNESS, "Shared areas for improvement"),
                         (agg.SHARED_STRENGTH, "Shared strengths")):
        sub = th[th["Theme"] == theme].drop(columns=["Theme", "Low number"])
        # the partnership's share of its answered rows; "k of n" on fewer than 20
        sub = policy.suppress(sub, shares={"Answered rows": ["Partnership % met"]}
                              ).drop(columns=["Answered rows"])
        out.append(fr.heading(title, 3))
        # the shares rest on each partner's rows: published, the words stay, not the figures
        out.append(policy.table(sub, f"{title} across partners", withheld=["Partnership % met"],
                                row_header="Criterion",
                                number_columns={"Partners answering": 0,
                                                "Partners in the theme": 0,
                                                "Partnership % met": 1},
                                empty="None in this round."))
    if policy.publishing:
        gone = len(agg.themes(data.scored, data.profile)) - len(th)
        if gone:
            out.append(fr.paragraph(themes_left_out(gone), "note"))
    out.append(policy.low_note_html(marked))
    return "".join(out)


def trend_section(data: RoundData, partner: str | None) -> str:
    """Each measure's trend across the earlier rounds of this profile."""
    who = partner or "the partnership"
    earlier = data.meta.get("history_notes") or []  # earlier rounds left out or different
    said = fr.callout(fr.bullet_list(earlier), "warning", "Earlier rounds.") if earlier else ""
    if not len(data.history):
        return fr.paragraph("This is the first round of this profile in the reports folder, "
                            "so there is no trend yet.") + said
    tr, hidden = _trend_shown(data, partner)
    rounds = [c for c in tr.columns if c != CHANGE]
    shown = tr.astype(object).mask(hidden, pub.SUPPRESSED)
    out = [charts.trend_chart(tr.drop(columns=[CHANGE]), who,
                              hidden=hidden.drop(columns=[CHANGE])).html(),
           fr.table(shown.reset_index(), f"Mean score by round ({who})", row_header="Measure",
                    number_columns={**{r: 1 for r in rounds}, CHANGE: 1})]
    out.append(said)
    notes = agg.version_notes(data.history, data.profile.version)
    if notes:
        out.append(fr.callout(fr.bullet_list(
            [*notes, f"This round was scored with version {data.profile.version}; scores "
                     "across versions may not be comparable."]), "warning",
            "Different profile versions."))
    return "".join(out)


def _trend_shown(data: RoundData, partner: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trend table and where it is c: each round's figure by that round's rule
    (:meth:`Policy.hidden_figures`), the change where either of the last two rounds' is."""
    policy = Policy.of(data)
    who = partner or agg.PARTNERSHIP
    tr = agg.trend(data.history, data.scored, data.profile, data.round_id, partner,
                   figures=data.figures)
    names = {m.name: m.key for m in data.profile.measures}
    hidden = pd.DataFrame(False, index=tr.index, columns=tr.columns)
    for r in tr.columns:
        if r == CHANGE:
            continue
        f = data.figures if r == data.round_id else data.history[data.history["round"] == r]
        keys = hidden_keys(policy, f)
        hidden[r] = [(who, names[m]) in keys for m in tr.index]
    rounds = [c for c in tr.columns if c != CHANGE]
    hidden[CHANGE] = hidden[rounds[-2:]].any(axis=1) & tr[CHANGE].notna()
    return tr, hidden
