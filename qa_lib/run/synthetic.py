"""Seeded synthetic audit rounds, written through the generated templates.

Fake data only: case references are ``<PFX>-0001`` style, free text is drawn
from stock practice phrases, and no name, address or date of birth appears.
Partners differ in quality (one clearly strong, one clearly weak), answers
include Partly, N/A and blanks, timescales include late, overdue and still in
time, date windows cross weekends and bank holidays, a few auditors grade
their cases far from the score so that moderation flags appear, and one partner
records a few children's age band differently from the others (note V11).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_lib.common.working_days import add_working_days
from qa_lib.profile.audit_tool import TEMPLATE_ROWS, build_template, slugify, tool_cell, tool_columns
from qa_lib.profile.schema import AGE_BANDS, NEGLECT_TYPES, PLAN_TYPES, Profile

# Partner quality from 0 (poor practice) to 1 (excellent); the strong and the weak one stand out.
DEFAULT_QUALITY = [0.93, 0.74, 0.68, 0.62, 0.57, 0.50, 0.28]
# Change in quality from one round to the next: some partners improve, some do not.
DEFAULT_DRIFT = [0.0, 0.08, -0.07, 0.10, 0.0, 0.06, -0.03]
# The demo's rounds: (name, first audit day, last audit day, reference "today").
DEMO_ROUNDS = [
    ("2026-Q1", dt.date(2026, 3, 2), dt.date(2026, 3, 27), dt.date(2026, 3, 31)),
    ("2026-Q2", dt.date(2026, 6, 1), dt.date(2026, 6, 26), dt.date(2026, 6, 30)),
    ("2026-Q3", dt.date(2026, 9, 7), dt.date(2026, 10, 23), dt.date(2026, 10, 30)),
]
BANK_HOLIDAY_EVES = [dt.date(2026, 8, 28), dt.date(2026, 5, 22), dt.date(2025, 12, 24),
                     dt.date(2026, 4, 2)]

STRENGTHS = ["Clear chronology kept up to date by the allocated worker.",
             "Child seen alone at every visit and their views recorded in their own words.",
             "Good use of the home conditions tool to show change over time.",
             "Timely information sharing with the health visitor and school.",
             "Parent's feedback sought at review and used to adjust the plan."]
AREAS = ["Tool not repeated, so change could not be measured.",
         "Child's daily life not described; focus on the parent's needs.",
         "Drift between reviews with actions carried over.",
         "No evidence that the young person's views shaped the plan.",
         "Chronology not shared across agencies."]
ACTIONS = ["Repeat the neglect screening tool before the next review.",
           "Record a day in the life of the child at the next visit.",
           "Escalate drift through the professional challenge procedure.",
           "Seek the young person's feedback at closure.",
           "Share the multi-agency chronology at the core group."]
VOICES = ["I like it when there is food in the cupboard.",
          "My room is cold at night.",
          "I want to go to school every day.",
          "Mum is trying harder now.",
          "Nobody asked me what I thought."]


def case_ref_prefix(profile_name: str) -> str:
    """The demo's case reference prefix for a profile: the first three letters and digits of
    its name, in capitals (``halton`` -> ``HAL``, ``my_partnership`` -> ``MYP``), so every
    reference passes the case reference check (letters, digits and '-', V02) whatever '_' or
    '-' the name holds. A profile name always starts with a letter, so it is never empty."""
    return (re.sub(r"[^A-Za-z0-9]", "", profile_name)[:3] or "CASE").upper()


@dataclass
class DemoRound:
    """Where the demo's returns were written, and which partners are strong and weak."""

    returns: Path
    partners: list[str]
    strong: str
    weak: str
    cases: int


def _answer(rng: np.random.Generator, q: float, allow_na: bool, blank_rate: float) -> str | None:
    u = rng.random()
    if u < blank_rate:
        return None
    if allow_na and rng.random() < 0.08:
        return "N/A"
    u = rng.random()
    if u < q * 0.85:
        return "Yes"
    if u < q * 0.85 + 0.25:
        return "Partly"
    return "No"


def _wd(d: dt.date, n: int) -> dt.date:
    return add_working_days([d], n)[0].item()


_DEFAULT_PLANS = (["Child Protection", "Child in Need", "Early Help/MAP", "Looked After"],
                  [0.45, 0.3, 0.2, 0.05])
_DEFAULT_NEGLECT = [0.45, 0.2, 0.25, 0.1]


def _weights(n: int, first: float = 0.45) -> list[float]:
    """Chances for ``n`` choices: the first likeliest, the rest sharing what is left."""
    if n == 1:
        return [1.0]
    rest = (1 - first) / (n - 1)
    return [first] + [rest] * (n - 1)


def _lists(profile: Profile) -> tuple[list[str], list[float], list[str], list[float]]:
    """The profile's plan types and neglect types, each with the chance of being drawn (the
    default lists keep their long-standing chances, so a demo round stays the same)."""
    plan_types = tuple(profile.model.plan_types)
    early = [t for t in plan_types if t.lower().startswith("early help")]
    if len(plan_types) == len(PLAN_TYPES) and early and set(plan_types) - set(early) == set(
            PLAN_TYPES) - {"Early Help"}:  # the usual five, whatever early help is called
        plans = [early[0] if t == "Early Help/MAP" else t for t in _DEFAULT_PLANS[0]]
        p_plans = _DEFAULT_PLANS[1]
    else:
        plans = [t for t in profile.model.plan_types if t.lower() != "none"]
        plans.sort(key=lambda t: "protection" not in t.lower())  # child protection likeliest
        p_plans = _weights(len(plans))
    neglect = list(profile.model.neglect_types)
    p_neglect = (_DEFAULT_NEGLECT if tuple(neglect) == NEGLECT_TYPES
                 else _weights(len(neglect), 0.3))
    return plans, p_plans, neglect, p_neglect


def _case_facts(rng: np.random.Generator, i: int, audit: dt.date, profile: Profile) -> dict:
    """Dates and context shared by every partner auditing one case."""
    plans, p_plans, neglect, p_neglect = _lists(profile)
    plan = rng.choice(plans, p=p_plans)
    protection = "protection" in plan.lower()
    early_help = "early help" in plan.lower()
    if i < len(BANK_HOLIDAY_EVES):
        referral = BANK_HOLIDAY_EVES[i]
    else:
        referral = audit - dt.timedelta(days=int(rng.integers(60, 420)))
        while referral.weekday() >= 5:
            referral -= dt.timedelta(days=1)
    decision_wd = int(rng.choice([0, 1, 1, 1, 2, 3], p=[0.3, 0.3, 0.15, 0.1, 0.1, 0.05]))
    facts: dict = {
        "age_band": rng.choice(AGE_BANDS, p=[0.04, 0.16, 0.3, 0.3, 0.15, 0.05]),
        "plan_type": plan,
        "neglect_types": "; ".join(sorted(set(rng.choice(neglect, size=int(
            rng.integers(1, 3)), p=p_neglect)), key=neglect.index)),
        "referral_date": referral,
        "referral_decision_date": _wd(referral, decision_wd),
    }
    a_start = _wd(facts["referral_decision_date"], int(rng.integers(0, 4)))
    facts["assessment_start_date"] = a_start
    a_len = int(rng.choice([25, 38, 44, 45, 52, 70]))
    a_end = _wd(a_start, a_len)
    if a_end <= audit and rng.random() > 0.12:
        facts["assessment_end_date"] = a_end
    if protection:
        strat = _wd(a_start, int(rng.integers(1, 10)))
        icpc = _wd(strat, int(rng.choice([8, 12, 14, 15, 17, 22])))
        if icpc < audit:
            facts["strategy_discussion_date"] = strat
            facts["icpc_date"] = icpc
            months = int(rng.choice([2, 3, 3, 3, 4]))
            review = (icpc + dt.timedelta(days=30 * months - int(rng.integers(0, 10))))
            if review <= audit and rng.random() > 0.15:
                facts["first_review_date"] = review
            facts["plan_start_date"] = icpc
    if "plan_start_date" not in facts and not early_help:
        facts["plan_start_date"] = facts["referral_decision_date"]
    if i % 9 == 4:  # some long-running plans for the drift flag
        facts["plan_start_date"] = audit - dt.timedelta(days=int(rng.integers(560, 700)))
    if "plan_start_date" in facts and rng.random() < 0.2:
        end = facts["plan_start_date"] + dt.timedelta(days=int(rng.integers(90, 300)))
        if end < audit:
            facts["plan_end_date"] = end
    for k in [k for k, v in facts.items() if isinstance(v, dt.date)]:
        if facts[k] > audit:
            del facts[k]
    return facts


def _demo_row(rng: np.random.Generator, profile: Profile, partner: str, quality: float,
              blank_rate: float, ref: str, audit: dt.date, facts: dict) -> dict:
    """One partner's row for one case: answers drawn around the partner's quality."""
    case_q = float(np.clip(quality + rng.normal(0, 0.12), 0.02, 0.99))
    row: dict = {"case_ref": ref, "partner": partner, "audit_date": audit,
                 "auditor_role": "Practice lead", **facts}
    for c in profile.columns:
        if c.type == "answer":
            row[c.key] = _answer(rng, case_q, "N/A" in c.choices, blank_rate)
    for x in profile.model.extra_columns:  # a number the auditor types, e.g. attendance in %
        if x.type == "number" and rng.random() >= blank_rate:
            lo = x.min if x.min is not None else 0
            hi = x.max if x.max is not None else 100
            share = float(np.clip(case_q + rng.normal(0, 0.1), 0, 1))
            row[x.key] = round(lo + (hi - lo) * share, 1)
    for col in profile.columns:  # e.g. tool_name when the tool-use criterion is Yes
        if col.required_when is not None and col.choices and (
                row.get(col.required_when.column) in col.required_when.answers):
            options = [c for c in col.choices if c != "Other"] or list(col.choices)
            row[col.key] = str(rng.choice(options))
    named = {row.get(x.key) for x in profile.model.extra_columns if x.choices_from == "tools"}
    for g in profile.graded_tools:  # a case naming a graded tool: first grades, then better
        if g.name not in named:
            continue
        for area, _ in g.area_list:
            if g.lower_is_better:
                first = int(rng.integers((g.min + g.max + 1) // 2, g.max + 1))
                latest = max(g.min, first - int(rng.integers(0, 3)))
            else:
                first = int(rng.integers(g.min, (g.min + g.max) // 2 + 1))
                latest = min(g.max, first + int(rng.integers(0, 3)))
            row[g.column_key("first", area)] = first
            row[g.column_key("latest", area)] = latest
    stages_col = profile.column_map.get("feedback_stages")
    if stages_col is not None and stages_col.choices and rng.random() < 0.6:
        stages = rng.choice(list(stages_col.choices), size=int(rng.integers(1, 3)),
                            replace=False)
        row["feedback_stages"] = "; ".join(str(s) for s in stages)
    grade_i = 0 if case_q > 0.85 else 1 if case_q > 0.65 else 2 if case_q > 0.42 else 3
    if rng.random() < 0.07:  # an auditor far more generous (or harsh) than the evidence
        grade_i = 0 if grade_i >= 2 else 3
    row["overall_grade"] = profile.band_names[min(grade_i, 3)] if len(
        profile.band_names) >= 4 else profile.band_names[0]
    row["strengths"] = str(rng.choice(STRENGTHS))
    row["areas_for_improvement"] = str(rng.choice(AREAS))
    row["recommended_actions"] = str(rng.choice(ACTIONS))
    if rng.random() < 0.5:
        row["child_voice_excerpt"] = str(rng.choice(VOICES))
    return row


def _another_band(band: str) -> str:
    """The next older age band (the one before it for the oldest), as one partner of a few demo
    cases records it, so the round has cases described differently by partners (note V11)."""
    i = AGE_BANDS.index(band)
    return AGE_BANDS[i + 1] if i + 1 < len(AGE_BANDS) else AGE_BANDS[i - 1]


def make_demo_returns(profile: Profile, folder: Path | str, *, seed: int = 2026,
                      cases: int = 45, audit_start: dt.date = dt.date(2026, 9, 7),
                      audit_end: dt.date = dt.date(2026, 10, 23),
                      partners: list[str] | None = None,
                      quality: list[float] | None = None, ref_prefix: str | None = None,
                      template_rows: int = TEMPLATE_ROWS) -> DemoRound:
    """Write one filled audit workbook per partner into ``folder`` (created if needed), each
    the partner's tool formatted to ``template_rows`` case rows (the real tool's by default;
    fewer is the same workbook, quicker to write, for tests)."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    partners = partners or [p for p in profile.partners][:7]
    quality = quality or DEFAULT_QUALITY[: len(partners)]
    if len(quality) < len(partners):
        quality = quality + [0.6] * (len(partners) - len(quality))
    prefix = ref_prefix or case_ref_prefix(profile.name)
    span = (audit_end - audit_start).days
    facts = []
    for i in range(cases):
        audit = audit_start + dt.timedelta(days=int(rng.integers(0, span + 1)))
        while audit.weekday() >= 5:
            audit -= dt.timedelta(days=1)
        facts.append((f"{prefix}-{i + 1:04d}", audit, _case_facts(rng, i, audit, profile)))
    strong = partners[int(np.argmax(quality))]
    weak = partners[int(np.argmin(quality))]
    for p, q in zip(partners, quality, strict=True):
        wb = build_template(profile, p, rows=max(template_rows, cases + 1))  # filled in memory
        ws = wb["Audit"]
        start, header = tool_columns(ws)
        blank_rate = 0.03 if q > 0.4 else 0.14
        r = start - 1
        for n, (ref, audit, f) in enumerate(facts):
            if rng.random() > 0.85 and n > 2:
                continue  # this partner did not audit this case
            r += 1
            row = _demo_row(rng, profile, p, q, blank_rate, ref, audit, f)
            if n % 16 == 9 and p == partners[len(partners) // 2]:
                row["age_band"] = _another_band(row["age_band"])  # a case described differently
            for key, value in row.items():
                if key in header and value is not None:
                    tool_cell(ws, r, header[key]).value = value
        wb.save(folder / f"{slugify(p)}.xlsx")
    return DemoRound(returns=folder, partners=partners, strong=strong, weak=weak, cases=cases)


def demo_rounds(profile: Profile, folder: Path | str, *, seed: int = 2026, cases: int = 45,
                rounds: int = 3, template_rows: int = TEMPLATE_ROWS
                ) -> list[tuple[str, DemoRound, dt.date]]:
    """Returns for several successive rounds, with partners improving or not from round to round.

    Returns (round name, returns written, reference date) for each round, oldest first.
    """
    out = []
    chosen = DEMO_ROUNDS[-rounds:]
    partners = list(profile.partners)[:7]
    base = DEFAULT_QUALITY[: len(partners)]
    drift = DEFAULT_DRIFT[: len(partners)]
    for i, (name, first, last, today) in enumerate(chosen):
        steps = i - (len(chosen) - 1)  # the last round has the default qualities
        quality = [float(np.clip(q + d * steps, 0.05, 0.97)) for q, d in
                   zip(base, drift, strict=True)]
        prefix = f"{case_ref_prefix(profile.name)}{name[2:4]}{name[-2:]}"  # e.g. HAL26Q3
        demo = make_demo_returns(profile, Path(folder) / name, seed=seed + i, cases=cases,
                                 audit_start=first, audit_end=last, partners=partners,
                                 quality=quality, ref_prefix=prefix,
                                 template_rows=template_rows)
        out.append((name, demo, today))
    return out


def make_demo_scorecard(profile: Profile, path: Path | str, *, seed: int = 2026,
                        round_index: int = 0) -> Path | None:
    """The profile's strategy scorecard filled with synthetic figures for one round, as a
    performance team fills it (None when the profile has no indicators to fill). Figures
    move a little from round to round, some towards the indicator's good direction."""
    from qa_lib.profile.scorecard_tool import (
        INPUTS,
        SHEET,
        WITH_DENOMINATOR,
        build_scorecard,
        fillable,
    )

    if not fillable(profile):
        return None
    rng = np.random.default_rng(seed + 101 * round_index)
    wb = build_scorecard(profile)
    ws = wb[SHEET]
    header = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        key = row[header["key"] - 1].value
        ind = next((i for i in profile.model.indicators if i.key == key), None)
        if ind is None:
            continue
        step = round_index * (1 if ind.direction == "higher" else -1)
        if ind.unit in WITH_DENOMINATOR:
            den = int(rng.integers(40, 400))
            share = min(0.95, max(0.05, rng.uniform(0.2, 0.7) + 0.04 * step))
            figures = {"numerator": int(round(den * share)), "denominator": den}
        else:
            figures = {"value": max(0, int(rng.integers(10, 120)) + 5 * step)}
        for name in INPUTS:
            if name in figures:
                ws.cell(row=row[0].row, column=header[name], value=figures[name])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path



# The demo's agreed actions after its first round: (action, partner index or None for the
# Partnership, measure index, owner, days after the round's date it is due, status).
DEMO_ACTIONS = [
    ("Repeat the neglect screening tool before every review and record the change.", -1, 0,
     "Designated safeguarding lead", 30, "Open"),
    ("Record a day in the life of the child at each visit.", 1, 1,
     "Team manager, children's social care", 150, "Open"),
    ("Audit drift at review conferences through the professional challenge procedure.", None,
     2, "Partnership business manager", 45, "Done"),
    ("Ask parents and young people for feedback at every review and at closure.", 2, 3,
     "Named nurse for safeguarding", 40, "Open"),
]
DEMO_COMMENTARY = {
    1: "The subgroup agreed four actions on tool use, lived experience, drift and feedback.",
    2: "One more action is done; the others still open are carried forward.",
}


def make_demo_actions(profile: Profile, path: Path | str, from_round: Path | str,
                      today: dt.date, round_index: int) -> Path:
    """The actions workbook the demo's audit lead fills after a round (``round_index`` 1
    for the first): after the first, the workbook from that round with the synthetic agreed
    actions of :data:`DEMO_ACTIONS` (roles as owners, due dates relative to ``today``, one
    Done); after a later one, that round's ``actions-next.xlsx`` as carried forward, with
    one more action marked Done. The Partnership's commentary is filled in both."""
    from openpyxl import load_workbook

    from qa_lib.profile.actions_tool import (
        COLUMNS,
        COMMENTARY_SHEET,
        NEXT_NAME,
        PARTNERSHIP,
        SHEET,
        build_actions,
        measure_label,
    )

    from_round = Path(from_round)
    wb = (build_actions(profile, from_round) if round_index == 1
          else load_workbook(from_round / NEXT_NAME))
    ws = wb[SHEET]
    col = {h: j for j, (h, _) in enumerate(COLUMNS, start=1)}
    filled = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["action"]).value]
    if round_index == 1:
        partners = list(profile.partners)[:7]
        for k, (text, who, m, owner, days, status) in enumerate(DEMO_ACTIONS):
            r = len(filled) + 2 + k
            values = {"action": text, "partner": PARTNERSHIP if who is None else partners[who],
                      "measure": measure_label(profile.measures[m % len(profile.measures)]),
                      "owner": owner, "due date": today + dt.timedelta(days=days),
                      "status": status}
            for head, v in values.items():
                ws.cell(r, col[head], value=v)
    else:
        open_rows = [r for r in filled if ws.cell(r, col["status"]).value == "Open"]
        if open_rows:
            ws.cell(open_rows[0], col["status"], value="Done")
            ws.cell(open_rows[0], col["notes"], value="Done: the tool is now repeated at review.")
    cs = wb[COMMENTARY_SHEET]
    for r in range(2, cs.max_row + 1):
        if cs.cell(r, 1).value == PARTNERSHIP:
            cs.cell(r, 2, value=DEMO_COMMENTARY[min(round_index, 2)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
