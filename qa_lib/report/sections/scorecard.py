"""The strategy scorecard: the measures the strategy says it will monitor, this round and
across rounds, against their baseline and target.

Figures come from the round's ``indicators`` (the performance team's scorecard, or computed
from the case rows: :mod:`qa_lib.scoring.indicators`) and the earlier rounds' figures kept
in ``indicator_history``. In publishing mode a count of 1 to 5, and a percentage or rate
whose numerator or denominator is 1 to 5, is shown as ``c`` (with its status and change).
"""

from __future__ import annotations

from html import escape

import pandas as pd

from qa_lib.profile.schema import Indicator, Source
from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report import wording
from qa_lib.report.policy import FEW_ROWS, Policy
from qa_lib.report.round_data import RoundData
from qa_lib.scoring.indicators import How, Status, scorecard_rows, unit_words

ROUNDS_SHOWN = 4  # earlier rounds shown beside this one


def _fmt(ind: Indicator, v: object, signed: bool = False) -> str:
    """A value with its unit: 12.5%, 42, 3.1 days, 35.2 per 10,000 (':' when missing); a
    change of a percentage in percentage points (+6.2 percentage points)."""
    if v is None or pd.isna(v):  # type: ignore[call-overload]
        return pub.NOT_AVAILABLE
    f = float(v)  # type: ignore[arg-type]
    decimals = 0 if ind.unit == "count" and f.is_integer() else 1
    text = f"{fr.round_half_up(f, decimals):,.{decimals}f}"
    if signed and f > 0:
        text = "+" + text
    if signed and ind.unit == "percent":  # a change of a percentage is in points, not %
        return f"{text} percentage points"
    return {"percent": f"{text}%", "days": f"{text} days",
            "rate": f"{text} {unit_words(ind)}"}.get(ind.unit, text)


def _count(v: object) -> str:
    if v is None or pd.isna(v):  # type: ignore[call-overload]
        return ""
    return f"{int(round(float(v))):,}"  # type: ignore[arg-type]


def suppressed(ind: Indicator, policy: Policy, numerator: object, denominator: object,
               value: object) -> bool:
    """True when the policy shows this figure as c: a count of 1 to 5, a share resting on a
    numerator, denominator or rest (denominator minus numerator) of 1 to 5 (the one rule,
    :meth:`Policy.hides`), or a rate on a numerator or denominator of 1 to 5."""
    if ind.unit == "count":
        return policy.low(value)
    if ind.unit == "percent":
        return policy.hides(None if _missing(numerator) else numerator,
                            None if _missing(denominator) else denominator)
    if ind.unit == "rate":
        return policy.low(numerator) or policy.low(denominator)
    return False


def _missing(v: object) -> bool:
    return v is None or bool(pd.isna(v))  # type: ignore[call-overload]


def _marked(ind: Indicator, policy: Policy, denominator: object, value: object) -> bool:
    """True when a shown share or rate rests on 1 to 5 cases: marked to be read with care
    (outside publishing mode, where it is c instead)."""
    return (not policy.publishing and ind.unit in ("percent", "rate")
            and pub.is_low(denominator) and not pd.isna(value))  # type: ignore[call-overload]


def _shown(ind: Indicator, value: object, numerator: object, denominator: object,
           sheet: bool) -> object:
    """A figure as shown: for a sheet the number (one decimal place); on a page its words,
    a share of fewer than FEW_ROWS as "k of n" (honest small numbers)."""
    if sheet:
        return None if _missing(value) else fr.round_half_up(float(value), 1)  # type: ignore[arg-type]
    if (ind.unit == "percent" and not _missing(value) and not _missing(denominator)
            and not _missing(numerator) and 0 < float(denominator) < FEW_ROWS):  # type: ignore[arg-type]
        return f"{int(round(float(numerator)))} of {int(round(float(denominator)))}"  # type: ignore[arg-type]
    return _fmt(ind, value)


def records_differ(n: int, name: str = "Children on a plan") -> str:
    """The scorecard's note on cases counted the less favourable way."""
    return (f"{name}: {wording.count(n, 'case')} where partners' records differ "
            f"{wording.plural(n, 'was')} counted the less favourable way.")


wording.sentence("records-differ")(records_differ)  # registered, not decorated: typed as is


def scorecard_table(data: RoundData, policy: Policy, sheet: bool = False
                    ) -> tuple[pd.DataFrame, list[str]]:
    """The scorecard as shown, one row per indicator, and the notes under it: text cells
    for the page, or (``sheet``) numbers with a Unit column for summary.xlsx (c where
    suppressed, in both)."""
    profile = data.profile
    rows, earlier = scorecard_rows(profile, data.indicators, data.indicator_history,
                                   data.round_id, ROUNDS_SHOWN)
    by_key = {i.key: i for i in profile.model.indicators}
    this = f"This round ({data.round_id})"
    out, notes = [], []
    marked = False
    for r in rows.to_dict("records"):
        ind = by_key[r["key"]]
        hidden = suppressed(ind, policy, r["numerator"], r["denominator"], r["value"])
        row: dict[str, object] = {"Indicator": ind.name}
        if sheet:
            row["Unit"] = unit_words(ind)
        row["Good when"] = "higher" if ind.direction == "higher" else "lower"
        for name, v in (("Baseline", ind.baseline), ("Target", ind.target)):
            row[name] = (None if sheet else "") if v is None else (
                _shown(ind, v, None, None, sheet))
        for e in earlier:
            low = suppressed(ind, policy, r[f"numerator {e}"], r[f"denominator {e}"],
                             r[f"value {e}"])
            row[e] = pub.SUPPRESSED if low else _shown(
                ind, r[f"value {e}"], r[f"numerator {e}"], r[f"denominator {e}"], sheet)
            if not sheet and _marked(ind, policy, r[f"denominator {e}"], r[f"value {e}"]):
                row[e] = f"{row[e]} {fr.LOW_MARK}"
                marked = True
        last_hidden = any(
            suppressed(ind, policy, r[f"numerator {e}"], r[f"denominator {e}"], r[f"value {e}"])
            for e in earlier[-1:])
        row[this] = pub.SUPPRESSED if hidden else _shown(
            ind, r["value"], r["numerator"], r["denominator"], sheet)
        if not sheet and _marked(ind, policy, r["denominator"], r["value"]):
            row[this] = f"{row[this]} {fr.LOW_MARK}"
            marked = True
        count = (lambda v: None if _missing(v) else int(round(float(v)))) if sheet else _count
        row["Counted"] = (pub.SUPPRESSED if hidden or policy.low(r["numerator"])
                          else count(r["numerator"]))
        row["Out of"] = (pub.SUPPRESSED if policy.low(r["denominator"])
                         else count(r["denominator"]))
        row["Status"] = pub.SUPPRESSED if hidden and r["status"] in (
            Status.MET, Status.NOT_MET) else r["status"]
        change = r["change"]
        row["Change since last round"] = (
            pub.SUPPRESSED if (hidden or last_hidden) and change is not None
            else (None if sheet else "") if change is None
            else fr.round_half_up(float(change), 1) if sheet
            else _fmt(ind, change, signed=True))
        row["Figure from"] = r["how"]
        out.append(row)
        apart = r.get("cases_apart")
        if r["how"] == How.COMPUTED and apart is not None and not pd.isna(apart) and apart:
            if policy.shows_cases:
                notes.append(records_differ(int(apart), ind.name))
    if marked:
        notes.insert(0, fr.LOW_NOTE)
    return pd.DataFrame(out), notes


def _source(src: Source) -> str:
    if src.kind == "national":
        return f"{src.guidance}: {src.requirement}"
    return f"\u201c{src.quote}\u201d ({src.section})"


def scorecard_section(data: RoundData, partner: str | None) -> str | None:
    """The strategy scorecard (partnership report; None when the profile has no indicators)."""
    profile = data.profile
    if not profile.model.indicators or not len(data.indicators):
        return None
    policy = Policy.of(data)
    table, notes = scorecard_table(data, policy)
    given = data.meta.get("indicators")
    where = (f"the scorecard '{given['file']}' filled in by the performance team"
             if isinstance(given, dict) else "no scorecard (run the round with --indicators "
             "FILE to add the performance team's figures)")
    intro = fr.paragraph(
        f"The measures the {profile.model.strategy} says it will monitor. Figures come from "
        f"{where}, or are worked out from the audit returns, counting each child once. Status "
        "is against the target, in the direction the strategy wants (met, not met, or no "
        "target); earlier rounds' figures show the trend; : means no figure.")
    details = [f"<strong>{escape(ind.name)}</strong> ({escape(ind.key)}, "
               f"{escape(unit_words(ind))}): {escape(ind.numerator)}"
               + (f", out of {escape(ind.denominator)}" if ind.denominator else "")
               + f". Source: {escape(_source(ind.source))}" for ind in profile.model.indicators]
    return (intro
            + fr.table(table, f"Strategy scorecard, round {data.round_id}",
                       row_header="Indicator", signed=("Change since last round",))
            + (fr.bullet_list(notes) if notes else "")
            + fr.heading("What each indicator counts", 3)
            + "<ul>" + "".join(f"<li>{d}</li>" for d in details) + "</ul>")


def scorecard_sheet(data: RoundData, policy: Policy) -> pd.DataFrame:
    """The scorecard for summary.xlsx: the report's table with each indicator's key."""
    if not data.profile.model.indicators or not len(data.indicators):
        return pd.DataFrame()
    table, _ = scorecard_table(data, policy, sheet=True)
    table.insert(0, "Key", [i.key for i in data.profile.model.indicators])
    return table
