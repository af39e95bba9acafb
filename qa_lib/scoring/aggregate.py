"""Partner and partnership figures from the scored table.

Every function takes the scored table (one row per case and partner) and the
profile and returns a plain DataFrame, so notebooks, the Excel summary and tests
all see the same numbers.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from qa_lib.common.vocabulary import (
    AnswerState,
    MeasureStatus,
    Severity,
    TimescaleStatus,
    band_col,
    credit_col,
    elapsed_col,
    mstatus_col,
    score_col,
    state_col,
    status_col,
)
from qa_lib.profile.schema import AGE_BANDS, GradedTool, Profile
from qa_lib.scoring.score import band_index, bands_of

PARTNERSHIP = "Partnership"
LOW_NUMBER_MAX = 5  # a figure resting on 1 to 5 cases carries a low-number marker


def _good_or_better(profile: Profile) -> set[str]:
    names = profile.band_names
    return set(names[: max(1, len(names) - 2)])  # Outstanding and Good in the default bands


def partner_order(partners: pd.Series, profile: Profile) -> list[str]:
    """The partners present, in the profile's order, then any others alphabetically."""
    present = set(partners.dropna())
    return ([p for p in profile.partners if p in present]
            + sorted(present - set(profile.partners)))


def measure_figures(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Per partner and per measure, and for the whole partnership: cases scored, mean,
    median, % Good or better, band of the mean, low-number marker."""
    good = _good_or_better(profile)
    rows = []
    groups = [(p, scored[scored["partner"] == p]) for p in partner_order(scored["partner"], profile)]
    groups.append((PARTNERSHIP, scored))
    for who, g in groups:
        for m in profile.measures:
            s = g[score_col(m.key)].dropna()
            n = int(s.size)
            rows.append({
                "partner": who, "measure": m.key, "measure_name": m.name, "cases_scored": n,
                "mean": float(s.mean()) if n else np.nan,
                "median": float(s.median()) if n else np.nan,
                "pct_good_or_better": (100.0 * g.loc[s.index, band_col(m.key)].isin(good).mean()
                                       if n else np.nan),
                "low_number": 1 <= n <= LOW_NUMBER_MAX,
            })
    out = pd.DataFrame(rows)
    out["band"] = bands_of(out["mean"], profile).to_numpy()
    return out


def rounds_in_order(history: pd.DataFrame) -> list[str]:
    """The earlier rounds in a history table, oldest period first: the order the round
    stored them in (never by name, where Q4-2026 sorts after Q1-2027)."""
    return [str(r) for r in dict.fromkeys(history["round"])] if len(history) else []


def last_round(history: pd.DataFrame) -> str | None:
    """The latest earlier round in a history table (by period), None without one."""
    rounds = rounds_in_order(history)
    return rounds[-1] if rounds else None


def headline(scored: pd.DataFrame, profile: Profile, partner: str,
             history: pd.DataFrame | None = None,
             figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each measure: the partner's score and band, the partnership's, cases scored, and the
    change since the last round (when an earlier round of the same profile exists).
    ``figures`` (from :func:`measure_figures` over the whole round) lets ``scored`` be the
    partner's rows only."""
    f = figures if figures is not None and len(figures) else measure_figures(scored, profile)
    last = None
    if history is not None and len(history):
        lr = last_round(history)
        last = history[(history["round"] == lr) & (history["partner"] == partner)].set_index(
            "measure")["mean"]
    mine = f[f["partner"] == partner].set_index("measure")
    allp = f[f["partner"] == PARTNERSHIP].set_index("measure")
    rows = []
    for m in profile.measures:
        me = cast(pd.Series, mine.loc[m.key]) if m.key in mine.index else None  # one row
        rows.append({
            "measure": m.key,
            "Measure": m.name,
            "Score": me["mean"] if me is not None else np.nan,
            "Band": me["band"] if me is not None else None,
            "Cases scored": int(me["cases_scored"]) if me is not None else 0,
            "Low number": bool(me["low_number"]) if me is not None else False,
            "Partnership score": allp.loc[m.key, "mean"],
            "Partnership band": allp.loc[m.key, "band"],
            "Difference": (me["mean"] - allp.loc[m.key, "mean"]) if me is not None else np.nan,
        })
        if last is not None:
            prev = last.get(m.key, np.nan)
            rows[-1]["Change since last round"] = (me["mean"] - prev) if me is not None else np.nan
    return pd.DataFrame(rows)


def heatmap(scored: pd.DataFrame, profile: Profile, value: str = "mean",
            figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Partners (rows) by measures (columns): mean measure score (or another figure of
    :func:`measure_figures`, such as ``cases_scored``), partnership last. ``figures``, when
    already computed for the round, saves computing them again."""
    f = figures if figures is not None and len(figures) else measure_figures(scored, profile)
    piv = f.pivot(index="partner", columns="measure", values=value)
    order = [p for p in profile.partners if p in piv.index]
    order += [p for p in piv.index if p not in order and p != PARTNERSHIP] + [PARTNERSHIP]
    piv = piv.reindex(index=order, columns=[m.key for m in profile.measures])
    piv.columns = [m.name for m in profile.measures]
    piv.index.name = "Partner"
    return piv


def criteria_breakdown(scored: pd.DataFrame, profile: Profile,
                       partner: str | None = None) -> pd.DataFrame:
    """Per criterion: how many rows, and % Yes / Partly / No / N/A / missing.

    For dated criteria Yes = within the limit, No = late or overdue, N/A = not
    applicable or still in time.
    """
    g = scored if partner is None else scored[scored["partner"] == partner]
    n = len(g)
    rows = []
    for m in profile.measures:
        for c in m.criteria:
            st = g[state_col(c.key)]
            cr = g[credit_col(c.key)]
            counts = {
                "Yes": int(((st == AnswerState.ANSWERED) & (cr == 1.0)).sum()),
                "Partly": int(((st == AnswerState.ANSWERED) & (cr > 0) & (cr < 1)).sum()),
                "No": int(((st == AnswerState.ANSWERED) & (cr == 0.0)).sum()),
                "N/A": int((st == AnswerState.NOT_APPLICABLE).sum()),
                "Missing": int((st == AnswerState.MISSING).sum()),
            }
            row = {"measure": m.key, "Measure": m.name, "Criterion": c.key,
                   "Question": c.question, "Weight": c.weight, "Rows": n}
            for k, v in counts.items():
                row[f"% {k}"] = 100.0 * v / n if n else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


STRONG_MIN, WEAK_BELOW = 75.0, 50.0  # % of answered rows met: strong at or above, weak below
SHARED_STRENGTH, SHARED_WEAKNESS = "Shared strength", "Shared area for improvement"


def themes(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Criteria on which most partners stand in the same place: the partnership's themes.

    For each criterion and partner, the share of answered rows met (Yes, or within the
    timescale). A *shared strength* is a criterion met in 75% or more of rows by at least two
    thirds of the partners answering it; a *shared area for improvement* one met in fewer
    than 50% of rows by at least half of them. At least two partners must have answered it.
    Areas for improvement come first, then strengths, each by the partnership's share met.
    """
    cols = ["Theme", "Measure", "Criterion", "Question", "Partners answering",
            "Partners in the theme", "Partnership % met", "Partners"]
    rows = []
    partners = scored["partner"].to_numpy()
    for m in profile.measures:
        for c in m.criteria:
            answered = (scored[state_col(c.key)] == AnswerState.ANSWERED).to_numpy()
            met = answered & (scored[credit_col(c.key)].to_numpy(dtype=float) == 1.0)
            by = pd.DataFrame({"partner": partners[answered], "met": met[answered]})
            if by["partner"].nunique() < 2:
                continue
            pct = 100.0 * by.groupby("partner", sort=False)["met"].mean()
            n, overall = len(pct), 100.0 * by["met"].mean()
            for theme, who, share in ((SHARED_WEAKNESS, pct[pct < WEAK_BELOW], 1 / 2),
                                      (SHARED_STRENGTH, pct[pct >= STRONG_MIN], 2 / 3)):
                if len(who) >= max(2, share * n - 1e-9):
                    order = [p for p in profile.partners if p in who.index]
                    rows.append({"Theme": theme, "Measure": m.name, "Criterion": c.key,
                                 "Question": c.question, "Partners answering": n,
                                 "Partners in the theme": len(who),
                                 "Partnership % met": overall,
                                 "Partners": ", ".join(order)})
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    out["_t"] = (out["Theme"] == SHARED_STRENGTH).astype(int)
    out["_k"] = np.where(out["_t"] == 1, -out["Partnership % met"], out["Partnership % met"])
    return out.sort_values(["_t", "_k"], kind="stable").drop(columns=["_t", "_k"]
                                                               ).reset_index(drop=True)


NO_TOOL = "No tool named"


def tool_column(profile: Profile) -> str | None:
    """The audit sheet's column naming the neglect tool used (its choices are the profile's
    tools), or None when the profile has none."""
    return next((x.key for x in profile.model.extra_columns if x.choices_from == "tools"), None)


def tool_counts(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Audits (one partner's return for one case) naming each of the profile's neglect tools,
    or none ("No tool named"): tools by rows, each partner and the partnership by columns.
    Empty when the profile's audit sheet does not record the tool."""
    col = tool_column(profile)
    if col is None or col not in scored:
        return pd.DataFrame()
    names = pd.Index([*profile.tools, NO_TOOL], name="Tool")
    text = scored[col].astype(object)
    named = text.where(text.notna() & (text.astype(str).str.strip() != ""), NO_TOOL)
    counts = pd.crosstab(named, scored["partner"]).reindex(index=names, fill_value=0)
    counts = counts.reindex(columns=partner_order(scored["partner"], profile),
                            fill_value=0).astype(int)
    counts[PARTNERSHIP] = counts.sum(axis=1)
    counts.columns.name = None
    return counts


def tools_used(counts: pd.DataFrame, partner: str | None = None) -> pd.DataFrame:
    """From :func:`tool_counts`: each tool's audits and share of audits for the partner (if
    given) beside the partnership's, or the partnership's alone."""
    if counts.empty:
        return pd.DataFrame(columns=["Audits", "% of audits"], index=pd.Index([], name="Tool"))

    def share(n: pd.Series) -> pd.Series:
        total = int(n.sum())
        return 100.0 * n / total if total else n * np.nan

    allp = counts[PARTNERSHIP]
    out = pd.DataFrame(index=counts.index)
    if partner is not None:
        mine = counts[partner] if partner in counts else allp * 0
        out["Audits"] = mine
        out["% of audits"] = share(mine)
        out["Partnership audits"] = allp
        out["Partnership % of audits"] = share(allp)
    else:
        out["Audits"] = allp
        out["% of audits"] = share(allp)
    return out


def timeliness(scored: pd.DataFrame, profile: Profile, partner: str | None = None
               ) -> pd.DataFrame:
    """Per dated criterion: the limit, cases that applied, met, late, overdue, in time,
    and the median time taken."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    rows = []
    for c in profile.criteria.values():
        if c.rule is None or not (c.rule.start and c.rule.end) or status_col(c.key) not in g:
            continue  # only rules over a start and an end date are timescales
        st = g[status_col(c.key)]
        unit = "working days" if "working" in c.rule.function else (
            "calendar months" if "month" in c.rule.function else "")
        el = g[elapsed_col(c.key)] if elapsed_col(c.key) in g else pd.Series(dtype=float)
        done = el[st.isin([TimescaleStatus.MET, TimescaleStatus.LATE])]
        rows.append({
            "Criterion": c.key, "Question": c.question,
            "Limit": f"{c.rule.limit:g} {unit}".strip() if c.rule.limit is not None else "",
            "Met": int((st == TimescaleStatus.MET).sum()),
            "Late": int((st == TimescaleStatus.LATE).sum()),
            "Overdue": int((st == TimescaleStatus.OVERDUE).sum()),
            "Still in time": int((st == TimescaleStatus.IN_TIME).sum()),
            "Median taken": float(done.median()) if len(done) else np.nan,
            "unit": "working days" if "working" in c.rule.function else "days",
            "limit_value": c.rule.limit,
        })
    return pd.DataFrame(rows)


def moderation(scored: pd.DataFrame, profile: Profile, partner: str | None = None
               ) -> pd.DataFrame:
    """Rows whose auditor grade is two or more bands from the band of the case score."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    g = g[g["moderation_flag"]]
    out = g[["case_ref", "partner", "overall_grade", "case_score", "case_band", "grade_gap"]]
    out = out.rename(columns={
        "case_ref": "Case", "partner": "Partner", "overall_grade": "Auditor's grade",
        "case_score": "Case score", "case_band": "Band of case score",
        "grade_gap": "Bands apart"})
    return out.sort_values(["Partner", "Case"]).reset_index(drop=True)


def drift(scored: pd.DataFrame, profile: Profile, partner: str | None = None) -> pd.DataFrame:
    """Rows with a drift flag: a plan open longer than the profile's limit (where its
    strategy names one), or first review overdue."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    g = g[g["drift_plan_long"] | g["drift_review_overdue"]]
    months = profile.model.drift.plan_months if profile.model.drift else None
    columns = {
        "Case": g["case_ref"], "Partner": g["partner"], "Plan type": g["plan_type"],
        "Months on plan": g["plan_months_open"],
        f"Plan {months}+ months": g["drift_plan_long"].map({True: "Yes", False: "No"}),
        "First review overdue": g["drift_review_overdue"].map({True: "Yes", False: "No"}),
    }
    if months is None:  # the strategy names no limit on a plan's length
        columns.pop(f"Plan {months}+ months")
    out = pd.DataFrame(columns)
    return out.sort_values(["Partner", "Case"]).reset_index(drop=True)


def _band_positions(scored: pd.DataFrame, col: str, profile: Profile) -> np.ndarray:
    """Position of each row's band in ``col`` (best = 0), NaN where there is no band."""
    return band_index(scored[col], profile).to_numpy(dtype=float, na_value=np.nan)


def case_view(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Each case with every partner's case score side by side, and how far apart the
    partners' bands are (largest gap over the case score and each measure)."""
    piv = scored.pivot_table(index="case_ref", columns="partner", values="case_score",
                             aggfunc="first")
    order = [p for p in profile.partners if p in piv.columns]
    # every case, including one no partner could score (a row of blanks)
    piv = piv.reindex(index=sorted(scored["case_ref"].unique()), columns=order)
    gaps = []
    for col in ["case_band"] + [band_col(m.key) for m in profile.measures]:
        g = pd.Series(_band_positions(scored, col, profile)).groupby(
            scored["case_ref"].to_numpy(), sort=True)
        gaps.append(g.max() - g.min())  # NaN for a case with no band; 0 with one
    widest = pd.concat(gaps, axis=1).max(axis=1).fillna(0.0)
    piv["Partners"] = scored.groupby("case_ref")["partner"].nunique()
    piv["Widest band gap"] = widest
    piv.index.name = "Case"
    return piv


APART_BANDS = 2  # a partner this many bands or more from the case's median band stands apart


def _median_band(median: float, names: list[str]) -> str:
    """The name of a median band position: a band, or "between X and Y" halfway."""
    lo, hi = int(np.floor(median)), int(np.ceil(median))
    return names[lo] if lo == hi else f"between {names[lo]} and {names[hi]}"


def cases_apart(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Partners whose case band stands two or more bands from the case's median band.

    For each case with a case band from two or more partners: the median of their band
    positions in the profile's band order (for an even number of partners, halfway between
    the two middle positions), so the rule is the same read from the best band or from the
    worst. One row per partner two or more bands from it: the case, how many partners banded
    it, the median band, the partner, its band and its distance from the median (a half where
    the median lies between two bands). Two partners alone are never listed with four bands:
    each is half their gap from the median."""
    cols = ["Case", "Partners", "Median band", "Partner", "Partner's band",
            "Bands from the median"]
    sub = scored[["case_ref", "partner", "case_band"]].dropna()
    sub = sub.assign(_pos=_band_positions(sub, "case_band", profile)).dropna(subset=["_pos"])
    if sub.empty:
        return pd.DataFrame(columns=cols)
    g = sub.groupby("case_ref")["_pos"]
    sub = sub.assign(_n=g.transform("size"), _median=g.transform("median"))
    sub["_gap"] = (sub["_pos"] - sub["_median"]).abs()
    far = sub[(sub["_n"] >= 2) & (sub["_gap"] >= APART_BANDS)]
    order = {p: i for i, p in enumerate(partner_order(sub["partner"], profile))}
    far = far.assign(_order=far["partner"].map(order)).sort_values(["case_ref", "_order"])
    names = list(profile.band_names)
    out = pd.DataFrame({
        "Case": far["case_ref"], "Partners": far["_n"].astype(int),
        "Median band": [_median_band(m, names) for m in far["_median"]],
        "Partner": far["partner"], "Partner's band": far["case_band"],
        "Bands from the median": far["_gap"].astype(float)}, columns=cols)
    return out.reset_index(drop=True)


def band_distribution(scored: pd.DataFrame, profile: Profile, partner: str | None = None
                      ) -> pd.DataFrame:
    """Measures (rows) by bands (columns): number of cases in each band."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    rows = {}
    for m in profile.measures:
        counts = g[band_col(m.key)].value_counts()
        rows[m.name] = [int(counts.get(b, 0)) for b in profile.band_names]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(profile.band_names))
    out.index.name = "Measure"
    return out


def data_quality(scored: pd.DataFrame, profile: Profile, problems: pd.DataFrame,
                 excluded: pd.DataFrame, partner: str | None = None) -> pd.DataFrame:
    """One row per partner: rows scored and left out, missing answers, notes, measures with
    insufficient evidence."""
    partners = [partner] if partner else sorted(
        set(scored["partner"].dropna()) | set(excluded.get("partner", pd.Series()).dropna()))
    answer_keys = [c.key for c in profile.criteria.values() if c.rule is None]
    rows = []
    for p in partners:
        g = scored[scored["partner"] == p]
        st = g[[state_col(k) for k in answer_keys]]
        missing = int((st == AnswerState.MISSING).to_numpy().sum())
        applicable = int(((st == AnswerState.MISSING) | (st == AnswerState.ANSWERED)).to_numpy().sum())
        insuff = int(sum((g[mstatus_col(m.key)] == MeasureStatus.INSUFFICIENT).sum()
                         for m in profile.measures))
        pp = problems[problems["partner"] == p] if len(problems) else problems
        rows.append({
            "Partner": p,
            "Rows scored": len(g),
            "Rows left out": int((excluded["partner"] == p).sum()) if len(excluded) else 0,
            "Missing answers": missing,
            "% missing": 100.0 * missing / applicable if applicable else np.nan,
            "Measures with insufficient evidence": insuff,
            "Notes (values normalised)": int((pp["severity"] == Severity.NOTE).sum()) if len(pp) else 0,
            "Personal details redacted": int(g["redactions"].sum()) if "redactions" in g else 0,
        })
    return pd.DataFrame(rows)


def partners_in_round(scored: pd.DataFrame, excluded: pd.DataFrame, profile: Profile
                      ) -> list[str]:
    """Partners with at least one row read, in profile order."""
    seen = set(scored["partner"].dropna())
    if len(excluded):
        seen |= set(excluded["partner"].dropna())
    return [p for p in profile.partners if p in seen]


def narrative(scored: pd.DataFrame, column: str, partner: str | None = None) -> pd.DataFrame:
    """The (already redacted) free text of one column, with case and age band, non-empty only."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    if column not in g:
        return pd.DataFrame(columns=["Case", "Age band", "Partner", "Text"])
    g = g[g[column].notna() & (g[column].astype(str).str.strip() != "")]
    out = pd.DataFrame({"Case": g["case_ref"], "Age band": g["age_band"], "Partner": g["partner"],
                        "Text": g[column].astype(str)})
    return out.sort_values(["Partner", "Case"]).reset_index(drop=True)


def child_voices(scored: pd.DataFrame, partner: str | None = None
                 ) -> tuple[pd.DataFrame, int]:
    """The child's-voice excerpts (:func:`narrative`) that can be quoted, and how many were
    left out because they were recorded for an unborn child (whose words they cannot be)."""
    nar = narrative(scored, "child_voice_excerpt", partner)
    unborn = nar["Age band"] == AGE_BANDS[0]  # "Unborn" in every profile
    return nar[~unborn].reset_index(drop=True), int(unborn.sum())


def trend(history: pd.DataFrame, scored: pd.DataFrame, profile: Profile, round_id: str,
          partner: str | None = None, value: str = "mean",
          figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Measures (rows) by rounds (columns): the partner's (or partnership's) mean score in each
    earlier round and this one, and the change since the last round. ``figures``, when
    already computed for the round, saves computing them again."""
    who = partner or PARTNERSHIP
    fig = figures if figures is not None and len(figures) else measure_figures(scored, profile)
    now = fig[fig["partner"] == who].set_index("measure")[value]
    out = pd.DataFrame(index=[m.key for m in profile.measures])
    if len(history):
        h = history[history["partner"] == who]
        for r in rounds_in_order(history):
            out[r] = h[h["round"] == r].set_index("measure")[value].reindex(out.index)
    out[round_id] = now.reindex(out.index)
    earlier = [c for c in out.columns if c != round_id]
    out["Change since last round"] = (out[round_id] - out[earlier[-1]]) if earlier else np.nan
    out.index = [m.name for m in profile.measures]
    out.index.name = "Measure"
    return out


def version_notes(history: pd.DataFrame, version: str) -> list[str]:
    """Rounds scored with a different profile version than this one."""
    if not len(history):
        return []
    v = history.drop_duplicates("round")[["round", "profile_version"]]
    return [f"{r.round} was scored with profile version {r.profile_version}"
            for r in v.itertuples() if str(r.profile_version) != str(version)]


def distance_travelled(scored: pd.DataFrame, tool: GradedTool,
                       partner: str | None = None) -> pd.DataFrame:
    """A graded tool's distance travelled: per area (the profile's order), cases with both a
    first and a latest grade, the mean first and latest grade, the mean change (latest less
    first: negative is better when the tool's lower grades are better) and the cases whose
    grade improved. A grade column missing from ``scored`` counts as no grades."""
    g = scored if partner is None else scored[scored["partner"] == partner]
    rows = []
    for area, name in tool.area_list:
        first, latest = (pd.to_numeric(g[k], errors="coerce") if k in g
                         else pd.Series(np.nan, index=g.index, dtype=float)
                         for k in (tool.column_key("first", area),
                                   tool.column_key("latest", area)))
        both = first.notna() & latest.notna()
        better = (latest < first) if tool.lower_is_better else (latest > first)
        rows.append({
            "Area": name, "Cases with both grades": int(both.sum()),
            "Mean first grade": float(first[both].mean()) if both.any() else np.nan,
            "Mean latest grade": float(latest[both].mean()) if both.any() else np.nan,
            "Mean change": float((latest - first)[both].mean()) if both.any() else np.nan,
            "Cases improved": int((better & both).sum()),
        })
    return pd.DataFrame(rows)
