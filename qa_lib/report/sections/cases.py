"""Case-level sections: the case view, cases apart, moderation, drift, the child's voice and
what the auditors said.

Each lists individual cases, so each is flagged ``case_level`` in the section list and the
publishing policy leaves it out of a published round; the functions here only say what a
section shows when it is shown.
"""

from __future__ import annotations

from html import escape

from qa_lib.report import fragments as fr
from qa_lib.report import wording
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

NARRATIVE = [("strengths", "Strengths"), ("areas_for_improvement", "Areas for improvement"),
             ("recommended_actions", "Recommended actions")]
VOICE_SHOWN = 12  # excerpts on the page; the rest are in summary.xlsx


def case_view_section(data: RoundData, partner: str | None = None) -> str:
    """Each case with every partner's case score side by side."""
    cv = agg.case_view(data.scored, data.profile).reset_index()
    partners = [c for c in cv.columns if c not in ("Case", "Partners", "Widest band gap")]
    return (fr.paragraph(
        "Every case in the round, with each partner's case score (mean of its scored "
        "measures; a dash where that partner did not audit the case or could not score it). "
        "The widest band gap is the largest distance between partners' "
        "bands on the case score or on any one measure.")
        + fr.table(cv, "Case scores by partner", row_header="Case",
                   number_columns={**{p: 0 for p in partners}, "Partners": 0,
                                   "Widest band gap": 0}))


APART_RULE = ("A case is listed when one partner's band for the case is two or more bands "
              "from the median of all its partners' bands (with an even number of partners, "
              "halfway between the two middle bands), naming that partner, its band and the "
              "median band.")


def apart_cases(n: int, total: int | None = None) -> str:
    """How many cases the rule picks out (of ``total`` cases banded by two or more partners)."""
    of = "" if total is None else f" of the {wording.count(total, 'case')} seen by two or more partners"
    if n == 0:
        return f"No case{of} has a partner standing apart."
    said = wording.count(n, "case") if total is None else f"{n:,}"
    children = wording.plural(n, "this child", "these children")
    return (f"{said}{of} {wording.plural(n, 'has', 'have')} a partner standing apart: the "
            f"subgroup may wish to discuss why the agencies see {children} so differently.")


wording.sentence("apart-cases")(apart_cases)  # registered as a template of its one count


def apart_section(data: RoundData, partner: str | None = None) -> str:
    """Cases where one partner's band stands two or more bands from the case's median band."""
    ap = agg.cases_apart(data.scored, data.profile)
    ap["Bands from the median"] = ap["Bands from the median"].map(lambda v: f"{v:g}")
    banded = data.scored.dropna(subset=["case_band"]).groupby("case_ref")["partner"].nunique()
    return (fr.paragraph(APART_RULE)
            + fr.paragraph(apart_cases(int(ap["Case"].nunique()), int((banded >= 2).sum())))
            + fr.table(ap, "Partners standing two or more bands from the case's median band",
                       row_header="Case", band_columns=["Partner's band"],
                       number_columns={"Partners": 0},
                       empty="No case."))


def moderation_section(data: RoundData, partner: str | None) -> str:
    """Rows whose auditor grade is two or more bands from the case score's band."""
    mod = agg.moderation(data.scored, data.profile, partner)
    if partner:
        mod = mod.drop(columns=["Partner"])
    return (fr.paragraph(
        "The auditor's own overall grade is two or more bands away from the band of the case "
        "score. These cases should be discussed at moderation.")
        + fr.table(mod, "Cases flagged for moderation", row_header="Case",
                   band_columns=["Auditor's grade", "Band of case score"],
                   number_columns={"Case score": 1, "Bands apart": 0},
                   empty="No case is flagged."))


def drift_section(data: RoundData, partner: str | None) -> str:
    """Plans open 18 months or more; first reviews overdue (reported, not scored)."""
    dr = agg.drift(data.scored, data.profile, partner)
    if partner:
        dr = dr.drop(columns=["Partner"])
    d = data.profile.model.drift
    if d is not None and d.plan_months is not None:
        which = f"a {' or '.join(d.plan_types)} plan" if d.plan_types else "a plan"
        said = (f"Drift flags are reported, not scored: {which} open {d.plan_months} months or "
                "more (at its end, or at the audit date while open), as the strategy "
                "monitors, and a first review conference overdue.")
    else:
        said = ("Drift flags are reported, not scored: a first review conference overdue. The "
                "strategy names no limit on how long a plan may run, so none is flagged.")
    return (fr.paragraph(said)
        + fr.table(dr, "Cases with a drift flag", row_header="Case",
                   number_columns={"Months on plan": 1}, empty="No case has a drift flag."))


def narrative_section(data: RoundData, partner: str | None) -> str:
    """What auditors wrote: strengths, areas for improvement, recommended actions (redacted)."""
    out = [fr.paragraph(
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


@wording.sentence("unborn-voice")
def unborn_voice(n: int) -> str:
    """Why excerpts recorded for an unborn child are not quoted."""
    return (f"{wording.count(n, 'excerpt')} recorded for an unborn child {wording.plural(n, 'is')} "
            "left out: an unborn child cannot speak, so the words are probably a parent's, or "
            "the age band is out of date (the validation report notes each one).")


@wording.sentence("more-voices")
def more_voices(n: int) -> str:
    """The excerpts not shown on the page."""
    return f"{wording.count(n, 'more excerpt')} {wording.plural(n, 'is', 'are')} in summary.xlsx."


def child_voice_section(data: RoundData, partner: str | None) -> str:
    """Short redacted quotes of what children said, so their experience is heard; never for an
    unborn child (the words cannot be the child's: validation notes them)."""
    nar, unborn = agg.child_voices(data.scored, partner)
    out = [fr.paragraph(
        "What children told the professionals working with them, as recorded by the auditor "
        "(after the personal-data scan). The strategies ask that the child's lived experience "
        "is heard, not only scored.")]
    if unborn:
        out.append(fr.paragraph(unborn_voice(unborn)))
    if nar.empty:
        out.append(fr.paragraph("No excerpt of the child's voice was recorded in this round."))
        return "".join(out)
    for _, r in nar.head(VOICE_SHOWN).iterrows():
        who = f"Case {r['Case']}, age band {r['Age band'] or 'not recorded'}"
        if not partner:
            who += f", {r['Partner']}"
        out.append(f'<blockquote class="voice"><p>{escape(r["Text"])}</p>'
                   f"<footer>{escape(who)}</footer></blockquote>")
    if len(nar) > VOICE_SHOWN:
        out.append(fr.paragraph(more_voices(len(nar) - VOICE_SHOWN)))
    return "".join(out)
