"""Validation rules over the typed table: one rule per function, each with its code.

Every rule is registered with :func:`rule`, which carries the code, the message,
the fix and the fields it looks at, so the tool can print a catalogue
(``qa-audit rules``). A rule returns :class:`Failure` masks over the table; the
runner turns each failing cell into a :class:`~qa_lib.common.problems.Problem` with
file, sheet, Excel row and column letter. A rule that crashes is reported as an
error that stops the round: it is never counted as passed.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qa_lib.common.personal_data import identifier_kind, identifier_kinds, redact
from qa_lib.common.problems import ERROR, NOTE, Problem
from qa_lib.ingest.returns import INGEST_CODES, Ingested
from qa_lib.profile.schema import FREE_TEXT, Profile

PERSONAL_COLUMNS = ("case_ref", "auditor_role", *FREE_TEXT)


@dataclass
class Failure:
    """Rows failing a rule on one column, with optional per-row message."""

    mask: pd.Series
    column: str
    message: str | pd.Series | None = None
    withhold_value: bool = False


@dataclass
class Context:
    """What rules may look at besides the table."""

    profile: Profile
    today: dt.date
    unreadable: set[tuple[int, str]]

    def readable_blank(self, table: pd.DataFrame, key: str) -> pd.Series:
        bad = {i for i, k in self.unreadable if k == key}
        return table[key].isna() & ~table.index.isin(list(bad))


@dataclass
class Rule:
    """A registered validation rule."""

    code: str
    message: str
    fix: str
    fields: tuple[str, ...]
    fn: Callable[[pd.DataFrame, Context], Iterable[Failure]]
    severity: str = ERROR


RULES: list[Rule] = []


def rule(code: str, message: str, fix: str, fields: Iterable[str], severity: str = ERROR):
    """Register a validation rule with its code, default message, fix and fields."""

    def deco(fn):
        RULES.append(Rule(code, message, fix, tuple(fields), fn, severity))
        return fn

    return deco


@dataclass
class Validated:
    """The outcome of validation: every problem, and which rows may be scored."""

    table: pd.DataFrame  # all rows read
    problems: list[Problem]
    row_ok: pd.Series  # bool per table row
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)  # file, row, partner, reasons

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == NOTE]

    @property
    def valid_table(self) -> pd.DataFrame:
        return self.table[self.row_ok].reset_index(drop=True)

    @property
    def refused_files(self) -> list[str]:
        return sorted({p.file for p in self.errors if p.row is None and p.file != "(all files)"})


# --------------------------------------------------------------------------- rules


@rule("V01", "A required value is blank.", "Fill in this cell; every case row needs it.",
      ["case_ref", "partner", "audit_date"])
def required_values(t: pd.DataFrame, ctx: Context):
    """case_ref, partner and audit_date are filled in on every row."""
    for key in ("case_ref", "partner", "audit_date"):
        yield Failure(ctx.readable_blank(t, key), key, f"'{key}' is blank; every row needs it.")


@rule("V02", "The case reference is not in the agreed form.",
      "Use the pseudonymised reference: letters, digits and -, at most 20 characters.",
      ["case_ref"])
def case_ref_form(t: pd.DataFrame, ctx: Context):
    """case_ref holds only letters, digits and -, at most 20 characters."""
    ref = t["case_ref"].astype("string")
    bad_chars = ref.notna() & ~ref.str.fullmatch(r"[A-Za-z0-9-]+").fillna(True)
    too_long = ref.notna() & (ref.str.len() > 20).fillna(False)
    yield Failure(bad_chars, "case_ref",
                  "The case reference may hold only letters, digits and '-'.")
    yield Failure(too_long & ~bad_chars, "case_ref",
                  "The case reference is longer than 20 characters.")


@rule("V03", "The case reference looks like personal data.",
      "Replace it with the pseudonymised case reference agreed for the round; never use a name, "
      "NHS number or date of birth.", ["case_ref"])
def case_ref_personal(t: pd.DataFrame, ctx: Context):
    """case_ref is not an NHS number, name, date of birth, e-mail or postcode."""
    kinds = identifier_kinds(t["case_ref"])
    mask = kinds.notna()
    msg = kinds[mask].map(lambda k: f"The case reference looks like {k}; it was refused and is "
                          f"not shown here.")
    yield Failure(mask, "case_ref", msg, withhold_value=True)


@rule("V04", "The audit date is in the future.", "Correct the audit date.", ["audit_date"])
def audit_date_future(t: pd.DataFrame, ctx: Context):
    """The audit date is not after the reference date of the run."""
    yield Failure(t["audit_date"] > pd.Timestamp(ctx.today), "audit_date",
                  f"The audit date is after today ({ctx.today:%d/%m/%Y}).")


@rule("V05", "This answer is not allowed for this question.",
      "Choose one of the answers the dropdown offers for this question.", ["criteria"])
def answer_allowed(t: pd.DataFrame, ctx: Context):
    """N/A (or Partly) only where the profile offers it for the criterion."""
    for c in ctx.profile.criteria.values():
        if c.answers is None:
            continue
        allowed = set(c.answers)
        bad = t[c.key].notna() & ~t[c.key].isin(allowed)
        if not bad.any():
            continue
        opts = ", ".join(c.answers)
        msg = t.loc[bad, c.key].map(lambda v, k=c.key, o=opts: f"'{v}' is not allowed for {k}: "
                                    f"answer {o}.")
        yield Failure(bad, c.key, msg)


@rule("V06", "An end date is before its start date.",
      "Check both dates; the end cannot come before the start.", ["date pairs"])
def end_before_start(t: pd.DataFrame, ctx: Context):
    """No end date before its start date (the profile's date pairs)."""
    for start, end in ctx.profile.model.date_order:
        bad = (t[end] < t[start]).fillna(False)
        if not bad.any():
            continue
        msg = t.loc[bad, start].map(lambda d, s=start, e=end: f"'{e}' is before '{s}' "
                                    f"({d:%d/%m/%Y}).")
        yield Failure(bad, end, msg)


@rule("V07", "A date is after the audit date.",
      "Dates on the audit tool must be on or before the audit date; check the date and the year.",
      ["dates"])
def date_after_audit(t: pd.DataFrame, ctx: Context):
    """No date after the audit date."""
    for d in ctx.profile.model.date_columns:
        bad = (t[d.key] > t["audit_date"]).fillna(False)
        yield Failure(bad, d.key, f"'{d.key}' is after the audit date.")


@rule("V08", "A value needed by another answer is blank.",
      "Fill in this cell (see the column note for when it is needed).", ["required_when"])
def required_when(t: pd.DataFrame, ctx: Context):
    """Columns needed by another answer are filled in (tool_name when TU1 is Yes)."""
    for col in ctx.profile.columns:
        rw = col.required_when
        if rw is None:
            continue
        needed = t[rw.column].isin(rw.answers)
        yield Failure(needed & ctx.readable_blank(t, col.key), col.key,
                      f"'{col.key}' is needed when {rw.column} is {' or '.join(rw.answers)}.")


@rule("V09", "The same case is audited twice by the same partner.",
      "Keep one row per case for each partner: merge or delete the repeated row.",
      ["case_ref", "partner"])
def duplicate_case_partner(t: pd.DataFrame, ctx: Context):
    """One row per case for each partner."""
    keyed = t[["case_ref", "partner"]].dropna()
    dup = keyed.duplicated(keep=False)
    mask = pd.Series(False, index=t.index)
    mask[keyed.index[dup]] = True
    where = t.loc[mask, ["_file", "_row", "case_ref", "partner"]]
    rows = where.groupby(["case_ref", "partner"])["_row"].apply(
        lambda s: ", ".join(str(r) for r in s))
    msg = pd.Series(None, index=t.index, dtype=object)
    personal = pd.Series(False, index=t.index)
    for i, r in where.iterrows():
        shown = r["case_ref"]
        if identifier_kind(shown):  # refused by V03 too; never repeat it here
            shown, personal[i] = "[withheld]", True
        msg[i] = (f"Case {shown} appears more than once for {r['partner']} "
                  f"(rows {rows[(r['case_ref'], r['partner'])]}).")
    yield Failure(mask & ~personal, "case_ref", msg)
    yield Failure(mask & personal, "case_ref", msg, withhold_value=True)


# --------------------------------------------------------------------------- runner


def _shown(val: object, withhold: bool) -> str | None:
    if withhold:
        return "[withheld]"
    if val is None or (not isinstance(val, str) and pd.isna(val)):
        return None
    if isinstance(val, (pd.Timestamp, np.datetime64)):
        return f"{pd.Timestamp(val):%d/%m/%Y}"
    return str(val)


def _run_rule(r: Rule, t: pd.DataFrame, ctx: Context, ing: Ingested) -> list[Problem]:
    out: list[Problem] = []
    for f in r.fn(t, ctx):
        mask = f.mask.fillna(False).astype(bool).to_numpy()
        if not mask.any():
            continue
        idx = t.index[mask]
        files = t["_file"].to_numpy()[mask]
        sheets = t["_sheet"].to_numpy()[mask]
        rows = t["_row"].to_numpy()[mask]
        partners = t["partner"].to_numpy()[mask]
        values = t[f.column].to_numpy()[mask] if f.column in t else [None] * len(idx)
        if isinstance(f.message, pd.Series):
            messages = f.message.reindex(idx).to_numpy()
        else:
            messages = [f.message or r.message] * len(idx)
        for file, sheet, row, partner, val, msg in zip(files, sheets, rows, partners, values,
                                                       messages, strict=True):
            out.append(Problem(
                r.severity, r.code, msg, r.fix, file=file, sheet=sheet, row=int(row),
                column=f.column, letter=ing.letter(file, f.column),
                value=_shown(val, f.withhold_value),
                partner=partner if isinstance(partner, str) else None))
    return out


def validate(ing: Ingested, profile: Profile, today: dt.date | None = None) -> Validated:
    """Run every rule over the table read by :func:`qa_lib.ingest.returns.read_returns`."""
    today = today or dt.date.today()
    t = ing.table
    ctx = Context(profile=profile, today=today, unreadable=ing.unreadable)
    problems = list(ing.problems)
    for r in RULES:
        try:
            problems.extend(_run_rule(r, t, ctx, ing))
        except Exception as exc:  # a crashed rule must never count as passed
            problems.append(Problem(
                ERROR, r.code, f"The check '{r.message}' could not run ({type(exc).__name__}: "
                f"{exc}); the round cannot be trusted until it runs.",
                "Report this to the toolkit's maintainers with the validation report.",
                file="(all files)", value=traceback.format_exc(limit=1).strip()[-200:]))
    for p in problems:  # personal data never reaches the validation report
        if not p.value or p.column not in PERSONAL_COLUMNS or p.value == "[withheld]":
            continue
        if p.column == "case_ref":  # the same test as rule V03
            p.value = "[withheld]" if identifier_kind(p.value) else p.value
        else:
            p.value = redact(p.value)[0]
    bad_rows = {(p.file, p.row) for p in problems if p.severity == ERROR and p.row is not None}
    crashed = any(p.file == "(all files)" for p in problems if p.severity == ERROR)
    keys = list(zip(t["_file"], t["_row"].astype(int), strict=True))
    row_ok = pd.Series([(k not in bad_rows) and not crashed for k in keys], index=t.index,
                       dtype=bool)
    ex = [(p.file, p.row, p.partner, p.column, p.message) for p in problems
          if p.severity == ERROR and p.row is not None]
    excluded = pd.DataFrame(ex, columns=["file", "row", "partner", "column", "reason"])
    if not excluded.empty:
        excluded = (excluded.groupby(["file", "row"], sort=True)
                    .agg(partner=("partner", "first"), reasons=("reason", "; ".join))
                    .reset_index())
    return Validated(table=t, problems=problems, row_ok=row_ok, excluded=excluded)


def catalogue() -> pd.DataFrame:
    """Every check the toolkit makes, with its code and what it tells the audit lead."""
    rows = [(code, sev, msg) for code, (sev, msg) in INGEST_CODES.items()]
    rows += [(r.code, r.severity, r.message) for r in RULES]
    return pd.DataFrame(rows, columns=["code", "severity", "check"]).sort_values("code")


