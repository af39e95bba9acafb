"""A national-scale round read, validated and scored: many partnerships' workbooks at once.

Default: 150 partnerships x 6 partners x 500 cases = 450,000 rows across 900 workbooks,
written once (in parallel, with openpyxl's write-only mode) to a temporary folder. Times
reading (spread over the cores), typing + validating, scoring and aggregating, and the peak
memory of this process and its workers. Prints one run (generation takes minutes).

    .venv/bin/python benchmarks/bench_national.py [--partnerships 150] [--cases 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from machine import machine
from qa_lib import aggregate as agg
from qa_lib import ingest
from qa_lib.profile import load_profile
from qa_lib.score import score
from qa_lib.validate import validate

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partnerships", type=int, default=150)
    ap.add_argument("--partners", type=int, default=6)
    ap.add_argument("--cases", type=int, default=500)
    a = ap.parse_args()
    profile = load_profile("halton")
    cores = os.cpu_count() or 1
    partners = list(profile.partners)[: a.partners]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = [(folder, p, partner, a.cases, 1000 * p + k)
                for p in range(a.partnerships) for k, partner in enumerate(partners)]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=cores) as pool:
            list(pool.map(write_book, jobs, chunksize=8))
        gen = time.perf_counter() - t0
        rows = len(jobs) * a.cases
        print(f"machine: {machine()}; {len(jobs)} workbooks, {rows:,} rows "
              f"(generated in {gen:.0f} s)")
        t0 = time.perf_counter()
        ing = ingest.read_returns(folder, profile, workers=cores)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        v = validate(ing, profile, TODAY)
        t_val = time.perf_counter() - t0
        t0 = time.perf_counter()
        scored = score(v.valid_table, profile)
        t_score = time.perf_counter() - t0
        t0 = time.perf_counter()
        agg.measure_figures(scored, profile)
        agg.heatmap(scored, profile)
        t_agg = time.perf_counter() - t0
    total = t_read + t_val + t_score + t_agg
    me, kids = peak_mib()
    print(f"read + type  {t_read:7.1f} s  ({cores} worker processes reading)")
    print(f"validate     {t_val:7.1f} s")
    print(f"score        {t_score:7.1f} s")
    print(f"aggregate    {t_agg:7.1f} s")
    print(f"total        {total:7.1f} s  (target under 60 s); rows scored {len(scored):,}; "
          f"errors {len(v.errors)}")
    print(f"peak memory  {me:7.0f} MiB this process, {kids:.0f} MiB largest worker "
          f"(target under 4 GiB)")


if __name__ == "__main__":
    main()
