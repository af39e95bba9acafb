"""Checks where the partner types (issue 15): number columns a profile adds, and the
partnership's own form of case reference, checked in validation so a CSV return gets them
too. Expectations are worked by hand: the row is the Excel row of the case in the tool
(header keys in row 1 of a CSV; the tool's first case row in a workbook) and the column its
letter."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter

from conftest import HALTON_V1, base_row, letter_of, validate_folder, write_return
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest import workbook
from qa_lib.ingest.values import ShownAsPercent, number_parser
from qa_lib.profile.audit_tool import tool_columns
from qa_lib.profile.schema import ExtraColumn, load_profile


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    """Halton with two number columns (a percentage with no range given, so 0 to 100, and
    a count from 0 to 20) and a case reference pattern."""
    data = yaml.safe_load(open(HALTON_V1, encoding="utf-8"))
    data["extra_columns"] = [*data.get("extra_columns", []),
                             {"key": "attendance_pct", "type": "number",
                              "question": "School attendance this term, %"},
                             {"key": "visits", "type": "number", "min": 0, "max": 20,
                              "question": "Home visits in the last three months"}]
    data["case_ref_pattern"] = {"regex": "HAL-[0-9]{4}", "example": "HAL-0001"}
    path = tmp_path_factory.mktemp("numbers") / "halton-numbers.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_profile(path)


def _problems(v, code: str) -> list:
    return [p for p in v.problems if p.code == code]


def _first_row(path) -> int:
    return tool_columns(openpyxl.load_workbook(path)["Audit"])[0]


def test_the_columns_and_their_ranges(profile):
    cols = profile.column_map
    assert (cols["attendance_pct"].percent, cols["attendance_pct"].min,
            cols["attendance_pct"].max) == (True, 0, 100)
    assert (cols["visits"].percent, cols["visits"].min, cols["visits"].max) == (False, 0, 20)


@pytest.mark.parametrize(("column", "percent"), [
    ({"key": "attendance", "question": "School attendance this term, %"}, True),
    ({"key": "attendance", "question": "School attendance, per cent"}, True),
    ({"key": "attendance_pct", "question": "School attendance"}, True),
    ({"key": "attendance", "question": "School attendance", "unit": "percent"}, True),
    ({"key": "visits", "question": "Home visits in the last three months"}, False)])
def test_a_percentage_column_as_the_audit_tool_tells_it(column, percent):
    assert ExtraColumn(type="number", **column).is_percent is percent


@pytest.mark.parametrize(("value", "read"), [
    (92, 92.0), ("92", 92.0), (" 92 ", 92.0), ("92.5", 92.5), (ShownAsPercent(0.93), 93.0),
    (ShownAsPercent(1), 100.0)])
def test_numbers_as_typed(value, read):
    assert number_parser(percent=True)(value) == (read, None)


def test_a_value_outside_the_range_is_an_error_naming_row_column_and_range(tmp_path, profile):
    path = write_return(tmp_path, profile, [
        base_row("HAL-0001", attendance_pct=150),  # over 100: a percentage cannot be
        base_row("HAL-0002", attendance_pct=100, visits=20),  # both at their top: fine
        base_row("HAL-0003", visits=25)])
    first = _first_row(path)
    v = validate_folder(tmp_path, profile)
    got = sorted((p.row, p.column, p.letter, p.message) for p in _problems(v, "V13"))
    assert got == [
        (first, "attendance_pct", letter_of(path, "attendance_pct"),
         "150 is outside the range of attendance_pct: a percentage from 0 to 100."),
        (first + 2, "visits", letter_of(path, "visits"),
         "25 is outside the range of visits: a number from 0 to 20.")]
    assert all(p.severity == Severity.ERROR for p in _problems(v, "V13"))
    assert v.row_ok.tolist() == [False, True, False]


def test_92_percent_is_read_as_92_with_a_note(tmp_path, profile):
    path = write_return(tmp_path, profile, [base_row("HAL-0001", attendance_pct="92%")])
    v = validate_folder(tmp_path, profile)
    assert v.table["attendance_pct"].tolist() == [92.0]
    (note,) = _problems(v, "N24")
    assert (note.severity, note.row, note.letter, note.message) == (
        Severity.NOTE, _first_row(path), letter_of(path, "attendance_pct"),
        "'92%' was read as 92: the column holds a percentage, and the % sign is not needed.")
    assert not v.errors


def test_about_80_is_an_error_not_a_blank(tmp_path, profile):
    path = write_return(tmp_path, profile, [
        base_row("HAL-0001", attendance_pct="about 80"), base_row("HAL-0002", visits="n/k"),
        base_row("HAL-0003", visits="12%")])
    first = _first_row(path)
    v = validate_folder(tmp_path, profile)
    got = sorted((p.row, p.letter, p.message) for p in _problems(v, "M01"))
    assert got == [
        (first, letter_of(path, "attendance_pct"),
         "'about 80' is not a number (a percentage, 0 to 100)."),
        (first + 1, letter_of(path, "visits"), "'n/k' is not a number."),
        (first + 2, letter_of(path, "visits"),
         "'12%' is not a number. This column holds a number, not a percentage.")]
    assert v.row_ok.tolist() == [False, False, False]  # never scored as if blank


@pytest.mark.parametrize("streamed", [False, True])
def test_a_percentage_formatted_cell_holding_093_is_read_as_the_93_it_shows(
        tmp_path, profile, monkeypatch, streamed):
    """Excel stores 93% as 0.93 and python-calamine gives only that value: the cell's style
    (s= in the sheet XML, its numFmt in styles.xml) says it shows 93%. The same when the
    sheet XML is read in pieces (a big sheet), here 4 KB pieces."""
    if streamed:
        monkeypatch.setattr(workbook, "STREAM_BYTES", 0)
        monkeypatch.setattr(workbook, "PIECE_BYTES", 4096)
    path = write_return(tmp_path, profile, [base_row("HAL-0001", attendance_pct=0.93, visits=3),
                                            base_row("HAL-0002", attendance_pct=0.5)])
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    first, header = tool_columns(ws)
    ws.cell(row=first, column=header["attendance_pct"]).number_format = "0%"
    ws.cell(row=first + 1, column=header["attendance_pct"]).number_format = '0.0" pc"'  # no %
    wb.save(path)
    v = validate_folder(tmp_path, profile)
    assert v.table["attendance_pct"].tolist() == [93.0, 0.5]
    assert v.table["visits"].iloc[0] == 3.0 and v.table["visits"].isna().tolist() == [False, True]
    assert not v.errors


def test_a_csv_return_gets_the_same_checks(tmp_path, profile):
    keys = [c.key for c in profile.columns if c.in_header] + ["attendance_pct", "visits"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    for ref, pct in (("HAL-0001", "92%"), ("HAL-0002", "about 80"), ("HAL-0003", "150")):
        row = base_row(ref, attendance_pct=pct)
        row["audit_date"] = "15/10/2026"
        w.writerow({k: row.get(k, "") for k in keys})
    (tmp_path / "police.csv").write_text(buf.getvalue(), encoding="utf-8")
    v = validate_folder(tmp_path, profile)
    letter = get_column_letter(keys.index("attendance_pct") + 1)
    got = sorted((p.code, p.row, p.letter) for p in v.problems
                 if p.column == "attendance_pct")
    assert got == [("M01", 3, letter), ("N24", 2, letter), ("V13", 4, letter)]


def test_a_case_ref_not_in_the_agreed_form_names_the_value_and_the_form(tmp_path, profile):
    path = write_return(tmp_path, profile, [base_row("HAL-0001"), base_row("HAL-12"),
                                            base_row("XYZ-0002")])
    first = _first_row(path)
    v = validate_folder(tmp_path, profile)
    got = sorted((p.row, p.letter, p.value, p.message) for p in _problems(v, "V14"))
    assert got == [
        (first + 1, "A", "HAL-12",
         "'HAL-12' is not in the form agreed for the round, such as HAL-0001."),
        (first + 2, "A", "XYZ-0002",
         "'XYZ-0002' is not in the form agreed for the round, such as HAL-0001.")]
    assert v.row_ok.tolist() == [True, False, False]


def test_no_pattern_no_check(tmp_path, halton):
    write_return(tmp_path, halton, [base_row("HAL-12")])
    assert not _problems(validate_folder(tmp_path, halton), "V14")


def test_a_name_as_case_ref_is_left_to_v03_and_withheld(tmp_path, profile):
    write_return(tmp_path, profile, [base_row("Jack-Smith")])
    v = validate_folder(tmp_path, profile)
    assert not _problems(v, "V14") and _problems(v, "V03")
