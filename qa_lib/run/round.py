"""Drive an audit round as a short list of steps: check, score, store, render, finish.

:func:`run_round` takes the round's options (:class:`~qa_lib.run.options.RoundOptions`) and
passes what each step returns to the next; nothing flows back. All outputs are written to
an unfinished folder beside the final one and renamed into place at the end
(:mod:`qa_lib.run.folder`), so a round killed part-way never leaves a half-written folder
under the round's name, and an existing round folder is never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from qa_lib import __version__
from qa_lib.checks.rules import Validated, validate
from qa_lib.common.excel_cells import looks_like_formula, visible
from qa_lib.common.periods import period_of
from qa_lib.common.personal_data import redact_columns
from qa_lib.common.problems import problems_frame
from qa_lib.common.vocabulary import RoundStatus, band_col, mstatus_col, score_col, status_col
from qa_lib.ingest.actions import ActionLog, read_actions
from qa_lib.ingest.returns import Ingested, SourceFile, read_returns
from qa_lib.ingest.scorecard import Scorecard, read_scorecard
from qa_lib.profile.actions_tool import NEXT_NAME, write_actions
from qa_lib.profile.audit_tool import slugify
from qa_lib.profile.schema import FREE_TEXT, Profile, load_profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report import sections as report
from qa_lib.report import wording
from qa_lib.report.round_data import RoundData, load_round, write_round_data
from qa_lib.report.sections.first_screen import missing_partners
from qa_lib.report.summary_page import summary_file, write_summary_pages
from qa_lib.report.summary_workbook import summary_views, write_summary
from qa_lib.report.validation_report import validation_summary, write_validation
from qa_lib.run import folder, history
from qa_lib.run.execute import Job, JobResult, own_kernel, run_jobs
from qa_lib.run.manifest import Timer, build_manifest, write_manifest
from qa_lib.run.options import (
    NOTEBOOK_DIR,
    RoundError,
    RoundOptions,
    check_actions,
    check_inputs,
    check_scorecard,
)
from qa_lib.run.publish_copy import publish_round
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.indicators import indicator_values
from qa_lib.scoring.score import score

__all__ = ["NOTEBOOK_DIR", "AuditRound", "RoundError", "RoundOptions", "RoundResult",
           "RoundStopped", "run_round", "check", "score_rows", "store", "render_reports",
           "finish", "validate_only"]


@dataclass
class RoundResult:
    """What a round produced and how it ended."""

    status: RoundStatus
    folder: Path
    validated: Validated
    rows_read: int = 0
    rows_scored: int = 0
    rows_left_out: int = 0
    partners: list[str] = field(default_factory=list)  # partners with rows scored
    reports: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    published: Path | None = None  # the published copy (``publish``), beside the round

    @property
    def exit_code(self) -> int:
        return {RoundStatus.COMPLETE: 0, RoundStatus.PARTIAL: 0,
                RoundStatus.REFUSED: 2}.get(self.status, 1)

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


@dataclass
class Checked:
    """The returns as read and checked: step 1's result."""

    ingested: Ingested
    validated: Validated
    scorecard: Scorecard | None = None  # the strategy scorecard, when one was given
    actions: ActionLog | None = None  # the actions workbook, when one was given

    @property
    def rows_left_out(self) -> int:
        return int((~self.validated.row_ok).sum())

    @property
    def files(self) -> list[SourceFile]:
        """Every input file: the returns, then the scorecard and the actions workbook."""
        return (self.ingested.files + ([self.scorecard.source] if self.scorecard else [])
                + ([self.actions.source] if self.actions else []))


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# --------------------------------------------------------------------------- the round


def run_round(profile: Profile | str, round_id: str, inputs: Path | str, out: Path | str, *,
              progress: Callable[[str], None] = print, **options) -> RoundResult:
    """Run a whole round (options as :meth:`RoundOptions.build` takes them: ``allow_partial``,
    ``force``, ``today``, ``publish``, ``jobs``, ``timeout``, ``notebook_dir``). Never
    overwrites: the round folder is created at the end. The audit lead's notebook
    (``notebooks/run_round.ipynb``) runs the same steps one cell at a time through
    :class:`AuditRound`."""
    with AuditRound(profile, round_id, inputs, out, progress=progress, **options) as r:
        r.check()
        if not r.can_score:
            return r.refuse()
        r.score()
        r.render()
        return r.finish()


class RoundStopped(Exception):
    """The round cannot go on (its returns have errors, or no row can be scored). In a
    notebook it shows as its one-line message, not a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead
        return [f"Round stopped: {self}"]


class AuditRound:
    """One round, step by step: open (lock the reports folder, start an unfinished folder),
    :meth:`check`, :meth:`score`, :meth:`render`, :meth:`finish` (or :meth:`refuse`), then
    close. :func:`run_round` and the audit lead's notebook both drive it, so a round run from
    the command line and one run cell by cell give the same folder, scored.csv and manifest.

    Use it as a context manager, or call :meth:`open` and :meth:`close` (a notebook keeps it
    open across cells; closing discards anything unfinished and releases the lock)."""

    def __init__(self, profile: Profile | str, round_id: str, inputs: Path | str,
                 out: Path | str, *, progress: Callable[[str], None] = print, **options):
        self.opts = RoundOptions.build(profile, round_id, inputs, out, **options)
        self.progress = progress
        self.timer = Timer()
        self.started = _now()
        self._t0 = time.perf_counter()
        self._lock: contextlib.ExitStack | None = None
        self.tmp: Path | None = None
        self.checked: Checked | None = None
        self.scored: pd.DataFrame | None = None
        self.data: RoundData | None = None
        self.result: RoundResult | None = None

    # ---------------------------------------------------------------- opening and closing

    def open(self) -> AuditRound:
        """Lock the reports folder for this run and start the unfinished round folder."""
        if self._lock is None:
            stack = contextlib.ExitStack()
            stack.enter_context(folder.locked(self.opts.out))
            self._lock = stack
            try:
                self.tmp = folder.start(self.opts, self.progress)
            except BaseException:
                self.close()
                raise
        return self

    def close(self) -> None:
        """Discard anything unfinished and release the reports folder."""
        if self.tmp is not None:
            folder.discard(self.tmp)
            self.tmp = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> AuditRound:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _folder(self) -> Path:
        if self.tmp is None:
            raise RoundError("The round is not open (or has already finished): open it first.")
        return self.tmp

    # ---------------------------------------------------------------- the steps

    def check(self) -> Checked:
        """Step 1: read and check every return (and the scorecard); the validation report."""
        self.checked = check(self.opts, self._folder(), self.timer, self.progress)
        return self.checked

    @property
    def can_score(self) -> bool:
        """Whether the round can go on to scoring: no errors (or ``allow_partial``) and at
        least one row that can be scored."""
        if self.checked is None:
            return False
        v = self.checked.validated
        return bool((not v.errors or self.opts.allow_partial) and v.row_ok.any())

    def refuse(self) -> RoundResult:
        """End a round that cannot be scored: its validation report and manifest are kept in
        ``<round>.refused-<stamp>``."""
        if self.checked is None:
            raise RoundError("Check the returns first.")
        self.result = refuse(self.opts, self._folder(), self.checked, self.timer, self.started)
        self.tmp = None  # put aside, not unfinished
        self._done()
        return self.result

    def stop_unless_scorable(self) -> None:
        """For a notebook: refuse the round and stop (:class:`RoundStopped`) when it cannot
        go on, saying where the validation report is."""
        if self.can_score:
            return
        result = self.refuse()
        v = result.validated
        why = (f"{wording.count(len(v.errors), 'error')} must be fixed in the returns" if v.errors
               else "no row can be scored")
        raise RoundStopped(f"{why}; nothing was scored. The validation report is "
                           f"{result.folder / 'validation.html'}.")

    def score(self) -> RoundData:
        """Steps 2 and 3: score every valid row and store the round's data."""
        if self.checked is None:
            raise RoundError("Check the returns first.")
        self.scored = score_rows(self.checked, self.opts.profile, self.timer)
        self.data = store(self.opts, self._folder(), self.checked, self.scored, self.timer)
        return self.data

    def render(self) -> RoundResult:
        """Step 4: every partner report and the partnership report (the report notebooks)."""
        if self.checked is None or self.scored is None or self.data is None:
            raise RoundError("Score the round first.")
        self.result = render_reports(self.opts, self._folder(), self.checked, self.scored,
                                     self.data, self.timer, self.progress)
        return self.result

    def finish(self) -> RoundResult:
        """Step 5: the manifest, and the round folder put in place under its name."""
        if self.checked is None or self.result is None:
            raise RoundError("Render the reports first.")
        finish(self.opts, self._folder(), self.checked, self.result, self.timer, self.started,
               self.progress)
        self.tmp = None  # in place now
        if self.opts.publish:  # the copy for sharing, made while the folder is still held
            self.result.published = publish_round(self.result.folder, force=self.opts.force,
                                                  progress=self.progress)
        self._done()
        return self.result

    def _done(self) -> None:
        assert self.result is not None
        self.result.seconds = time.perf_counter() - self._t0
        self.close()

    def keep_notebook(self, path: str | Path | None) -> Path | None:
        """Copy the executed notebook (as last saved) into the finished round folder as
        ``run_round.ipynb``; None when its path is not known or the round did not finish."""
        if path is None or self.result is None or not Path(path).is_file():
            return None
        target = self.result.folder / "run_round.ipynb"
        if target.exists():
            return None
        shutil.copyfile(path, target)
        return target


def check(opts: RoundOptions, tmp: Path, timer: Timer, progress: Callable[[str], None]) -> Checked:
    """Step 1: read every return once, run every check, read and check the strategy
    scorecard (its problems join the returns'), write the validation report."""
    with timer.stage("read"):
        ing = read_returns(opts.inputs, opts.profile, workers=opts.jobs)
    with timer.stage("validate"):
        v = validate(ing, opts.profile, opts.today)
    checked = Checked(ing, v)
    if opts.indicators is not None:
        checked.scorecard = read_scorecard(opts.indicators, opts.profile)
        v.problems.extend(checked.scorecard.problems)
    if opts.actions is not None:  # its problems join the returns', as the scorecard's do
        checked.actions = read_actions(opts.actions, opts.profile, opts.today)
        v.problems.extend(checked.actions.problems)
    write_validation(tmp, v, checked.files, opts.round_id, opts.profile)
    progress(validation_summary(v))
    return checked


def refuse(opts: RoundOptions, tmp: Path, checked: Checked, timer: Timer, started: str
           ) -> RoundResult:
    """A round with errors and no ``allow_partial``, or with no row that can be scored: the
    validation report and manifest go to ``<round>.refused-<stamp>``; nothing is scored."""
    ing = checked.ingested
    write_manifest(tmp / "manifest.json", build_manifest(
        round_id=opts.round_id, profile=opts.profile, files=checked.files,
        parameters={"today": opts.today.isoformat(), "status": RoundStatus.REFUSED},
        timings=timer.timings, outputs=["validation.html", "validation.xlsx", "manifest.json"],
        counts={"rows_read": len(ing.table)}, started=started, finished=_now()))
    return RoundResult(RoundStatus.REFUSED, folder.put_aside_refused(tmp, opts), checked.validated,
                       rows_read=len(checked.validated.table), rows_left_out=checked.rows_left_out)


def score_rows(checked: Checked, profile: Profile, timer: Timer) -> pd.DataFrame:
    """Step 2: scan free text for personal data, then score every valid row."""
    with timer.stage("redact"):
        clean, redactions = redact_columns(checked.validated.valid_table, FREE_TEXT)
    with timer.stage("score"):
        scored = score(clean, profile)
        for col in FREE_TEXT:
            scored[col] = clean[col].to_numpy()
        for c in profile.model.extra_columns:  # unscored detail the reports show
            if c.type in ("grade", "number", "choice", "multi_choice"):
                scored[c.key] = clean[c.key].to_numpy()
        for key in (k for g in profile.graded_tools for k in g.column_keys):  # their grades
            scored[key] = clean[key].to_numpy()
        scored["redactions"] = redactions.to_numpy()
    if not len(scored):
        raise RoundError("No row could be scored: see the validation report.")
    return scored


def store(opts: RoundOptions, tmp: Path, checked: Checked, scored: pd.DataFrame, timer: Timer
          ) -> RoundData:
    """Step 3: write the round's data (what the report notebooks read) and load it back."""
    ing, v, profile = checked.ingested, checked.validated, opts.profile
    sc = checked.scorecard
    log = checked.actions
    refused = [f for f in v.refused_files if (sc is None or f != sc.source.name)
               and (log is None or f != log.source.name)]
    meta = {
        "round": opts.round_id, "today": opts.today.isoformat(), "toolkit_version": __version__,
        "profile": {"name": profile.name, "version": profile.version, "path": str(profile.path)},
        "allow_partial": opts.allow_partial,
        "refused_files": refused,
        "inputs": [{"file": f.name, "sha256": f.sha256, "status": f.status, "rows": f.rows}
                   for f in ing.files],
        "indicators": None if sc is None else {"file": sc.source.name, "sha256": sc.source.sha256,
                                               "status": sc.source.status},
        "actions": None if log is None else {"file": log.source.name,
                                             "sha256": log.source.sha256,
                                             "status": log.source.status},
        "missing_partners": missing_partners(  # said on every report's first screen
            profile.partners, scored["partner"].unique(),
            v.excluded["partner"].dropna().unique() if "partner" in v.excluded else [],
            refused),
    }
    period = (opts.period or period_of(opts.round_id)
              or pd.Timestamp(scored["audit_date"].max()).date())  # the latest audit date
    meta["period"] = period.isoformat()
    prior, meta["history_notes"] = history.load_earlier(
        history.earlier_rounds(opts.out, profile.name, opts.round_id, period), profile,
        history.returns_of(meta))
    meta["earlier_rounds"] = [r.meta["round"] for r in prior]
    with timer.stage("write tables"):
        write_round_data(tmp, scored, problems_frame(v.problems), v.excluded, meta,
                         history=history.history_table(prior, profile),
                         last_actions=history.last_actions(prior),
                         figures=agg.measure_figures(scored, profile),
                         tools=agg.tool_counts(scored, profile),
                         indicators=indicator_values(profile, v.valid_table,
                                                     None if sc is None else sc.values),
                         indicator_history=history.indicator_history(prior),
                         **_action_log(log, prior[-1].meta["round"] if prior else opts.round_id))
        write_actions(profile, tmp / NEXT_NAME, from_round=tmp)  # for the next round
        return load_round(tmp)


def _action_log(log: ActionLog | None, agreed: str) -> dict[str, pd.DataFrame]:
    """The actions and commentary to store (none without an actions workbook); an action
    with no round agreed is taken as agreed after ``agreed`` (the last earlier round)."""
    if log is None:
        return {}
    actions = log.actions.assign(round_agreed=log.actions["round_agreed"].fillna(agreed))
    return {"actions": actions, "commentary": log.commentary}


def render_reports(opts: RoundOptions, tmp: Path, checked: Checked, scored: pd.DataFrame,
                   data: RoundData, timer: Timer, progress: Callable[[str], None]) -> RoundResult:
    """Step 4: run the report notebooks and render their pages, writing scored.csv and
    summary.xlsx meanwhile; then the round's index page."""
    profile, v = opts.profile, checked.validated
    result = RoundResult(RoundStatus.COMPLETE, opts.final, v, rows_read=len(v.table),
                         rows_scored=len(scored), rows_left_out=checked.rows_left_out)
    method = [("Round", opts.round_id), ("Profile", f"{profile.name} {profile.version}"),
              ("Strategy", profile.model.strategy),
              ("Scoring", "Yes 1, Partly 0.5, No 0, N/A left out, blank missing; "
                          "measure = 100 x sum(weight x credit) / sum(weight answered)")]
    method += [(f"Input {f.name}", f.sha256) for f in checked.files]

    def write_tables() -> None:
        """scored.csv and summary.xlsx, written while the notebooks run."""
        with timer.stage("summary"):
            scored_csv(scored, profile).to_csv(tmp / "scored.csv", index=False,
                                               lineterminator="\n")
            write_summary(tmp / "summary.xlsx", summary_views(data), profile, method)

    with_rows = set(scored["partner"])
    partners = [p for p in agg.partners_in_round(scored, v.excluded, profile) if p in with_rows]
    result.partners = partners
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tables") as side:
        tables = side.submit(write_tables)
        result.reports = _run_notebooks(tmp, opts, partners, result, timer, progress)
        tables.result()  # an error writing the tables is an error of the round
    try:  # the two-page summaries, made from the stored data without a kernel
        with timer.stage("summaries"):
            result.reports += write_summary_pages(tmp, data)
    except Exception as exc:
        result.failed["Two-page summaries"] = f"{type(exc).__name__}: {exc}"[:300]
    if result.failed:
        result.status = RoundStatus.FAILED
    elif result.rows_left_out:
        result.status = RoundStatus.PARTIAL
    links = [(p, f"partner-{slugify(p)}.html") for p in partners
             if f"partner-{slugify(p)}.html" in result.reports]
    (tmp / "index.html").write_text(_index_page(data, opts.round_id, profile, links, result),
                                    encoding="utf-8")
    return result


def finish(opts: RoundOptions, tmp: Path, checked: Checked, result: RoundResult, timer: Timer,
           started: str, progress: Callable[[str], None]) -> None:
    """Step 5: write the manifest, put the folder in place, refresh the reports root's index."""
    v = checked.validated
    counts = {"rows_read": result.rows_read, "rows_scored": result.rows_scored,
              "rows_left_out": result.rows_left_out, "errors": len(v.errors),
              "notes": len(v.notes), "partners": len(result.partners),
              "failed_reports": sorted(result.failed)}
    outputs = [str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()]
    write_manifest(tmp / "manifest.json", build_manifest(
        round_id=opts.round_id, profile=opts.profile, files=checked.files,
        parameters=opts.parameters(), timings=timer.timings, outputs=outputs + ["manifest.json"],
        counts=counts, started=started, finished=_now()))
    result.folder = folder.put_in_place(tmp, opts, progress)
    history.write_root_index(opts.out)


# --------------------------------------------------------------------------- outputs


def scored_csv(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The scored table as published in scored.csv: one row per case and partner. A value
    that Excel would run as a formula (a file named ``=cmd.xlsx``, a case reference
    ``-1-2``) is written with a leading apostrophe, so opening the CSV shows the text."""
    cols = ["case_ref", "partner", "audit_date", "age_band", "plan_type", "overall_grade"]
    for m in profile.measures:
        for c in m.criteria:
            cols.append(status_col(c.key) if c.rule else c.key)
        cols += [score_col(m.key), mstatus_col(m.key), band_col(m.key)]
    cols += ["case_score", "case_band", "moderation_flag", "drift_plan_long",
             "drift_review_overdue", "_file", "_row"]
    out = scored[cols].rename(columns={"_file": "source_file", "_row": "source_row"}).copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(4)
    out["audit_date"] = pd.to_datetime(out["audit_date"]).dt.strftime("%Y-%m-%d")
    text = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    for col in text:  # text Excel would take for a formula
        out[col] = out[col].map(lambda v: f"'{visible(v)}" if isinstance(v, str)
                                and looks_like_formula(v) else v)
    return out


def _index_page(data, round_id: str, profile: Profile, partners: list[tuple[str, str]],
                result: RoundResult) -> str:
    def summary(who: str | None, before: str) -> str:  # its two-page summary, if written
        name = summary_file(who)
        return (f'{before}<a href="{escape(name, quote=True)}">two-page summary</a>'
                if name in result.reports else "")

    rows = "".join(f'<li><a href="{escape(href, quote=True)}">{escape(name)}</a> '
                   f"(partner report{summary(name, '; ')})</li>" for name, href in partners)
    body = [fr.heading("Reports", 2),
            '<ul><li><a href="partnership.html">Partnership report</a>'
            f"{summary(None, ' and its ')}</li>{rows}</ul>",
            fr.heading("At a glance", 2),
            report.heatmap_table(data, dict(partners)),
            fr.paragraph("Mean measure scores out of 100. Each partner report gives the number "
                         "of cases behind every figure and marks figures resting on 1 to 5 "
                         "cases."),
            fr.heading("Data", 2),
            '<ul><li><a href="validation.html">Validation report</a> (every problem found; '
            '<a href="validation.xlsx">as Excel</a>)</li>'
            '<li><a href="summary.xlsx">Summary tables (Excel)</a></li>'
            '<li><a href="actions-next.xlsx">Actions workbook for the next round</a> (this '
            "round's open actions carried forward, for the lead to update)</li>"
            + '<li><a href="scored.csv">Scored cases (CSV)</a></li>'
            + '<li><a href="manifest.json">Manifest (inputs, versions, timings)</a></li></ul>',
            fr.heading("This round", 2),
            fr.definition_list([
                ("Round", round_id),
                ("Strategy profile", f"{profile.name}, version {profile.version}"),
                ("Rows read", str(result.rows_read)),
                ("Rows scored", str(result.rows_scored)),
                ("Rows left out", str(result.rows_left_out)),
            ])]
    if result.rows_left_out:
        body.insert(0, fr.callout(fr.paragraph(wording.rows_left_out(result.rows_left_out)),
                                  "warning", "This is a partial round."))
    if result.failed:
        body.insert(0, fr.callout(fr.bullet_list(
            f"{k}: {m}" for k, m in result.failed.items()), "warning",
            "Some reports could not be made."))
    return render.page(f"Audit round {round_id}", f"Audit round {round_id}", "".join(body),
                       subheading=f"{profile.title}: {profile.model.partnership}",
                       profile_line=f"profile {profile.name} {profile.version}")


def _run_notebooks(tmp: Path, opts: RoundOptions, partners: list[str], result: RoundResult,
                   timer: Timer, progress: Callable[[str], None]) -> list[str]:
    """Execute the round notebook and one per partner, render each finished one to HTML."""
    round_id, profile, notebook_dir, jobs = opts.round_id, opts.profile, opts.notebook_dir, opts.jobs
    nb_out = tmp / "notebooks"
    nb_out.mkdir()
    pages: list[str] = []
    plabel = f"profile {profile.name} {profile.version}"
    work = [Job("Partnership report", notebook_dir / "audit_round.ipynb",
                nb_out / "audit_round.ipynb", {"round_dir": ".."})]
    for p in partners:
        work.append(Job(p, notebook_dir / "partner_report.ipynb",
                        nb_out / f"partner-{slugify(p)}.ipynb", {"round_dir": "..", "partner": p}))
    headings = {w.name: f"Partnership report, round {round_id}" for w in work[:1]}
    headings.update({p: f"{p}: audit round {round_id}" for p in partners})
    files = {w.name: "partnership.html" for w in work[:1]}
    files.update({p: f"partner-{slugify(p)}.html" for p in partners})
    workers = max(1, min(jobs, len(work)))
    progress(f"Running {wording.count(len(work), 'notebook')} on "
             f"{wording.count(workers, 'worker')}...")

    def done(o: JobResult, k: int, n: int) -> None:
        who = o.job.name
        if o.ok:
            try:
                with timer.stage("render"):
                    html = render.notebook_page(
                        o.job.dst, title=f"{headings[who]} ({profile.title})",
                        heading=headings[who],
                        subheading=f"{profile.title}: {profile.model.partnership}",
                        back_link="index.html", profile_line=plabel)
                (tmp / files[who]).write_text(html, encoding="utf-8")
                pages.append(files[who])
            except Exception as exc:  # a page that cannot be rendered is a failed report
                result.failed[who] = f"rendering failed: {type(exc).__name__}: {exc}"[:300]
        else:
            result.failed[who] = o.error
        status = "done" if who not in result.failed else f"FAILED: {result.failed[who]}"
        progress(f"[{k}/{n}] {who}: {status} ({o.seconds:.1f} s)")

    with own_kernel() as kernel, timer.stage("notebooks"):
        run_jobs(work, kernel, workers=jobs, timeout=opts.timeout, on_done=done)
    return pages


def validate_only(profile: Profile | str, inputs: Path | str, out: Path | str,
                  today: dt.date | None = None, indicators: Path | str | None = None,
                  actions: Path | str | None = None) -> tuple[Validated, Path]:
    """Read and validate a folder of returns (and a strategy scorecard, ``indicators``)
    without scoring; the validation report (``validation.html`` and ``.xlsx``) goes to a new
    folder ``<out>/validation-<stamp>``, whose path is returned with the result. The inputs
    are only read."""
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    inputs = Path(inputs)
    check_inputs(inputs)
    ing = read_returns(inputs, profile)
    v = validate(ing, profile, today or dt.date.today())
    checked = Checked(ing, v)
    if indicators is not None:
        check_scorecard(Path(indicators), inputs, profile)
        checked.scorecard = read_scorecard(indicators, profile)
        v.problems.extend(checked.scorecard.problems)
    if actions is not None:  # the actions workbook (--actions), checked the same way
        check_actions(Path(actions), inputs)
        checked.actions = read_actions(actions, profile, today or dt.date.today())
        v.problems.extend(checked.actions.problems)
    target = folder.new_folder(Path(out), f"validation-{folder.stamp()}")
    write_validation(target, v, checked.files, f"check of {inputs.name}", profile)
    return v, target
