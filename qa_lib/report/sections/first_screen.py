"""Each report's first screen (round facts, warnings, the at-a-glance sentences and the
contents list from the section list), and a whole report's body rendered without a kernel.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import PurePosixPath

import pandas as pd

from qa_lib.profile.audit_tool import slugify
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report import wording
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections.figures import CHANGE, headline_shown, hidden_keys, themes_shown
from qa_lib.report.sections.listing import Scope, scope_of, section_html, sections_for
from qa_lib.scoring import aggregate as agg

ALL_LOW = ("Every figure for this partner rests on 1 to 5 cases, so none is given in "
           "publishing mode.")


def contents_html(scope: Scope) -> str:
    """The contents list of a report: a link to each of its sections, from the section list."""
    items = "".join(f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>'
                    for s in sections_for(scope) if s.in_contents)
    return f'<nav class="contents" aria-label="Contents"><h2>Contents</h2><ul>{items}</ul></nav>'


def partial_round(n: int, partner: bool = False, policy: Policy | None = None) -> str:
    """The partial-round warning's first sentence."""
    policy = policy or Policy()
    shown = policy.counted(n, "row")
    verb = wording.plural(2 if policy.low(n) else n, "was")
    return (f"{shown} {verb} left out of this report because of errors in the returns"
            f"{' of this partner' if partner else ''}. The figures below use the remaining "
            "rows only. The validation report lists every problem and how to fix it.")


def _left_out(data: RoundData, partner: str | None) -> str:
    """The partial-round warning: rows left out because of errors, and files refused. In
    publishing mode the count is c when 1 to 5 and the reasons are listed without counts
    (a row can have several, and together they would tell the total)."""
    policy = Policy.of(data)
    ex = data.excluded
    if partner is not None and len(ex):
        ex = ex[ex["partner"] == partner]
    refused = data.meta.get("refused_files", [])
    if not len(ex) and not refused:
        return ""
    reasons = ex["reasons"].str.split("; ").explode().value_counts() if len(ex) else pd.Series()
    lines = [str(r) if policy.publishing else f"{wording.count(n, 'row')}: {r}"
             for r, n in reasons.head(8).items()]
    body = f"<p><strong>{escape(partial_round(len(ex), partner is not None, policy))}</strong></p>"
    if lines:
        body += fr.bullet_list(lines)
    if refused and partner is None:
        body += f"<p>Files refused whole: {escape(', '.join(refused))}.</p>"
    return fr.callout(body, "warning", "This is a partial round.")


def missing_partners(partners: Iterable[str], scored: Iterable[str], left_out: Iterable[str],
                     refused: list[str]) -> list[dict[str, str]]:
    """The profile's partners with no row scored, each with why: its return refused whole (a
    refused file whose name matches the partner's), every row left out, a refused file that
    may be its return, or no return received."""
    done, dropped = set(scored), set(left_out)
    claimed = {p: [f for f in refused if _names_partner(f, p)] for p in partners}
    unclaimed = [f for f in refused if not any(f in fs for fs in claimed.values())]
    out = []
    for p, files in claimed.items():
        if p in done:
            continue
        if files:
            why = f"its return was refused whole ({', '.join(files)})"
        elif p in dropped:
            why = "every row of its return was left out because of errors"
        elif unclaimed:
            why = f"no row was read for it; its return may be a file refused whole ({', '.join(unclaimed)})"
        else:
            why = "no return was received"
        out.append({"partner": p, "reason": why})
    return out


def _names_partner(file: str, partner: str) -> bool:
    """Whether a file's name (without folders or extension) names the partner."""
    name = PurePosixPath(file).name
    stem = slugify(name.split(".")[0] or name)
    own = slugify(partner)
    return own in stem or (len(stem) >= 4 and stem in own)


def _missing(data: RoundData) -> str:
    """The warning naming the profile's partners missing from the round, and why."""
    missing = data.meta.get("missing_partners")
    if missing is None:  # a round stored before the list was kept
        ex = data.excluded
        missing = missing_partners(
            data.profile.partners, data.scored["partner"].unique(),
            ex["partner"].dropna().unique() if "partner" in ex else [],
            data.meta.get("refused_files", []))
    if not missing:
        return ""
    lines = [f"{m['partner']}: {m['reason']}." for m in missing]
    return fr.callout(f"<p>{escape(partners_missing(len(lines), len(data.profile.partners)))}</p>"
                      + fr.bullet_list(lines), "warning", "Partners missing from this round.")


def partners_missing(n: int, of: int = 8) -> str:
    """The missing partners' warning (a count of partners, not of cases)."""
    return (f"{n} of the {wording.count(of, 'partner')} {wording.plural(n, 'has')} no case "
            "scored in this round, so every figure for the partnership leaves "
            f"{wording.plural(n, 'it', 'them')} out. The validation report lists every file "
            "and what became of it.")


def _profile_line(data: RoundData) -> str:
    p = data.profile
    return f"{p.name}, version {p.version} ({p.model.strategy})"


def partner_first_screen(data: RoundData, partner: str) -> str:
    """Round facts, the partial-round warning (if any) and contents."""
    policy = Policy.of(data)
    f = data.figures
    facts = [
        ("Round", data.round_id),
        ("Partner agency", partner),
        ("Cases scored", pub.SUPPRESSED if any(p == partner for p, _ in hidden_keys(
            policy, f)) else policy.count(data.partner_slice(partner)["case_ref"].nunique())),
        ("Strategy profile", _profile_line(data)),
        ("Partners in the round",
         str(int(f.loc[f["partner"] != agg.PARTNERSHIP, "partner"].nunique()))),
    ]
    return (fr.heading("About this report", 2) + fr.definition_list(facts)
            + _left_out(data, partner) + _missing(data) + policy.note_html()
            + _glance(partner_glance(data, partner)) + contents_html(Scope.PARTNER))


def partnership_first_screen(data: RoundData) -> str:
    """Round facts, partial-round warning and contents for the partnership report."""
    s = data.scored
    policy = Policy.of(data)
    facts = [
        ("Round", data.round_id),
        ("Strategy profile", _profile_line(data)),
        ("Partners", str(s["partner"].nunique())),
        ("Cases", policy.count(s["case_ref"].nunique())),
        ("Case and partner rows scored", policy.count(len(s))),
    ]
    return (fr.heading("About this report", 2) + fr.definition_list(facts)
            + _left_out(data, None) + _missing(data) + policy.note_html()
            + _glance(partnership_glance(data)) + contents_html(Scope.PARTNERSHIP))


def _glance(sentences: list[str]) -> str:
    return (fr.heading("At a glance", 2, "glance") + fr.bullet_list(sentences)) if sentences else ""


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


def _up_down_level(changes: pd.Series) -> tuple[int, int, int]:
    ch = changes.dropna().map(lambda v: fr.round_half_up(v, 1))
    return int((ch > 0).sum()), int((ch < 0).sum()), int((ch == 0).sum())


def against_partnership(up: int, down: int = 0, level: int = 0) -> str:
    """Measures above, below and level with the partnership (counts of measures)."""
    return (f"Above the partnership on {up} of {wording.count(up + down + level, 'measure')}, "
            f"below on {down}, level on {level}.")


def since_last_round(up: int, down: int = 0, level: int = 0, last: str = "2026-Q1") -> str:
    """Measures up, down and level since the last round (counts of measures)."""
    return (f"Since {last}: up on {wording.count(up, 'measure')}, down on {down}, "
            f"level on {level}.")


def flagged_cases(flagged: int, drift: int = 0) -> str:
    """Cases flagged for moderation and drift (shown only outside publishing mode)."""
    return (f"{wording.count(flagged, 'case')} flagged for moderation; "
            f"{wording.count(drift, 'case')} with a drift flag.")


def cases_apart(apart: int, flagged: int = 0) -> str:
    """Cases where partners disagree, audits flagged (shown only outside publishing mode)."""
    return (f"{wording.count(apart, 'case')} where a partner's band is two or more from the "
            "case's median band; "
            f"{wording.count(flagged, 'audit')} flagged for moderation.")


@wording.sentence("more-areas")
def more_areas(n: int) -> str:
    """The tail of the shared areas for improvement sentence."""
    return f", and {n} more"


for _name, _template in (("partial-round", partial_round), ("partners-missing", partners_missing),
                         ("against-partnership", against_partnership),
                         ("since-last-round", since_last_round), ("flagged-cases", flagged_cases),
                         ("cases-apart", cases_apart)):
    wording.sentence(_name)(_template)  # registered, not decorated: typed with all arguments


def partner_glance(data: RoundData, partner: str) -> list[str]:
    """Plain sentences for the first screen: the partner's strongest and weakest measures,
    against the partnership and the last round, and the cases needing a look. In publishing
    mode, a figure is used only where the headline shows it (the one rule), and case counts
    are left out."""
    policy = Policy.of(data)
    hl, masks = headline_shown(data, partner, policy)
    if policy.publishing and bool(masks["Score"].all()):
        return [ALL_LOW]
    out = _best_and_worst(hl[~masks["Score"]], "Strongest measure")
    diff = hl["Difference"].mask(masks["Difference"])
    if diff.notna().any():
        out.append(against_partnership(*_up_down_level(diff)))
    if CHANGE in hl:
        ch = hl[CHANGE].mask(masks[CHANGE])
        if ch.notna().any():
            last = agg.last_round(data.history)
            out.append(since_last_round(*_up_down_level(ch), last=last))
    if policy.shows_cases:
        mine = data.partner_slice(partner)
        drift = int((mine["drift_plan_long"] | mine["drift_review_overdue"]).sum())
        out.append(flagged_cases(int(mine["moderation_flag"].sum()), drift))
    return out


def partnership_glance(data: RoundData) -> list[str]:
    """Plain sentences for the partnership's first screen: strongest and weakest measures,
    partners with a measure in the lowest band, shared areas for improvement, and (outside
    publishing mode) cases where partners disagree or that need moderation. Every figure
    is one the tables show (the one rule)."""
    policy = Policy.of(data)
    f, profile = data.figures, data.profile
    hidden = policy.hidden_figures(f)
    allp = f[(f["partner"] == agg.PARTNERSHIP) & ~hidden].rename(
        columns={"measure_name": "Measure", "mean": "Score", "band": "Band"})
    out = _best_and_worst(allp, "Strongest measure across partners")
    parts = f[(f["partner"] != agg.PARTNERSHIP) & ~hidden]
    lowest = profile.band_names[-1]
    low = list(dict.fromkeys(parts.loc[parts["band"] == lowest, "partner"]))
    out.append(f"Partners with a measure in the lowest band ({lowest}): "
               + (", ".join(low) if low else "none") + ".")
    th = themes_shown(data, policy)
    weak = th[th["Theme"] == agg.SHARED_WEAKNESS]
    if len(weak):
        items = [f"{r['Criterion']} ({r['Question']})"
                 + (f" {fr.LOW_MARK}" if r["Low number"] else "")
                 for _, r in weak.head(3).iterrows()]
        more = more_areas(len(weak) - 3) if len(weak) > 3 else ""
        out.append("Shared areas for improvement: " + "; ".join(items) + more + ".")
        if weak.head(3)["Low number"].any():
            out.append(fr.LOW_NOTE)
    else:
        out.append("No shared area for improvement this round.")
    if policy.shows_cases:
        apart = int(agg.cases_apart(data.scored, profile)["Case"].nunique())
        out.append(cases_apart(apart, int(data.scored["moderation_flag"].sum())))
    return out


def first_screen(data: RoundData, partner: str | None = None) -> str:
    """The first screen of the partner report (for ``partner``, default the partner ``data``
    was loaded for) or of the partnership report."""
    partner = partner if partner is not None else data.partner
    return partnership_first_screen(data) if partner is None else partner_first_screen(
        data, partner)


def show_first_screen(data: RoundData) -> None:
    """Display the first screen in a notebook."""
    from IPython.display import HTML, display

    display(HTML(first_screen(data)))


def report_body(data: RoundData, partner: str | None = None) -> str:
    """A whole report's body, as its notebook shows it, without a kernel: the first screen,
    then every section of the list for the report's scope."""
    partner = partner if partner is not None else data.partner
    return first_screen(data, partner) + "".join(
        section_html(data, s.anchor, partner) for s in sections_for(scope_of(partner)))
