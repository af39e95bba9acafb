"""Sections about the round itself: data quality and method.

Each function returns a section's body as HTML (its heading comes from the section list).
"""

from __future__ import annotations

import pandas as pd

from qa_lib.profile.schema import Profile
from qa_lib.profile.traceability import criteria_table
from qa_lib.report import fragments as fr
from qa_lib.report.policy import Policy
from qa_lib.report.round_data import RoundData
from qa_lib.scoring import aggregate as agg


def data_quality_section(data: RoundData, partner: str | None) -> str:
    """Rows scored and left out, missing answers, notes, insufficient evidence."""
    policy = Policy.of(data)
    dq = agg.data_quality(data.scored, data.profile, data.problems, data.excluded,
                          None if data.partner is None and policy.publishing else partner)
    shown = data_quality_table(dq, policy, partner)
    return (fr.paragraph(
        "Missing answers are blank cells where an answer was expected; they are left out of "
        "scores. A measure with fewer than half of its applicable criteria answered is not "
        "scored (insufficient evidence). Notes are values the toolkit read in a standard "
        "form, such as 'y' read as 'Yes'. Personal details redacted counts the names, dates, "
        "addresses and other identifiers removed from the free text.")
        + shown)


DQ_COUNTS = ["Rows scored", "Rows left out", "Missing answers",
             "Measures with insufficient evidence", "Notes (values normalised)",
             "Personal details redacted"]


def data_quality_table(dq: pd.DataFrame, policy: Policy, partner: str | None = None) -> str:
    """The data-quality table: every count about a partner is c when 1 to 5 (and, down each
    column, the next smallest where the round's total would reveal it); the share missing
    goes with its count. With ``partner``, only its row, suppressed as in the whole table
    (so a partner's page and the partnership's never differ)."""
    missing = dq["Missing answers"].map(policy.low) if len(dq) else pd.Series(dtype=bool)
    shown = policy.suppress(dq, counts=DQ_COUNTS, secondary="columns",
                            hidden={"% missing": missing})
    if partner is not None and len(shown):
        shown = shown[shown["Partner"] == partner]
    return fr.table(shown, "Data quality by partner", row_header="Partner",
                    number_columns={**{c: 0 for c in DQ_COUNTS}, "% missing": 1})


def method_section(data: RoundData, partner: str | None = None) -> str:
    """How a score is made, the profile version and the input hashes."""
    p = data.profile
    bands = ", ".join(f"{b.name} {b.min:g} or more" if b.min else f"{b.name} below "
                      f"{p.model.bands[i - 1].min:g}" for i, b in enumerate(p.model.bands))
    items = [
        "Each criterion is answered Yes (credit 1), Partly (0.5), No (0) or N/A. N/A leaves "
        "the criterion out; a blank is missing: left out of the score and counted against "
        "completeness.",
        "Measure score = 100 x sum(weight x credit) / sum(weight of the answered, applicable "
        "criteria). A measure with fewer than half of its applicable criteria answered is "
        "'insufficient evidence' and not scored.",
        f"Bands: {bands}. Bands are always written as words as well as colours.",
        "Case score = mean of the case's scored measures. A row is flagged for moderation "
        "when the auditor's grade is two or more bands from the band of the case score.",
        "Partner figures are means and medians of measure scores over the partner's cases; "
        "partnership figures pool every row. A figure resting on 1 to 5 cases is "
        + ("shown as c." if Policy.of(data).publishing else f"marked {fr.LOW_MARK}."),
        "Timescales count working days after the start day up to and including the end day "
        "(Monday to Friday, less England and Wales bank holidays). A dated criterion applies "
        "when its start date is present; if the end is absent it fails only when the limit "
        "had passed on the audit date.",
    ]
    files = pd.DataFrame(data.meta.get("inputs", []))
    if len(files):
        files = files[["file", "status", "rows", "sha256"]].rename(columns={
            "file": "File", "status": "Status", "rows": "Rows read", "sha256": "SHA-256"})
    if len(files):  # a file's rows are a partner's cases: counted as the tables count
        files = Policy.of(data).suppress(files, counts=["Rows read"], secondary="columns")
    crit = criteria_table(p)
    return (fr.bullet_list(items)
            + fr.definition_list([
                ("Strategy profile", f"{p.name}, version {p.version}"),
                ("Strategy", p.model.strategy),
                ("Toolkit version", str(data.meta.get("toolkit_version", ""))),
                ("Audit reference date", str(data.meta.get("today", ""))),
            ])
            + fr.paragraph("Each criterion with what supports it: the passage of the strategy "
                           "(or, for the statutory timescales, the national guidance), and why, "
                           "so a reader can see why the question is asked. A criterion marked "
                           "inferred is implied by the strategy but not stated in it.")
            + fr.table(crit, f"Criteria of the profile and their sources in "
                             f"{p.model.strategy}", row_header="Criterion",
                       number_columns={"Weight": 0})
            + _inferred_entries(p)
            + fr.table(files, "Input files and their SHA-256 hashes", row_header="File",
                       number_columns={"Rows read": 0}))


def _inferred_entries(p: Profile) -> str:
    """The partners and tools the profile lists although its strategy does not name them,
    with why (nothing when every one is named)."""
    rows = [{"Listed": e.name, "Kind": kind, "Why it is listed": e.source.why if e.source and
             e.source.why else "not recorded"}
            for kind, entries in (("partner", p.partner_entries), ("tool", p.tool_entries))
            for e in entries if e.inferred]
    if not rows:
        return fr.paragraph("Every partner and tool of the profile is named by the strategy.")
    return (fr.paragraph("Partners and tools the profile lists although the strategy does not "
                         "name them (inferred):")
            + fr.table(pd.DataFrame(rows), "Inferred partners and tools", row_header="Listed"))

