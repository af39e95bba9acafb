"""The published copy of a finished round: only what may be shared, in a folder of its own.

``qa-audit publish ROUND`` (or ``qa-audit run ... --publish``) reads a finished round's
stored data and writes ``<reports root>/<round>.published``, holding the report pages and
``summary.xlsx`` drawn through the publishing policy (:class:`~qa_lib.report.policy.Policy`:
counts of 1 to 5 and every figure resting on them as ``c``, no case-level sections) and an
index page linking them. Nothing else goes in: no stored data, no notebooks, no validation
report, no scored cases, no manifest. The copy is not a round: it has no ``data/round.json``,
so trends and the reports root never count it (:func:`qa_lib.run.history.finished_rounds`).

The pages are rendered without a kernel, from the same section list the report notebooks
show one cell at a time (:func:`qa_lib.report.sections.report_body`; a test holds the two
equal). Like a round, the copy is written beside its final name and renamed into place, and
an existing copy is never overwritten (moved aside only with ``force``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from html import escape
from pathlib import Path

from qa_lib.profile.audit_tool import slugify
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report import publish as pub
from qa_lib.report import sections as report
from qa_lib.report import wording
from qa_lib.report.round_data import DATA_DIR, RoundData, load_round
from qa_lib.report.summary_page import summary_file, write_summary_pages
from qa_lib.report.summary_workbook import summary_views, write_summary
from qa_lib.run import folder as rfolder
from qa_lib.run import history
from qa_lib.run.options import RoundError
from qa_lib.scoring import aggregate as agg

SUFFIX = ".published"
SHAREABLE = (".html", ".xlsx")  # the only kinds of file a published copy holds


def published_name(round_id: str) -> str:
    """The folder name of a round's published copy."""
    return f"{round_id}{SUFFIX}"


def _round_folder(path: Path) -> Path:
    if not (path / DATA_DIR / "round.json").is_file():
        hint = (" It is itself a published copy: publish the round it was made from."
                if path.name.endswith(SUFFIX) else "")
        raise RoundError(f"{path} is not a finished audit round (it has no {DATA_DIR}/round.json)"
                         f".{hint} Give the round's folder, e.g. reports/2026-Q3.")
    return path


def as_published(data: RoundData) -> RoundData:
    """``data`` drawn as published: the same tables, the publishing flag set (in memory
    only: the round's stored data is never changed)."""
    data.meta = {**data.meta, "publish": True}
    return data


def publish_round(round_folder: Path | str, out: Path | str | None = None, *,
                  force: bool = False, progress: Callable[[str], None] = print) -> Path:
    """Write the published copy of the finished round in ``round_folder`` into
    ``out/<round>.published`` (``out`` defaults to the round's reports root) and return its
    path. The round folder is only read."""
    src = _round_folder(Path(round_folder))
    data = as_published(load_round(src))
    round_id, profile = data.round_id, data.profile
    root = Path(out) if out is not None else src.parent
    final = root / published_name(round_id)
    if final.exists() and not force:
        raise RoundError(f"The published copy {final} already exists and is never overwritten. "
                         "Use --force to move it aside and publish again, or another --out.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{published_name(round_id)}.partial-", dir=root))
    except OSError as exc:
        raise RoundError(f"Nothing can be written in {root} ({exc.strerror or exc}). "
                         "Choose another --out.") from None
    try:
        pages = _write_pages(tmp, src, data)
        summaries = set(write_summary_pages(tmp, data))
        write_summary(tmp / "summary.xlsx", summary_views(data, True), profile,
                      [("Round", round_id), ("Profile", f"{profile.name} {profile.version}"),
                       ("Strategy", profile.model.strategy), ("Published from", src.name)])
        (tmp / "index.html").write_text(_index_page(data, pages, summaries), encoding="utf-8")
        stray = [p.name for p in tmp.rglob("*") if p.is_file() and p.suffix not in SHAREABLE]
        if stray:  # never expected: a guard on what a shareable folder may hold
            raise RoundError(f"Not published: unexpected files {stray}.")
        if final.exists():  # only with force
            aside = rfolder.free_name(root, f"{published_name(round_id)}.replaced-"
                                             f"{rfolder.stamp()}")
            final.rename(aside)
            progress(f"The previous {final} was moved to {aside}.")
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if root.resolve() == src.parent.resolve():  # the reports root lists it beside the round
        history.write_root_index(root)
    progress(f"Published copy: {final} ({wording.count(len(pages), 'report')}, "
             f"{wording.count(len(summaries), 'two-page summary', 'two-page summaries')} and "
             "summary.xlsx)")
    return final


def _write_pages(tmp: Path, src: Path, data: RoundData) -> list[tuple[str, str]]:
    """The partnership page and one per partner with rows, each (label, file name)."""
    profile, round_id = data.profile, data.round_id
    sub = f"{profile.title}: {profile.model.partnership}"
    line = f"profile {profile.name} {profile.version}"
    written = [("Partnership report", "partnership.html")]
    heading = f"Partnership report, round {round_id}"
    (tmp / "partnership.html").write_text(render.page(
        f"{heading} ({profile.title})", heading, report.report_body(data, None), subheading=sub,
        back_link="index.html", profile_line=line), encoding="utf-8")
    with_rows = set(data.scored["partner"])
    for p in agg.partners_in_round(data.scored, data.excluded, profile):
        if p not in with_rows:
            continue
        one = as_published(load_round(src, partner=p))
        heading = f"{p}: audit round {round_id}"
        name = f"partner-{slugify(p)}.html"
        (tmp / name).write_text(render.page(
            f"{heading} ({profile.title})", heading, report.report_body(one, p), subheading=sub,
            back_link="index.html", profile_line=line), encoding="utf-8")
        written.append((p, name))
    return written


def _index_page(data: RoundData, pages: list[tuple[str, str]], summaries: set[str]) -> str:
    profile, round_id = data.profile, data.round_id

    def link(label: str, href: str) -> str:
        who = None if href == "partnership.html" else label
        short = summary_file(who)
        return (f'<li><a href="{escape(href, quote=True)}">{escape(label)}</a>'
                f"{'' if who is None else ' (partner report)'}"
                + (f' and its <a href="{escape(short, quote=True)}">two-page summary</a>'
                   if short in summaries else "") + "</li>")

    links = "".join(link(label, href) for label, href in pages)
    body = [fr.callout(fr.paragraph(pub.NOTE), "info", "Published figures."),
            fr.heading("Reports", 2), f"<ul>{links}</ul>",
            fr.heading("Tables", 2),
            '<ul><li><a href="summary.xlsx">Summary tables (Excel)</a>, with the same '
            "suppression as the pages</li></ul>",
            fr.heading("This copy", 2),
            fr.paragraph(f"The published copy of audit round {round_id}: the reports and summary "
                         "tables only, for sharing beyond the partnership. The round's data, "
                         "validation report and case-level sections are not part of it.")]
    title = f"Audit round {round_id} (published)"
    return render.page(title, title, "".join(body),
                       subheading=f"{profile.title}: {profile.model.partnership}",
                       profile_line=f"profile {profile.name} {profile.version}")
