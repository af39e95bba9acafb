"""Report sections as HTML, for the notebooks to show and the tests to read without a kernel.

One list, :data:`SECTIONS` (:mod:`~qa_lib.report.sections.listing`), says which sections
each report has, in what order and under which heading; the notebooks show them one cell
each::

    from qa_lib.report import sections as report
    report.show_first_screen(data)   # round facts, at a glance, contents
    report.show(data, "criteria")    # one section, by its anchor

A section's function writes only its body, from :mod:`qa_lib.scoring.aggregate` tables,
:mod:`qa_lib.report.charts` figures and :mod:`qa_lib.report.fragments`, through the
publishing policy (:mod:`qa_lib.report.policy`). :func:`report_body` renders a whole report
as its notebook shows it, without a kernel.

Modules: ``listing`` (the list), ``first_screen``, ``figures`` (scores), ``practice``
(timescales, tools, graded tools' distance), ``cases`` (case-level lists), ``about``
(data quality, method).
"""

from __future__ import annotations

from qa_lib.report.sections.about import data_quality_section, method_section
from qa_lib.report.sections.cases import (
    apart_section,
    case_view_section,
    child_voice_section,
    drift_section,
    moderation_section,
    narrative_section,
)
from qa_lib.report.sections.figures import (
    bands_section,
    criteria_section,
    heatmap_section,
    heatmap_table,
    partner_comparison,
    partner_headline,
    partnership_measures,
    themes_section,
    trend_section,
)
from qa_lib.report.sections.first_screen import (
    contents_html,
    first_screen,
    partner_first_screen,
    partner_glance,
    partnership_first_screen,
    partnership_glance,
    report_body,
    show_first_screen,
)
from qa_lib.report.sections.listing import (
    SECTIONS,
    Scope,
    Section,
    scope_of,
    section,
    section_html,
    sections_for,
    show,
)
from qa_lib.report.sections.practice import (
    distance_travelled_section,
    timeliness_section,
    tools_section,
)

__all__ = [
    "SECTIONS", "Scope", "Section", "apart_section", "bands_section", "case_view_section",
    "child_voice_section", "contents_html", "criteria_section", "data_quality_section",
    "distance_travelled_section", "drift_section", "first_screen", "heatmap_section",
    "heatmap_table", "method_section", "moderation_section", "narrative_section",
    "partner_comparison", "partner_first_screen", "partner_glance", "partner_headline",
    "partnership_first_screen", "partnership_glance", "partnership_measures", "report_body",
    "scope_of", "section", "section_html", "sections_for", "show", "show_first_screen",
    "themes_section", "timeliness_section", "tools_section", "trend_section",
]
