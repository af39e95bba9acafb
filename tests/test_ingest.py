"""Values are parsed once, on reading: dates, answers, choices."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import base_row, write_return
from qa_lib.ingest.returns import PARALLEL_MIN_FILES, normalise_header, parse_answer, parse_date, read_returns

D = dt.date


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        (dt.datetime(2026, 10, 15), D(2026, 10, 15), None),
        (46310, D(2026, 10, 15), "N11"),  # an Excel serial in a cell not formatted as a date
        (46310.0, D(2026, 10, 15), "N11"),
        ("15/10/2026", D(2026, 10, 15), None),  # day first
        ("05/10/2026", D(2026, 10, 5), None),  # day first, never 10 May
        ("15-10-2026", D(2026, 10, 15), None),
        ("15.10.2026", D(2026, 10, 15), None),
        ("2026-10-15", D(2026, 10, 15), None),
        ("15 October 2026", D(2026, 10, 15), None),
        ("15 Oct 2026", D(2026, 10, 15), None),
        ("15/10/26", D(2026, 10, 15), "N12"),  # two-digit year, noted
        ("31/02/2026", None, "D02"),  # no such day
        ("next Tuesday", None, "D01"),
        (True, None, "D01"),
    ],
)
def test_parse_date(value, expected, code):
    got, issue = parse_date(value)
    assert got == expected
    assert (issue.code if issue else None) == code


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        ("Yes", "Yes", None), ("N/A", "N/A", None), ("yes", "Yes", "N10"), (" Y ", "Yes", "N10"),
        ("n/a", "N/A", "N10"), ("NA", "N/A", "N10"), ("partly", "Partly", "N10"),
        ("NO", "No", "N10"), ("Maybe", None, "A02"), (1, None, "A01"), (0.5, None, "A01"),
    ],
)
def test_parse_answer(value, expected, code):
    got, issue = parse_answer(value)
    assert got == expected
    assert (issue.code if issue else None) == code


def test_normalise_header():
    assert normalise_header(" Audit Date ") == "audit_date"
    assert normalise_header("case-ref") == "case_ref"
    assert normalise_header(None) == ""


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize("name", ["audit_round.ipynb", "partner_report.ipynb"])
def test_notebooks_are_thin_with_a_parameters_cell(name):
    nb = json.loads((NOTEBOOKS / name).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and code.index(tagged[0]) == 0
    for c in code:
        src = "".join(c["source"])
        for word in ("def ", "class ", "for ", "while ", "lambda", "groupby", "pd."):
            assert word not in src, (name, word)
        assert not c.get("outputs"), "notebooks are committed without outputs"


def test_reading_in_worker_processes_gives_the_same_table(tmp_path, halton):
    for i in range(PARALLEL_MIN_FILES + 1):
        partner = halton.partners[i % len(halton.partners)]
        write_return(tmp_path, halton, [base_row(f"HAL-{i:04d}", partner, TU1="Yes",
                                                 tool_name="Home Conditions Tool", TU2="maybe")],
                     name=f"r{i:02d}.xlsx")
    one = read_returns(tmp_path, halton, workers=1)
    two = read_returns(tmp_path, halton, workers=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert [p.__dict__ for p in one.problems] == [p.__dict__ for p in two.problems]
    assert [f.sha256 for f in one.files] == [f.sha256 for f in two.files]
    assert one.letters == two.letters and len(one.table) == PARALLEL_MIN_FILES + 1
