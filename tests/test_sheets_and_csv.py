"""Issue 11, defect classes 2 and 11: the sheet read is chosen by its content (the one sheet
with the audit header and case rows), and valid CSV files are read whatever their line
endings and whatever their free text holds (the delimiter is taken from the header row).

Returns are tiny workbooks and CSV bytes built here (helpers from test_checks_codes), read
and validated as a round would; no kernel is started.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from test_checks_codes import HALTON, KEYS, audit_rows, problems, row, sheet, xlsx

from conftest import base_row, validate_folder, write_return

DAY = dt.date(2026, 10, 15)


def case(ref: str = "HAL-0001", **values: object) -> dict[str, object]:
    """A valid case row for a workbook (the audit date a real date)."""
    return row(case_ref=ref, audit_date=DAY, **values)


def filled(*refs: str) -> str:
    """A sheet holding the audit header and one valid case row for each reference."""
    return sheet(audit_rows([case(r) for r in refs]))


HEADER_ONLY = sheet(audit_rows([]))
LISTS = sheet([["partner", "age_band", "plan_type", "neglect_types"],
               ["Cheshire Police", "0-4", "Child Protection", "Physical"],
               ["Housing", "5-10", "Child in Need", "Emotional"]])  # the template's lists


def read(tmp_path, data: bytes, name: str = "police.xlsx"):
    """The validated round of one file."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return validate_folder(folder, HALTON)


# --------------------------------------------------------------------------- the wrong sheet wins


@pytest.mark.parametrize("copy", ["Audit (2)", "Copy of Audit", "Sheet1", "Cases"])
@pytest.mark.parametrize("audit", ["header only", "blank", "no header"])
def test_cases_on_another_sheet_with_the_audit_sheet_empty_are_read(tmp_path, copy, audit):
    empty = {"header only": HEADER_ONLY, "blank": sheet([]),
             "no header": sheet([["Neglect audit"], ["Enter the cases below"]])}[audit]
    v = read(tmp_path, xlsx({"Instructions": sheet([["How to fill in"]]), "Audit": empty,
                             copy: filled("HAL-0001", "HAL-0002"), "Lists": LISTS},
                            hidden=("Lists",)))

    assert v.errors == []
    assert list(v.table["_sheet"]) == [copy, copy]
    assert list(v.table["_row"]) == [2, 3]
    assert list(v.table["case_ref"]) == ["HAL-0001", "HAL-0002"]
    [n] = v.problems
    assert (n.code, n.sheet) == ("N16", copy)
    assert n.message == (f"The 'Audit' sheet has no case rows; the cases were read from sheet "
                         f"'{copy}', the only sheet with the audit columns and case rows (sheets: "
                         f"'Instructions', 'Audit', '{copy}', 'Lists' (hidden)).")


def test_cases_on_a_copied_sheet_of_the_real_template(tmp_path, halton):
    path = write_return(tmp_path / "in", halton, [], partner="Cheshire Police")
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Audit"])
    copy.title = "Audit (2)"
    for j, v in enumerate(base_row("HAL-0007").values(), start=1):
        copy.cell(row=2, column=KEYS.index(list(base_row())[j - 1]) + 1, value=v)
    wb.save(path)

    v = validate_folder(path.parent, halton)

    assert v.errors == []
    assert list(v.table["case_ref"]) == ["HAL-0007"]
    assert [(p.code, p.sheet) for p in v.problems] == [("N16", "Audit (2)")]


def test_audit_sheet_with_only_the_header_and_nothing_elsewhere_is_read_empty(tmp_path):
    found = problems(tmp_path, "police.xlsx", xlsx({"Instructions": sheet([["How to"]]),
                                                    "Audit": HEADER_ONLY, "Lists": LISTS},
                                                   hidden=("Lists",)))
    assert [(p.code, p.sheet) for p in found] == [("N03", "Audit")]


def test_the_template_lists_never_count_as_case_rows(tmp_path):
    # a Lists sheet left visible names several keys and has rows under them, but no case_ref
    v = read(tmp_path, xlsx({"Audit": filled("HAL-0001"), "Lists": LISTS}))
    assert v.problems == []
    assert list(v.table["_sheet"]) == ["Audit"]


@pytest.mark.parametrize(("sheets", "named"), [
    ({"Audit": filled("HAL-0001"), "Audit (2)": filled("HAL-0002")},
     "Sheets 'Audit' and 'Audit (2)' both"),
    ({"Audit": filled("HAL-0001"), "Copy of Audit": filled("HAL-0001"), "Sheet1": filled("HAL-0003")},
     "Sheets 'Audit', 'Copy of Audit' and 'Sheet1' all"),
    ({"Cases": filled("HAL-0001"), "Cases (2)": filled("HAL-0002")},
     "Sheets 'Cases' and 'Cases (2)' both"),
    ({"Instructions": sheet([["How to"]]), "Sheet1": filled("HAL-0001"), "Audit": HEADER_ONLY,
      "Sheet2": filled("HAL-0002")}, "Sheets 'Sheet1' and 'Sheet2' both"),
])
def test_two_sheets_both_holding_cases_are_refused(tmp_path, sheets, named):
    found = problems(tmp_path, "police.xlsx", xlsx(sheets))
    [p] = found
    assert p.code == "F11" and p.severity == "error"
    assert p.message == f"{named} have the audit columns and case rows, so it is not clear which to read."


def test_two_hidden_sheets_holding_cases_with_the_audit_sheet_empty_are_refused(tmp_path):
    data = xlsx({"Audit": HEADER_ONLY, "Old": filled("HAL-0001"), "Older": filled("HAL-0002")},
                hidden=("Old", "Older"))
    [p] = problems(tmp_path, "police.xlsx", data)
    assert p.code == "F11" and "'Old' and 'Older' both" in p.message


@pytest.mark.parametrize("name", ["Audit (2)", "Data"])
def test_hidden_sheet_holding_cases_with_the_visible_audit_sheet_empty_is_read(tmp_path, name):
    v = read(tmp_path, xlsx({"Audit": HEADER_ONLY, name: filled("HAL-0001")}, hidden=(name,)))

    assert v.errors == []
    assert list(v.table["_sheet"]) == [name]
    assert [(p.code, p.sheet) for p in v.problems] == [("N04", name), ("N16", name)]
    assert v.problems[0].message == f"The '{name}' sheet is hidden in this workbook; it was read as usual."


def test_visible_copy_holding_cases_wins_over_a_hidden_empty_audit_sheet(tmp_path):
    v = read(tmp_path, xlsx({"Audit": HEADER_ONLY, "Audit (2)": filled("HAL-0001")},
                            hidden=("Audit",)))
    assert list(v.table["_sheet"]) == ["Audit (2)"]
    assert [p.code for p in v.problems] == ["N16"]


def test_hidden_sheet_holding_cases_is_ignored_when_the_audit_sheet_holds_cases(tmp_path):
    v = read(tmp_path, xlsx({"Audit": filled("HAL-0001"), "Old round": filled("HAL-9999")},
                            hidden=("Old round",)))
    assert v.problems == []
    assert list(v.table["case_ref"]) == ["HAL-0001"]


def test_no_audit_sheet_the_one_sheet_with_case_rows_is_read(tmp_path):
    v = read(tmp_path, xlsx({"Cases": HEADER_ONLY, "Cases (2)": filled("HAL-0001")}))
    assert list(v.table["_sheet"]) == ["Cases (2)"]
    [n] = v.problems
    assert n.code == "N09"
    assert n.message == ("No sheet is called 'Audit'; the cases were read from sheet 'Cases (2)', the "
                         "only sheet with the audit columns and case rows (sheets: 'Cases', "
                         "'Cases (2)').")


# --------------------------------------------------------------------------- valid CSVs refused

MANY_COMMAS = ", ".join(f"point {i}" for i in range(60))  # more commas than the header has cells
MANY_SEMICOLONS = "; ".join(f"point {i}" for i in range(60))


def text_row(ref: str, **values: object) -> dict[str, object]:
    """A valid case row as a CSV holds it (text), with ``values`` changed."""
    return row(case_ref=ref, **values)


def csv_lines(rows: list[dict[str, object]], sep: str = ",", end: str = "\n",
              before: list[str] = ()) -> bytes:
    """A CSV file written by hand (cells unquoted unless a value is given quoted): extra
    ``before`` lines, the header of KEYS, then ``rows``, each line ended by ``end``."""
    lines = [*before, sep.join(KEYS)] + [sep.join(str(r.get(k, "")) for k in KEYS) for r in rows]
    return (end.join(lines) + end).encode()


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["CR-only", "CRLF", "LF"])
@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_read_whatever_its_line_endings(tmp_path, end, sep):
    data = csv_lines([text_row("HAL-0001"), text_row("HAL-0002", TU1="Maybe")], sep=sep, end=end)

    v = read(tmp_path, data, "schools.csv")

    assert list(v.table["_row"]) == [2, 3]
    assert list(v.table["case_ref"]) == ["HAL-0001", "HAL-0002"]
    assert [(p.code, p.row, p.column) for p in v.problems] == [("A02", 3, "TU1")]


def test_csv_with_mixed_line_endings(tmp_path):
    lines = csv_lines([text_row(f"HAL-000{i}") for i in range(1, 5)]).decode().split("\n")[:-1]
    data = "".join(line + end for line, end in zip(lines, ["\r\n", "\n", "\r", "\r\n", "\r"],
                                                     strict=True)).encode()

    v = read(tmp_path, data, "schools.csv")

    assert v.problems == []
    assert list(v.table["_row"]) == [2, 3, 4, 5]


@pytest.mark.parametrize(("sep", "free"), [
    (";", MANY_COMMAS), ("\t", MANY_COMMAS), ("\t", MANY_SEMICOLONS),
    ("\t", f"{MANY_COMMAS}; and; {MANY_SEMICOLONS}"), (",", f'"{MANY_SEMICOLONS}"'),
    ("|", MANY_COMMAS),
], ids=["semicolon-commas", "tab-commas", "tab-semicolons", "tab-both", "comma-semicolons",
        "pipe-commas"])
def test_csv_delimiter_comes_from_the_header_not_the_widest_row(tmp_path, sep, free):
    rows = [text_row("HAL-0001", strengths=free, recommended_actions=free), text_row("HAL-0002")]
    v = read(tmp_path, csv_lines(rows, sep=sep, end="\r\n"), "schools.csv")

    assert v.problems == []
    assert list(v.table["case_ref"]) == ["HAL-0001", "HAL-0002"]
    assert v.table["strengths"].iloc[0] == free.strip('"')


def test_csv_header_below_a_title_line_full_of_commas(tmp_path):
    data = csv_lines([text_row("HAL-0001", strengths=MANY_COMMAS)], sep=";",
                     before=["Halton neglect audit, round 3, Schools, returned 20/10/2026", ""])
    v = read(tmp_path, data, "schools.csv")

    assert v.problems == []
    assert list(v.table["_row"]) == [4]


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["CR-only", "CRLF", "LF"])
def test_csv_excel_sep_line_still_decides(tmp_path, end):
    # the sep= line wins even though the header would say otherwise
    data = f"sep=;{end}".encode() + csv_lines(
        [text_row("HAL-0001", strengths=MANY_COMMAS), text_row("HAL-0002", TU2="Maybe")], sep=";", end=end)

    v = read(tmp_path, data, "schools.csv")

    assert list(v.table["_row"]) == [2, 3]  # Excel hides the sep= line
    assert [(p.code, p.row, p.column) for p in v.problems] == [("A02", 3, "TU2")]
    assert v.table["strengths"].iloc[0] == MANY_COMMAS


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["CR-only", "CRLF", "LF"])
@pytest.mark.parametrize("sep", [",", ";"], ids=["comma", "semicolon"])
def test_csv_quoted_cell_with_a_line_break_is_one_cell(tmp_path, end, sep):
    free = f'"Seen at home{end}and at school, twice; both good"'
    data = csv_lines([text_row("HAL-0001", strengths=free), text_row("HAL-0002", TU1="Maybe")],
                     sep=sep, end=end)

    v = read(tmp_path, data, "schools.csv")

    assert v.table["strengths"].iloc[0] == "Seen at home\nand at school, twice; both good"
    # the line break is inside one cell: the next case is Excel's row 3
    assert [(p.code, p.row, p.column) for p in v.problems] == [("A02", 3, "TU1")]


def test_csv_title_naming_partnership_and_audit_date_is_not_taken_for_the_header(tmp_path):
    title = "Partnership audit date 20/10/2026, Schools, returned late, see email, thanks"
    data = csv_lines([text_row("HAL-0001", strengths=MANY_COMMAS)], sep=";", before=[title])
    v = read(tmp_path, data, "schools.csv")

    assert v.problems == []
    assert list(v.table["_row"]) == [3]
