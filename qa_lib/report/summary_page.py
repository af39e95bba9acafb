"""The two-page summary of a round, one for each partner and one for the partnership.

A full report prints to many pages; the quality assurance subgroup takes a summary into
the meeting. Each summary is a page of its own in the round folder
(``summary-partnership.html``, ``summary-<partner slug>.html``), rendered without a kernel
from the round's stored data (:class:`~qa_lib.report.round_data.RoundData`) in the toolkit's
page layout, and made to print on at most two sides of A4. It holds:

* key messages: three to five sentences made from the figures;
* each measure against the partnership's own target where the profile sets one
  (``target`` of a measure), otherwise against the profile's band thresholds;
* the change since the last round, marked *within chance* when it is smaller than chance
  alone would move it (:func:`change_test`);
* the partners that returned audits and those that did not;
* the audit lead's commentary (``data.commentary``, from the actions workbook);
* a link to the full report.

Everything goes through the round's publishing policy (:class:`~qa_lib.report.policy.Policy`)
as the report sections do: counts of 1 to 5 and figures resting on them show as ``c``, and
no case-level detail or auditor's free text is shown.
"""

from __future__ import annotations

import math
from enum import StrEnum
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from qa_lib.common.personal_data import redact
from qa_lib.common.vocabulary import score_col
from qa_lib.profile.audit_tool import slugify
from qa_lib.profile.schema import Profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report.policy import Policy
from qa_lib.report.publish import SUPPRESSED
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections.first_screen import missing_partners
from qa_lib.report.wording import count, plural, sentence
from qa_lib.scoring import aggregate as agg

Z_95 = 1.96  # two-sided 95%: a change smaller than this many standard errors is within chance
MIN_CASES_TO_TEST = 20  # fewer cases scored on either side: no test is made
PARTNERSHIP_FILE = "summary-partnership.html"
COMMENTARY_ABOUT_PARTNERSHIP = "Partnership"
NO_COMMENTARY = ("No commentary was recorded: the lead adds it in the actions workbook's "
                 "Commentary sheet.")
METHOD = (f"A change is marked within chance when it is smaller than {Z_95} times the "
          "standard error of the difference between the two rounds' means, treating the two "
          "rounds' case scores as independent samples (the error is the square root of each "
          "round's variance of case scores divided by its cases scored, summed); with fewer "
          f"than {MIN_CASES_TO_TEST} cases scored in either round no test is made.")

# the measures table's columns
MEASURE, CASES, SCORE, BAND = "Measure", "Cases scored", "Score", "Band"
ROWS = "Rows scored"  # the partnership's figures pool one row per case and partner
AGAINST, PARTNERSHIP_SCORE = "Target or next band", "Partnership score"
CHANGE, CHANCE = "Change", "Change against chance"
_CHANGE_BASE = "_change_base"  # the smaller of the two rounds' cases scored (never shown)


class ChangeTest(StrEnum):
    """What the chance test says of a measure's change since the last round."""

    BEYOND = "More than chance"
    WITHIN = "Within chance"
    TOO_FEW = "Too few cases to judge"
    NOT_TESTED = "Not tested"  # the earlier round's history kept no spread of scores
    NO_EARLIER = "No earlier figure"
    NOT_SCORED = "Not scored this round"


def summary_file(partner: str | None) -> str:
    """The summary page's file name in the round folder (``None``: the partnership's)."""
    return PARTNERSHIP_FILE if partner is None else f"summary-{slugify(partner)}.html"


def full_report_file(partner: str | None) -> str:
    """The full report's file name in the round folder (``None``: the partnership's)."""
    return "partnership.html" if partner is None else f"partner-{slugify(partner)}.html"


# --------------------------------------------------------------------------- figures


def spread_figures(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Per partner (and for the partnership, all rows pooled) and measure: the standard
    deviation of the case scores (sample, n - 1; missing below 2 cases). Columns partner,
    measure, sd: the spread the chance test needs, kept in the history of each round."""
    rows = []
    groups = [(p, scored[scored["partner"] == p])
              for p in agg.partner_order(scored["partner"], profile)]
    groups.append((agg.PARTNERSHIP, scored))
    for who, g in groups:
        for m in profile.measures:
            s = g[score_col(m.key)].dropna() if score_col(m.key) in g else pd.Series(dtype=float)
            rows.append({"partner": who, "measure": m.key,
                         "sd": float(s.std(ddof=1)) if s.size >= 2 else np.nan})
    return pd.DataFrame(rows, columns=["partner", "measure", "sd"])


def chance_threshold(sd_now: float, n_now: int, sd_then: float, n_then: int) -> float:
    """The largest change chance alone would move a mean: 1.96 x sqrt(s1²/n1 + s2²/n2)."""
    return Z_95 * math.sqrt(sd_now ** 2 / n_now + sd_then ** 2 / n_then)


def change_test(change: float, sd_now: float, n_now: int, sd_then: float, n_then: int
                ) -> tuple[ChangeTest, float]:
    """The chance test of one change, and its threshold (missing when no test is made)."""
    if change is None or pd.isna(change):
        return ChangeTest.NO_EARLIER, np.nan
    if min(n_now, n_then) < MIN_CASES_TO_TEST:
        return ChangeTest.TOO_FEW, np.nan
    if pd.isna(sd_now) or pd.isna(sd_then):
        return ChangeTest.NOT_TESTED, np.nan
    limit = chance_threshold(sd_now, n_now, sd_then, n_then)
    return (ChangeTest.WITHIN if abs(change) < limit else ChangeTest.BEYOND), limit


def last_round(data: RoundData) -> str | None:
    """The latest earlier round in the history (by period, as the round stored them)."""
    return agg.last_round(data.history)


def measure_rows(data: RoundData, partner: str | None) -> pd.DataFrame:
    """One row per measure for the summary: cases scored, score, band, target, the
    partnership's score, the last round's figures, the change and its chance test."""
    who = partner or agg.PARTNERSHIP
    f = data.figures
    mine = f[f["partner"] == who].set_index("measure")
    allp = f[f["partner"] == agg.PARTNERSHIP].set_index("measure")
    have_rows = data.partner is None or data.partner == partner  # spread needs the rows
    rows_of = data.scored if partner is None else data.scored[data.scored["partner"] == partner]
    spread = spread_figures(rows_of, data.profile) if have_rows else pd.DataFrame(
        columns=["partner", "measure", "sd"])
    sd_now = spread[spread["partner"] == who].set_index("measure")["sd"]
    last = last_round(data)
    then = pd.DataFrame(columns=["mean", "cases_scored", "sd"])
    if last is not None:
        h = data.history
        then = h[(h["round"] == last) & (h["partner"] == who)].set_index("measure")
    out = []
    for m in data.profile.measures:
        n = int(mine.loc[m.key, "cases_scored"]) if m.key in mine.index else 0
        score = float(mine.loc[m.key, "mean"]) if m.key in mine.index and n else np.nan
        sd = float(sd_now.get(m.key, np.nan))
        had = m.key in then.index
        n_then = int(then.loc[m.key, "cases_scored"]) if had else 0
        mean_then = float(then.loc[m.key, "mean"]) if had and n_then else np.nan
        sd_then = float(then.loc[m.key, "sd"]) if had and "sd" in then else np.nan
        change = score - mean_then
        test, limit = change_test(change, sd, n, sd_then, n_then)
        if pd.isna(score):
            test = ChangeTest.NOT_SCORED
        out.append({
            "measure": m.key, MEASURE: m.name, CASES: n, SCORE: score,
            BAND: data.profile.band_of(score), "target": m.target, "sd": sd,
            PARTNERSHIP_SCORE: float(allp.loc[m.key, "mean"]) if m.key in allp.index else np.nan,
            "last_mean": mean_then, "last_cases": n_then, "last_sd": sd_then,
            CHANGE: change, "test": test, "limit": limit,
            _CHANGE_BASE: min(n, n_then) if last is not None else n,
        })
    return pd.DataFrame(out)


def against(score: float, target: float | None, profile: Profile) -> str:
    """A score against its target (where the profile sets one), else against the next band
    up: "4.5 points below the target of 80", "2.1 points below Good (75)"."""
    if score is None or pd.isna(score):
        return "Not scored"
    if target is not None:
        gap = fr.round_half_up(score - target, 1)
        if gap >= 0:
            return f"Target of {target:g} met, by {gap:.1f} points"
        return f"{-gap:.1f} points below the target of {target:g}"
    bands = profile.model.bands
    i = profile.band_names.index(profile.band_of(score))
    if i == 0:
        return f"In the top band ({bands[0].name}, {bands[0].min:g} and above)"
    up = bands[i - 1]
    gap = max(fr.round_half_up(up.min - score, 1), 0.1)  # 74.96 is still below 75
    return f"{gap:.1f} points below {up.name} ({up.min:g})"


# --------------------------------------------------------------------------- sentences


@sentence("summary-missing-partners")
def missing_sentence(n: int, total: int = 12, names: str = "Police") -> str:
    """A key message: the partners in the profile with no case scored this round."""
    return (f"{count(n, 'partner')} of the {total} in the strategy profile returned no case "
            f"scored this round ({names}), so the partnership's figures leave "
            f"{plural(n, 'it', 'them')} out.")


@sentence("summary-rows-left-out")
def left_out_sentence(n: int, suppressed: bool = False) -> str:
    """A key message: rows left out because of errors (``suppressed``: the count is c, and
    the words do not give away whether it is 1)."""
    k = 2 if suppressed else n
    return (f"{SUPPRESSED if suppressed else n} {plural(k, 'row')} {plural(k, 'was')} left out "
            "because of errors, so the figures rest on the remaining rows; the validation "
            "report says why.")


def _counted(policy: Policy, n: int, noun: str) -> str:
    """A count and its noun as the policy shows it: "c cases" (never "c case") when the
    count is suppressed."""
    return f"{policy.count(n)} {plural(2 if policy.low(n) else n, noun)}"


@sentence("summary-above-partnership")
def above_sentence(n: int, total: int = 5, below: int = 1) -> str:
    """A key message: a partner against the partnership, measure by measure (``n`` above,
    ``below`` below, of ``total`` scored)."""
    if n == total:
        return "Above the partnership on every measure scored."
    if below == total:
        return "Below the partnership on every measure scored."
    level = total - n - below
    return (f"Above the partnership on {n} of {count(total, 'measure')} scored, below on "
            f"{below}" + (f", level on {level}." if level else "."))


@sentence("summary-targets-met")
def targets_sentence(n: int, total: int = 3) -> str:
    """A key message: measures meeting the partnership's own target."""
    return f"The target is met on {n} of the {count(total, 'measure')} with a target."


@sentence("summary-partners-returned")
def returned_sentence(n: int) -> str:
    """The heading of the list of partners that returned audits."""
    return f"{count(n, 'partner')} returned audits this round."


def _score_words(row: pd.Series) -> str:
    return f"{row[MEASURE]}, {fr.round_half_up(row[SCORE], 1):.1f} ({row[BAND]})"


def _change_words(row: pd.Series, last: str) -> str:
    ch = fr.round_half_up(row[CHANGE], 1)
    way = "level" if ch == 0 else f"{'up' if ch > 0 else 'down'} {abs(ch):.1f} points"
    test = row["test"]
    if test == ChangeTest.WITHIN:
        verdict = "within what chance alone would move it"
    elif test == ChangeTest.BEYOND:
        verdict = "more than chance alone would move it"
    elif test == ChangeTest.TOO_FEW:
        verdict = "too few cases to judge whether that is more than chance"
    else:
        verdict = "not tested against chance (the earlier round kept no spread of scores)"
    return f"Biggest change since {last}: {row[MEASURE]}, {way}, {verdict}."


def key_messages(data: RoundData, partner: str | None, rows: pd.DataFrame) -> list[str]:
    """Three to five sentences: strongest and weakest measure, the biggest change, targets
    or the partnership, missing partners, and rows left out. Figures resting on a base the
    policy suppresses are never named."""
    policy = Policy.of(data)
    shown = policy.keep(rows, CASES).dropna(subset=[SCORE])
    out: list[str] = []
    if len(shown):
        best, worst = shown.loc[shown[SCORE].idxmax()], shown.loc[shown[SCORE].idxmin()]
        out.append(f"Strongest measure: {_score_words(best)}." if len(shown) == 1 else
                   f"Strongest measure: {_score_words(best)}; weakest: {_score_words(worst)}.")
    elif policy.publishing and rows[SCORE].notna().any():
        out.append("Every score here rests on 1 to 5 cases, so none is given in publishing "
                   "mode.")
    last = last_round(data)
    if last is None:
        out.append("This is the first round of this profile in the reports folder, so there "
                   "is no change to report yet.")
    else:
        moved = policy.keep(rows, _CHANGE_BASE).dropna(subset=[CHANGE])
        if len(moved):
            out.append(_change_words(moved.loc[moved[CHANGE].abs().idxmax()], last))
        elif rows[CHANGE].notna().any():  # every change rests on a suppressed base
            out.append(f"Every change since {last} rests on 1 to 5 cases in one round or "
                       "both, so none is given in publishing mode.")
        else:
            out.append(f"No measure has a figure in both {last} and this round to compare.")
    targeted = shown[shown["target"].notna()]
    if len(targeted):
        met = int((targeted[SCORE].map(lambda v: fr.round_half_up(v, 1))
                   >= targeted["target"]).sum())
        out.append(targets_sentence(met, len(targeted)))
    elif partner is not None:
        diff = (shown[SCORE] - shown[PARTNERSHIP_SCORE]).dropna().map(
            lambda v: fr.round_half_up(v, 1))
        if len(diff):
            out.append(above_sentence(int((diff > 0).sum()), len(diff), int((diff < 0).sum())))
    missing = _missing(data)
    if missing:
        names = ", ".join(m["partner"] for m in missing)
        out.append(missing_sentence(len(missing), len(data.profile.partners), names))
    else:
        out.append("Every partner in the strategy profile returned audits this round.")
    n_out = _rows_left_out(data, partner)
    if n_out:
        out.append(left_out_sentence(n_out, policy.low(n_out)))
    return out[:5]


def _missing(data: RoundData) -> list[dict[str, str]]:
    """The profile's partners with no case scored, with why (as the round stored them)."""
    stored = data.meta.get("missing_partners")
    if stored is not None:
        return list(stored)
    ex = data.excluded
    return missing_partners(data.profile.partners, data.scored["partner"].unique(),
                            ex["partner"].dropna().unique() if "partner" in ex else [],
                            data.meta.get("refused_files", []))


def _rows_left_out(data: RoundData, partner: str | None) -> int:
    ex = data.excluded
    if partner is not None and len(ex) and "partner" in ex:
        ex = ex[ex["partner"] == partner]
    return int(len(ex))


# --------------------------------------------------------------------------- the page


def _measures_table(data: RoundData, partner: str | None, rows: pd.DataFrame) -> str:
    policy = Policy.of(data)
    last = last_round(data)
    t = rows.copy()
    t[AGAINST] = [against(s, tg, data.profile) for s, tg in zip(t[SCORE], t["target"],
                                                                 strict=True)]
    t[CHANCE] = [_chance_cell(test, limit) for test, limit in zip(t["test"], t["limit"],
                                                                   strict=True)]
    cols = [MEASURE, CASES, SCORE, BAND, AGAINST]
    if partner is not None:
        cols.append(PARTNERSHIP_SCORE)
    change_col = f"{CHANGE} since {last}" if last else None
    if change_col:
        t = t.rename(columns={CHANGE: change_col})
        cols += [change_col, CHANCE]
    t["_low"] = t[CASES].between(1, 5)  # the low-number marker, outside publishing mode
    t = t[[*cols, _CHANGE_BASE, "_low"]]
    n = CASES
    if partner is None:
        n = ROWS
        t = t.rename(columns={CASES: ROWS})
    who = partner or "the partnership"
    return policy.table(
        t, f"Each measure for {who}, round {data.round_id}",
        bases={n: [SCORE], **({_CHANGE_BASE: [change_col]} if change_col else {})},
        words={BAND: n, AGAINST: n, **({CHANCE: _CHANGE_BASE} if change_col else {})},
        formatted=[PARTNERSHIP_SCORE], withheld=[_CHANGE_BASE], hide=[_CHANGE_BASE],
        row_header=MEASURE, band_columns=[BAND], html_columns=[CHANCE],
        low_flags={SCORE: "_low"},
        number_columns={n: 0, SCORE: 1, PARTNERSHIP_SCORE: 1,
                        **({change_col: 1} if change_col else {})},
        signed=[change_col] if change_col else (), cls="data summary-measures")


def _chance_cell(test: ChangeTest, limit: float) -> str:
    if test in (ChangeTest.WITHIN, ChangeTest.BEYOND):
        band = f"&plusmn;{fr.round_half_up(limit, 1):.1f}"
        cls = "chance-within" if test == ChangeTest.WITHIN else "chance-beyond"
        return f'<span class="{cls}">{escape(test)} ({band})</span>'
    return f'<span class="missing">{escape(test)}</span>'


def _measures_section(data: RoundData, partner: str | None, rows: pd.DataFrame) -> str:
    bands = ", ".join(f"{b.name} {b.min:g} and above" for b in data.profile.model.bands[:-1])
    lowest = data.profile.model.bands[-1].name
    has_target = any(m.target is not None for m in data.profile.measures)
    intro = ("Mean measure score out of 100, its band, and how far it is from "
             + ("the partnership's own target where the strategy sets one, otherwise from "
                if has_target else "")
             + f"the next band up (bands: {bands}; {lowest} below)."
             + (" The partnership's figures pool every partner's rows, one per case and "
                "partner, so a case audited by three partners counts three times."
                if partner is None else ""))
    out = [fr.heading("Each measure", 2, "measures"), fr.paragraph(intro),
           _measures_table(data, partner, rows)]
    last = last_round(data)
    if last is not None:
        out.append(fr.paragraph(f"Change is this round's score minus the score in {last}. "
                                + METHOD + " The figure in brackets is that limit: the "
                                "largest change chance alone would make.", "note"))
    return "".join(out)


def _partners_section(data: RoundData) -> str:
    policy = Policy.of(data)
    missing = _missing(data)
    gone = {m["partner"] for m in missing}
    f = data.figures
    returned = [p for p in agg.partner_order(f.loc[f["partner"] != agg.PARTNERSHIP, "partner"],
                                             data.profile) if p not in gone]
    cases = data.scored.groupby("partner")["case_ref"].nunique() if data.partner is None \
        else pd.Series(dtype=int)
    items = [f"{escape(p)} ({_counted(policy, int(cases[p]), 'case')})"
             if p in cases.index else escape(p) for p in returned]
    out = [fr.heading("Partners in this round", 2, "partners"),
           fr.paragraph(returned_sentence(len(returned))),
           '<ul class="two-columns">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"]
    if missing:
        by_reason: dict[str, list[str]] = {}
        for m in missing:
            by_reason.setdefault(m["reason"], []).append(m["partner"])
        out.append(fr.paragraph(f"No case scored from {count(len(missing), 'partner')} in the "
                                "strategy profile:"))
        out.append(fr.bullet_list(f"{', '.join(names)}: {reason}."
                                  for reason, names in by_reason.items()))
    else:
        out.append(fr.paragraph("Every partner in the strategy profile returned audits."))
    return "".join(out)


def commentary_for(data: RoundData, partner: str | None) -> list[str]:
    """The lead's commentary on this partner (or the partnership), from the actions
    workbook's Commentary sheet as ``data.commentary`` (about, commentary); each passage
    through the personal-data scan. Empty when none was recorded."""
    table = getattr(data, "commentary", None)
    if not isinstance(table, pd.DataFrame) or table.empty or not {
            "about", "commentary"} <= set(table.columns):
        return []
    about = (partner or COMMENTARY_ABOUT_PARTNERSHIP).strip().casefold()
    mine = table[table["about"].astype(str).str.strip().str.casefold() == about]
    out = []
    for text in mine["commentary"]:
        if isinstance(text, str) and text.strip():
            out.append(redact(text.strip())[0])
    return out


def _commentary_section(data: RoundData, partner: str | None) -> str:
    passages = commentary_for(data, partner)
    body = "".join(fr.paragraph(p) for part in passages for p in part.split("\n") if p.strip())
    return (fr.heading("The audit lead's commentary", 2, "commentary")
            + (f'<div class="card commentary">{body}</div>' if passages
               else fr.paragraph(NO_COMMENTARY)))


def summary_body(data: RoundData, partner: str | None) -> str:
    """The summary page's body (inside the page layout)."""
    policy = Policy.of(data)
    rows = measure_rows(data, partner)
    last = last_round(data)
    if partner is None:
        s = data.scored
        facts = [("Round", data.round_id),
                 ("Cases", policy.count(int(s["case_ref"].nunique()))),
                 ("Case and partner rows scored", policy.count(len(s)))]
    else:
        facts = [("Round", data.round_id), ("Partner agency", partner),
                 ("Cases scored", policy.count(int(data.partner_slice(partner)["case_ref"]
                                                   .nunique())))]
    facts += [("Compared with", last or "no earlier round"),
              ("Strategy profile", f"{data.profile.name}, version {data.profile.version}")]
    full = full_report_file(partner)
    messages = key_messages(data, partner, rows)
    return (
        '<div class="summary">'
        + fr.definition_list(facts) + policy.note_html()
        + '<section class="card key-messages" aria-labelledby="key-messages">'
        + fr.heading("Key messages", 2, "key-messages") + fr.bullet_list(messages)
        + "</section>"
        + _measures_section(data, partner, rows)
        + _partners_section(data)
        + _commentary_section(data, partner)
        + fr.heading("The full report", 2, "full-report")
        + f'<p>Every figure, chart and section is in the <a href="{escape(full, quote=True)}">'
          f"full {'partnership' if partner is None else 'partner'} report</a>"
          f'<span class="print-only"> ({escape(full)} in the round folder)</span>.</p>'
        + "</div>")


def summary_page_html(data: RoundData, partner: str | None) -> str:
    """The whole summary page for ``partner`` (``None`` or "Partnership": the partnership)."""
    if partner == agg.PARTNERSHIP:
        partner = None
    p = data.profile
    heading = (f"Partnership summary, audit round {data.round_id}" if partner is None
               else f"{partner}: summary of audit round {data.round_id}")
    return render.page(f"{heading} ({p.title})", heading, summary_body(data, partner),
                       subheading=f"{p.title}: {p.model.partnership}", back_link="index.html",
                       profile_line=f"profile {p.name} {p.version}")


def write_summary_pages(folder: Path | str, data: RoundData) -> list[str]:
    """Write the partnership's summary and one for each partner with a case scored into
    ``folder``; returns the file names, partnership first. ``data`` holds every partner's
    rows (:func:`~qa_lib.report.round_data.load_round` without ``partner``)."""
    folder = Path(folder)
    with_rows = set(data.scored["partner"])
    partners = [p for p in agg.partners_in_round(data.scored, data.excluded, data.profile)
                if p in with_rows]
    written = []
    for who in [None, *partners]:
        name = summary_file(who)
        (folder / name).write_text(summary_page_html(data, who), encoding="utf-8")
        written.append(name)
    return written
