"""Report sections as HTML, one function per section, for the notebooks to display.

Each function takes the round's data (:class:`~qa_lib.report.round_data.RoundData`)
and returns HTML made from :mod:`qa_lib.scoring.aggregate` tables, :mod:`qa_lib.report.charts`
figures and :mod:`qa_lib.report.fragments`, so the notebooks stay thin and every
section can be tested without a kernel.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from qa_lib.report import charts
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

SECTIONS_PARTNER = [
    ("headline", "Headline"), ("comparison", "Against the partnership"),
    ("trend", "Trend across rounds"),
    ("bands", "Cases in each band"), ("criteria", "Criteria in detail"),
    ("timeliness", "Timescales"), ("tools", "Neglect tools used"),
    ("moderation", "Cases flagged for moderation"), ("drift", "Drift"),
    ("voice", "The child's voice"), ("narrative", "What the auditors said"),
    ("data-quality", "Data quality"), ("method", "Method"),
]
SECTIONS_PARTNERSHIP = [
    ("heatmap", "Partners by measure"), ("trend", "Trend across rounds"),
    ("measures", "Partnership figures"),
    ("themes", "Themes across partners"),
    ("case-view", "The multi-agency case view"), ("apart", "Cases where partners disagree"),
    ("moderation", "Cases flagged for moderation"), ("drift", "Drift"),
    ("timeliness", "Timescales"), ("tools", "Neglect tools used"),
    ("data-quality", "Data quality"), ("method", "Method"),
]


def publishing(data: RoundData) -> bool:
    """True when the round was run with --publish."""
    return bool(data.meta.get("publish"))


def _left_out_in_publishing(title: str, anchor: str) -> str:
    return fr.heading(title, 2, anchor) + fr.paragraph(
        "Left out in publishing mode: this section lists individual cases.")


def _publish_note(data: RoundData) -> str:
    return fr.callout(fr.paragraph(pub.NOTE), "info", "Published figures.") if publishing(
        data) else ""


def _contents(sections: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for a, t in sections)
    return f'<nav class="contents" aria-label="Contents"><h2>Contents</h2><ul>{items}</ul></nav>'


def _left_out(data: RoundData, partner: str | None) -> str:
    ex = data.excluded
    if partner is not None and len(ex):
        ex = ex[ex["partner"] == partner]
    refused = data.meta.get("refused_files", [])
    if not len(ex) and not refused:
        return ""
    reasons = ex["reasons"].str.split("; ").explode().value_counts() if len(ex) else pd.Series()
    lines = [f"{n} row{'s' if n != 1 else ''}: {r}" for r, n in reasons.head(8).items()]
    body = (f"<p><strong>{len(ex)} row{'s were' if len(ex) != 1 else ' was'} left out</strong> "
            f"of this report because of errors in the returns"
            f"{' of this partner' if partner else ''}. The figures below use the remaining rows "
            f"only. The validation report lists every problem and how to fix it.</p>")
    if lines:
        body += fr.bullet_list(lines)
    if refused and partner is None:
        body += f"<p>Files refused whole: {escape(', '.join(refused))}.</p>"
    return fr.callout(body, "warning", "This is a partial round.")


def partner_first_screen(data: RoundData, partner: str) -> str:
    """Round facts, the partial-round warning (if any) and contents."""
    mine = data.partner_slice(partner)
    facts = [
        ("Round", data.round_id),
        ("Partner agency", partner),
        ("Cases scored", pub.SUPPRESSED if publishing(data) and pub.is_low(
            mine["case_ref"].nunique()) else f"{mine['case_ref'].nunique()}"),
        ("Strategy profile", f"{data.profile.name}, version {data.profile.version} "
                             f"({data.profile.model.strategy})"),
        ("Partners in the round", str(_partners_in_round(data))),
    ]
    return (fr.heading("About this report", 2) + fr.definition_list(facts)
            + _left_out(data, partner) + _publish_note(data)
            + _glance(partner_glance(data, partner)) + _contents(SECTIONS_PARTNER))


def _score_words(name: str, score: float, band: str | None) -> str:
    return f"{name}, {fr.round_half_up(score, 1):.1f} ({band})"


def _best_and_worst(rows: pd.DataFrame, prefix: str) -> list[str]:
    """'Strongest ...; weakest ...' from rows with Measure, Score and Band (first on ties)."""
    rows = rows.dropna(subset=["Score"])
    if rows.empty:
        return []
    best = rows.loc[rows["Score"].idxmax()]
    worst = rows.loc[rows["Score"].idxmin()]
    if len(rows) == 1:
        return [f"{prefix}: {_score_words(best['Measure'], best['Score'], best['Band'])}."]
    return [f"{prefix}: {_score_words(best['Measure'], best['Score'], best['Band'])}. "
            f"Weakest: {_score_words(worst['Measure'], worst['Score'], worst['Band'])}."]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def partner_glance(data: RoundData, partner: str) -> list[str]:
    """Plain sentences for the first screen: the partner's strongest and weakest measures,
    against the partnership and the last round, and the cases needing a look. In publishing
    mode, figures resting on 1 to 5 cases and case counts are left out."""
    hl = agg.headline(data.scored, data.profile, partner, data.history, data.figures)
    if publishing(data):
        hl = hl[~hl["Cases scored"].map(pub.is_low)]
        if hl.empty:
            return ["Every figure for this partner rests on 1 to 5 cases, so none is given "
                    "in publishing mode."]
    out = _best_and_worst(hl, "Strongest measure")
    diff = hl["Difference"].dropna().map(lambda v: fr.round_half_up(v, 1))
    if len(diff):
        out.append(f"Above the partnership on {int((diff > 0).sum())} of {len(diff)} measures, "
                   f"below on {int((diff < 0).sum())}, level on {int((diff == 0).sum())}.")
    if "Change since last round" in hl:
        ch = hl["Change since last round"].dropna().map(lambda v: fr.round_half_up(v, 1))
        if len(ch):
            last = sorted(data.history["round"].unique())[-1]
            out.append(f"Since {last}: up on {int((ch > 0).sum())} measures, down on "
                       f"{int((ch < 0).sum())}, level on {int((ch == 0).sum())}.")
    if not publishing(data):
        mine = data.partner_slice(partner)
        drift = int((mine["drift_plan_long"] | mine["drift_review_overdue"]).sum())
        out.append(f"{_count(int(mine['moderation_flag'].sum()), 'case', 'cases')} flagged "
                   f"for moderation; {_count(drift, 'case', 'cases')} with a drift flag.")
    return out


def partnership_glance(data: RoundData) -> list[str]:
    """Plain sentences for the partnership's first screen: strongest and weakest measures,
    partners with a measure in the lowest band, shared areas for improvement, and (outside
    publishing mode) cases where partners disagree or that need moderation."""
    f = data.figures
    profile = data.profile
    allp = f[f["partner"] == agg.PARTNERSHIP].rename(
        columns={"measure_name": "Measure", "mean": "Score", "band": "Band"})
    out = _best_and_worst(allp, "Strongest measure across partners")
    parts = f[f["partner"] != agg.PARTNERSHIP]
    if publishing(data):
        parts = parts[~parts["cases_scored"].map(pub.is_low)]
    lowest = profile.band_names[-1]
    low = list(dict.fromkeys(parts.loc[parts["band"] == lowest, "partner"]))
    out.append(f"Partners with a measure in the lowest band ({lowest}): "
               + (", ".join(low) if low else "none") + ".")
    th = agg.themes(data.scored, profile)
    weak = th[th["Theme"] == agg.SHARED_WEAKNESS]
    if len(weak):
        items = [f"{r['Criterion']} ({r['Question']})" for _, r in weak.head(3).iterrows()]
        more = f", and {len(weak) - 3} more" if len(weak) > 3 else ""
        out.append("Shared areas for improvement: " + "; ".join(items) + more + ".")
    else:
        out.append("No shared area for improvement this round.")
    if not publishing(data):
        apart = int(agg.cases_apart(data.scored, profile)["Case"].nunique())
        flagged = int(data.scored["moderation_flag"].sum())
        out.append(f"{_count(apart, 'case', 'cases')} where partners are two or more bands "
                   f"apart; {_count(flagged, 'audit', 'audits')} flagged for moderation.")
    return out


def _glance(sentences: list[str]) -> str:
    return (fr.heading("At a glance", 2, "glance") + fr.bullet_list(sentences)) if sentences else ""


def _partners_in_round(data: RoundData) -> int:
    f = data.figures
    return int(f.loc[f["partner"] != agg.PARTNERSHIP, "partner"].nunique())


def partner_headline(data: RoundData, partner: str) -> str:
    """Each measure: partner score and band, partnership score and band, cases scored."""
    hl = agg.headline(data.scored, data.profile, partner, data.history, data.figures)
    if publishing(data):
        hl = _publish_headline(hl)
    t = fr.table(
        hl.drop(columns=["measure"]), f"Headline scores for {partner}, round {data.round_id}",
        row_header="Measure", band_columns=["Band", "Partnership band"],
        number_columns={"Score": 1, "Cases scored": 0, "Partnership score": 1,
                        "Difference": 1, "Change since last round": 1},
        low_flags={"Score": "Low number"}, cls="data headline")
    change = (" Change since last round is this round's score minus the partner's score in "
              f"{sorted(data.history['round'].unique())[-1]}." if len(data.history) else "")
    return (fr.heading("Headline", 2, "headline")
            + fr.paragraph("Mean measure score out of 100 for this partner's cases, the band "
                           "it falls in, and the same for every partner's cases together. "
                           "Difference is this partner's score minus the partnership's." + change)
            + t + fr.paragraph(fr.LOW_NOTE, "note"))


def _publish_headline(hl: pd.DataFrame) -> pd.DataFrame:
    vals = ["Score", "Difference"] + (["Change since last round"]
                                      if "Change since last round" in hl else [])
    out = pub.suppress_by_base(hl, "Cases scored", vals)
    out.loc[hl["Cases scored"].map(pub.is_low), "Band"] = pub.SUPPRESSED
    out["Partnership score"] = hl["Partnership score"].map(pub.fmt)
    out["Low number"] = False
    return out


def partner_comparison(data: RoundData, partner: str) -> str:
    """Chart of the partner against the partnership by measure."""
    hl = agg.headline(data.scored, data.profile, partner, figures=data.figures)
    if publishing(data):  # a figure resting on 1 to 5 cases is not drawn
        hl.loc[hl["Cases scored"].map(pub.is_low), "Score"] = float("nan")
    chart = charts.measure_comparison(hl, partner, data.profile)
    return fr.heading("Against the partnership", 2, "comparison") + chart.html()


def bands_section(data: RoundData, partner: str | None) -> str:
    """Band distribution chart and table."""
    who = partner or "the partnership"
    dist = agg.band_distribution(data.scored, data.profile, partner)
    if publishing(data):
        shown = pub.suppress_counts(dist, dist.columns)
        return (fr.heading("Cases in each band", 2, "bands")
                + fr.table(shown.reset_index(), f"Cases in each band by measure ({who})",
                           row_header="Measure"))
    chart = charts.band_distribution(dist, data.profile, who)
    return (fr.heading("Cases in each band", 2, "bands") + chart.html()
            + fr.table(dist.reset_index(), f"Cases in each band by measure ({who})",
                       row_header="Measure", number_columns={b: 0 for b in dist.columns}))


def criteria_section(data: RoundData, partner: str | None) -> str:
    """Per measure, each criterion's % Yes / Partly / No / N/A / missing."""
    cb = agg.criteria_breakdown(data.scored, data.profile, partner)
    out = [fr.heading("Criteria in detail", 2, "criteria"), fr.paragraph(
        "Share of rows giving each answer. For dated criteria, Yes means the timescale was "
        "met, No that it was missed or is overdue, and N/A that it did not apply or is still "
        "in time.")]
    pct = {c: 1 for c in cb.columns if c.startswith("% ")}
    if publishing(data):
        cb = pub.suppress_by_base(cb, "Rows", list(pct))
        pct = {}
    for m in data.profile.measures:
        sub = cb[cb["measure"] == m.key].drop(columns=["measure", "Measure"])
        out.append(fr.heading(m.name, 3))
        out.append(fr.table(sub, f"{m.name}: answers by criterion "
                                 f"({partner or 'all partners'})",
                            row_header="Criterion", number_columns={**pct, "Weight": 0,
                                                                    "Rows": 0}))
    return "".join(out)


def timeliness_section(data: RoundData, partner: str | None) -> str:
    """Statutory timescales: chart and table."""
    tl = agg.timeliness(data.scored, data.profile, partner)
    who = partner or "the partnership"
    if tl.empty:
        return fr.heading("Timescales", 2, "timeliness") + fr.paragraph("No dated criteria.")
    shown = tl.drop(columns=["unit", "limit_value"])
    counts = ["Met", "Late", "Overdue", "Still in time"]
    if publishing(data):
        base = tl["Met"] + tl["Late"]
        shown = pub.suppress_counts(shown, counts)
        shown["Median taken"] = [pub.SUPPRESSED if pub.is_low(n) else pub.fmt(v)
                                 for n, v in zip(base, tl["Median taken"], strict=True)]
        chart_html = ""
    else:
        chart_html = charts.timeliness_chart(tl, who).html()
    return (fr.heading("Timescales", 2, "timeliness") + fr.paragraph(
        "Working days exclude weekends and England and Wales bank holidays. Overdue means the "
        "event had not happened and the limit had passed on the audit date; still in time "
        "means it had not happened but the limit had not yet passed (left out of the score).")
        + chart_html
        + fr.table(shown, f"Timescales against statutory limits ({who})", row_header="Criterion",
                   number_columns={"Met": 0, "Late": 0, "Overdue": 0, "Still in time": 0,
                                   "Median taken": 1}))


def tools_section(data: RoundData, partner: str | None) -> str:
    """Which of the strategy's neglect tools the audits name: chart and table."""
    who = partner or "the partnership"
    head = fr.heading("Neglect tools used", 2, "tools")
    if len(data.tools):
        tu = agg.tools_used(data.tools, partner)
    else:  # a round folder from before tools.parquet: no partnership figure if sliced
        counts = agg.tool_counts(data.scored, data.profile)
        tu = agg.tools_used(counts, None if data.partner else partner)
    if tu.empty:
        return head + fr.paragraph("This profile's audit sheet does not record which tool "
                                   "was used.")
    intro = fr.paragraph(
        "The neglect tool named in each audit (one partner's return for one case), from the "
        f"tools of the {data.profile.model.strategy}. {agg.NO_TOOL} counts audits that name "
        "none, for example where the tool-use question was answered No.")
    caption = f"Neglect tools named in the audits ({who})"
    counts = [c for c in tu.columns if "%" not in c]
    if publishing(data):  # counts only, suppressed along each row of the transposed table
        shown = pub.suppress_counts(tu[counts].T, list(tu.index)).T
        return head + intro + fr.table(shown.reset_index(), caption, row_header="Tool")
    numbers = {c: (1 if "%" in c else 0) for c in tu.columns}
    return (head + intro + charts.tools_chart(tu, who).html()
            + fr.table(tu.reset_index(), caption, row_header="Tool", number_columns=numbers))


def moderation_section(data: RoundData, partner: str | None) -> str:
    """Rows whose auditor grade is two or more bands from the case score's band."""
    if publishing(data):
        return _left_out_in_publishing("Cases flagged for moderation", "moderation")
    mod = agg.moderation(data.scored, data.profile, partner)
    if partner:
        mod = mod.drop(columns=["Partner"])
    return (fr.heading("Cases flagged for moderation", 2, "moderation") + fr.paragraph(
        "The auditor's own overall grade is two or more bands away from the band of the case "
        "score. These cases should be discussed at moderation.")
        + fr.table(mod, "Cases flagged for moderation", row_header="Case",
                   band_columns=["Auditor's grade", "Band of case score"],
                   number_columns={"Case score": 1, "Bands apart": 0},
                   empty="No case is flagged."))


def drift_section(data: RoundData, partner: str | None) -> str:
    """Plans open 18 months or more; first reviews overdue (reported, not scored)."""
    if publishing(data):
        return _left_out_in_publishing("Drift", "drift")
    dr = agg.drift(data.scored, data.profile, partner)
    if partner:
        dr = dr.drop(columns=["Partner"])
    months = data.profile.model.drift.plan_months if data.profile.model.drift else 18
    return (fr.heading("Drift", 2, "drift") + fr.paragraph(
        f"Drift flags are reported, not scored: a plan open {months} months or more (at its "
        "end, or at the audit date while open), and a first review conference overdue.")
        + fr.table(dr, "Cases with a drift flag", row_header="Case",
                   number_columns={"Months on plan": 1}, empty="No case has a drift flag."))


def data_quality_section(data: RoundData, partner: str | None) -> str:
    """Rows scored and left out, missing answers, notes, insufficient evidence."""
    dq = agg.data_quality(data.scored, data.profile, data.problems, data.excluded, partner)
    if publishing(data):
        dq = pub.suppress_counts(dq, ["Rows scored", "Rows left out"], secondary=False)
    return (fr.heading("Data quality", 2, "data-quality") + fr.paragraph(
        "Missing answers are blank cells where an answer was expected; they are left out of "
        "scores. A measure with fewer than half of its applicable criteria answered is not "
        "scored (insufficient evidence). Notes are values the toolkit read in a standard "
        "form, such as 'y' read as 'Yes'. Personal details redacted counts the names, dates, "
        "addresses and other identifiers removed from the free text.")
        + fr.table(dq, "Data quality by partner", row_header="Partner",
                   number_columns={"Rows scored": 0, "Rows left out": 0, "Missing answers": 0,
                                   "% missing": 1, "Measures with insufficient evidence": 0,
                                   "Notes (values normalised)": 0,
                                   "Personal details redacted": 0}))


def method_section(data: RoundData) -> str:
    """How a score is made, the profile version and the input hashes."""
    p = data.profile
    bands = ", ".join(f"{b.name} {b.min:g} or more" if b.min else f"{b.name} below "
                      f"{p.model.bands[i - 1].min:g}" for i, b in enumerate(p.model.bands))
    items = [
        "Each criterion is answered Yes (credit 1), Partly (0.5), No (0) or N/A. N/A leaves "
        "the criterion out; a blank is missing: left out of the score and counted against "
        "completeness.",
        "Measure score = 100 x sum(weight x credit) / sum(weight of the answered, applicable "
        "criteria). A measure with fewer than half of its applicable criteria answered is "
        "'insufficient evidence' and not scored.",
        f"Bands: {bands}. Bands are always written as words as well as colours.",
        "Case score = mean of the case's scored measures. A row is flagged for moderation "
        "when the auditor's grade is two or more bands from the band of the case score.",
        "Partner figures are means and medians of measure scores over the partner's cases; "
        "partnership figures pool every row. A figure resting on 1 to 5 cases is marked "
        f"{fr.LOW_MARK}.",
        "Timescales count working days after the start day up to and including the end day "
        "(Monday to Friday, less England and Wales bank holidays). A dated criterion applies "
        "when its start date is present; if the end is absent it fails only when the limit "
        "had passed on the audit date.",
    ]
    files = pd.DataFrame(data.meta.get("inputs", []))
    if len(files):
        files = files[["file", "status", "rows", "sha256"]].rename(columns={
            "file": "File", "status": "Status", "rows": "Rows read", "sha256": "SHA-256"})
    crit = pd.DataFrame([{
        "Criterion": c.key, "Measure": m.name, "Question": c.question, "Weight": c.weight,
        "Answer": "/".join(c.answers) if c.answers else f"computed: {c.rule.function}",
        "Source in the strategy": (f"{c.source.section}: \u201c{c.source.quote}\u201d"
                                   if c.source else "not recorded")}
        for m in p.measures for c in m.criteria])
    return (fr.heading("Method", 2, "method") + fr.bullet_list(items)
            + fr.definition_list([
                ("Strategy profile", f"{p.name}, version {p.version}"),
                ("Strategy", p.model.strategy),
                ("Toolkit version", str(data.meta.get("toolkit_version", ""))),
                ("Audit reference date", str(data.meta.get("today", ""))),
            ])
            + fr.paragraph("Each criterion with the passage of the strategy it comes from, so "
                           "a reader can see why the question is asked.")
            + fr.table(crit, f"Criteria of the profile and their sources in "
                             f"{p.model.strategy}", row_header="Criterion",
                       number_columns={"Weight": 0})
            + fr.table(files, "Input files and their SHA-256 hashes", row_header="File",
                       number_columns={"Rows read": 0}))


# --------------------------------------------------------------------------- partnership


def partnership_first_screen(data: RoundData) -> str:
    """Round facts, partial-round warning and contents for the partnership report."""
    s = data.scored
    facts = [
        ("Round", data.round_id),
        ("Strategy profile", f"{data.profile.name}, version {data.profile.version} "
                             f"({data.profile.model.strategy})"),
        ("Partners", str(s["partner"].nunique())),
        ("Cases", str(s["case_ref"].nunique())),
        ("Case and partner rows scored", str(len(s))),
    ]
    return (fr.heading("About this report", 2) + fr.definition_list(facts)
            + _left_out(data, None) + _publish_note(data)
            + _glance(partnership_glance(data)) + _contents(SECTIONS_PARTNERSHIP))


def heatmap_table(data: RoundData, links: dict[str, str] | None = None) -> str:
    """Mean score and band by partner and measure, as a table (partner names optionally linked)."""
    f = data.figures
    hm = agg.heatmap(data.scored, data.profile, figures=f)
    cells = hm.astype(object)
    n = agg.heatmap(data.scored, data.profile, value="cases_scored", figures=f)
    low = n.map(pub.is_low) if publishing(data) else n.map(lambda _: False)
    for c in hm.columns:
        cells[c] = [pub.SUPPRESSED if lo else
                    f"{fr.fmt_number(v)} {fr.band_badge(data.profile.band_of(v))}"
                    for v, lo in zip(hm[c], low[c], strict=True)]
    cells = cells.reset_index()
    names = [escape(p) for p in cells["Partner"]]
    if links:
        names = [f'<a href="{escape(links[p], quote=True)}">{escape(p)}</a>' if p in links
                 else escape(p) for p in cells["Partner"]]
    cells["Partner"] = names
    return fr.table(cells, "Mean score and band by partner and measure", row_header="Partner",
                    html_columns=["Partner", *hm.columns], cls="data wide-bands")


def heatmap_section(data: RoundData) -> str:
    """Heatmap of partners by measure, with the same figures as a table."""
    f = data.figures
    hm = agg.heatmap(data.scored, data.profile, figures=f)
    if publishing(data):  # figures resting on 1 to 5 cases are not drawn
        n = agg.heatmap(data.scored, data.profile, value="cases_scored", figures=f)
        hm = hm.mask(n.map(pub.is_low))
    chart = charts.heatmap(hm, data.profile)
    return fr.heading("Partners by measure", 2, "heatmap") + chart.html() + heatmap_table(data)


def partnership_measures(data: RoundData) -> str:
    """Per partner and measure: cases scored, mean, median, % Good or better, band."""
    f = data.figures
    f = f.rename(columns={"partner": "Partner", "measure_name": "Measure",
                          "cases_scored": "Cases scored", "mean": "Mean", "median": "Median",
                          "pct_good_or_better": "% Good or better", "band": "Band of mean"})
    out = [fr.heading("Partnership figures", 2, "measures")]
    numbers = {"Cases scored": 0, "Mean": 1, "Median": 1, "% Good or better": 1}
    if publishing(data):
        low = f["Cases scored"].map(pub.is_low)
        f = pub.suppress_by_base(f, "Cases scored", ["Mean", "Median", "% Good or better"])
        f.loc[low, "Band of mean"] = pub.SUPPRESSED
        f["low_number"] = False
        numbers = {}
    for m in data.profile.measures:
        sub = f[f["measure"] == m.key].drop(columns=["measure", "Measure"])
        out.append(fr.heading(m.name, 3))
        out.append(fr.table(sub, f"{m.name} by partner", row_header="Partner",
                            band_columns=[] if publishing(data) else ["Band of mean"],
                            number_columns=numbers,
                            low_flags={"Mean": "low_number"}))
    out.append(fr.paragraph(fr.LOW_NOTE, "note"))
    return "".join(out)


def themes_section(data: RoundData) -> str:
    """Criteria on which most partners are strong, or most need to improve."""
    th = agg.themes(data.scored, data.profile)
    head = fr.heading("Themes across partners", 2, "themes") + fr.paragraph(
        "A theme is a criterion on which most partners stand in the same place. A shared area "
        f"for improvement is met in fewer than {agg.WEAK_BELOW:.0f}% of a partner's answered "
        "rows by at least half of the partners answering it; a shared strength is met in "
        f"{agg.STRONG_MIN:.0f}% or more by at least two thirds of them. Met means Yes, or "
        "within the timescale. Partners in the theme names them.")
    if publishing(data):  # the shares rest on each partner's rows: keep the words, not figures
        th = th.drop(columns=["Partnership % met"])
    out = [head]
    for theme, title in ((agg.SHARED_WEAKNESS, "Shared areas for improvement"),
                         (agg.SHARED_STRENGTH, "Shared strengths")):
        sub = th[th["Theme"] == theme].drop(columns=["Theme"])
        out.append(fr.heading(title, 3))
        out.append(fr.table(sub, f"{title} across partners", row_header="Criterion",
                            number_columns={"Partners answering": 0,
                                            "Partners in the theme": 0,
                                            "Partnership % met": 1},
                            empty="None in this round."))
    return "".join(out)


def case_view_section(data: RoundData) -> str:
    """Each case with every partner's case score side by side."""
    if publishing(data):
        return _left_out_in_publishing("The multi-agency case view", "case-view")
    cv = agg.case_view(data.scored, data.profile).reset_index()
    partners = [c for c in cv.columns if c not in ("Case", "Partners", "Widest band gap")]
    return (fr.heading("The multi-agency case view", 2, "case-view") + fr.paragraph(
        "Every case in the round, with each partner's case score (mean of its scored "
        "measures; a dash where that partner did not audit the case or could not score it). "
        "The widest band gap is the largest distance between partners' "
        "bands on the case score or on any one measure.")
        + fr.table(cv, "Case scores by partner", row_header="Case",
                   number_columns={**{p: 0 for p in partners}, "Partners": 0,
                                   "Widest band gap": 0}))


def apart_section(data: RoundData) -> str:
    """Cases where partners' bands are two or more apart."""
    if publishing(data):
        return _left_out_in_publishing("Cases where partners disagree", "apart")
    ap = agg.cases_apart(data.scored, data.profile)
    return (fr.heading("Cases where partners disagree", 2, "apart") + fr.paragraph(
        "Cases where two partners' bands are two or more apart, on the case score or on a "
        "measure: the subgroup may wish to look at how the agencies see the child differently.")
        + fr.table(ap, "Cases where partners are two or more bands apart", row_header="Case",
                   number_columns={"Bands apart": 0}, empty="No case."))


NARRATIVE = [("strengths", "Strengths"), ("areas_for_improvement", "Areas for improvement"),
             ("recommended_actions", "Recommended actions")]


def narrative_section(data: RoundData, partner: str | None) -> str:
    """What auditors wrote: strengths, areas for improvement, recommended actions (redacted)."""
    if publishing(data):
        return _left_out_in_publishing("What the auditors said", "narrative")
    out = [fr.heading("What the auditors said", 2, "narrative"), fr.paragraph(
        "In the auditors' own words, after the personal-data scan: names, dates, addresses, "
        "phone numbers, e-mail addresses and NHS numbers are replaced with [redacted].")]
    for col, title in NARRATIVE:
        nar = agg.narrative(data.scored, col, partner)
        if partner:
            nar = nar.drop(columns=["Partner"])
        out.append(fr.heading(title, 3))
        out.append(fr.table(nar, f"{title} ({partner or 'all partners'})", row_header="Case",
                            empty="Nothing recorded."))
    return "".join(out)


def child_voice_section(data: RoundData, partner: str | None) -> str:
    """Short redacted quotes of what children said, so their experience is heard."""
    if publishing(data):
        return _left_out_in_publishing("The child's voice", "voice")
    nar = agg.narrative(data.scored, "child_voice_excerpt", partner)
    out = [fr.heading("The child's voice", 2, "voice"), fr.paragraph(
        "What children told the professionals working with them, as recorded by the auditor "
        "(after the personal-data scan). The strategies ask that the child's lived experience "
        "is heard, not only scored.")]
    if nar.empty:
        out.append(fr.paragraph("No excerpt of the child's voice was recorded in this round."))
        return "".join(out)
    items = []
    for _, r in nar.head(12).iterrows():
        who = f"Case {r['Case']}, age band {r['Age band'] or 'not recorded'}"
        if not partner:
            who += f", {r['Partner']}"
        items.append(f'<blockquote class="voice"><p>{escape(r["Text"])}</p>'
                     f"<footer>{escape(who)}</footer></blockquote>")
    out.append("".join(items))
    if len(nar) > 12:
        out.append(fr.paragraph(f"{len(nar) - 12} more excerpts are in summary.xlsx."))
    return "".join(out)


def trend_section(data: RoundData, partner: str | None) -> str:
    """Each measure's trend across the earlier rounds of this profile, and last round's actions."""
    who = partner or "the partnership"
    out = [fr.heading("Trend across rounds", 2, "trend")]
    if not len(data.history):
        out.append(fr.paragraph("This is the first round of this profile in the reports folder, "
                                "so there is no trend yet."))
        return "".join(out)
    tr = agg.trend(data.history, data.scored, data.profile, data.round_id, partner,
                   figures=data.figures)
    if publishing(data):
        n = agg.trend(data.history, data.scored, data.profile, data.round_id, partner,
                      value="cases_scored", figures=data.figures)
        n = n.drop(columns=["Change since last round"])
        low = n.map(pub.is_low)
        tr = tr.mask(low.reindex(columns=tr.columns, fill_value=False))
        tr.loc[low.iloc[:, -2:].any(axis=1) if low.shape[1] > 1 else low.any(axis=1),
               "Change since last round"] = float("nan")
    chart = charts.trend_chart(tr.drop(columns=["Change since last round"]), who)
    rounds = [c for c in tr.columns if c != "Change since last round"]
    notes = agg.version_notes(data.history, data.profile.version)
    out.append(chart.html())
    out.append(fr.table(tr.reset_index(), f"Mean score by round ({who})", row_header="Measure",
                        number_columns={**{r: 1 for r in rounds}, "Change since last round": 1}))
    if notes:
        out.append(fr.callout(fr.bullet_list(
            [*notes, f"This round was scored with version {data.profile.version}; scores "
                     "across versions may not be comparable."]), "warning",
            "Different profile versions."))
    la = data.last_actions
    if len(la):
        last_round = la["round"].iloc[0]
        if partner:
            la = la[la["partner"] == partner]
        la = la.rename(columns={"case_ref": "Case", "partner": "Partner",
                                "recommended_actions": "Action recommended"})
        counts = la["Action recommended"].value_counts()
        out.append(fr.heading(f"Actions recommended last round ({last_round})", 3))
        out.append(fr.paragraph(
            "What the auditors recommended in the last round, beside this round's evidence "
            "above: the change in each measure shows whether the actions made a difference."))
        out.append(fr.table(
            counts.rename_axis("Action recommended").reset_index(name="Cases"),
            f"Actions recommended in {last_round} ({who}), most frequent first",
            row_header="Action recommended", number_columns={"Cases": 0}))
        out.append(fr.paragraph(f"{len(la)} action(s) recorded on {la['Case'].nunique()} "
                                f"case(s)."))
    return "".join(out)


def distance_travelled_section(data: RoundData, partner: str | None) -> str:
    """Graded Care Profile 2 first and latest grades: the distance travelled (if recorded)."""
    dt_ = agg.distance_travelled(data.scored, partner)
    if dt_.empty:
        return ""
    who = partner or "all partners"
    numbers = {"Cases with both grades": 0, "Mean first grade": 1, "Mean latest grade": 1,
               "Mean change": 1, "Cases improved": 0}
    if publishing(data):
        dt_ = pub.suppress_by_base(dt_, "Cases with both grades",
                                   ["Mean first grade", "Mean latest grade", "Mean change"])
        dt_ = pub.suppress_counts(dt_, ["Cases improved"], secondary=False)
        numbers = {}
    return (fr.heading("Graded Care Profile 2: distance travelled", 2, "gcp2") + fr.paragraph(
        "Where the Graded Care Profile 2 was used, its first and latest grades for each area "
        "(1 best to 5 worst). A negative change means care improved.")
        + fr.table(dt_, f"Graded Care Profile 2 grades, first and latest ({who})",
                   row_header="Area", number_columns=numbers,
                   signed=("Mean change",)))
