"""Peak memory and time of reading a return whose Audit sheet is formatted far down.

A partner who puts borders on a whole block of the Audit sheet (or formats whole rows)
leaves a sheet whose used range reaches row 1,000,001 although only a few dozen rows hold
cases. The cells are empty, but the sheet XML holds every one of them: about 1 GB
uncompressed for the 46 columns of the Halton tool. This script builds, in a temporary
folder, a real Halton return (the generated tool filled with --cases rows through
openpyxl) and variants of it whose Audit sheet XML is extended inside the zip:

* ``cells``: empty cells with a border style (``<c r="A502" s="9"/>``) across every column
  of every row down to --last-row, as Excel saves a bordered range;
* ``rows``: rows with only a style (``<row r="502" s="9" customFormat="1"/>``), no cells,
  as Excel saves whole formatted rows;
* ``interleaved``: bands of 2,500 formatted rows then 1,500 untouched ones, odd rows
  formatted in the odd columns and even rows in the even ones, one row in ten formatted as
  a whole row; the last row formatted in full.

Each one, and the baseline (the same return without the formatting), is read by
``read_returns(folder, load_profile('halton'))`` in a fresh process, --runs times in turn;
the child reports its peak RSS (VmHWM) and the read's wall time. Prints medians, the ratio
to the baseline, and PASS/FAIL on whether every variant reads the same cases (row count,
Excel rows, values, problems) as the baseline.

    .venv/bin/python benchmarks/read_memory.py [--runs 3] [--cases 40] [--last-row 1000001]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter

from machine import machine

PROFILE = "halton"
TEMPLATE_ROWS = 500  # the real tool's formatted case rows (rows 2 to 501)
BORDER = ('<border><left style="thin"><color auto="1"/></left><right style="thin"><color '
          'auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin">'
          '<color auto="1"/></bottom><diagonal/></border>')
BATCH = 20_000  # rows of XML written at a time


# --------------------------------------------------------------------------- building


def real_return(folder: Path, cases: int) -> Path:
    """The Halton tool (build_template, 500 formatted rows) with ``cases`` rows filled in as a
    partner would, saved as ``folder/return.xlsx``."""
    from qa_lib.profile.audit_tool import build_template, tool_cell, tool_columns
    from qa_lib.profile.schema import load_profile

    profile = load_profile(PROFILE)
    wb = build_template(profile, None)
    ws = wb["Audit"]
    start, header = tool_columns(ws)
    tools = [t for t in profile.model.tools if t != "Other"]
    answers = ["Yes", "Partly", "No", "Yes", None]
    for i in range(cases):
        partner = profile.partners[i % len(profile.partners)]
        row = {"case_ref": f"HAL-{i + 1:04d}", "partner": partner,
               "audit_date": dt.date(2026, 10, 1) + dt.timedelta(days=i % 25),
               "age_band": "5-10", "plan_type": "Child Protection",
               "neglect_types": "Physical", "overall_grade": "Good",
               "referral_date": dt.date(2026, 6, 1)}
        for k, c in enumerate(c for c in profile.columns if c.type == "answer"):
            a = answers[(i + k) % len(answers)]
            row[c.key] = a if a != "Partly" or "Partly" in c.choices else "Yes"
        if row.get("TU1") in ("Yes", "Partly"):
            row["tool_name"] = tools[i % len(tools)]
        for key, value in row.items():
            tool_cell(ws, start + i, header[key]).value = value
    folder.mkdir(parents=True)
    path = folder / "return.xlsx"
    wb.save(path)
    return path


def audit_member(z: zipfile.ZipFile) -> str:
    """The zip member of the Audit sheet (openpyxl saves sheets as sheet1.xml, ... in order)."""
    book = z.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', book)
    return f"xl/worksheets/sheet{names.index('Audit') + 1}.xml"


def with_border_style(styles: bytes) -> tuple[bytes, int]:
    """styles.xml with one more cell format (thin borders all round), and its index."""
    s = styles.decode()
    borders = int(re.search(r'<borders count="(\d+)"', s).group(1))
    xfs = int(re.search(r'<cellXfs count="(\d+)"', s).group(1))
    s = re.sub(r'<borders count="\d+">', f'<borders count="{borders + 1}">', s)
    s = s.replace("</borders>", BORDER + "</borders>")
    s = re.sub(r'<cellXfs count="\d+">', f'<cellXfs count="{xfs + 1}">', s)
    s = s.replace("</cellXfs>", f'<xf numFmtId="0" fontId="0" fillId="0" borderId="{borders}" '
                  'applyBorder="1" xfId="0"/></cellXfs>')
    return s.encode(), xfs


def cells_rows(first: int, last: int, width: int, style: int):
    """Every row from ``first`` to ``last``: an empty bordered cell in each column."""
    cells = "".join(f'<c r="{get_column_letter(j)}{{0}}" s="{style}"/>' for j in range(1, width + 1))
    tmpl = f'<row r="{{0}}" spans="1:{width}">{cells}</row>'
    for lo in range(first, last + 1, BATCH):
        yield "".join(tmpl.format(r) for r in range(lo, min(lo + BATCH, last + 1)))


def style_rows(first: int, last: int, width: int, style: int):
    """Every row from ``first`` to ``last`` formatted as a whole row, with no cells."""
    tmpl = f'<row r="{{0}}" spans="1:{width}" s="{style}" customFormat="1"/>'
    for lo in range(first, last + 1, BATCH):
        yield "".join(tmpl.format(r) for r in range(lo, min(lo + BATCH, last + 1)))


def interleaved_rows(first: int, last: int, width: int, style: int):
    """Bands of 2,500 formatted rows and 1,500 untouched ones; odd rows bordered in the odd
    columns, even rows in the even ones, one row in ten a whole formatted row; ``last``
    bordered in full."""
    def row_cells(parity: int) -> str:
        return "".join(f'<c r="{get_column_letter(j)}{{0}}" s="{style}"/>'
                       for j in range(1, width + 1) if j % 2 == parity)
    odd = f'<row r="{{0}}" spans="1:{width}">{row_cells(1)}</row>'
    even = f'<row r="{{0}}" spans="1:{width}">{row_cells(0)}</row>'
    whole = f'<row r="{{0}}" spans="1:{width}" s="{style}" customFormat="1"/>'
    full = next(cells_rows(last, last, width, style))

    def one(r: int) -> str:
        if (r - first) % 4000 >= 2500:
            return ""
        return (whole if r % 10 == 0 else odd if r % 2 else even).format(r)

    for lo in range(first, last, BATCH):
        yield "".join(one(r) for r in range(lo, min(lo + BATCH, last)))
    yield full


VARIANTS = {"cells": cells_rows, "rows": style_rows, "interleaved": interleaved_rows}


def formatted_copy(base: Path, folder: Path, variant: str, last_row: int) -> Path:
    """A copy of ``base`` in ``folder`` whose Audit sheet is formatted down to ``last_row``,
    the sheet XML streamed into the zip (never held whole)."""
    folder.mkdir(parents=True)
    out = folder / base.name
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=6) as dst:
        member = audit_member(src)
        styles, style = with_border_style(src.read("xl/styles.xml"))
        xml = src.read(member).decode()
        width = max(int(w) for w in re.findall(r'<col [^>]*max="(\d+)"', xml))
        last_existing = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{get_column_letter(width)}'
                     f'{last_row}"', xml)
        head, tail = xml.split("</sheetData>")
        for info in src.infolist():
            if info.filename == member:
                with dst.open(info.filename, "w", force_zip64=True) as f:
                    f.write(head.encode())
                    for chunk in VARIANTS[variant](last_existing + 1, last_row, width, style):
                        f.write(chunk.encode())
                    f.write(("</sheetData>" + tail).encode())
            else:
                dst.writestr(info, styles if info.filename == "xl/styles.xml" else src.read(info))
    return out


# --------------------------------------------------------------------------- measuring


def peak_kib() -> int:
    """This process's peak RSS in KiB: VmHWM (ru_maxrss keeps the parent's peak across the
    fork and exec that started it, so it is the fallback only)."""
    try:
        return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(folder: str) -> None:
    """Read ``folder`` once and print JSON: peak RSS, read time and what was read."""
    from qa_lib.ingest.returns import read_returns
    from qa_lib.profile.schema import load_profile

    profile = load_profile(PROFILE)
    before = peak_kib()
    t0 = time.perf_counter()
    ing = read_returns(folder, profile)
    took = time.perf_counter() - t0
    peak = peak_kib()
    table = ing.table.sort_values("_row").reset_index(drop=True)
    print(json.dumps({
        "peak_kib": peak, "imports_kib": before, "seconds": took, "rows": len(table),
        "excel_rows": [int(r) for r in table["_row"]],
        "values": hashlib.sha256(table.to_csv(index=False).encode()).hexdigest(),
        "problems": sorted([p.code, None if p.row is None else int(p.row), p.column]
                           for p in ing.problems),
        "files": [str(f.status) for f in ing.files]}))


def measure(folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(folder)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--last-row", type=int, default=1_000_001)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        child(a.child)
        return
    variants = [v for v in a.variants.split(",") if v]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        base = real_return(Path(tmp) / "baseline", a.cases)
        folders = {"baseline": base.parent}
        sizes = {}
        for v in variants:
            path = formatted_copy(base, Path(tmp) / v, v, a.last_row)
            folders[v] = path.parent
            with zipfile.ZipFile(path) as z:
                sizes[v] = z.getinfo(audit_member(z)).file_size
        with zipfile.ZipFile(base) as z:
            sizes["baseline"] = z.getinfo(audit_member(z)).file_size
        gen = time.perf_counter() - t0
        print(f"machine: {machine()}, Python {sys.version.split()[0]}; {a.cases} cases, "
              f"formatted to row {a.last_row:,} (built in {gen:.0f} s); median of {a.runs} "
              f"runs, each in a fresh process")
        runs: dict[str, list[dict]] = {k: [] for k in folders}
        for _ in range(a.runs):  # in turn, so a drift of the machine touches every case alike
            for k, folder in folders.items():
                runs[k].append(measure(folder))
        base_peak = statistics.median(r["peak_kib"] for r in runs["baseline"]) / 1024
        base_s = statistics.median(r["seconds"] for r in runs["baseline"])
        print(f"{'case':<12} {'sheet XML':>10} | {'peak RSS':>9} {'x base':>7} | "
              f"{'read s':>7} {'x base':>7} | cases  same as baseline")
        ref = runs["baseline"][0]
        failed = False
        for k, rs in runs.items():
            peak = statistics.median(r["peak_kib"] for r in rs) / 1024
            secs = statistics.median(r["seconds"] for r in rs)
            same = all(r[f] == ref[f] for r in rs
                       for f in ("rows", "excel_rows", "values", "problems", "files"))
            failed |= not same or peak > 1024
            print(f"{k:<12} {sizes[k] / 2**20:7.0f} MiB | {peak:5.0f} MiB {peak / base_peak:6.1f}x"
                  f" | {secs:7.2f} {secs / base_s:6.1f}x | {rs[0]['rows']:5}  "
                  f"{'PASS' if same else 'FAIL'}")
        imports = statistics.median(r["imports_kib"] for r in runs["baseline"]) / 1024
        print(f"(a fresh process with the toolkit imported: {imports:.0f} MiB; target: every "
              f"peak under 1,024 MiB)")
        print("PASS" if not failed else "FAIL")
        if failed:
            sys.exit(1)


if __name__ == "__main__":
    main()
