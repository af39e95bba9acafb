"""Fuzzing: whatever comes in, only a scored table or the toolkit's own problems come out."""

from __future__ import annotations

import csv
import datetime as dt
import string
from pathlib import Path

import numpy as np
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import HALTON_V1, TODAY, examples
from qa_lib.checks.rules import catalogue, validate
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.schema import load_profile
from qa_lib.scoring.score import measure_columns, score

HALTON = load_profile(HALTON_V1)
KEYS = [c.key for c in HALTON.columns]
CODES = set(catalogue()["code"])

CELL = st.one_of(
    st.none(),
    st.sampled_from(["Yes", "Partly", "No", "N/A", "yes", " Y ", "NA", "n/a", "Maybe", "", " ",
                     "Cheshire Police", "Health Visiting", "Chesire Police", "HAL-0001", "HAL-0002",
                     "9434765919", "Jack-Smith", "5-10", "Child Protection", "Physical; Medical",
                     "Good", "Inadequate", "Home Conditions Tool", "31/02/2026", "15/10/2026",
                     "2026-10-15", "15/10/26", "#N/A", "=1+1", "TRUE", "\u2013", "\u00a0Yes"]),
    st.integers(min_value=-10, max_value=3_000_000),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2110, 12, 31)),
    st.text(alphabet=string.printable + "£é\u2019", max_size=30),
)
ROW = st.dictionaries(st.sampled_from(KEYS), CELL, min_size=0, max_size=25)


def _check(folder: Path) -> None:
    ing = read_returns(folder, HALTON)
    v = validate(ing, HALTON, TODAY)
    for p in v.problems:
        assert p.code in CODES, p
        assert p.file and p.message and p.fix
    scored = score(v.valid_table, HALTON)
    vals = scored[measure_columns(HALTON) + ["case_score"]].to_numpy(dtype=float)
    assert np.all(np.isnan(vals) | ((vals >= 0) & (vals <= 100)))
    assert len(scored) == int(v.row_ok.sum())


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=0, max_size=6), shuffle=st.randoms(use_true_random=False))
def test_fuzzed_workbooks(tmp_path_factory, rows, shuffle):
    folder = tmp_path_factory.mktemp("fz")
    keys = list(KEYS)
    shuffle.shuffle(keys)  # columns in any order
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Audit"
    ws.append(keys)
    for r in rows:
        # text starting '=' becomes a formula; control characters cannot be stored in xlsx
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                   for v in (r.get(k) for k in keys)])
    wb.save(folder / "return.xlsx")
    _check(folder)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=0, max_size=6), sep=st.sampled_from([",", ";", "\t"]),
       enc=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_fuzzed_csv(tmp_path_factory, rows, sep, enc):
    folder = tmp_path_factory.mktemp("fzc")
    with open(folder / "return.csv", "w", newline="", encoding=enc, errors="replace") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(KEYS)
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in KEYS])
    _check(folder)


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".xlsm"]))
def test_fuzzed_bytes(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("fzb")
    (folder / f"return{suffix}").write_bytes(data)
    _check(folder)
