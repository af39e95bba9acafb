"""What bad input gets (docs/bad-input.md; answers and case references as in docs/method.md).

Each test builds a return through the real generated template (or by hand where the
layout itself is the point), runs ``read_returns`` then ``validate`` and checks that the
problem names the right file, sheet, Excel row, column key and column letter, that the
bad row is left out of scoring and that a good row of the same file is still valid.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from conftest import TODAY, base_row, letter_of, validate_folder, write_return
from qa_lib.checks.rules import Validated
from qa_lib.common.problems import Problem
from qa_lib.common.vocabulary import Severity

NHS_NUMBER = "9434765919"  # passes the modulus-11 check digit


# --------------------------------------------------------------------------- helpers






def errors_at(v: Validated, file: str, row: int) -> list[Problem]:
    return [p for p in v.errors if p.file == file and p.row == row]


def row_ok(v: Validated, file: str, row: int) -> bool:
    t = v.table
    hit = (t["_file"] == file) & (t["_row"] == row)
    assert hit.sum() == 1, f"expected exactly one table row for {file} row {row}"
    return bool(v.row_ok[hit].iloc[0])


def assert_cell_error(v: Validated, path: Path, row: int, key: str, code: str,
                      header_row: int = 1, letter: str | None = None) -> Problem:
    """The one error on ``row`` of ``path``: its code, file, sheet, row, key and letter."""
    errs = errors_at(v, path.name, row)
    assert [(p.code, p.column) for p in errs] == [(code, key)], errs
    p = errs[0]
    assert p.severity == Severity.ERROR
    assert p.file == path.name
    assert p.sheet == "Audit"
    assert p.row == row
    assert p.column == key
    assert p.letter == (letter or letter_of(path, key, header_row))
    assert p.message and p.fix
    assert not row_ok(v, path.name, row), "a row with an error must be left out of scoring"
    return p


def assert_good(v: Validated, path: Path, row: int) -> None:
    assert errors_at(v, path.name, row) == []
    assert row_ok(v, path.name, row), "a good row in the same file must stay valid"


# --------------------------------------------------------------------------- file level


def test_missing_required_column_refuses_the_file(tmp_path, halton):
    bad = write_return(tmp_path, halton, [base_row("HAL-0001", TU3="Yes")], name="police.xlsx")
    wb = openpyxl.load_workbook(bad)
    ws = wb["Audit"]
    ws.delete_cols(openpyxl.utils.column_index_from_string(letter_of(bad, "TU3")))
    wb.save(bad)
    good = write_return(tmp_path, halton, [base_row("HAL-0001", "Housing")], name="housing.xlsx")

    v = validate_folder(tmp_path, halton)

    f07 = [p for p in v.errors if p.code == "F07"]
    assert len(f07) == 1
    p = f07[0]
    assert p.file == bad.name
    assert p.sheet == "Audit"
    assert p.row is None
    assert "'TU3'" in p.message
    assert bad.name in v.refused_files
    assert not (v.table["_file"] == bad.name).any(), "no row of a refused file is scored"
    assert_good(v, good, 2)


def test_required_column_renamed_to_near_miss_is_suggested(tmp_path, halton):
    bad = write_return(tmp_path, halton, [base_row("HAL-0001", TU3="Yes")], name="police.xlsx")
    tu3 = letter_of(bad, "TU3")
    wb = openpyxl.load_workbook(bad)
    wb["Audit"][f"{tu3}1"] = "TU_3"
    wb.save(bad)
    good = write_return(tmp_path, halton, [base_row("HAL-0001", "Housing")], name="housing.xlsx")

    v = validate_folder(tmp_path, halton)

    f07 = [p for p in v.errors if p.code == "F07"]
    assert len(f07) == 1
    p = f07[0]
    assert (p.file, p.sheet, p.row) == (bad.name, "Audit", None)
    assert "'TU3'" in p.message
    # the near miss: which column is headed 'TU_3' and that it was probably meant to be TU3
    assert "'TU_3'" in p.message, p.message
    assert "did you mean 'tu3'" in p.message.lower(), p.message
    assert not (v.table["_file"] == bad.name).any()
    assert_good(v, good, 2)


# --------------------------------------------------------------------------- choices


def test_unknown_partner_gets_near_miss_suggestion(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001"),
        base_row("HAL-0002", partner="Chesire Police"),
    ], partner="Cheshire Police")

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "partner", "C01")
    assert p.value == "Chesire Police"
    assert "Cheshire Police" in p.message
    assert_good(v, path, 2)


# --------------------------------------------------------------------------- answers


def test_answer_that_is_not_an_answer(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU3="Yes"),
                                           base_row("HAL-0002", TU3="Maybe")])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "TU3", "A02")
    assert p.value == "Maybe"
    assert "Maybe" in p.message
    assert_good(v, path, 2)


def test_number_where_an_answer_belongs(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", LE2=3), base_row("HAL-0002", LE2="No")])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "LE2", "A01")
    assert p.value == "3"
    assert_good(v, path, 3)


def test_na_where_the_criterion_does_not_allow_it(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU1="N/A"), base_row("HAL-0002", TU2="N/A")])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "TU1", "V05")
    assert p.value == "N/A"
    assert "TU1" in p.message
    assert_good(v, path, 3)  # TU2 allows N/A


def test_answer_variant_is_normalised_with_a_note(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU3=" y "),
                                           base_row("HAL-0002", TU3="Maybe")])

    v = validate_folder(tmp_path, halton)

    notes = [p for p in v.problems if p.file == path.name and p.row == 2]
    assert len(notes) == 1
    n = notes[0]
    assert (n.severity, n.code) == (Severity.NOTE, "N10")
    assert n.severity != Severity.ERROR
    assert (n.sheet, n.column, n.letter) == ("Audit", "TU3", letter_of(path, "TU3"))
    assert "Yes" in n.message
    assert_good(v, path, 2)
    t = v.table
    assert t.loc[(t["_file"] == path.name) & (t["_row"] == 2), "TU3"].iloc[0] == "Yes"
    assert_cell_error(v, path, 3, "TU3", "A02")


@pytest.mark.parametrize(("written", "note"), [("N/A", False), ("NA", True), ("n/a", True)])
def test_na_is_kept_as_an_answer_not_read_as_blank(tmp_path, halton, written, note):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU2=written),
                                           base_row("HAL-0002", TU1=written)])

    v = validate_folder(tmp_path, halton)

    t = v.table
    assert t.loc[(t["_file"] == path.name) & (t["_row"] == 2), "TU2"].iloc[0] == "N/A"
    assert_good(v, path, 2)
    notes = [(p.code, p.column) for p in v.notes if p.file == path.name and p.row == 2]
    assert notes == ([("N10", "TU2")] if note else [])
    # the same answer on TU1, which has no N/A, is refused rather than counted as missing
    p = assert_cell_error(v, path, 3, "TU1", "V05")
    assert p.value == "N/A"


# --------------------------------------------------------------------------- dates


def test_end_date_before_start_date(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", assessment_start_date=dt.date(2026, 9, 1),
                 assessment_end_date=dt.date(2026, 9, 20)),
        base_row("HAL-0002", assessment_start_date=dt.date(2026, 9, 10),
                 assessment_end_date=dt.date(2026, 9, 1)),
    ])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "assessment_end_date", "V06")
    assert p.value == "01/09/2026"
    assert "assessment_start_date" in p.message
    assert_good(v, path, 2)


def test_date_after_the_audit_date(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", referral_date=dt.date(2026, 10, 20)),  # audit_date is 15/10/2026
        base_row("HAL-0002", referral_date=dt.date(2026, 10, 1)),
    ])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "referral_date", "V07")
    assert p.value == "20/10/2026"
    assert_good(v, path, 3)


def test_audit_date_in_the_future(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", audit_date=TODAY),  # today is allowed
        base_row("HAL-0002", audit_date=TODAY + dt.timedelta(days=8)),
    ])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "audit_date", "V04")
    assert p.value == "10/11/2026"
    assert_good(v, path, 2)


def test_impossible_date_text(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", plan_start_date="31/02/2026"),
        base_row("HAL-0002", plan_start_date="28/02/2026"),
    ])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "plan_start_date", "D02")
    assert p.value == "31/02/2026"
    assert_good(v, path, 3)


# --------------------------------------------------------------------------- required values


def test_blank_audit_date(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row("HAL-0002", audit_date=None)])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "audit_date", "V01")
    assert "audit_date" in p.message
    assert_good(v, path, 2)


def test_tool_name_needed_when_tool_was_used(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", TU1="Yes"),
        base_row("HAL-0002", TU1="Yes", tool_name="Graded Care Profile 2"),
    ])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "tool_name", "V08")
    assert "TU1" in p.message
    assert_good(v, path, 3)


# --------------------------------------------------------------------------- case and partner


def test_duplicate_case_and_partner_rows_are_both_flagged(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", TU3="Yes"),
        base_row("HAL-0002"),
        base_row("HAL-0001", TU3="No"),
    ])

    v = validate_folder(tmp_path, halton)

    for row in (2, 4):
        p = assert_cell_error(v, path, row, "case_ref", "V09")
        assert p.value == "HAL-0001"
        assert "2" in p.message and "4" in p.message
    assert_good(v, path, 3)


@pytest.mark.parametrize("case_ref", [NHS_NUMBER, int(NHS_NUMBER)], ids=["text", "number"])
def test_case_ref_that_is_an_nhs_number_is_refused_and_withheld(tmp_path, halton, case_ref):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row(case_ref)],
                        partner="Cheshire Police")

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "case_ref", "V03")
    assert "NHS number" in p.message
    assert p.value != NHS_NUMBER
    for q in v.problems:
        assert NHS_NUMBER not in f"{q.value} {q.message} {q.fix}"
    assert_good(v, path, 2)


def test_nhs_number_case_ref_is_never_shown_even_when_repeated(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row(NHS_NUMBER), base_row(NHS_NUMBER)])

    v = validate_folder(tmp_path, halton)

    for row in (3, 4):
        assert any(p.code == "V03" and p.column == "case_ref" for p in errors_at(v, path.name, row))
        assert not row_ok(v, path.name, row)
    for q in v.problems:
        assert NHS_NUMBER not in f"{q.value} {q.message} {q.fix}", q
    assert NHS_NUMBER not in v.excluded.to_string()
    assert_good(v, path, 2)


@pytest.mark.parametrize(("case_ref", "kind"), [("Jack-Smith", "name"), ("12-03-2015", "date")],
                         ids=["name", "date-of-birth"])
def test_case_ref_that_is_personal_data_is_refused(tmp_path, halton, case_ref, kind):
    path = write_return(tmp_path, halton, [base_row(case_ref), base_row("HAL-0002")])

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 2, "case_ref", "V03")
    assert kind in p.message
    for q in v.problems:
        assert case_ref not in f"{q.value} {q.message} {q.fix}"
    assert_good(v, path, 3)


@pytest.mark.parametrize(("case_ref", "words"), [
    ("HAL-0001-0002-0003-04", "longer than 20"),
    ("HAL#0001", "letters, digits"),
    ("HAL 0001", "letters, digits"),
], ids=["too-long", "hash", "space"])
def test_case_ref_not_in_agreed_form(tmp_path, halton, case_ref, words):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row(case_ref)],
                        partner="Cheshire Police")

    v = validate_folder(tmp_path, halton)

    p = assert_cell_error(v, path, 3, "case_ref", "V02")
    assert p.value == case_ref
    assert words in p.message
    assert_good(v, path, 2)


# --------------------------------------------------------------------------- layouts


def test_header_below_a_title_block_reports_true_excel_rows(tmp_path, halton):
    keys = [c.key for c in halton.columns]
    path = tmp_path / "early-help.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Audit"
    ws["A1"] = "Halton multi-agency neglect audit"
    ws["A2"] = "Partner: Early Help (MAP)"
    ws["A3"] = "Round 2026-Q3"
    for j, key in enumerate(keys, start=1):
        ws.cell(row=5, column=j, value=key)
    rows = [
        base_row("HAL-0001", "Early Help (MAP)", TU3="Yes"),
        base_row("HAL-0002", "Early Help (MAP)", TU3="Maybe"),
        base_row("HAL-0003", "Early Help (MAP)", audit_date="31/02/2026"),
    ]
    for i, row in enumerate(rows, start=6):
        for key, value in row.items():
            ws.cell(row=i, column=keys.index(key) + 1, value=value)
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    assert_cell_error(v, path, 7, "TU3", "A02", header_row=5)
    assert_cell_error(v, path, 8, "audit_date", "D02", header_row=5)
    assert_good(v, path, 6)


def test_csv_return_reports_its_line_numbers(tmp_path, halton):
    keys = [c.key for c in halton.columns if c.in_header]
    path = tmp_path / "schools.csv"
    rows = [
        base_row("HAL-0001", "Schools", audit_date="15/10/2026", TU3="Yes",
                 assessment_start_date="01/09/2026"),
        base_row("HAL-0002", "Schools", audit_date="15/10/2026", TU3="Maybe"),
        base_row("HAL-0003", "Schools", audit_date="15/10/2026", referral_date="31/02/2026"),
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for row in rows:
            w.writerow([row.get(k, "") for k in keys])

    v = validate_folder(tmp_path, halton)

    def letter(key: str) -> str:
        return get_column_letter(keys.index(key) + 1)

    for line, key, code in ((3, "TU3", "A02"), (4, "referral_date", "D02")):
        errs = errors_at(v, path.name, line)
        assert [(p.code, p.column) for p in errs] == [(code, key)], errs
        assert errs[0].letter == letter(key)
        assert not row_ok(v, path.name, line)
    assert errors_at(v, path.name, 2) == []
    assert row_ok(v, path.name, 2)
    t = v.table
    good = t[(t["_file"] == path.name) & (t["_row"] == 2)].iloc[0]
    assert good["audit_date"].date() == dt.date(2026, 10, 15)  # read day first
    assert good["assessment_start_date"].date() == dt.date(2026, 9, 1)
