"""Validation checks over the typed table: one check per function, each with its code.

Every check is registered with :func:`check`, which defines its problem code once in the
registry of :mod:`qa_lib.common.problems` (severity, title, message, fix and the fields
it looks at), beside the reading-time codes of :mod:`qa_lib.ingest.codes`, so the tool can
print one catalogue of every code (``qa-audit rules``, :func:`catalogue`). A check returns
:class:`Failure` masks over the table; the runner turns each failing cell into a
:class:`~qa_lib.common.problems.Problem` with file, sheet, Excel row and column letter. A
check that crashes is reported as an error that stops the round: it is never counted as
passed. ("Rule" in this project means a profile's computed criterion, not a check.)
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import pandas as pd

from qa_lib.common.personal_data import identifier_kind, identifier_kinds, redact
from qa_lib.common.problems import Problem, ProblemCode, define, markdown_table, registered
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.returns import Ingested
from qa_lib.profile.schema import AGE_BANDS, FREE_TEXT, Profile

PERSONAL_COLUMNS = ("case_ref", "auditor_role", *FREE_TEXT)
UNBORN = AGE_BANDS[0]  # the age band of a child not yet born ("Unborn", in every profile)
# What describes the child and the multi-agency process rather than one partner's work, so
# every partner auditing the case should record it alike (docs/assumptions.md says why these
# and not the assessment dates or neglect types): checked by V11.
CASE_FACTS = ("age_band", "plan_type", "referral_date", "referral_decision_date",
              "strategy_discussion_date", "icpc_date", "first_review_date", "plan_start_date",
              "plan_end_date")


@dataclass
class Failure:
    """Rows failing a check on one column, with optional per-row message."""

    mask: pd.Series
    column: str
    message: str | pd.Series | None = None
    withhold_value: bool = False


@dataclass
class Context:
    """What checks may look at besides the table."""

    profile: Profile
    today: dt.date
    unreadable: set[tuple[int, str]]

    def readable_blank(self, table: pd.DataFrame, key: str) -> pd.Series:
        bad = {i for i, k in self.unreadable if k == key}
        return table[key].isna() & ~table.index.isin(list(bad))


CheckFn = Callable[[pd.DataFrame, Context], Iterable[Failure]]


@dataclass(frozen=True)
class Check:
    """A registered validation check: its problem code's definition and the function."""

    definition: ProblemCode
    fn: CheckFn

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def severity(self) -> Severity:
        return self.definition.severity


CHECKS: list[Check] = []


def check(code: str, title: str, fix: str, fields: Iterable[str],
          severity: Severity = Severity.ERROR, message: str | None = None
          ) -> Callable[[CheckFn], CheckFn]:
    """Register a validation check, defining its problem code: the title (the catalogue's
    line, and the default message unless ``message`` is given), the fix and the fields."""
    definition = define(code, severity, title, message=message, fix=fix, fields=tuple(fields))

    def deco(fn: CheckFn) -> CheckFn:
        CHECKS.append(Check(definition, fn))
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
        return [p for p in self.problems if p.severity == Severity.ERROR]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.NOTE]

    @property
    def valid_table(self) -> pd.DataFrame:
        return self.table[self.row_ok].reset_index(drop=True)

    @property
    def refused_files(self) -> list[str]:
        return sorted({p.file for p in self.errors if p.row is None and p.file != "(all files)"})


# --------------------------------------------------------------------------- checks


@check("V01", "A required value is blank.", "Fill in this cell; every case row needs it.",
       ["case_ref", "partner", "audit_date"])
def required_values(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """case_ref, partner and audit_date are filled in on every row."""
    for key in ("case_ref", "partner", "audit_date"):
        yield Failure(ctx.readable_blank(t, key), key, f"'{key}' is blank; every row needs it.")


@check("V02", "The case reference is not in the agreed form.",
       "Use the pseudonymised reference: letters, digits and -, at most 20 characters.",
       ["case_ref"])
def case_ref_form(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """case_ref holds only letters, digits and -, at most 20 characters."""
    ref = t["case_ref"].astype("string")
    bad_chars = ref.notna() & ~ref.str.fullmatch(r"[A-Za-z0-9-]+").fillna(True)
    too_long = ref.notna() & (ref.str.len() > 20).fillna(False)
    yield Failure(bad_chars, "case_ref",
                  "The case reference may hold only letters, digits and '-'.")
    yield Failure(too_long & ~bad_chars, "case_ref",
                  "The case reference is longer than 20 characters.")


@check("V03", "The case reference looks like personal data.",
       "Replace it with the pseudonymised case reference agreed for the round; never use a name, "
       "NHS number or date of birth.", ["case_ref"])
def case_ref_personal(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """case_ref is not an NHS number, name, date of birth, e-mail or postcode."""
    kinds = cast(pd.Series, identifier_kinds(t["case_ref"]))
    mask = kinds.notna()
    msg = kinds[mask].map(lambda k: f"The case reference looks like {k}; it was refused and is "
                          f"not shown here.")
    yield Failure(mask, "case_ref", msg, withhold_value=True)


@check("V04", "The audit date is in the future.", "Correct the audit date.", ["audit_date"])
def audit_date_future(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """The audit date is not after the reference date of the run."""
    yield Failure(t["audit_date"] > pd.Timestamp(ctx.today), "audit_date",
                  f"The audit date is after today ({ctx.today:%d/%m/%Y}).")


@check("V05", "This answer is not allowed for this question.",
       "Choose one of the answers the dropdown offers for this question.", ["criteria"])
def answer_allowed(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
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


@check("V06", "An end date is before its start date.",
       "Check both dates; the end cannot come before the start.", ["date pairs"])
def end_before_start(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """No end date before its start date (the profile's date pairs)."""
    for start, end in ctx.profile.model.date_order:
        bad = (t[end] < t[start]).fillna(False)
        if not bad.any():
            continue
        msg = t.loc[bad, start].map(lambda d, s=start, e=end: f"'{e}' is before '{s}' "
                                    f"({d:%d/%m/%Y}).")
        yield Failure(bad, end, msg)


@check("V07", "A date is after the audit date.",
       "Dates on the audit tool must be on or before the audit date; check the date and the year.",
       ["dates"])
def date_after_audit(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """No date after the audit date."""
    for d in ctx.profile.model.date_columns:
        bad = (t[d.key] > t["audit_date"]).fillna(False)
        yield Failure(bad, d.key, f"'{d.key}' is after the audit date.")


@check("V08", "A value needed by another answer is blank.",
       "Fill in this cell (see the column note for when it is needed).", ["required_when"])
def required_when(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """Columns needed by another answer are filled in (tool_name when TU1 is Yes)."""
    for col in ctx.profile.columns:
        rw = col.required_when
        if rw is None:
            continue
        needed = t[rw.column].isin(rw.answers)
        yield Failure(needed & ctx.readable_blank(t, col.key), col.key,
                      f"'{col.key}' is needed when {rw.column} is {' or '.join(rw.answers)}.")


@check("V09", "The same case is audited twice by the same partner.",
       "Keep one row per case for each partner: merge or delete the repeated row.",
       ["case_ref", "partner"])
def duplicate_case_partner(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """One row per case for each partner."""
    keyed = t[["case_ref", "partner"]].dropna()
    dup = keyed.duplicated(keep=False)
    mask = pd.Series(False, index=t.index)
    mask[keyed.index[dup]] = True
    where = t.loc[mask, ["_file", "_row", "case_ref", "partner"]]

    def placed(group: pd.DataFrame) -> str:
        if group["_file"].nunique() == 1:
            return "rows " + ", ".join(str(r) for r in group["_row"])
        return ", ".join(f"row {r} of '{f}'" for f, r in zip(group["_file"], group["_row"],
                                                              strict=True))

    rows = {key: placed(g) for key, g in where.groupby(["case_ref", "partner"])}
    messages: dict[object, str] = {}
    withheld: list[object] = []
    for i, case, partner in zip(where.index, where["case_ref"], where["partner"], strict=True):
        shown = case
        if identifier_kind(case):  # refused by V03 too; never repeat it here
            shown = "[withheld]"
            withheld.append(i)
        messages[i] = (f"Case {shown} appears more than once for {partner} "
                       f"({rows[(case, partner)]}).")
    msg = pd.Series(messages, dtype=object).reindex(t.index)
    personal = pd.Series(t.index.isin(withheld), index=t.index)
    yield Failure(mask & ~personal, "case_ref", msg)
    yield Failure(mask & personal, "case_ref", msg, withhold_value=True)


@check("V10", "Two case references differ only in leading zeros.",
       "Write each child's reference exactly as agreed for the round, with its leading zeros, "
       "in every return.", ["case_ref"])
def case_ref_leading_zeros(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """No two references that differ only in leading zeros (123 and 000123: Excel drops the
    zeros of a number), which would split one child into two cases."""
    ref = t["case_ref"].astype("string")
    key = ref.str.replace(r"(?<![0-9])0+(?=[0-9])", "", regex=True)
    forms = pd.DataFrame({"ref": ref, "key": key}).dropna().groupby("key")["ref"].unique()
    clashing = forms[forms.map(len) > 1]
    mask = key.isin(clashing.index) & ref.notna()

    def message(i: int) -> str:
        others = [o for o in clashing[key[i]] if o != ref[i] and not identifier_kind(o)]
        named = " and ".join(f"'{o}'" for o in others) or "another reference"
        return (f"This reference and {named} differ only in leading zeros, so one child may "
                "be split into two cases.")

    yield Failure(mask, "case_ref", pd.Series({i: message(i) for i in t.index[mask]},
                                              dtype=object))


def _said(value: object) -> str:
    """A value as a message quotes it: a date as DD/MM/YYYY, anything else in quotes."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{pd.Timestamp(value):%d/%m/%Y}"
    return f"'{value}'"


def _facts(t: pd.DataFrame) -> pd.DataFrame:
    """The case facts present in ``t``, compared as V11 compares them: text stripped, dates
    by the day; blanks are missing, never a different value."""
    out: dict[str, pd.Series] = {}
    for key in (k for k in CASE_FACTS if k in t):
        col = t[key]
        if key.endswith("_date"):
            out[key] = pd.to_datetime(col, errors="coerce").dt.normalize()
        else:
            text = col.astype("string").str.strip()
            out[key] = text.mask(text == "")
    return pd.DataFrame(out, index=t.index)


def differing_facts(t: pd.DataFrame) -> dict[str, list[str]]:
    """Each case (of two or more rows) whose rows record a case fact differently: the case
    reference and the facts that differ, in :data:`CASE_FACTS` order. A reference that looks
    like personal data is left out (V03 refuses it)."""
    facts = _facts(t)
    ref = t["case_ref"].astype("string")
    keep = ref.notna() & cast(pd.Series, identifier_kinds(t["case_ref"])).isna()
    if not keep.any() or facts.empty:
        return {}
    n = facts[keep].groupby(ref[keep]).nunique()
    differ = n[(n > 1).any(axis=1)]
    return {str(case): [k for k in differ.columns if row[k] > 1]
            for case, row in differ.iterrows()}


_DIFFERENT = " is described differently by its partners: "


def differences_message(case: str, parts: list[tuple[str, str]]) -> str:
    """V11's message: the case, then each differing fact's key and what the partners gave
    ("'1-4' (Schools in schools.xlsx row 3), '5-10' (...)"), facts separated by "; "."""
    return f"Case {case}{_DIFFERENT}" + "; ".join(f"{k} {said}" for k, said in parts) + "."


def differences_of(message: str) -> list[tuple[str, str]]:
    """The facts and what the partners gave, read back from a V11 message."""
    body = message.partition(_DIFFERENT)[2].removesuffix(".")
    return [(k, said) for k, _, said in (part.partition(" ") for part in body.split("; ")) if said]


@check("V11", "A case described differently by its partners: another age band, plan type or "
       "date of the case (referral, strategy discussion, conferences, plan).",
       "Ask the partners which is right and correct the returns that differ (a blank is not "
       "a difference); the round is scored as the returns stand.",
       ["case_ref", *CASE_FACTS], severity=Severity.NOTE)
def described_differently(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """One note per case whose partners record its age band, plan type or a date of the case
    differently, on the case's first row, naming each value with its partners' rows."""
    differing = differing_facts(t)
    if not differing:
        return
    facts = _facts(t)
    mask = pd.Series(False, index=t.index)
    messages: dict[object, str] = {}
    ref = t["case_ref"].astype("string")
    of_case = ref[ref.isin(list(differing))].groupby(ref).groups  # each case's rows, once
    for case, keys in differing.items():
        rows = t.loc[of_case[case]].sort_values(["_file", "_row"])
        parts = []
        for key in keys:
            said: dict[str, list[str]] = {}
            for v, who, file, r in zip(facts.loc[rows.index, key], rows["partner"],
                                       rows["_file"], rows["_row"], strict=True):
                if pd.isna(v):
                    continue
                name = who if isinstance(who, str) else "no partner"
                said.setdefault(_said(v), []).append(f"{name} in {file} row {int(r)}")
            parts.append((key, ", ".join(f"{v} ({', '.join(w)})" for v, w in said.items())))
        first = rows.index[0]
        mask[first] = True
        messages[first] = differences_message(case, parts)
    yield Failure(mask, "case_ref", pd.Series(messages, dtype=object).reindex(t.index))


@check("V12", "The child's voice is recorded for an unborn child.",
       "Check whose words these are: correct the age band if the child has been born, or move "
       "a parent's words to another column.", ["age_band", "child_voice_excerpt"],
       severity=Severity.NOTE)
def unborn_voice(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """No child's voice for an unborn child: probably a parent's words, or a mistake; the
    child's voice section leaves it out."""
    if "child_voice_excerpt" not in t or "age_band" not in t:
        return
    text = t["child_voice_excerpt"].astype("string").str.strip()
    yield Failure((t["age_band"] == UNBORN) & text.notna() & (text != ""), "child_voice_excerpt",
                  f"The child's age band is '{UNBORN}', but words are recorded as the child's "
                  "voice: they may be a parent's, or the age band may be out of date. They are "
                  "left out of the child's voice section.")


def code_of(fn: CheckFn) -> str:
    """The problem code of the check ``fn`` (so no other module types it)."""
    return next(c.code for c in CHECKS if c.fn is fn)


# --------------------------------------------------------------------------- runner


def _shown(val: Any, withhold: bool) -> str | None:
    if withhold:
        return "[withheld]"
    if val is None or (not isinstance(val, str) and pd.isna(val)):
        return None
    if isinstance(val, (pd.Timestamp, np.datetime64)):
        return f"{pd.Timestamp(val):%d/%m/%Y}"
    return str(val)


def _run_check(c: Check, t: pd.DataFrame, ctx: Context, ing: Ingested) -> list[Problem]:
    out: list[Problem] = []
    d = c.definition
    for f in c.fn(t, ctx):
        mask = f.mask.fillna(False).astype(bool).to_numpy()
        if not mask.any():
            continue
        idx = t.index[mask]
        files = t["_file"].to_numpy()[mask]
        sheets = t["_sheet"].to_numpy()[mask]
        rows = t["_row"].to_numpy()[mask]
        partners = t["partner"].to_numpy()[mask]
        values = (t[f.column].to_numpy()[mask] if f.column in t
                  else np.full(len(idx), None, dtype=object))
        if isinstance(f.message, pd.Series):
            messages = f.message.reindex(idx).to_numpy()
        else:
            messages = np.full(len(idx), f.message or d.message, dtype=object)
        for file, sheet, row, partner, val, msg in zip(files, sheets, rows, partners, values,
                                                       messages, strict=True):
            out.append(d.problem(
                file=file, message=msg, sheet=sheet, row=int(row), column=f.column,
                letter=ing.letter(file, f.column), value=_shown(val, f.withhold_value),
                partner=partner if isinstance(partner, str) else None))
    return out


def _set_aside_problems(ing: Ingested, profile: Profile, today: dt.date) -> list[Problem]:
    """The checks run over the rows of files refused for their header (a required column
    missing), so the partner can fix everything at once; problems about the missing columns
    themselves are left out (the refusal names them). These rows are never scored."""
    t = ing.set_aside
    if t is None or t.empty:
        return []
    ctx = Context(profile=profile, today=today, unreadable=ing.set_aside_unreadable)
    out: list[Problem] = []
    for c in CHECKS:
        out.extend(p for p in _checked(c, t, ctx, ing)
                   if p.column not in ing.missing.get(p.file, set()))
    return out


def _checked(c: Check, t: pd.DataFrame, ctx: Context, ing: Ingested) -> list[Problem]:
    """One check's problems; a check that crashes is an error that stops the round, whatever
    the check's own severity: it is never counted as passed."""
    try:
        return _run_check(c, t, ctx, ing)
    except Exception as exc:
        crash = c.definition.problem(
            file="(all files)", message=f"The check '{c.definition.title}' could not run "
            f"({type(exc).__name__}: {exc}); the round cannot be trusted until it runs.",
            fix="Report this to the toolkit's maintainers with the validation report.",
            value=traceback.format_exc(limit=1).strip()[-200:])
        return [replace(crash, severity=Severity.ERROR)]


def validate(ing: Ingested, profile: Profile, today: dt.date | None = None) -> Validated:
    """Run every check over the table read by :func:`qa_lib.ingest.returns.read_returns`."""
    today = today or dt.date.today()
    t = ing.table
    ctx = Context(profile=profile, today=today, unreadable=ing.unreadable)
    problems = list(ing.problems)
    for c in CHECKS:
        problems.extend(_checked(c, t, ctx, ing))
    problems.extend(_set_aside_problems(ing, profile, today))
    for p in problems:  # personal data never reaches the validation report
        if not p.value or p.column not in PERSONAL_COLUMNS or p.value == "[withheld]":
            continue
        if p.column == "case_ref":  # the same test as check V03
            p.value = "[withheld]" if identifier_kind(p.value) else p.value
        else:
            p.value = redact(p.value)[0]
    bad_rows = {(p.file, p.row) for p in problems
                if p.severity == Severity.ERROR and p.row is not None}
    crashed = any(p.file == "(all files)" for p in problems if p.severity == Severity.ERROR)
    keys = list(zip(t["_file"], t["_row"].astype(int), strict=True))
    row_ok = pd.Series([(k not in bad_rows) and not crashed for k in keys], index=t.index,
                       dtype=bool)
    ex = [(p.file, p.row, p.partner, p.column, p.message) for p in problems
          if p.severity == Severity.ERROR and p.row is not None]
    excluded = pd.DataFrame(ex, columns=["file", "row", "partner", "column", "reason"])
    if not excluded.empty:
        excluded = (excluded.groupby(["file", "row"], sort=True)
                    .agg(partner=("partner", "first"), reasons=("reason", "; ".join))
                    .reset_index())
    return Validated(table=t, problems=problems, row_ok=row_ok, excluded=excluded)


def catalogue() -> pd.DataFrame:
    """Every problem code the toolkit can raise, from the registry, sorted by code: code,
    severity, title (what it means), fields (what it concerns) and the default fix."""
    rows = [(d.code, d.severity, d.title, ", ".join(d.fields), d.fix) for d in registered()]
    return pd.DataFrame(rows, columns=["code", "severity", "title", "fields", "fix"])


def catalogue_markdown() -> str:
    """The catalogue as the markdown table docs/bad-input.md holds (``python -m qa_lib.checks``
    writes it there)."""
    return markdown_table(registered())


# The generated table sits between these two lines of docs/bad-input.md.
CATALOGUE_BEGIN = "<!-- catalogue: generated from the registry by `python -m qa_lib.checks`; do not edit -->"
CATALOGUE_END = "<!-- end of the generated catalogue -->"


def _catalogue_span(doc: str) -> tuple[int, int]:
    begin, end = doc.find(CATALOGUE_BEGIN), doc.find(CATALOGUE_END)
    if begin < 0 or end < begin:
        raise ValueError("The document has no generated catalogue (its begin and end lines).")
    return begin + len(CATALOGUE_BEGIN) + 1, end


def catalogue_in_doc(doc: str) -> str:
    """The catalogue table a document holds between its begin and end lines."""
    start, stop = _catalogue_span(doc)
    return doc[start:stop]


def doc_with_catalogue(doc: str) -> str:
    """The document with its catalogue table replaced by the one the registry renders."""
    start, stop = _catalogue_span(doc)
    return doc[:start] + catalogue_markdown() + doc[stop:]




# --------------------------------------------------------------------------- where the partner types


def _number(v: float) -> str:
    return f"{v:g}"


@check("V13", "A number outside the range the profile gives its column.",
       "Check the number: correct it, or leave the cell blank if it is not known.",
       ["number columns"])
def number_in_range(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """A number column's value lies within the column's min and max (a percentage column:
    0 to 100 unless the profile says otherwise)."""
    for col in ctx.profile.columns:
        if col.type != "number" or col.key not in t or (col.min is None and col.max is None):
            continue
        values = pd.to_numeric(t[col.key], errors="coerce")
        lo = -np.inf if col.min is None else col.min
        hi = np.inf if col.max is None else col.max
        bad = values.notna() & ((values < lo) | (values > hi))
        if not bad.any():
            continue
        if col.min is not None and col.max is not None:
            span = f"from {col.min} to {col.max}"
        else:
            span = f"at least {col.min}" if col.min is not None else f"at most {col.max}"
        what = "a percentage" if col.percent else "a number"
        msg = values[bad].map(lambda v, k=col.key, s=span, w=what: f"{_number(v)} is outside "
                              f"the range of {k}: {w} {s}.")
        yield Failure(bad, col.key, msg)


@check("V14", "The case reference is not in the form the partnership agreed (the profile's "
       "case_ref_pattern).",
       "Write the case reference in the form agreed for the round (see the example in the "
       "message).", ["case_ref"])
def case_ref_pattern(t: pd.DataFrame, ctx: Context) -> Iterator[Failure]:
    """case_ref matches the profile's own pattern, where the profile gives one; references
    that look like personal data are left to V03, which withholds them."""
    pattern = ctx.profile.model.case_ref_pattern
    if pattern is None or "case_ref" not in t:
        return
    ref = t["case_ref"].astype("string")
    bad = ref.notna() & ~ref.str.fullmatch(pattern.regex).fillna(True)
    bad &= cast(pd.Series, identifier_kinds(t["case_ref"])).isna()
    if not bad.any():
        return
    msg = ref[bad].map(lambda v: f"'{v}' is not in the form agreed for the round, such as "
                       f"{pattern.example}.")
    yield Failure(bad, "case_ref", msg)
