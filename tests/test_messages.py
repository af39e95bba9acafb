"""Messages that let a partner fix a return first time (issue 11, class 12): a refused
file still gets its row-level problems, the heading that stands where a missing column
was is named, headings typed as the tool's questions are read, repeated problems are one
line, rows holding only a drag-filled partner name are one note, a return for another
profile says so, and one partner in two files names both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import TODAY, base_row, validate_folder, write_return
from qa_lib.common.problems import grouped_problems, problems_frame, row_ranges
from qa_lib.profile.audit_tool import heading_note, question_text
from qa_lib.profile.schema import Profile
from qa_lib.report.validation_report import validation_summary, write_validation


def _rename_heading(path: Path, key: str, to: str | None) -> str:
    """Rename (or, with None, clear) the heading of ``key`` on the Audit sheet; its letter."""
    book = openpyxl.load_workbook(path)
    ws = book["Audit"]
    cell = next(c for c in ws[1] if c.value == key)
    cell.value = to
    book.save(path)
    return cell.column_letter


def _errors(v, code: str | None = None) -> list:
    return [p for p in v.problems if p.severity == "error" and (code is None or p.code == code)]


# --------------------------------------------------------------------------- refused files


@pytest.mark.parametrize("key,heading,said", [
    ("LE2", "LE2 child's story", "is headed 'LE2 child's story': rename it 'LE2')"),
    ("TU1", "Tool used?", ", where the tool has 'TU1', is headed 'Tool used?')"),
    ("LE3", "Decisions were driven by the childs lived experience not parents needs",
     "which looks like its question reworded: head it 'LE3')"),
    ("audit_date", "date_of_audit", "which looks like its question reworded: head it "
     "'audit_date')"),
    ("neglect_types", "Kinds", ", where the tool has 'neglect_types', is headed 'Kinds')"),
])
def test_a_renamed_heading_is_named_where_the_missing_column_was(tmp_path, halton, key,
                                                                  heading, said):
    path = write_return(tmp_path / "in", halton, [base_row()])
    letter = _rename_heading(path, key, heading)
    v = validate_folder(tmp_path / "in", halton)
    (refused,) = _errors(v, "F07")
    assert f"'{key}' (column {letter}" in refused.message
    assert refused.message.rstrip(".").endswith(said), refused.message


def test_a_refused_file_still_lists_its_row_level_problems(tmp_path, halton):
    """The partner fixes the renamed heading and every row's problems in one go: the rows
    are checked (a bad answer, a future audit date, a blank case reference) but never
    scored, and the missing column itself is not reported row by row."""
    rows = [base_row("HAL-0001", TU1="Maybe"),
            base_row("HAL-0002", audit_date=dt.date(2027, 5, 1)),
            base_row(None, TU2="Yes")]
    path = write_return(tmp_path / "in", halton, rows)
    letter = _rename_heading(path, "LE2", "LE2 child's story")
    v = validate_folder(tmp_path / "in", halton)
    codes = {(p.code, p.row, p.column) for p in _errors(v)}
    assert ("F07", None, "LE2") in codes
    assert ("A02", 2, "TU1") in codes  # 'Maybe' is not an answer
    assert ("V04", 3, "audit_date") in codes  # in the future
    assert ("V01", 4, "case_ref") in codes  # blank
    assert not [p for p in v.problems if p.column == "LE2" and p.row is not None]
    assert not [p for p in v.problems if p.code == "N01"]  # the refusal names the heading
    assert v.table.empty and not v.row_ok.any()  # nothing of the file is scored
    a02 = next(p for p in _errors(v, "A02"))
    assert (a02.letter, a02.file) == ("H", "cheshire-police.xlsx")
    assert letter == "M" and "(column M is headed 'LE2 child's story'" in _errors(v, "F07")[0].message


def test_rows_of_a_refused_file_are_never_scored_beside_a_good_file(tmp_path, halton):
    write_return(tmp_path / "in", halton, [base_row("HAL-0001", TU1="No")], name="good.xlsx")
    bad = write_return(tmp_path / "in", halton, [base_row("HAL-0009", partner="Schools")],
                       name="bad.xlsx")
    _rename_heading(bad, "TU3", "TU3 (chronology)")
    v = validate_folder(tmp_path / "in", halton)
    assert list(v.table["case_ref"]) == ["HAL-0001"]
    assert [p.file for p in _errors(v)] == ["bad.xlsx"]


@pytest.mark.parametrize("keep", [["case_ref", "partner", "audit_date", "notes", "score"],
                                  ["case_ref", "partner", "audit_date", "TU1", "Q1", "Q2",
                                   "Q3", "Q4"]])
def test_most_columns_missing_says_it_may_be_for_another_profile(tmp_path, halton, keep):
    folder = tmp_path / "in"
    folder.mkdir()
    body = ["HAL-0001", "Cheshire Police", "15/10/2026"] + ["x"] * (len(keep) - 3)
    (folder / "other.csv").write_text(",".join(keep) + "\n" + ",".join(body) + "\n")
    (refused,) = _errors(validate_folder(folder, halton), "F07")
    required = [c for c in halton.columns if c.in_header]
    missing = [c.key for c in required if c.key not in keep]
    assert refused.message.startswith(
        f"Most of the audit columns are missing from the header row (row 1): {len(missing)} of "
        f"{len(required)}, so this may be a return for another profile or another form, not "
        "this round's 'halton' audit tool.")


def test_one_missing_column_is_not_called_another_profile(tmp_path, halton):
    path = write_return(tmp_path / "in", halton, [base_row()])
    _rename_heading(path, "TU3", None)
    (refused,) = _errors(validate_folder(tmp_path / "in", halton), "F07")
    assert "another profile" not in refused.message
    assert refused.message.startswith("Required column missing from the header row (row 1): "
                                      "'TU3'")


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize("form", ["question", "printed", "note"])
def test_headings_typed_as_the_tools_questions_are_read(tmp_path, halton, form):
    """A partner who copied the tool's questions (or the notes on its headings) into the
    heading row gets the return read as usual."""
    path = write_return(tmp_path / "in", halton, [base_row(TU1="No", LE2="Partly")])
    for key in ("TU1", "LE2", "audit_date"):
        col = halton.column_map[key]
        text = {"question": col.question, "printed": question_text(col),
                "note": heading_note(col)}[form]
        _rename_heading(path, key, text)
    v = validate_folder(tmp_path / "in", halton)
    assert not _errors(v), [p.message for p in _errors(v)]
    assert (v.table["TU1"].tolist(), v.table["LE2"].tolist()) == (["No"], ["Partly"])


# --------------------------------------------------------------------------- repeats


def test_rows_holding_only_a_drag_filled_partner_name_are_one_note(tmp_path, halton):
    """Ten cases, then the partner's name dragged down to row 501 of the tool."""
    rows = [base_row(f"HAL-{i:04d}", TU1="No") for i in range(1, 11)]
    rows += [{"partner": "Cheshire Police", "audit_date": dt.date(2026, 10, 15)}] * 49
    write_return(tmp_path / "in", halton, rows)
    v = validate_folder(tmp_path / "in", halton)
    assert not _errors(v)
    (note,) = [p for p in v.problems if p.code == "N22"]
    assert note.message == ("Rows 12 to 60 hold only the partner's name and the audit date, "
                            "with no case reference or answer; these 49 rows were read as "
                            "empty and skipped.")
    assert len(v.table) == 10


def test_the_same_error_on_many_rows_is_one_line_of_the_report(tmp_path, halton):
    """A partner name typed wrong in every row is one line (rows 2 to 41) in the report and
    the terminal summary, with the number of cells it stands for."""
    rows = [base_row(f"HAL-{i:04d}", partner="Halton Constabulary") for i in range(1, 41)]
    rows[19]["TU1"] = "Maybe"
    write_return(tmp_path / "in", halton, rows, name="police.xlsx")
    v = validate_folder(tmp_path / "in", halton)
    assert len(_errors(v, "C01")) == 40  # each cell is still its own problem underneath
    g = grouped_problems(problems_frame(_errors(v)))
    c01 = g[g["code"] == "C01"]
    assert len(c01) == 1
    assert (c01["row"].iat[0], c01["count"].iat[0]) == ("2 to 41", 40)
    assert g[g["code"] == "A02"]["row"].tolist() == [21]
    assert "police.xlsx, sheet Audit, row 21, column TU1 (H):" in validation_summary(v)
    summary = validation_summary(v)
    assert "police.xlsx, sheet Audit, rows 2 to 41, column partner (B):" in summary
    from qa_lib.ingest.returns import read_returns

    files = read_returns(tmp_path / "in", halton).files
    write_validation(tmp_path, v, files, "R", halton)
    sheet = pd.read_excel(tmp_path / "validation.xlsx", sheet_name="Problems", engine="calamine")
    assert len(sheet[sheet["Code"] == "C01"]) == 1
    assert sheet.loc[sheet["Code"] == "C01", "Cells"].iat[0] == 40
    html = (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert html.count("Halton Constabulary") >= 1 and ">2 to 41<" in html


def test_row_ranges_read_as_people_write_them():
    assert row_ranges([7]) == "7"
    assert row_ranges([4, 2, 3]) == "2 to 4"
    assert row_ranges([3, 5, 9, 10, 11, 12]) == "3, 5 and 9 to 12"
    assert row_ranges([2, 2, 4]) == "2 and 4"


def test_problems_differing_in_value_are_not_grouped():
    from qa_lib.ingest.codes import C01

    ps = [C01.problem(file="f.xlsx", row=r, column="partner", value=v, hint="", choices="x")
          for r, v in ((2, "A"), (3, "A"), (4, "B"))]
    g = grouped_problems(problems_frame(ps))
    assert sorted(zip(g["value"], g["row"].astype(str), g["count"], strict=True)) == [
        ("A", "2 to 3", 2), ("B", "4", 1)]


# --------------------------------------------------------------------------- two files


def test_one_partner_in_two_files_names_both_files(tmp_path, halton):
    """A corrected copy saved beside the first: a note on each file, and every duplicate
    case names the row of each file."""
    rows = [base_row("HAL-0001"), base_row("HAL-0002")]
    write_return(tmp_path / "in", halton, rows, name="police.xlsx")
    write_return(tmp_path / "in", halton, rows, name="police corrected.xlsx")
    v = validate_folder(tmp_path / "in", halton)
    notes = [p for p in v.problems if p.code == "N21"]
    assert sorted(p.file for p in notes) == ["police corrected.xlsx", "police.xlsx"]
    assert "'police corrected.xlsx' (2 rows); 'police.xlsx' (2 rows)" in notes[0].message
    dup = next(p for p in _errors(v, "V09") if p.value == "HAL-0001")
    assert dup.message == ("Case HAL-0001 appears more than once for Cheshire Police (row 2 of "
                           "'police corrected.xlsx', row 2 of 'police.xlsx').")


def test_partners_in_one_file_each_get_no_note(tmp_path, halton: Profile):
    write_return(tmp_path / "in", halton, [base_row("HAL-0001")], name="police.xlsx")
    write_return(tmp_path / "in", halton, [base_row("HAL-0001", partner="Schools")],
                 name="schools.xlsx")
    v = validate_folder(tmp_path / "in", halton)
    assert not [p for p in v.problems if p.code == "N21"] and not _errors(v)
    assert TODAY  # the reference date the folder was validated on
