"""Strategy profiles: load, check against a schema, and describe the audit sheet.

A profile is a YAML data file (``qa_lib/profiles/<name>.yaml`` or any path) that
lists a strategy's measures, criteria, weights, bands, partners and tools. The
audit template, validation and scoring are all generated from it, so the
columns of the audit sheet and the scoring can never drift apart.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

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
    return out


@dataclass(frozen=True)
class Column:
    """One column of the audit sheet, as the template writes it and the reader expects it."""

    key: str
    type: str  # text | choice | multi_choice | date | answer | grade
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
            cols.append(Column(x.key, x.type, x.question, in_header=False, choices=choices,
                               min=x.min, max=x.max, required_when=x.required_when,
                               group="Further detail"))
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

    def describe(self) -> str:
        """A plain-text listing of the profile's measures and criteria."""
        lines = [f"{self.name} (version {self.version}): {self.model.strategy}"]
        for m in self.measures:
            lines.append(f"  {m.name} [{m.key}]")
            for c in m.criteria:
                how = f"rule {c.rule.function}" if c.rule else "/".join(c.answers or ())
                lines.append(f"    {c.key:<5} w{c.weight:g}  {c.question}  ({how})")
        return "\n".join(lines)


def _format_pydantic(err: ValidationError, path: Path) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        parts.append(f"  field '{loc}': {e['msg']}")
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
    candidate = PROFILE_DIR / f"{name_or_path}.yaml"
    if not candidate.exists():
        raise ProfileError(
            f"There is no profile called '{name_or_path}'. "
            f"Profiles available: {', '.join(available_profiles())}; or give a path to a .yaml file."
        )
    return candidate


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


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and check a profile by shipped name or by path."""
    path = resolve_profile_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    issues = cross_check(model)
    for i, m in enumerate(model.measures):
        for j, c in enumerate(m.criteria):
            if c.rule and c.rule.function not in computed.REGISTRY:
                issues.append((f"measures.{i}.criteria.{j}.rule.function",
                               f"no computed criterion called '{c.rule.function}' is registered "
                               f"(known: {', '.join(sorted(computed.REGISTRY))})"))
    if issues:
        lines = "\n".join(f"  field '{f}': {msg}" for f, msg in issues)
        raise ProfileError(f"Profile file {path} is not valid:\n{lines}")
    # the full path: a round stores it, and its reports are made from another folder
    return Profile(model=model, path=path.resolve())
