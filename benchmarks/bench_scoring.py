"""Validation and scoring throughput, reading excluded, and how it grows with rows.

Builds a raw table as the reader produces it (by replicating a synthetic round read once
from real workbooks), then times typing (parsing values), validating and scoring at several
sizes. Prints medians of several runs and the machine's cores and memory.

    .venv/bin/python benchmarks/bench_scoring.py [--sizes 1000,10000,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from machine import machine
from qa_lib.checks.rules import validate
from qa_lib.ingest import returns as ingest
from qa_lib.profile.schema import load_profile
from qa_lib.run.synthetic import make_demo_returns
from qa_lib.scoring.score import score


def raw_table(profile, rows: int) -> pd.DataFrame:
    """A raw (untyped) table of ``rows`` rows, as ingest reads it from workbooks."""
    with tempfile.TemporaryDirectory() as d:
        make_demo_returns(profile, Path(d), cases=45)
        frames = []
        aliases = ingest._header_aliases(profile)
        for p in sorted(Path(d).glob("*.xlsx")):
            frame, _, _ = ingest._read_one(p, p.read_bytes(), profile, aliases, [], {})
            frames.append(frame)
    base = pd.concat(frames, ignore_index=True)
    reps = -(-rows // len(base))
    big = pd.concat([base] * reps, ignore_index=True).iloc[:rows].copy()
    # distinct case references so duplicates are not what we measure
    big["case_ref"] = [f"BMK-{i:07d}" for i in range(len(big))]
    big["_row"] = range(2, len(big) + 2)
    return big


def run_once(profile, raw: pd.DataFrame) -> dict[str, float]:
    t = {}
    t0 = time.perf_counter()
    problems: list = []
    unreadable: set = set()
    table = ingest._coerce(raw, profile, {}, problems, unreadable)
    t["typing"] = time.perf_counter() - t0
    ing = ingest.Ingested(table=table, problems=problems, files=[], letters={},
                          unreadable=unreadable)
    t0 = time.perf_counter()
    v = validate(ing, profile, dt.date(2026, 11, 2))
    t["validate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    score(v.valid_table, profile)
    t["score"] = time.perf_counter() - t0
    t["total"] = t["typing"] + t["validate"] + t["score"]
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", default="halton")
    a = ap.parse_args()
    profile = load_profile(a.profile)
    print(f"machine: {machine()}; profile {profile.name}; median of {a.runs} runs")
    print(f"{'rows':>8} {'typing s':>9} {'validate s':>11} {'score s':>8} {'total s':>8} "
          f"{'rows/s':>10}")
    for n in [int(x) for x in a.sizes.split(",")]:
        raw = raw_table(profile, n)
        runs = [run_once(profile, raw) for _ in range(a.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{n:>8} {med['typing']:>9.3f} {med['validate']:>11.3f} {med['score']:>8.3f} "
              f"{med['total']:>8.3f} {n / med['total']:>10,.0f}")


if __name__ == "__main__":
    main()
