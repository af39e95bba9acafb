"""How long the audit tools take to write (issue 15 item 5).

Times one partner's tool (``write_template``, in this process) and the whole command a
partnership lead runs, ``qa-audit template --profile durham --all-partners`` (a new
process each time, so its start-up is counted), and prints the median of several runs with
the machine's cores and memory, next to the figures before the work on it.

    .venv/bin/python benchmarks/template_speed.py [--profile durham] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine
from qa_lib.profile.audit_tool import write_template
from qa_lib.profile.schema import load_profile

QA_AUDIT = Path(sys.executable).with_name("qa-audit")
# Before issue 15 (commit 295b2c6, 2026-11-24, durham's 13 partners, the machine shared
# with other work): every one of the 500 case rows formatted cell by cell.
BEFORE = {"one tool": 0.81, "--all-partners": 24.3}
TARGET = {"one tool": 0.5, "--all-partners": 6.0}


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="durham")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    profile = load_profile(a.profile)
    print(f"machine: {machine()}; profile {profile.name} ({len(profile.partners)} partners, "
          f"{len(profile.columns)} columns); median of {a.runs} runs")
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        one = _median(lambda: write_template(profile, out / "one.xlsx", profile.partners[0]),
                      a.runs)
        every = _median(lambda: subprocess.run(
            [str(QA_AUDIT), "template", "--profile", a.profile, "--all-partners", "--out",
             str(out / "all")], check=True, capture_output=True), a.runs)
        written = len(list((out / "all").glob("*.xlsx")))
    print(f"{'':<16}{'seconds':>9}{'before':>9}{'target':>9}")
    for name, secs in (("one tool", one), ("--all-partners", every)):
        print(f"{name:<16}{secs:>9.2f}{BEFORE[name]:>9.2f}{'< ' + str(TARGET[name]):>9}")
    print(f"--all-partners wrote {written} tools")


if __name__ == "__main__":
    main()
