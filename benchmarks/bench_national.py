"""A national-scale round read, validated and scored: many partnerships' workbooks at once.

Default: 150 partnerships x 6 partners x 500 cases = 450,000 rows across 900 workbooks,
written once (in parallel, with openpyxl's write-only mode) to a temporary folder. Then, for
growing subsets of those workbooks (1,000 rows up to all 450,000), times reading (spread over
the cores), typing + validating, scoring and aggregating (median of --runs), so the growth
of each stage can be seen; prints the peak memory of this process and of its reading
workers. Finally reads the whole set again with one process and checks that the scored
table is identical to the parallel one.

    .venv/bin/python benchmarks/bench_national.py [--partnerships 150] [--cases 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from machine import machine
from qa_lib.checks.rules import validate
from qa_lib.ingest import returns as ingest
from qa_lib.profile.schema import load_profile
from qa_lib.run.execute import usable_cores
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score

TODAY = dt.date(2026, 11, 2)
ANSWERS = ["Yes", "Yes", "Partly", "No", None]


def write_book(args: tuple[Path, int, str, int, int]) -> None:
    """One partner's workbook for one partnership: ``cases`` rows of plausible answers."""
    folder, p_idx, partner, cases, seed = args
    profile = load_profile("halton")
    rng = np.random.default_rng(seed)
    keys = [c.key for c in profile.columns]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Audit")
    ws.append(keys)
    tools = [t for t in profile.model.tools if t != "Other"]
    for i in range(cases):
        row = {"case_ref": f"P{p_idx:03d}-{i:05d}", "partner": partner,
               "audit_date": dt.date(2026, 10, 1) + dt.timedelta(days=int(rng.integers(0, 25))),
               "age_band": "5-10", "plan_type": "Child Protection", "overall_grade": "Good",
               "referral_date": dt.date(2026, 6, 1), "referral_decision_date": dt.date(2026, 6, 2),
               "assessment_start_date": dt.date(2026, 6, 3)}
        for c in profile.columns:
            if c.type == "answer":
                a = ANSWERS[int(rng.integers(0, len(ANSWERS)))]
                row[c.key] = a if a != "Partly" or "Partly" in c.choices else "Yes"
        if row.get("TU1") in ("Yes", "Partly"):
            row["tool_name"] = tools[int(rng.integers(0, len(tools)))]
        ws.append([row.get(k) for k in keys])
    wb.save(folder / f"p{p_idx:03d}-{partner[:12].replace(' ', '_')}.xlsx")


def peak_mib() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def stages(folder: Path, profile, workers: int) -> tuple[dict[str, float], pd.DataFrame]:
    """Read, validate, score and aggregate one folder; seconds per stage and the scored table."""
    t = {}
    t0 = time.perf_counter()
    ing = ingest.read_returns(folder, profile, workers=workers)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    v = validate(ing, profile, TODAY)
    t["validate"] = time.perf_counter() - t0
    assert not v.errors, v.errors[:3]
    t0 = time.perf_counter()
    scored = score(v.valid_table, profile)
    t["score"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    agg.measure_figures(scored, profile)
    agg.heatmap(scored, profile)
    t["aggregate"] = time.perf_counter() - t0
    t["total"] = sum(t.values())
    return t, scored


def subset(folder: Path, books: list[Path], n: int) -> Path:
    """A folder of links to the first ``n`` workbooks."""
    d = folder / f"first-{n}"
    d.mkdir()
    for b in books[:n]:
        (d / b.name).symlink_to(b)
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partnerships", type=int, default=150)
    ap.add_argument("--partners", type=int, default=6)
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    profile = load_profile("halton")
    cores = usable_cores()
    partners = list(profile.partners)[: a.partners]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "books"
        folder.mkdir()
        jobs = [(folder, p, partner, a.cases, 1000 * p + k)
                for p in range(a.partnerships) for k, partner in enumerate(partners)]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=cores) as pool:
            list(pool.map(write_book, jobs, chunksize=8))
        gen = time.perf_counter() - t0
        rows = len(jobs) * a.cases
        print(f"machine: {machine()}; {len(jobs)} workbooks, {rows:,} rows "
              f"(generated in {gen:.0f} s); median of {a.runs} runs per size")
        books = sorted(folder.glob("*.xlsx"))
        sizes = sorted({n for n in (2, 20, 90, 200, len(books)) if n <= len(books)})
        print(f"{'rows':>9} {'books':>5} | {'read':>6} {'validate':>8} {'score':>6} "
              f"{'aggregate':>9} {'total':>6} s | total per 1,000 rows")
        for n in sizes:
            d = subset(Path(tmp), books, n) if n < len(books) else folder
            runs = [stages(d, profile, cores)[0] for _ in range(a.runs)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            nrows = n * a.cases
            print(f"{nrows:>9,} {n:>5} | {med['read']:6.2f} {med['validate']:8.2f} "
                  f"{med['score']:6.2f} {med['aggregate']:9.2f} {med['total']:6.2f} s | "
                  f"{1000 * med['total'] / nrows:.3f} s")
        me, kids = peak_mib()
        print(f"peak memory {me:.0f} MiB this process, {kids:.0f} MiB largest child process "
              f"(the workbook writers included) (target under 4 GiB); full-size total target "
              f"under 60 s")
        _, parallel = stages(folder, profile, cores)
        t0 = time.perf_counter()
        _, sequential = stages(folder, profile, 1)
        pd.testing.assert_frame_equal(parallel, sequential)
        print(f"scores identical: {len(parallel):,} rows scored with {cores} reading processes "
              f"and with one ({time.perf_counter() - t0:.0f} s for the one-process run)")


if __name__ == "__main__":
    main()
