"""End-to-end round time against the floor (kernels and reading) and against the naive way.

* kernel_floor: start a kernel of this interpreter, import pandas and matplotlib in it,
  shut it down (median);
* read_floor: read all the round's workbooks with calamine in one process (median);
* ideal_round = read_floor + (partners + 1) x kernel_floor / cores;
* round: `run_round` from workbooks to every HTML file (median), with one worker per core;
* naive: the same round done the naive way: read, validate and score in-process, then
  papermill's CLI and nbconvert's CLI for each notebook, one after another.

    .venv/bin/python benchmarks/bench_round.py [--runs 5] [--naive-runs 2] [--cases 60]
        [--profile durham] [--partners 10]

The default is the issue's round: 10 partners (the first ten of Durham's twelve) and
60 cases, so 11 notebooks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from jupyter_client.manager import KernelManager

from machine import machine
from qa_lib.profile.schema import load_profile
from qa_lib.run.execute import own_kernel, usable_cores
from qa_lib.run.round import NOTEBOOK_DIR, run_round
from qa_lib.run.synthetic import make_demo_returns

TODAY = dt.date(2026, 10, 30)
BIN = Path(sys.executable).parent


def kernel_once(kernel: str) -> float:
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=kernel)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    kc.execute_interactive("import pandas, matplotlib", timeout=60)
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return time.perf_counter() - t0


def read_once(folder: Path) -> float:
    t0 = time.perf_counter()
    for p in sorted(folder.glob("*.xlsx")):
        pd.read_excel(io.BytesIO(p.read_bytes()), sheet_name=None, header=None, dtype=object,
                      engine="calamine", keep_default_na=False)
    return time.perf_counter() - t0


def naive_once(profile, returns: Path, work: Path, partners: list[str]) -> float:
    """Read, validate and score in-process, then papermill CLI + nbconvert CLI per notebook."""
    t0 = time.perf_counter()
    res = run_round(profile, "N", returns, work / "prep", today=TODAY, progress=lambda s: None,
                    jobs=1, notebook_dir=_empty_notebooks(work))
    folder = res.folder
    jobs = [("audit_round.ipynb", [])] + [("partner_report.ipynb", ["-p", "partner", p])
                                           for p in partners]
    env = {**os.environ}
    for i, (nb, extra) in enumerate(jobs):
        dst = folder / "notebooks" / f"naive-{i}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK_DIR / nb), str(dst), "-p",
                        "round_dir", str(folder), *extra, "-k", "python3",
                        "--no-progress-bar"], check=True, capture_output=True, env=env)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(dst)], check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def _empty_notebooks(work: Path) -> Path:
    """Notebooks that do nothing, so the 'prep' round only reads, validates and scores."""
    import nbformat

    d = work / "empty-nbs"
    if not d.exists():
        d.mkdir(parents=True)
        for name in ("audit_round.ipynb", "partner_report.ipynb"):
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell('round_dir = "."\npartner = ""')]
            nb.cells[0].metadata["tags"] = ["parameters"]
            nbformat.write(nb, d / name)
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--naive-runs", type=int, default=2)
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--profile", default="durham")
    ap.add_argument("--partners", type=int, default=10)
    a = ap.parse_args()
    profile = load_profile(a.profile)
    partners = list(profile.partners)[: a.partners]
    cores = usable_cores()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        returns = tmp / "returns"
        make_demo_returns(profile, returns, cases=a.cases, partners=partners,
                          quality=list(np.linspace(0.9, 0.3, len(partners))))
        rows = sum(len(pd.read_excel(p, sheet_name="Audit", engine="calamine"))
                   for p in returns.glob("*.xlsx"))
        print(f"machine: {machine()}; round: {len(partners)} partners, {a.cases} cases, "
              f"{rows} rows; {len(partners) + 1} notebooks")
        with own_kernel() as kernel:
            kernel_once(kernel)  # warm the file cache
            kf = statistics.median(kernel_once(kernel) for _ in range(a.runs))
        rf = statistics.median(read_once(returns) for _ in range(a.runs))
        ideal = rf + (len(partners) + 1) * kf / cores
        times = []
        for i in range(a.runs):
            t0 = time.perf_counter()
            res = run_round(profile, f"R{i}", returns, tmp / "out", today=TODAY,
                            progress=lambda s: None)
            times.append(time.perf_counter() - t0)
            assert not res.failed, res.failed
            shutil.rmtree(res.folder)
        rnd = statistics.median(times)
        naive = statistics.median(
            naive_once(profile, returns, tmp / f"naive{i}", partners) for i in range(a.naive_runs))
    print(f"kernel_floor  {kf:7.2f} s  (median of {a.runs})")
    print(f"read_floor    {rf:7.2f} s  (median of {a.runs})")
    print(f"ideal_round   {ideal:7.2f} s  = read_floor + {len(partners) + 1} x kernel_floor / "
          f"{cores}")
    print(f"round         {rnd:7.2f} s  (median of {a.runs}; runs: "
          f"{', '.join(f'{t:.1f}' for t in times)})")
    print(f"naive         {naive:7.2f} s  (median of {a.naive_runs})")
    print(f"round / ideal {rnd / ideal:7.2f}   (target at most 1.5)")
    print(f"naive / round {naive / rnd:7.2f}   (target at least 3)")


if __name__ == "__main__":
    main()
