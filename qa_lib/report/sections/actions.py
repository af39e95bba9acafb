"""The agreed actions: what the partnership agreed to do about last round's findings.

With an actions workbook (``qa-audit run ... --actions FILE``) the section lists each action
with its partner, owner, due date and status (done, dropped, overdue, or open and carried
forward into the round's ``actions-next.xlsx``) beside the measure it was meant to move and
that measure's change since last round, and the lead's commentary. The measure's figures go
through the round's :class:`~qa_lib.report.policy.Policy`; the actions, owners and
commentary are the partnership's own words and are shown in publishing mode too.

Without a workbook it says so in one sentence and shows, outside publishing mode, what the
auditors recommended last round (their free text, already redacted).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd

from qa_lib.common.vocabulary import FileStatus
from qa_lib.profile.actions_tool import NEXT_NAME, PARTNERSHIP, Progress, due_date
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report import wording
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg

NO_WORKBOOK = ("No actions workbook was given for this round: the actions the partnership "
               "agreed after last round, who owns them and by when, are not shown. To record "
               "them, make the workbook with `qa-audit template --actions --from <last round>` "
               "and run the round with --actions. This round's folder holds actions-next.xlsx, "
               "the workbook ready for the actions agreed after this round.")
AUDITORS_LEFT_OUT = ("The actions the auditors recommended last round are their own words, so "
                     "they are left out in publishing mode.")
ORDER = {Progress.OVERDUE: 0, Progress.OPEN: 1, Progress.DONE: 2, Progress.DROPPED: 3}


def actions_section(data: RoundData, partner: str | None) -> str:
    """The agreed actions (the partner's and the Partnership's in a partner report) with the
    change in the measure each was meant to move, and the lead's commentary; without an
    actions workbook, one sentence and last round's recommended actions."""
    policy = Policy.of(data)
    if data.meta.get("actions") is None:
        command = "`qa-audit template --actions --from <last round>`"
        said = escape(NO_WORKBOOK).replace(escape(command),
                                           f"<code>{escape(command.strip('`'))}</code>")
        return f"<p>{said}</p>" + _last_actions(data, partner, policy)
    given = data.meta["actions"]
    if given.get("status") == FileStatus.REFUSED:  # a round run with --allow-partial
        return (fr.paragraph(f"The actions workbook {given.get('file')} could not be read (see "
                             "the validation report), so the agreed actions are not shown.")
                + _last_actions(data, partner, policy))
    who = partner or "the partnership"
    acts = data.actions
    if partner is not None and len(acts):
        acts = acts[acts["partner"].isin([partner, PARTNERSHIP])]
    out = [_commentary(data, partner)]
    if not len(acts):
        out.append(fr.paragraph(f"The actions workbook records no action for {who}."))
        return "".join(out)
    acts = acts.assign(_o=acts["progress"].map(ORDER)).sort_values(
        ["_o", "partner", "row"], kind="stable")
    counts = {p: int((acts["progress"] == p).sum()) for p in Progress}
    carried = counts[Progress.OPEN] + counts[Progress.OVERDUE]
    said = (f"{wording.count(len(acts), 'action')} for {who} in the actions workbook: "
            f"{counts[Progress.DONE]} done, {counts[Progress.OVERDUE]} overdue, "
            f"{counts[Progress.OPEN]} open and {counts[Progress.DROPPED]} dropped. ")
    said += (f"The {wording.count(carried, 'open action')} (overdue or not) "
             f"{wording.plural(carried, 'is')} carried forward into {NEXT_NAME} in this round's "
             "folder, the actions workbook for the next round." if carried
             else "None is carried forward.")
    out.append(fr.paragraph(said))
    table, last = _table(data, acts, policy)
    change = (f" Change is this round's mean score on the measure minus {last}'s, for the "
              "partner the action is for (the partnership's for a partnership action)."
              if last else " There is no earlier round to compare the measures with.")
    out.append(fr.paragraph("Each action beside the measure it was meant to move." + change))
    figures = [c for c in table.columns if c.startswith(("Last round", "This round", "Change"))]
    out.append(fr.table(table, f"Agreed actions ({who}), round {data.round_id}",
                        row_header="Action", html_columns=figures, cls="data actions"))
    if not policy.publishing and table.attrs.get("low"):
        out.append(fr.paragraph(fr.LOW_NOTE, "note"))
    return "".join(out)


def _hidden(policy: Policy, figures: pd.DataFrame) -> set[tuple[str, str]]:
    """The (partner, measure) figures shown as c by the policy's one rule for a round's
    measure figures (:meth:`~qa_lib.report.policy.Policy.hidden_figures`: a base of 1 to 5,
    and the secondary figure a partnership total would reveal)."""
    if not policy.publishing or not len(figures):
        return set()
    hidden = policy.hidden_figures(figures)
    return set(zip(figures.loc[hidden, "partner"], figures.loc[hidden, "measure"], strict=True))


def _figure(v: Any, n: Any, hidden: bool, policy: Policy, signed: bool = False) -> str:
    if hidden:
        return pub.SUPPRESSED
    if v is None or pd.isna(v):
        return '<span class="missing" title="not available">&ndash;</span>'
    low = not policy.publishing and _low(n)
    return fr.fmt_number(v, 1, low, signed=signed)


def _low(n: Any) -> bool:
    """True for a count of 1 to 5 cases (the low-number mark)."""
    try:
        return 1 <= float(n) <= 5
    except (TypeError, ValueError):
        return False


def _looked_up(figures: pd.DataFrame | None, key: tuple[str, str]
               ) -> tuple[float | None, float | None]:
    """The mean and cases scored of (partner, measure) in a round's figures (indexed by
    both), or None for each when it has none."""
    if figures is None or not key[1] or key not in figures.index:
        return None, None
    return _number(figures.at[key, "mean"]), _number(figures.at[key, "cases_scored"])


def _number(v: Any) -> float | None:
    """A figure as a float, None when missing."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _table(data: RoundData, acts: pd.DataFrame, policy: Policy) -> tuple[pd.DataFrame, str | None]:
    """The actions as the report shows them, and the last round's name (None without one)."""
    names = {m.key: m.name for m in data.profile.measures}
    now = data.figures.set_index(["partner", "measure"]) if len(data.figures) else None
    hist = data.history
    last = agg.last_round(hist)
    before = (hist[hist["round"] == last].set_index(["partner", "measure"]) if last else None)
    hidden_now = _hidden(policy, data.figures)
    hidden_before = _hidden(policy, hist[hist["round"] == last]) if last else set()
    rows, any_low = [], False
    for a in acts.to_dict("records"):
        measure = a["measure"] if isinstance(a["measure"], str) and a["measure"] else None
        key = (str(agg.PARTNERSHIP if a["partner"] == PARTNERSHIP else a["partner"]),
               measure or "")
        v_now, n_now = _looked_up(now, key)
        v_before, n_before = _looked_up(before, key)
        h_now, h_before = key in hidden_now, key in hidden_before
        diff = (None if v_now is None or v_before is None else v_now - v_before)
        low = [n for n in (n_now, n_before) if n is not None and _low(n)]
        any_low = any_low or bool(low and measure)
        due = due_date(a["due"])
        text = str(a["action"])
        if isinstance(a["notes"], str) and a["notes"]:
            text += f" (note: {a['notes']})"
        rows.append({
            "Action": text, "Partner": a["partner"], "Owner": a["owner"] or "",
            "Due": "" if due is None else f"{due:%d/%m/%Y}", "Status": _status(a["progress"]),
            "Agreed": a["round_agreed"] if isinstance(a["round_agreed"], str) else "",
            "Measure": names.get(measure, "") if measure else "(none)",
            "Last round": _figure(v_before, n_before, h_before, policy) if measure else "",
            "This round": _figure(v_now, n_now, h_now, policy) if measure else "",
            "Change": (_figure(diff, min(low) if low else None, h_now or h_before, policy,
                               signed=True) if measure and last else ""),
        })
    table = pd.DataFrame(rows)
    if last:
        table = table.rename(columns={"Last round": f"Last round ({last})"})
    else:
        table = table.drop(columns=["Last round", "Change"])
    table.attrs["low"] = any_low
    return table, last


def _status(progress: str) -> str:
    return {Progress.DONE: "Done", Progress.DROPPED: "Dropped",
            Progress.OVERDUE: "Overdue: carried forward",
            Progress.OPEN: "Open: carried forward"}.get(Progress(progress), str(progress))


def _commentary(data: RoundData, partner: str | None) -> str:
    """The lead's commentary: every row in the partnership report, the partner's and the
    Partnership's in a partner report."""
    c = data.commentary
    if not len(c):
        return ""
    if partner is not None:
        c = c[c["about"].isin([partner, PARTNERSHIP])]
    if not len(c):
        return ""
    order = {PARTNERSHIP: 0, partner: 1}
    c = c.assign(_o=c["about"].map(lambda w: order.get(w, 2))).sort_values(["_o", "row"])
    items = [(str(r.about), str(r.commentary)) for r in c.itertuples(index=False)]
    return fr.heading("The audit lead's commentary", 3) + fr.definition_list(items)


def _last_actions(data: RoundData, partner: str | None, policy: Policy) -> str:
    """What the auditors recommended in the last round, most frequent first (their own free
    text, already redacted: never shown in publishing mode)."""
    la = data.last_actions
    if not len(la):
        return ""
    if policy.publishing:
        return fr.paragraph(AUDITORS_LEFT_OUT)
    who = partner or "the partnership"
    last_round = la["round"].iloc[0]
    if partner:
        la = la[la["partner"] == partner]
    la = la.rename(columns={"case_ref": "Case", "partner": "Partner",
                            "recommended_actions": "Action recommended"})
    counts = la["Action recommended"].value_counts()
    return (fr.heading(f"Actions recommended last round ({last_round})", 3)
            + fr.paragraph(
                "What the auditors recommended in the last round, beside this round's evidence: "
                "the change in each measure (trend section) shows whether the actions made a "
                "difference.")
            + fr.table(counts.rename_axis("Action recommended").reset_index(name="Cases"),
                       f"Actions recommended in {last_round} ({who}), most frequent first",
                       row_header="Action recommended", number_columns={"Cases": 0})
            + fr.paragraph(f"{wording.count(len(la), 'action')} recorded on "
                           f"{wording.count(la['Case'].nunique(), 'case')}."))
