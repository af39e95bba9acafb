"""Drive an audit round: read once, validate, score, write tables, run notebooks, render.

All outputs are written to a temporary folder beside the final one and moved
into place at the end, so a round killed part-way never leaves a half-written
folder under the round's name, and an existing round folder is never
overwritten (``force`` moves the old one aside with a timestamp).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from qa_lib import __version__
from qa_lib.checks.rules import Validated, validate
from qa_lib.common.personal_data import redact_columns
from qa_lib.common.problems import problems_frame
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.audit_tool import slugify
from qa_lib.profile.schema import FREE_TEXT, Profile, load_profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report import sections as report
from qa_lib.report.round_data import load_round, write_round_data
from qa_lib.report.summary_workbook import summary_views, write_summary
from qa_lib.report.validation_report import validation_summary, write_validation
from qa_lib.run import history
from qa_lib.run.execute import Job, own_kernel, run_jobs, usable_cores
from qa_lib.run.manifest import Timer, build_manifest, write_manifest
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


class RoundError(Exception):
    """A round that cannot go ahead; the message is for the audit lead."""


@dataclass
class RoundResult:
    """What a round produced and how it ended."""

    status: str  # complete | partial | refused | failed
    folder: Path
    validated: Validated
    rows_read: int = 0
    rows_scored: int = 0
    rows_left_out: int = 0
    reports: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 0 if self.status in ("complete", "partial") else (2 if self.status == "refused"
                                                                  else 1)

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40] or "host"


_PARTIAL = re.compile(r"^\..+\.partial-(?P<host>[A-Za-z0-9.]+)-(?P<pid>\d+)-[^-]+$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale_partials(out: Path) -> list[Path]:
    """Remove unfinished round folders (``.<round>.partial-<host>-<pid>-*``) whose run was
    stopped: made on this machine by a process that no longer exists. Folders of a run still
    going, or made on another machine, are left alone. Returns what was removed."""
    removed = []
    for d in sorted(Path(out).glob(".*.partial-*")):
        m = _PARTIAL.match(d.name)
        if d.is_dir() and m and m["host"] == _host() and not _alive(int(m["pid"])):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


# --------------------------------------------------------------------------- outputs


def scored_csv(scored: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The scored table as published in scored.csv: one row per case and partner."""
    cols = ["case_ref", "partner", "audit_date", "age_band", "plan_type", "overall_grade"]
    for m in profile.measures:
        for c in m.criteria:
            cols.append(f"{c.key}__status" if c.rule else c.key)
        cols += [f"score__{m.key}", f"status__{m.key}", f"band__{m.key}"]
    cols += ["case_score", "case_band", "moderation_flag", "drift_plan_long",
             "drift_review_overdue", "_file", "_row"]
    out = scored[cols].rename(columns={"_file": "source_file", "_row": "source_row"}).copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(4)
    out["audit_date"] = pd.to_datetime(out["audit_date"]).dt.strftime("%Y-%m-%d")
    return out


def _index_page(data, round_id: str, profile: Profile, partners: list[tuple[str, str]],
                result: RoundResult) -> str:
    rows = "".join(f'<li><a href="{escape(href, quote=True)}">{escape(name)}</a> '
                   f"(partner report)</li>" for name, href in partners)
    body = [fr.heading("Reports", 2),
            f'<ul><li><a href="partnership.html">Partnership report</a></li>{rows}</ul>',
            fr.heading("At a glance", 2),
            report.heatmap_table(data, dict(partners)),
            fr.paragraph("Mean measure scores out of 100. Each partner report gives the number "
                         "of cases behind every figure and marks figures resting on 1 to 5 "
                         "cases."),
            fr.heading("Data", 2),
            '<ul><li><a href="validation.html">Validation report</a> (every problem found; '
            '<a href="validation.xlsx">as Excel</a>)</li>'
            '<li><a href="summary.xlsx">Summary tables (Excel)</a></li>'
            + ("" if data.meta.get("publish") else
               '<li><a href="scored.csv">Scored cases (CSV)</a></li>')
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
        body.insert(0, fr.callout(fr.paragraph(
            f"{result.rows_left_out} row(s) were left out because of errors; see the validation "
            "report."), "warning", "This is a partial round."))
    if result.failed:
        body.insert(0, fr.callout(fr.bullet_list(
            f"{k}: {m}" for k, m in result.failed.items()), "warning",
            "Some reports could not be made."))
    return render.page(f"Audit round {round_id}", f"Audit round {round_id}", "".join(body),
                       subheading=f"{profile.title}: {profile.model.partnership}",
                       profile_line=f"profile {profile.name} {profile.version}")


# --------------------------------------------------------------------------- the round


def run_round(profile: Profile | str, round_id: str, inputs: Path | str, out: Path | str, *,
              allow_partial: bool = False, force: bool = False, today: dt.date | None = None,
              publish: bool = False, progress: Callable[[str], None] = print,
              timeout: int = 600, jobs: int | None = None,
              notebook_dir: Path | str | None = None) -> RoundResult:
    """Run a whole round. Never overwrites: the round folder is created at the end."""
    t_start = time.perf_counter()
    jobs = jobs or usable_cores()
    started = dt.datetime.now().isoformat(timespec="seconds")
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    inputs, out = Path(inputs), Path(out)
    today = today or dt.date.today()
    if not round_id or any(ch in round_id for ch in "/\\:") or round_id.startswith("."):
        raise RoundError(f"'{round_id}' cannot be used as a round name (use e.g. 2026-Q3).")
    if not inputs.is_dir():
        raise RoundError(f"The inputs folder '{inputs}' does not exist.")
    final = out / round_id
    if final.exists() and not force:
        raise RoundError(
            f"The round folder {final} already exists and is never overwritten. Use another "
            f"--round name, or --force to move the old folder aside and run again.")
    out.mkdir(parents=True, exist_ok=True)
    for d in clean_stale_partials(out):
        progress(f"Removed {d.name}, left unfinished by a run that was stopped.")
    tmp = Path(tempfile.mkdtemp(prefix=f".{round_id}.partial-{_host()}-{os.getpid()}-",
                                dir=out))
    timer = Timer()
    try:
        with timer.stage("read"):
            ing = read_returns(inputs, profile, workers=jobs)
        with timer.stage("validate"):
            v = validate(ing, profile, today)
        write_validation(tmp, v, ing.files, round_id, profile)
        result = RoundResult("complete", final, v, rows_read=len(v.table))
        result.rows_left_out = int((~v.row_ok).sum())
        progress(validation_summary(v))
        if v.errors and not allow_partial:
            target = out / f"{round_id}.refused-{_stamp()}"
            _finish_refused(tmp, target, ing, profile, round_id, today, timer, started)
            result.status, result.folder = "refused", target
            result.seconds = time.perf_counter() - t_start
            return result
        with timer.stage("redact"):
            clean, redactions = redact_columns(v.valid_table, FREE_TEXT)
        with timer.stage("score"):
            scored = score(clean, profile)
            for col in FREE_TEXT:
                scored[col] = clean[col].to_numpy()
            for col in profile.model.extra_columns:  # unscored detail the reports show
                if col.type in ("grade", "number", "choice", "multi_choice"):
                    scored[col.key] = clean[col.key].to_numpy()
            scored["redactions"] = redactions.to_numpy()
        result.rows_scored = len(scored)
        if not len(scored):
            raise RoundError("No row could be scored: see the validation report.")
        pf = problems_frame(v.problems)
        meta = {
            "round": round_id, "today": today.isoformat(), "toolkit_version": __version__,
            "profile": {"name": profile.name, "version": profile.version,
                        "path": str(profile.path)},
            "allow_partial": allow_partial,
            "publish": publish,
            "refused_files": v.refused_files,
            "inputs": [{"file": f.name, "sha256": f.sha256, "status": f.status, "rows": f.rows}
                       for f in ing.files],
        }
        prior = history.earlier_rounds(out, profile.name, round_id)
        meta["earlier_rounds"] = [m["round"] for _, m in prior]
        with timer.stage("write tables"):
            write_round_data(tmp, scored, pf, v.excluded, meta,
                             history=history.history_table(prior, profile),
                             last_actions=history.last_actions(prior),
                             figures=agg.measure_figures(scored, profile),
                             tools=agg.tool_counts(scored, profile))
            data = load_round(tmp)
        method = [("Round", round_id), ("Profile", f"{profile.name} {profile.version}"),
                  ("Strategy", profile.model.strategy),
                  ("Scoring", "Yes 1, Partly 0.5, No 0, N/A left out, blank missing; "
                              "measure = 100 x sum(weight x credit) / sum(weight answered)")]
        method += [(f"Input {f.name}", f.sha256) for f in ing.files]

        def write_tables() -> None:
            """scored.csv and summary.xlsx, written while the notebooks run."""
            with timer.stage("summary"):
                if not publish:  # case-level: never part of a published round
                    scored_csv(scored, profile).to_csv(tmp / "scored.csv", index=False,
                                                       lineterminator="\n")
                write_summary(tmp / "summary.xlsx", summary_views(data, publish), profile,
                              method)

        partners = agg.partners_in_round(scored, v.excluded, profile)
        partners = [p for p in partners if p in set(scored["partner"])]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tables") as side:
            tables = side.submit(write_tables)
            pages = _run_notebooks(tmp, round_id, profile, partners, result, timer, progress,
                                   timeout, jobs, Path(notebook_dir or NOTEBOOK_DIR))
            tables.result()  # an error writing the tables is an error of the round
        result.reports = pages
        if result.failed:
            result.status = "failed"
        elif result.rows_left_out:
            result.status = "partial"
        links = [(p, f"partner-{slugify(p)}.html") for p in partners
                 if f"partner-{slugify(p)}.html" in pages]
        (tmp / "index.html").write_text(_index_page(data, round_id, profile, links, result),
                                        encoding="utf-8")
        finished = dt.datetime.now().isoformat(timespec="seconds")
        params = {"profile": profile.name, "round": round_id, "inputs": str(inputs),
                  "out": str(out), "allow_partial": allow_partial, "force": force,
                  "publish": publish, "jobs": jobs,
                  "today": today.isoformat()}
        counts = {"rows_read": result.rows_read, "rows_scored": result.rows_scored,
                  "rows_left_out": result.rows_left_out, "errors": len(v.errors),
                  "notes": len(v.notes), "partners": len(partners),
                  "failed_reports": sorted(result.failed)}
        outputs = [str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()]
        write_manifest(tmp / "manifest.json", build_manifest(
            round_id=round_id, profile=profile, files=ing.files, parameters=params,
            timings=timer.timings, outputs=outputs + ["manifest.json"], counts=counts,
            started=started, finished=finished))
        if final.exists():  # only with force: keep the old one
            aside = out / f"{round_id}.replaced-{_stamp()}"
            final.rename(aside)
            progress(f"The previous {final} was moved to {aside}.")
        tmp.rename(final)
        history.write_root_index(out)
        result.seconds = time.perf_counter() - t_start
        return result
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _finish_refused(tmp: Path, target: Path, ing, profile: Profile, round_id: str,
                    today: dt.date, timer: Timer, started: str) -> None:
    write_manifest(tmp / "manifest.json", build_manifest(
        round_id=round_id, profile=profile, files=ing.files,
        parameters={"today": today.isoformat(), "status": "refused"}, timings=timer.timings,
        outputs=["validation.html", "validation.xlsx", "manifest.json"],
        counts={"rows_read": len(ing.table)}, started=started,
        finished=dt.datetime.now().isoformat(timespec="seconds")))
    tmp.rename(target)


def _run_notebooks(tmp: Path, round_id: str, profile: Profile, partners: list[str],
                   result: RoundResult, timer: Timer, progress, timeout: int, jobs: int,
                   notebook_dir: Path) -> list[str]:
    """Execute the round notebook and one per partner, render each finished one to HTML."""
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
    progress(f"Running {len(work)} notebook(s) on {max(1, min(jobs, len(work)))} worker(s)...")

    def done(o, k: int, n: int) -> None:
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
        run_jobs(work, kernel, workers=jobs, timeout=timeout, on_done=done)
    return pages


def validate_only(profile: Profile | str, inputs: Path | str, today: dt.date | None = None
                  ) -> Validated:
    """Read and validate a folder of returns without scoring or writing anything."""
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    return validate(read_returns(Path(inputs), profile), profile, today or dt.date.today())
