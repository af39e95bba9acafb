"""Strategy profiles: load, check against a schema, and describe the audit sheet.

A profile is a YAML data file (``qa_lib/profiles/<name>.yaml`` or any path) that
lists a strategy's measures, criteria, weights, bands, partners and tools. The
audit template, validation and scoring are all generated from it, so the
columns of the audit sheet and the scoring can never drift apart.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qa_lib.common.vocabulary import Answer

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"

ANSWERS = tuple(a.value for a in Answer)  # Yes, Partly, No, N/A
AGE_BANDS = ("Unborn", "0-1", "1-4", "5-10", "11-15", "16-17")
PLAN_TYPES = ("Early Help", "Child in Need", "Child Protection", "Looked After", "None")
NEGLECT_TYPES = ("Physical", "Educational", "Emotional", "Medical")
GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
FREE_TEXT = ("strengths", "areas_for_improvement", "recommended_actions", "child_voice_excerpt")


class ProfileError(Exception):
    """A profile file that cannot be used; the message names file, field and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """A band: its name and the lowest score in it."""

    name: str
    min: float = Field(ge=0, le=100)


class Rule(_Strict):
    """A computed criterion: a function registered in :mod:`qa_lib.profile.computed`."""

    function: str
    start: str | None = None
    end: str | None = None
    limit: float | None = None
    params: dict[str, object] = Field(default_factory=dict)
    # the criterion applies only on rows where at least one of these columns has a value
    # (T2: the case had an assessment, a start or an end date); empty = every row
    applies_when_any: tuple[str, ...] = ()


class Source(_Strict):
    """What supports a criterion (or a list entry, or a drift rule): either a quote from the
    strategy with its section (``kind: strategy``), or national guidance with the edition
    and the requirement (``kind: national``); with one sentence saying why it supports it."""

    kind: Literal["strategy", "national"] = "strategy"
    section: str | None = Field(default=None, min_length=2)
    quote: str | None = Field(default=None, min_length=10, max_length=400)
    guidance: str | None = Field(default=None, min_length=5)  # e.g. Working Together ... 2023
    requirement: str | None = Field(default=None, min_length=10, max_length=400)
    why: str | None = Field(default=None, min_length=10, max_length=400)

    @model_validator(mode="after")
    def _kind_has_its_fields(self) -> Source:
        if self.kind == "strategy" and not (self.section and self.quote):
            raise ValueError("a strategy source needs 'section' and 'quote'")
        if self.kind == "national" and not (self.guidance and self.requirement):
            raise ValueError("a national source needs 'guidance' and 'requirement'")
        return self


class Criterion(_Strict):
    """One criterion: a question answered Yes/Partly/No(/N/A), or a computed rule."""

    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    question: str = Field(min_length=3)
    weight: float = Field(gt=0)
    answers: tuple[Literal["Yes", "Partly", "No", "N/A"], ...] | None = None
    rule: Rule | None = None
    source: Source | None = None
    inferred: bool = False  # the strategy implies but does not state it (shown as such)

    @model_validator(mode="after")
    def _answers_or_rule(self) -> Criterion:
        if (self.answers is None) == (self.rule is None):
            raise ValueError("a criterion needs exactly one of 'answers' or 'rule'")
        if self.answers is not None and not {"Yes", "No"} <= set(self.answers):
            raise ValueError("answers must include at least Yes and No")
        return self


class Measure(_Strict):
    """A measure: a named group of weighted criteria; optionally the partnership's own audit
    ``target`` for its mean score (0 to 100), set only where the strategy states one, with
    the ``target_source`` that states it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    target: float | None = Field(default=None, ge=0, le=100)
    target_source: Source | None = None

    @model_validator(mode="after")
    def _target_has_its_source(self) -> Measure:
        if self.target is not None and self.target_source is None:
            raise ValueError("a measure's 'target' needs a 'target_source': the strategy's "
                             "words that set it")
        if self.target is None and self.target_source is not None:
            raise ValueError("'target_source' is given but 'target' is not")
        return self


class DateColumn(_Strict):
    """A date column of the audit sheet."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: str


class RequiredWhen(_Strict):
    """A column needed when another column has one of some answers."""

    column: str
    answers: tuple[str, ...]


class ExtraColumn(_Strict):
    """An unscored column of the audit sheet (tool used, grades, ...)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: Literal["text", "choice", "multi_choice", "grade", "number"]
    question: str
    choices: tuple[str, ...] | None = None
    choices_from: Literal["tools", "partners"] | None = None
    min: int | None = None
    max: int | None = None
    required_when: RequiredWhen | None = None
    # a number column holding a percentage: '92%' is read as 92, a cell formatted as a
    # percentage as the number it shows, and the range is 0 to 100 unless min/max say
    # otherwise. Taken as set for a number column whose key ends _pct or _percent, or whose
    # question says % or per cent (as the audit tool's own check on the cell does).
    unit: Literal["percent"] | None = None

    @property
    def is_percent(self) -> bool:
        """A number column holding a percentage: ``unit: percent``, a key ending _pct or
        _percent, or a question saying % or per cent."""
        return self.type == "number" and (
            self.unit == "percent" or self.key.endswith(("_pct", "_percent"))
            or "%" in self.question or "per cent" in self.question)


class Drift(_Strict):
    """The drift flags, reported not scored: plans open longer than the strategy's own limit
    (only where its text names one: ``plan_months``, for ``plan_types`` or every plan), and
    a first review overdue (``review_criterion``, for every profile)."""

    plan_months: int | None = Field(default=None, gt=0)
    plan_types: tuple[str, ...] = ()  # empty: every plan type
    plan_start: str
    plan_end: str
    review_criterion: str | None = None
    source: Source | None = None  # what in the strategy sets the plan limit


class Listed(_Strict):
    """One entry of a profile's list (a partner, a tool): its name, and whether the strategy
    names it or it is inferred, with what supports it."""

    name: str = Field(min_length=2)
    inferred: bool = False
    source: Source | None = None


def area_slug(name: str) -> str:
    """An area's name as a column-key part: lower case, words joined by ``_``."""
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


class GradedArea(_Strict):
    """An area of a graded tool given as a mapping: its name, and the key of its grade
    columns where the slug of the name will not do (``{name: Love and care, key: love}``)."""

    name: str = Field(min_length=2)
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_]*$")


class GradedTool(Listed):
    """A tool the strategy names that grades areas of a child's care (distance travelled
    is first against latest grade in each area). Its grade columns are generated:
    ``<key>_first_<area>`` and ``<key>_latest_<area>`` for each area, ``<area>`` the slug
    of the area's name (or the area's own ``key``)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # prefix of its grade columns
    areas: tuple[str | GradedArea, ...] = Field(min_length=1)
    min: int = 1
    max: int = 5
    lower_is_better: bool = True

    @model_validator(mode="after")
    def _a_scale(self) -> GradedTool:
        if self.min >= self.max:
            raise ValueError("a graded tool needs 'min' below 'max'")
        return self

    @property
    def area_list(self) -> tuple[tuple[str, str], ...]:
        """Each area as (its key in column names, its name), in the profile's order."""
        return tuple((area_slug(a), a) if isinstance(a, str) else (a.key or area_slug(a.name),
                                                                   a.name) for a in self.areas)

    def column_key(self, which: Literal["first", "latest"], area_key: str) -> str:
        """The key of one grade column: ``<key>_first_<area>`` or ``<key>_latest_<area>``."""
        return f"{self.key}_{which}_{area_key}"

    @property
    def column_keys(self) -> tuple[str, ...]:
        """Every grade column's key: the first grades, then the latest, area by area."""
        return tuple(self.column_key(w, k) for w in ("first", "latest") for k, _ in self.area_list)

    @property
    def scale(self) -> str:
        """The grade scale in words, e.g. ``1 best to 5 worst``."""
        ends = ("best", "worst") if self.lower_is_better else ("worst", "best")
        return f"{self.min} {ends[0]} to {self.max} {ends[1]}"


class Indicator(_Strict):
    """A strategy-level measure the strategy says it will monitor (its scorecard): filled
    in each period by the performance team, or computed from the case rows."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=3)
    source: Source
    direction: Literal["higher", "lower"]  # which way is good
    unit: Literal["percent", "count", "number", "days", "rate"] = "percent"
    numerator: str = Field(min_length=3)  # what is counted
    denominator: str | None = None  # what it is counted out of (None for a count)
    baseline: float | None = None
    target: float | None = None
    computed: Rule | None = None  # computed from the case rows instead of filled in


class StrategyDocument(_Strict):
    """The published strategy a profile is read from (file name as in shared/seeds)."""

    title: str
    period: str | None = None
    file: str | None = None


class CaseRefPattern(_Strict):
    """The form every case reference of the partnership takes: a regular expression the
    whole reference must match, and an example of it for the partner's message."""

    regex: str = Field(min_length=1)
    example: str = Field(min_length=1)

    @model_validator(mode="after")
    def _a_pattern_its_example_matches(self) -> CaseRefPattern:
        try:
            compiled = re.compile(self.regex)
        except re.error as exc:
            raise ValueError(f"'regex' is not a regular expression: {exc}") from None
        if not compiled.fullmatch(self.example):
            raise ValueError(f"the example '{self.example}' does not match the regex "
                             f"'{self.regex}'")
        return self


class ProfileModel(_Strict):
    """The whole profile file, as checked by the schema."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    partnership: str
    strategy: str
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    source_document: StrategyDocument | None = None
    plugins: tuple[str, ...] = ()  # Python files (relative to the profile) registering functions
    bands: tuple[Band, ...] = Field(min_length=2)
    partners: tuple[str | Listed, ...] = Field(min_length=1)
    tools: tuple[str | Listed, ...] = Field(min_length=1)
    graded_tools: tuple[GradedTool, ...] = ()
    neglect_types: tuple[str, ...] = Field(default=NEGLECT_TYPES, min_length=1)
    plan_types: tuple[str, ...] = Field(default=PLAN_TYPES, min_length=1)
    indicators: tuple[Indicator, ...] = ()
    measures: tuple[Measure, ...] = Field(min_length=1)
    date_columns: tuple[DateColumn, ...] = ()
    date_order: tuple[tuple[str, str], ...] = ()
    extra_columns: tuple[ExtraColumn, ...] = ()
    drift: Drift | None = None
    # the partnership's own form of case reference, checked on every row (check V13) with
    # an example shown in the message: e.g. {regex: "DUR-[0-9]{5}", example: DUR-01234}
    case_ref_pattern: CaseRefPattern | None = None


def cross_check(model: ProfileModel) -> list[tuple[str, str]]:
    """Checks between fields, as (field path, problem) pairs; empty when the profile is sound."""
    out: list[tuple[str, str]] = []
    mins = [b.min for b in model.bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        out.append(("bands", "bands must be listed best first with strictly falling 'min'"))
    elif mins[-1] != 0:
        out.append(("bands", "the last band must have min 0 so every score has a band"))
    seen: set[str] = set()
    dates = {d.key for d in model.date_columns}
    for i, m in enumerate(model.measures):
        for j, c in enumerate(m.criteria):
            where = f"measures.{i}.criteria.{j}"
            if c.key in seen:
                out.append((f"{where}.key", f"criterion key '{c.key}' is used twice"))
            seen.add(c.key)
            if c.rule:
                for end in ("start", "end"):
                    col = getattr(c.rule, end)
                    if col is not None and col not in dates:
                        out.append((f"{where}.rule.{end}",
                                    f"criterion {c.key}: '{col}' is not in date_columns"))
    for i, pair in enumerate(model.date_order):
        for col in pair:
            if col not in dates:
                out.append((f"date_order.{i}", f"'{col}' is not in date_columns"))
    for i, m in enumerate(model.measures):
        for j, c in enumerate(m.criteria):
            for col in (c.rule.applies_when_any if c.rule else ()):
                if col not in dates:
                    out.append((f"measures.{i}.criteria.{j}.rule.applies_when_any",
                                f"criterion {c.key}: '{col}' is not in date_columns"))
    for field_name in ("partners", "tools"):
        names = [_name(e) for e in getattr(model, field_name)]
        for name in {n for n in names if names.count(n) > 1}:
            out.append((field_name, f"'{name}' is listed twice"))
    tool_names = {_name(t) for t in model.tools}
    for i, g in enumerate(model.graded_tools):
        if g.name not in tool_names:
            out.append((f"graded_tools.{i}.name", f"'{g.name}' is not in tools"))
    if model.graded_tools:  # each generated grade column is new to the sheet and to the scores
        keys = Counter([c.key for c in Profile(model=model, path=Path()).columns]
                       + [c.key for m in model.measures for c in m.criteria if c.rule])
        for i, g in enumerate(model.graded_tools):
            for j, (area, name) in enumerate(g.area_list):
                if not area:
                    out.append((f"graded_tools.{i}.areas.{j}",
                                f"area '{name}' gives no column key: give it a 'key'"))
            for k in dict.fromkeys(g.column_keys):
                if keys[k] > 1:
                    out.append((f"graded_tools.{i}",
                                f"'{g.name}' grade column '{k}' clashes with another column"))
    if model.drift:
        for i, t in enumerate(model.drift.plan_types):
            if t not in model.plan_types:
                out.append((f"drift.plan_types.{i}", f"'{t}' is not in plan_types"))
        for name in ("plan_start", "plan_end"):
            col = getattr(model.drift, name)
            if col not in dates:
                out.append((f"drift.{name}", f"'{col}' is not in date_columns"))
        rc = model.drift.review_criterion
        if rc is not None and rc not in seen:
            out.append(("drift.review_criterion", f"'{rc}' is not a criterion of the profile"))
    out.extend(_columns_named(model, dates))
    return out


def _near(word: str, known: list[str] | set[str] | tuple[str, ...]) -> str:
    """' Did you mean 'x'?' for the closest of ``known`` to ``word``, else ''."""
    near = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" Did you mean '{near[0]}'?" if near else ""


def _columns_named(model: ProfileModel, dates: set[str]) -> list[tuple[str, str]]:
    """Every column a rule, an indicator or a required-when names is a column of the
    sheet, and the answers or values it names are among that column's choices."""
    out: list[tuple[str, str]] = []
    columns = {c.key: c for c in Profile(model=model, path=Path()).columns}

    def named(where: str, col: object, what: str) -> bool:
        if isinstance(col, str) and col in columns:
            return True
        out.append((where, f"{what} '{col}' is not a column of the profile's audit sheet."
                    + _near(str(col), columns)))
        return False

    def choices(where: str, col: str, given: object) -> None:
        allowed = columns[col].choices
        for v in (given if isinstance(given, list | tuple) else [given]):
            if allowed and str(v) not in allowed:
                out.append((where, f"'{v}' is not one of {col}'s choices "
                            f"({'; '.join(allowed)}).{_near(str(v), allowed)}"))

    rules = [(f"measures.{i}.criteria.{j}.rule", c.rule) for i, m in enumerate(model.measures)
             for j, c in enumerate(m.criteria) if c.rule]
    rules += [(f"indicators.{i}.computed", ind.computed)
              for i, ind in enumerate(model.indicators) if ind.computed]
    for where, rule in rules:
        if where.startswith("indicators"):  # a criterion's dates are checked above
            for end in ("start", "end"):
                col = getattr(rule, end)
                if col is not None and col not in dates:
                    out.append((f"{where}.{end}", f"'{col}' is not in date_columns."
                                + _near(col, dates)))
            for k, col in enumerate(rule.applies_when_any):
                if col not in dates:
                    out.append((f"{where}.applies_when_any.{k}",
                                f"'{col}' is not in date_columns." + _near(col, dates)))
        for name, value in rule.params.items():
            if (name == "column" or name.endswith("_column")) and named(
                    f"{where}.params.{name}", value, "the column"):
                if name == "column" and "values" in rule.params:
                    choices(f"{where}.params.values", value, rule.params["values"])
    for i, x in enumerate(model.extra_columns):
        if x.required_when is not None and named(f"extra_columns.{i}.required_when.column",
                                                 x.required_when.column, "the column"):
            choices(f"extra_columns.{i}.required_when.answers", x.required_when.column,
                    x.required_when.answers)
        if x.min is not None and x.max is not None and x.min > x.max:
            out.append((f"extra_columns.{i}", f"'min' ({x.min}) is above 'max' ({x.max})"))
    return out


# What a computed criterion's function reads of its rule, from its source: rule.start, ...
# and rule.params["name"] (needed) or params.get("name") (optional).
_READS_FIELD = re.compile(r"\brule\.(start|end|limit)\b")
_READS_PARAM = re.compile(r"params\s*\[\s*['\"](\w+)['\"]\s*\]")
_READS_PARAM_GET = re.compile(r"params\.get\(\s*['\"](\w+)['\"]")


def rule_fields(fn: object) -> tuple[set[str], set[str], set[str] | None] | None:
    """What a registered function reads of its rule, from its source: (fields of the rule it
    needs, params it needs, params it may take, or None when that cannot be told); None
    when the source cannot be read.

    A parameter read as ``params["name"]`` is needed (unless the function tests ``"name" in``
    first), one read with ``params.get("name")`` optional. The fields (start, end, limit) are
    told only for the toolkit's own functions, which read them unconditionally; and a function
    that never names ``params`` itself (it may hand the rule to a helper) is trusted with any."""
    import inspect

    try:
        src = inspect.getsource(fn)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    own = getattr(fn, "__module__", "") == "qa_lib.profile.computed"
    fields = set(_READS_FIELD.findall(src)) if own else set()
    needed = {n for n in _READS_PARAM.findall(src)
              if not re.search(rf"['\"]{n}['\"]\s+(?:not\s+)?in\b", src)}
    known = set(_READS_PARAM.findall(src)) | set(_READS_PARAM_GET.findall(src))
    return fields, needed, (known if own or "params" in src else None)


def rule_issues(model: ProfileModel, registry: dict) -> list[tuple[str, str]]:
    """Each rule's function is registered, and the rule gives every field and parameter the
    function reads, and no parameter it does not (a misspelt ``threshold``)."""
    out: list[tuple[str, str]] = []
    rules = [(f"measures.{i}.criteria.{j}.rule", c.rule) for i, m in enumerate(model.measures)
             for j, c in enumerate(m.criteria) if c.rule]
    rules += [(f"indicators.{i}.computed", ind.computed)
              for i, ind in enumerate(model.indicators) if ind.computed]
    for where, rule in rules:
        fn = registry.get(rule.function)
        if fn is None:
            out.append((f"{where}.function",
                        f"no computed criterion called '{rule.function}' is registered "
                        f"(known: {', '.join(sorted(registry))}).{_near(rule.function, registry)}"))
            continue
        reads = rule_fields(fn)
        if reads is None:
            continue
        fields, needed, known = reads
        for name in sorted(fields):
            if getattr(rule, name) is None:
                out.append((f"{where}.{name}", f"{rule.function} needs '{name}'"))
        for name in sorted(needed - set(rule.params)):
            out.append((f"{where}.params", f"{rule.function} needs the parameter '{name}'"))
        for name in sorted(set(rule.params) - (known if known is not None else set(rule.params))):
            hint = _near(name, known) if known else f" {rule.function} takes no parameters."
            out.append((f"{where}.params.{name}",
                        f"{rule.function} has no parameter '{name}'.{hint}"))
    return out


@dataclass(frozen=True)
class Column:
    """One column of the audit sheet, as the template writes it and the reader expects it."""

    key: str
    type: str  # text | choice | multi_choice | date | answer | grade | number
    question: str
    required: bool = False  # a value is needed in every row
    in_header: bool = True  # the column must be present in a return
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    required_when: RequiredWhen | None = None
    group: str = "Case"
    extra: dict = field(default_factory=dict)
    percent: bool = False  # a number column holding a percentage


def _name(entry: str | Listed) -> str:
    return entry if isinstance(entry, str) else entry.name


def _listed(entry: str | Listed) -> Listed:
    return Listed(name=entry) if isinstance(entry, str) else entry


@dataclass(frozen=True)
class Profile:
    """A loaded, checked profile with helpers for the sheet layout and scoring."""

    model: ProfileModel
    path: Path

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def measures(self) -> tuple[Measure, ...]:
        return self.model.measures

    @property
    def partners(self) -> tuple[str, ...]:
        """The partner agencies' names."""
        return tuple(_name(p) for p in self.model.partners)

    @property
    def tools(self) -> tuple[str, ...]:
        """The names of the tools a case may record (graded tools among them)."""
        return tuple(_name(t) for t in self.model.tools)

    @property
    def partner_entries(self) -> tuple[Listed, ...]:
        """Each partner with whether it is inferred and what supports it."""
        return tuple(_listed(p) for p in self.model.partners)

    @property
    def graded_tools(self) -> tuple[GradedTool, ...]:
        """The tools that grade areas of a child's care, each with its generated columns."""
        return self.model.graded_tools

    @property
    def tool_entries(self) -> tuple[Listed, ...]:
        """Each tool with whether it is inferred and what supports it."""
        return tuple(_listed(t) for t in self.model.tools)

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.model.bands)

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        return {c.key: c for m in self.measures for c in m.criteria}

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """Every column of the audit sheet, in template order."""
        cols: list[Column] = [
            Column("case_ref", "text", "Pseudonymised case reference: letters, digits and -, "
                   "at most 20 characters, the same for every partner (never a name, NHS number "
                   "or date of birth)", required=True, max_length=20),
            Column("partner", "choice", "Your agency, as listed", required=True,
                   choices=self.partners),
            Column("auditor_role", "text", "Role of the auditor (optional)", in_header=False),
            Column("audit_date", "date", "Date of this audit", required=True),
            Column("age_band", "choice", "Child's age band at the audit", choices=AGE_BANDS),
            Column("plan_type", "choice", "The child's plan at the audit",
                   choices=self.model.plan_types),
            Column("neglect_types", "multi_choice",
                   f"Types of neglect (any of {'; '.join(self.model.neglect_types)}, "
                   "separated by ;)", choices=self.model.neglect_types),
        ]
        for m in self.measures:
            for c in m.criteria:
                if c.answers:
                    cols.append(Column(c.key, "answer", c.question, choices=c.answers,
                                       group=m.name))
        for d in self.model.date_columns:
            cols.append(Column(d.key, "date", d.question, group="Dates"))
        for x in self.model.extra_columns:
            choices = x.choices or ()
            if x.choices_from == "tools":
                choices = self.tools
            elif x.choices_from == "partners":
                choices = self.partners
            lo, hi = x.min, x.max
            if x.is_percent:
                lo, hi = (0 if lo is None else lo), (100 if hi is None else hi)
            cols.append(Column(x.key, x.type, x.question, in_header=False, choices=choices,
                               min=lo, max=hi, required_when=x.required_when,
                               group="Further detail", percent=x.is_percent))
        for g in self.model.graded_tools:  # first and latest grade in each area, generated
            for which in ("first", "latest"):
                for area, area_name in g.area_list:
                    cols.append(Column(
                        g.column_key(which, area), "grade",
                        f"{g.name}, {which} grade: {area_name} ({g.scale})",
                        in_header=False, min=g.min, max=g.max, group=g.name))
        cols.append(Column("overall_grade", "choice",
                           "Your own overall judgement of practice on this case",
                           choices=GRADES))
        for key, q in zip(FREE_TEXT, (
            "Strengths in practice (no names or identifying details)",
            "Areas for improvement (no names or identifying details)",
            "Recommended actions (no names or identifying details)",
            "The child's voice: a short excerpt of what the child said (no names)",
        ), strict=True):
            cols.append(Column(key, "text", q, in_header=False, group="Narrative"))
        return tuple(cols)

    @cached_property
    def column_map(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def band_of(self, score: float) -> str | None:
        """The band a score falls in (None for a missing score)."""
        if score is None or score != score:
            return None
        for b in self.model.bands:
            if round(score, 9) >= b.min:
                return b.name
        return self.band_names[-1]

    def partner_named(self, name: str) -> str:
        """The partner as the profile names it, matched without regard to case or the spaces
        round it; a ValueError suggesting the closest name when there is none."""
        wanted = " ".join(name.split()).casefold()
        for p in self.partners:
            if " ".join(p.split()).casefold() == wanted:
                return p
        folded = {p.casefold(): p for p in self.partners}
        near = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.5)
        hint = (f" Did you mean '{folded[near[0]]}'?" if near else
                " qa-audit profiles --profile " + self.name + " lists them.")
        raise ValueError(f"'{name}' is not a partner of the {self.name} profile.{hint}")

    def describe(self) -> str:
        """A plain-text listing of the profile: its measures and criteria, partners and tools
        (inferred ones marked), graded tools and strategy indicators."""
        lines = [f"{self.name} (version {self.version}): {self.model.strategy}", "Measures:"]
        for m in self.measures:
            lines.append(f"  {m.name} [{m.key}]")
            for c in m.criteria:
                how = f"rule {c.rule.function}" if c.rule else "/".join(c.answers or ())
                lines.append(f"    {c.key:<5} w{c.weight:g}  {c.question}  ({how})")
        inferred = " (inferred: the strategy implies but does not name it)"
        lines.append("Partners:")
        lines += [f"  {e.name}{inferred if e.inferred else ''}" for e in self.partner_entries]
        lines.append("Tools:")
        lines += [f"  {e.name}{inferred if e.inferred else ''}" for e in self.tool_entries]
        lines.append("Graded tools:" + ("" if self.graded_tools else " none"))
        for g in self.graded_tools:
            areas = "; ".join(name for _, name in g.area_list)
            lines.append(f"  {g.name} [{g.key}]: {g.scale}; areas: {areas}")
        lines.append("Indicators:" + ("" if self.model.indicators else " none"))
        for ind in self.model.indicators:
            how = f"computed by {ind.computed.function}" if ind.computed else "filled in"
            lines.append(f"  {ind.name} [{ind.key}]: {ind.unit}, {ind.direction} is better; "
                         f"{how}")
        return "\n".join(lines)


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (``tuple[Criterion, ...]``, ``Rule | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _fields_at(loc: tuple) -> list[str]:
    """The fields the model at ``loc`` (a path from the top of the profile) knows."""
    models: list[type[BaseModel]] = [ProfileModel]
    for part in loc:
        if not isinstance(part, str):
            continue  # a position in a list
        named = [m for m in models if m.__name__ == part]
        if named:  # pydantic names the member of a union it tried
            models = named
            continue
        models = [m for model in models if part in model.model_fields
                  for m in _models_in(model.model_fields[part].annotation)]
    return sorted({f for m in models for f in m.model_fields})


def _format_pydantic(err: ValidationError, path: Path) -> str:
    errors = err.errors()
    # a list entry given as a mapping (a partner with a source) is not also "not a string"
    mapped = {e["loc"][:-1] for e in errors if e["loc"] and isinstance(e["loc"][-1], str)
              and e["loc"][-1][:1].isupper()}
    mapped |= {e["loc"][:-2] for e in errors if len(e["loc"]) > 1
               and isinstance(e["loc"][-2], str) and e["loc"][-2][:1].isupper()}
    parts = []
    for e in errors:
        loc = e["loc"]
        if loc and loc[-1] == "str" and loc[:-1] in mapped:
            continue
        shown = ".".join(str(x) for x in loc if not (isinstance(x, str) and x[:1].isupper()
                                                     or x == "str")) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            known = _fields_at(loc[:-1])
            msg = (f"'{loc[-1]}' is not a field here.{_near(str(loc[-1]), known)}"
                   f" Fields here: {', '.join(known)}." if known else
                   f"'{loc[-1]}' is not a field here.")
        parts.append(f"  field '{shown}': {msg}")
    return f"Profile file {path} is not valid:\n" + "\n".join(parts)


def available_profiles() -> list[str]:
    """Names of the profiles that ship with the toolkit."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def resolve_profile_path(name_or_path: str | Path) -> Path:
    """A shipped profile name, or a path to a profile file, as a path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise ProfileError(f"Profile file {p} does not exist.")
        return p
    name = shipped_profile_name(str(name_or_path))
    if name is None:
        near = _near(str(name_or_path).strip().lower(), available_profiles())
        raise ProfileError(
            f"There is no profile called '{name_or_path}'.{near} "
            f"Profiles available: {', '.join(available_profiles())}; or give a path to a .yaml file."
        )
    return PROFILE_DIR / f"{name}.yaml"


def shipped_profile_name(name: str) -> str | None:
    """The shipped profile a name means, matched without regard to case, spaces round it,
    or spaces for hyphens (``Durham``, ``North East Lincolnshire``); None if there is none."""
    wanted = re.sub(r"[\s_-]+", "-", name.strip().lower())
    return next((n for n in available_profiles() if n == wanted), None)


_PLUGINS: dict[Path, object] = {}


def load_plugin(file: Path | str) -> object:
    """Import an analyst's Python file once (it registers computed criteria by name)."""
    import importlib.util

    file = Path(file).resolve()
    if file in _PLUGINS:
        return _PLUGINS[file]
    if not file.is_file():
        raise FileNotFoundError(f"no such file: {file}")
    name = f"qa_audit_plugin_{file.stem}_{abs(hash(str(file))):x}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _PLUGINS[file] = module
    return module


# libyaml's safe loader where PyYAML has it (its wheels do): the same documents, read about
# ten times faster than the pure-Python loader, and every round loads its profile again
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and check a profile by shipped name or by path."""
    path = resolve_profile_path(name_or_path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise ProfileError(f"Profile file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"Profile file {path} must hold a mapping of fields at the top level.")
    try:
        model = ProfileModel.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(_format_pydantic(exc, path)) from None
    from qa_lib.profile import computed  # the registry of computed criteria (same package)

    for i, plugin in enumerate(model.plugins):
        try:
            load_plugin(path.parent / plugin)
        except Exception as exc:
            raise ProfileError(f"Profile file {path} is not valid:\n  field 'plugins.{i}': "
                               f"could not load {plugin}: {type(exc).__name__}: {exc}") from None
    issues = cross_check(model) + rule_issues(model, computed.REGISTRY)
    if issues:
        lines = "\n".join(f"  field '{f}': {msg}" for f, msg in issues)
        raise ProfileError(f"Profile file {path} is not valid:\n{lines}")
    # the full path: a round stores it, and its reports are made from another folder
    return Profile(model=model, path=path.resolve())
