"""The one list of report sections: what each report shows, in order, and under which heading.

:data:`SECTIONS` drives the contents list on each report's first screen, each section's
heading (written here from the definition, never by the section's function), the
notebooks' cells (each shows one section by its anchor, ``report.show(data, "criteria")``)
and the tests that check all three agree. Publishing mode is applied from each
definition's ``case_level`` flag by :class:`~qa_lib.report.policy.Policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

from qa_lib.report import fragments as fr
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import about, actions, cases, consistency, figures, practice, scorecard

Render = Callable[[RoundData, str | None], str | None]


class Scope(StrEnum):
    """Which report a section belongs to."""

    PARTNER = "partner"
    PARTNERSHIP = "partnership"
    BOTH = "both"


@dataclass(frozen=True)
class Section:
    """One report section: its anchor (the heading's id), its title, the function that writes
    its body (given the round and the partner, or None for the partnership; returning None
    leaves the section out), the report(s) it is in, and whether it lists individual cases.
    ``in_contents`` is False for a section shown only where its data exists.
    ``each_graded_tool``: the section is written once for each of the profile's graded tools
    (none when it has none), its title with ``{tool}`` as the tool's name, its anchor
    ``<anchor>-<tool key>``, and ``render`` given the tool as a third argument."""

    anchor: str
    title: str
    render: Render
    scope: Scope = Scope.BOTH
    case_level: bool = False
    in_contents: bool = True
    each_graded_tool: bool = False

    def belongs_to(self, scope: Scope) -> bool:
        """True when the section is in the report of ``scope`` (partner or partnership)."""
        return self.scope in (scope, Scope.BOTH)

    def html(self, data: RoundData, partner: str | None) -> str:
        """The section as HTML: its heading, then its body, or the publishing policy's
        sentence in its place; nothing when the body is None."""
        if self.each_graded_tool:
            return "".join(replace(
                self, anchor=f"{self.anchor}-{g.key}", title=self.title.format(tool=g.name),
                render=partial(self.render, tool=g), each_graded_tool=False).html(data, partner)
                for g in data.profile.graded_tools)
        policy = Policy.of(data)
        body = (policy.left_out_html() if policy.leaves_out(self.case_level)
                else self.render(data, partner))
        return "" if body is None else fr.heading(self.title, 2, self.anchor) + body


_MODERATION = Section("moderation", "Cases flagged for moderation", cases.moderation_section,
                      case_level=True)
_DRIFT = Section("drift", "Drift", cases.drift_section, case_level=True)

SECTIONS: tuple[Section, ...] = (
    Section("headline", "Headline", figures.partner_headline, Scope.PARTNER),
    Section("comparison", "Against the partnership", figures.partner_comparison, Scope.PARTNER),
    Section("heatmap", "Partners by measure", figures.heatmap_section, Scope.PARTNERSHIP),
    Section("trend", "Trend across rounds", figures.trend_section),
    Section("actions", "Agreed actions", actions.actions_section),
    Section("bands", "Cases in each band", figures.bands_section, Scope.PARTNER),
    Section("measures", "Partnership figures", figures.partnership_measures, Scope.PARTNERSHIP),
    Section("criteria", "Criteria in detail", figures.criteria_section, Scope.PARTNER),
    Section("themes", "Themes across partners", figures.themes_section, Scope.PARTNERSHIP),
    Section("scorecard", "Strategy scorecard", scorecard.scorecard_section, Scope.PARTNERSHIP,
            in_contents=False),  # only for a profile with indicators
    Section("case-view", "The multi-agency case view", cases.case_view_section,
            Scope.PARTNERSHIP, case_level=True),
    Section("apart", "Cases where partners disagree", cases.apart_section, Scope.PARTNERSHIP,
            case_level=True),
    # the partnership report keeps its lists of cases together, after the case view; the
    # partner report has them after the timescales and tools
    replace(_MODERATION, scope=Scope.PARTNERSHIP),
    replace(_DRIFT, scope=Scope.PARTNERSHIP),
    Section("timeliness", "Timescales", practice.timeliness_section),
    Section("tools", "Neglect tools used", practice.tools_section),
    Section("distance-travelled", "{tool}: distance travelled",
            practice.distance_travelled_section, in_contents=False, each_graded_tool=True),
    replace(_MODERATION, scope=Scope.PARTNER),
    replace(_DRIFT, scope=Scope.PARTNER),
    Section("voice", "The child's voice", cases.child_voice_section, Scope.PARTNER,
            case_level=True),
    Section("narrative", "What the auditors said", cases.narrative_section, Scope.PARTNER,
            case_level=True),
    Section("described-differently", "Cases described differently",
            consistency.consistency_section, Scope.PARTNERSHIP, case_level=True),
    Section("data-quality", "Data quality", about.data_quality_section),
    Section("method", "Method", about.method_section),
)


def scope_of(partner: str | None) -> Scope:
    """The partner report's scope for a partner, the partnership's for None."""
    return Scope.PARTNERSHIP if partner is None else Scope.PARTNER


def sections_for(scope: Scope) -> list[Section]:
    """The sections of one report (partner or partnership), in order."""
    return [s for s in SECTIONS if s.belongs_to(scope)]


def section(anchor: str, scope: Scope) -> Section:
    """The section with ``anchor`` in the report of ``scope``."""
    for s in sections_for(scope):
        if s.anchor == anchor:
            return s
    known = ", ".join(s.anchor for s in sections_for(scope))
    raise KeyError(f"no section {anchor!r} in the {scope} report (sections: {known})")


def section_html(data: RoundData, anchor: str, partner: str | None = None) -> str:
    """One section as HTML, for ``partner`` (default: the partner ``data`` was loaded for,
    or the partnership)."""
    partner = partner if partner is not None else data.partner
    return section(anchor, scope_of(partner)).html(data, partner)


def show(data: RoundData, anchor: str) -> None:
    """Display one section in a notebook (the partner report when ``data`` was loaded for a
    partner, otherwise the partnership report)."""
    from IPython.display import HTML, display

    display(HTML(section_html(data, anchor)))
