"""One unit test per problem code, on a few rows or bytes, and the tests that keep the registry
of codes, these tests and the catalogue table of docs/bad-input.md in step.

Each code test declares the codes it covers with ``@covers``; ``test_every_code_has_a_unit_test``
fails when a registered code has none. Returns are CSV bytes, or tiny workbooks whose XML is
written here (no openpyxl template), read and validated as a round would, so the whole file
runs in a second or two. The long catalogue of real, awkward files is tests/test_catalogue.py.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import os
import pickle
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from conftest import HALTON_V1, TODAY, zip_bytes
from qa_lib.checks.rules import (
    CHECKS,
    catalogue,
    catalogue_in_doc,
    catalogue_markdown,
    doc_with_catalogue,
    validate,
)
from qa_lib.cli import main
from qa_lib.common.problems import (
    REGISTRY,
    FileRefused,
    Problem,
    ProblemCode,
    define,
    problems_frame,
)
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.schema import CaseRefPattern, ExtraColumn, Profile, load_profile

ROOT = Path(__file__).resolve().parents[1]
HALTON = load_profile(HALTON_V1)
KEYS = [c.key for c in HALTON.columns]

COVERED: set[str] = set()


def covers(*codes: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the unit test of ``codes`` (see test_every_code_has_a_unit_test)."""
    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        COVERED.update(codes)
        return fn
    return deco


# --------------------------------------------------------------------------- tiny returns


def row(**values: object) -> dict[str, object]:
    """A valid case row as text (as a CSV holds it), with ``values`` changed."""
    out: dict[str, object] = {
        "case_ref": "HAL-0001", "partner": "Cheshire Police", "audit_date": "15/10/2026",
        "age_band": "5-10", "plan_type": "Child Protection", "neglect_types": "Physical",
        "overall_grade": "Good"}
    out.update(values)
    return out


def csv_bytes(rows: list[dict[str, object]], keys: list[str] = KEYS,
              lines: list[list[str]] | None = None) -> bytes:
    """A CSV return: the header of ``keys``, extra raw ``lines``, then ``rows``."""
    out = [",".join(keys)]
    out += [",".join(line) for line in lines or []]
    out += [",".join(f'"{r.get(k, "")}"' for k in keys) for r in rows]
    return ("\n".join(out) + "\n").encode()


class Formula(str):
    """A cell holding a formula with no saved result."""


class ExcelError(str):
    """A cell showing an Excel error (#N/A ...)."""


def _cell(ref: str, v: object) -> str:
    if isinstance(v, Formula):
        return f'<c r="{ref}"><f>{escape(v)}</f></c>'
    if isinstance(v, ExcelError):
        return f'<c r="{ref}" t="e"><v>{escape(v)}</v></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, dt.date):  # style 1 is a date format (styles.xml below)
        return f'<c r="{ref}" s="1"><v>{(v - dt.date(1899, 12, 30)).days}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


def sheet(rows: list[list[object]], *, cells: dict[str, object] | None = None,
          hidden_rows: tuple[int, ...] = (), hidden_cols: tuple[int, ...] = (),
          merges: tuple[str, ...] = ()) -> str:
    """A worksheet's XML: ``rows`` from A1, plus single ``cells`` by reference."""
    grid: dict[int, dict[int, object]] = {}
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values, start=1):
            if v is not None and v != "":
                grid.setdefault(r, {})[c] = v
    for ref, v in (cells or {}).items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        assert m
        grid.setdefault(int(m.group(2)), {})[column_index_from_string(m.group(1))] = v
    hide = {r: ' hidden="1"' for r in hidden_rows}
    body = "".join(
        f'<row r="{r}"{hide.get(r, "")}>'
        + "".join(_cell(f"{get_column_letter(c)}{r}", grid[r][c]) for c in sorted(grid[r]))
        + "</row>" for r in sorted(grid))
    cols = "".join(f'<col min="{c}" max="{c}" hidden="1"/>' for c in hidden_cols)
    mc = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main">' + (f"<cols>{cols}</cols>" if cols else "")
            + f"<sheetData>{body}</sheetData>"
            + (f'<mergeCells count="{len(merges)}">{mc}</mergeCells>' if merges else "")
            + "</worksheet>")


_NS = "http://schemas.openxmlformats.org"


def xlsx(sheets: dict[str, str], hidden: tuple[str, ...] = ()) -> bytes:
    """A minimal .xlsx (in memory) of the named sheets' XML, with a date style."""
    n = len(sheets)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", (
            f'<Types xmlns="{_NS}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'))
        z.writestr("_rels/.rels", (
            f'<Relationships xmlns="{_NS}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{_NS}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        state = {name: ' state="hidden"' for name in hidden}
        listed = "".join(f'<sheet name="{escape(name)}" sheetId="{i}"{state.get(name, "")} '
                         f'r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
        z.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_NS}/officeDocument/2006/'
            f'relationships"><sheets>{listed}</sheets></workbook>'))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_NS}/officeDocument/2006/relationships/'
                       f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="{_NS}/officeDocument/2006/relationships/'
                 'styles" Target="styles.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<Relationships xmlns="{_NS}/package/2006/relationships">{rels}</Relationships>')
        z.writestr("xl/styles.xml", (
            f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'))
        for i, xml in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return buf.getvalue()


def audit_rows(rows: list[dict[str, object]], keys: list[str] = KEYS) -> list[list[object]]:
    """The header of ``keys`` and ``rows`` as lists, for :func:`sheet`."""
    return [list(keys)] + [[r.get(k) for k in keys] for r in rows]


def letter(key: str, keys: list[str] = KEYS) -> str:
    return get_column_letter(keys.index(key) + 1)


def problems(tmp_path: Path, name: str, data: bytes, profile: Profile = HALTON) -> list[Problem]:
    """Every problem of a folder holding one file, read and validated as a round would."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return validate(read_returns(folder, profile), profile, TODAY).problems


def one(found: list[Problem], code: str) -> Problem:
    """The one problem with ``code``; its code and severity are the registry's."""
    hits = [p for p in found if p.code == code]
    assert len(hits) == 1, (code, [(p.code, p.message) for p in found])
    p = hits[0]
    assert p.severity == REGISTRY[code].severity and p.severity in ("error", "note")
    assert p.fix
    return p


# --------------------------------------------------------------------------- files refused


@covers("F01")
def test_f01_spreadsheet_in_another_format(tmp_path):
    p = one(problems(tmp_path, "police.xlsb", b"PK\x03\x04 a binary workbook"), "F01")
    assert p.message == ("'police.xlsb' is a spreadsheet saved as .xlsb, a format the toolkit does "
                         "not read.")
    assert (p.file, p.row) == ("police.xlsb", None)
    xlsb = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"})
    assert one(problems(tmp_path / "b", "police.xlsx", xlsb), "F01").message == (
        "'police.xlsx' is a spreadsheet saved as .xlsb, a format the toolkit does not read.")


@covers("F12")
def test_f12_document_that_is_not_a_spreadsheet(tmp_path):
    p = one(problems(tmp_path, "police.pdf", b"%PDF-1.7 the return printed"), "F12")
    assert p.message == "'police.pdf' is a PDF document, not a spreadsheet, so no return was read from it."
    assert p.fix.startswith("If it is a partner's return, ask for the completed audit workbook")
    word = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    p = one(problems(tmp_path / "b", "police.xlsx", word), "F12")
    assert "a Word document (.docx)" in p.message


@covers("F13")
def test_f13_zip_archive(tmp_path):
    p = one(problems(tmp_path, "returns.zip", zip_bytes({"police.csv": csv_bytes([row()])})),
            "F13")
    assert p.message == ("'returns.zip' is a zip archive (holding 1 file: police.csv); archives are "
                         "not opened, so no return inside it was read.")
    assert (p.file, p.row) == ("returns.zip", None)


@covers("F14")
def test_f14_broken_link(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "police.xlsx").symlink_to(tmp_path / "moved.xlsx")
    p = one(validate(read_returns(folder, HALTON), HALTON, TODAY).problems, "F14")
    assert p.message == (f"'police.xlsx' is a link to '{tmp_path / 'moved.xlsx'}', which does not "
                         "exist, so nothing was read from it.")


@covers("F02")
def test_f02_empty_file(tmp_path):
    p = one(problems(tmp_path, "police.xlsx", b""), "F02")
    assert p.message == "The file is empty (0 bytes)."
    assert p.fix == "Ask the partner to send the completed audit workbook again."


@covers("F03")
def test_f03_password_protected(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    p = one(problems(tmp_path, "police.xlsx", ole), "F03")
    assert p.message == "The workbook is password-protected (encrypted), so it cannot be read."


@covers("F04")
def test_f04_damaged_or_not_a_workbook(tmp_path):
    p = one(problems(tmp_path, "police.xlsx", bytes(range(256)) * 4), "F04")
    assert p.message == ("The file could not be opened as an Excel workbook: it is damaged, "
                         "incomplete or not a spreadsheet.")
    assert p.fix == REGISTRY["F04"].fix
    web = one(problems(tmp_path / "b", "police.xls", b"<html><table><tr><td>1</td></tr></table>"),
              "F04")
    assert web.message.startswith("The file is a web page (HTML)")
    assert web.fix.startswith("Open it in Excel, choose File > Save As")


@covers("F05")
def test_f05_no_audit_sheet(tmp_path):
    data = xlsx({"Sheet1": sheet([["hello"]]), "Summary": sheet([["totals"]])})
    p = one(problems(tmp_path, "police.xlsx", data), "F05")
    assert p.message == "No sheet called 'Audit' was found (sheets: 'Sheet1', 'Summary')."


@covers("F06")
def test_f06_no_header_row(tmp_path):
    p = one(problems(tmp_path, "police.csv", b"a,b,c\n1,2,3\n"), "F06")
    assert p.message == ("The file has no header row of column keys (case_ref, partner, "
                         "audit_date, ...) in its first 50 rows.")


@covers("F07")
def test_f07_required_column_missing_with_a_suggestion(tmp_path):
    keys = [("TU_3" if k == "TU3" else k) for k in KEYS]
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()], keys)), "F07")
    assert p.message == (f"Required column missing from the header row (row 1): 'TU3' (column "
                         f"{letter('TU_3', keys)} is headed 'TU_3': did you mean 'TU3'?).")
    assert p.column == "TU3"


@covers("F08")
def test_f08_column_twice(tmp_path):
    keys = [*KEYS, "TU3"]
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()], keys)), "F08")
    assert p.message == (f"The column 'TU3' appears twice (columns {letter('TU3')} and "
                         f"{get_column_letter(len(keys))}).")


@covers("F09")
def test_f09_sheet_far_larger_than_a_return(tmp_path):
    # a value on every 1,000th row down to the last, and one in column ZZ: no gap to close up
    cells: dict[str, object] = {f"A{r}": "x" for r in range(1000, 1_048_577, 1000)}
    cells["ZZ1"] = "x"
    data = xlsx({"Audit": sheet(audit_rows([]), cells=cells)})
    p = one(problems(tmp_path, "police.xlsx", data), "F09")
    assert p.message.startswith("The sheet 'Audit' has 1,048,000 rows and 702 columns in use, far "
                                "more than an audit return")


@covers("F10")
def test_f10_second_header_in_another_order(tmp_path):
    moved = [KEYS[1], KEYS[0], *KEYS[2:]]  # partner and case_ref swapped
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()], lines=[moved])), "F10")
    assert p.message == ("Row 2 is a second header row with the columns in a different order "
                         "from row 1 (for example 'partner'), so the rows below it cannot be read "
                         "safely.")


@covers("F11")
def test_f11_two_sheets_both_hold_cases(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))])),
                 "Audit (2)": sheet(audit_rows([row(case_ref="HAL-0002")]))})
    p = one(problems(tmp_path, "police.xlsx", data), "F11")
    assert p.message == ("Sheets 'Audit' and 'Audit (2)' both have the audit columns and case rows, "
                         "so it is not clear which to read.")
    assert p.row is None


# --------------------------------------------------------------------------- cells unreadable


@covers("A01")
def test_a01_number_true_or_date_where_an_answer_belongs(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15), TU1=0.5,
                                                TU2=True, TU3=dt.date(2026, 1, 1))]))})
    found = [p for p in problems(tmp_path, "police.xlsx", data) if p.code == "A01"]
    assert {p.column: p.message for p in found} == {
        "TU1": "A number (0.5) was entered where an answer belongs.",
        "TU2": "TRUE/FALSE (TRUE) was entered where an answer belongs.",
        "TU3": "A date was entered where an answer belongs."}
    assert {p.severity for p in found} == {"error"} and found[0].letter == letter("TU1")


@covers("A02")
def test_a02_answer_not_accepted(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(TU1="Maybe")])), "A02")
    assert (p.message, p.row, p.column, p.value) == (
        "'Maybe' is not an answer the audit tool accepts.", 2, "TU1", "Maybe")
    assert p.fix == "Choose Yes, Partly, No or N/A from the dropdown."


@covers("D01")
def test_d01_not_a_date(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="next Tuesday")])), "D01")
    assert p.message == "'next Tuesday' could not be read as a date."


@covers("D02")
def test_d02_no_such_day(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="31/02/2026")])), "D02")
    assert p.message == "'31/02/2026' is not a real date (there is no such day)."


@covers("D03")
def test_d03_impossible_year(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="14/10/1066")])), "D03")
    assert p.message == ("The date was read as 14/10/1066, outside the audit's date window "
                         "(1 January 2000 to 31 December 2099), so the year 1066 cannot be right.")


def _instructions(version: str, questions: dict[str, str]) -> str:
    """An Instructions sheet as the tool writes it: its stamp and the key/question list."""
    q = {c.key: c.question for c in HALTON.columns} | questions
    return sheet([[f"Audit tool for: any partner agency   (profile 'halton', version {version}, "
                   "generated 01/09/2026)"], ["Column key", "Section", "Question"]]
                 + [[k, "", text] for k, text in q.items()])


@covers("F15")
def test_f15_tool_whose_scored_question_changed(tmp_path):
    data = xlsx({"Instructions": _instructions("0.9.0", {"TU1": "A home conditions tool was used"}),
                 "Audit": sheet(audit_rows([row(TU1="Yes")]))})
    p = one(problems(tmp_path, "police.xlsx", data), "F15")
    assert p.message.startswith("This return was made with version 0.9.0 of the audit tool, but "
                                "this round uses the 'halton' profile, version 1.0.0, and 1 scored "
                                "question changed: TU1 asked 'A home conditions tool was used' "
                                "and now asks 'A neglect assessment framework tool")


@covers("N20")
def test_n20_tool_of_another_version_with_the_same_questions(tmp_path):
    tu2, tu3 = HALTON.criteria["TU2"].question, HALTON.criteria["TU3"].question
    data = xlsx({"Instructions": _instructions("0.9.0", {"TU2": tu3, "TU3": tu2}),
                 "Audit": sheet(audit_rows([row(TU2="Yes", TU3="Partly")]))})
    found = problems(tmp_path, "police.xlsx", data)
    p = one(found, "N20")
    assert p.message.endswith("Its columns were matched by question: read as this version's "
                              "keys: TU2 as TU3, TU3 as TU2.")


@covers("N21")
def test_n21_one_partner_in_two_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "police.csv").write_bytes(csv_bytes([row(), row(case_ref="HAL-0002")]))
    (folder / "police (1).csv").write_bytes(csv_bytes([row(case_ref="HAL-0003")]))
    found = validate(read_returns(folder, HALTON), HALTON, TODAY).problems
    notes = [p for p in found if p.code == "N21"]
    assert [p.file for p in notes] == ["police (1).csv", "police.csv"]
    assert notes[0].message.startswith("Cheshire Police's rows come from 2 files: "
                                       "'police (1).csv' (1 row); 'police.csv' (2 rows).")


@covers("N22")
def test_n22_rows_holding_only_the_partner_name(tmp_path):
    filler = [{"partner": "Cheshire Police"} for _ in range(5)]
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()] + filler)), "N22")
    assert (p.row, p.column) == (3, "partner")
    assert p.message == ("Rows 3 to 7 hold only the partner's name, with no case reference or "
                         "answer; these 5 rows were read as empty and skipped.")


@covers("D05")
def test_d05_either_way_date_in_a_month_first_file(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([
        row(audit_date="15/10/2026"), row(case_ref="HAL-0002", audit_date="10/15/2026",
                                         referral_date="03/04/2026")]).replace(
        b"15/10/2026", b"10/14/2026")), "D05")
    assert (p.row, p.column, p.value) == (3, "referral_date", "03/04/2026")
    assert p.message == ("This file writes dates month first ('10/14/2026' in row 2), so "
                         "'03/04/2026' may be 4 March 2026 rather than 3 April 2026; it was "
                         "not read.")


@covers("N23")
def test_n23_every_text_date_either_way(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(audit_date="03/10/2026")])), "N23")
    assert p.message.endswith("they were read day first, as the tool asks ('03/10/2026' as 3 "
                              "October 2026), since no date in the file settles it.")


@covers("N19")
def test_n19_case_ref_read_in_one_form(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(case_ref="hal\u20130001")])), "N19")
    assert p.message.startswith("Case reference 'hal\u20130001' was read as 'HAL-0001'")


@covers("V10")
def test_v10_leading_zeros(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([row(case_ref="000123"),
                                                        row(case_ref="123", partner="Schools")]))
    hits = [p for p in found if p.code == "V10"]
    assert [p.value for p in hits] == ["000123", "123"]
    assert hits[0].message.startswith("This reference and '123' differ only in leading zeros")


@covers("D04")
def test_d04_month_first(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="03/25/2026")])), "D04")
    assert p.message.startswith("'03/25/2026' has 25 where the month belongs: it looks written "
                                "month first (MM/DD/YYYY")


@covers("C01")
def test_c01_not_one_of_the_choices(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(partner="Chesire Police")])), "C01")
    assert p.message == ("'Chesire Police' is not one of the allowed values. Did you mean "
                         "'Cheshire Police'?")
    assert p.fix == f"Choose one of: {'; '.join(HALTON.partners)}."


@covers("C02")
def test_c02_multi_choice_item_not_allowed(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([row(neglect_types="Physical; Banana")]))
    p = one(found, "C02")
    assert p.message == "'Banana' is not one of the allowed values."
    assert p.fix == "Use any of: Physical; Educational; Emotional; Medical, separated by ;."


@covers("G01")
def test_g01_grade_out_of_range(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(gcp2_first_physical="7")])), "G01")
    assert p.message == "'7' is not a whole number from 1 to 5."
    assert p.fix == "Enter a grade from 1 (best) to 5 (worst), or leave it blank."


@covers("X01")
def test_x01_formula_with_no_saved_result(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=Formula("TODAY()"))]))})
    found = problems(tmp_path, "police.xlsx", data)
    p = one(found, "X01")
    assert p.message == (f"Cell {letter('audit_date')}2 has a formula with no saved result "
                         "(=TODAY()), so its value cannot be read.")
    assert "V01" not in {q.code for q in found}  # not blank as well


@covers("X02")
def test_x02_excel_error_in_a_cell(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15),
                                                TU1=ExcelError("#N/A"))]))})
    p = one(problems(tmp_path, "police.xlsx", data), "X02")
    assert p.message == f"Cell {letter('TU1')}2 shows the Excel error #N/A, not a value."


# --------------------------------------------------------------------------- notes


@covers("N01")
def test_n01_column_not_in_the_tool(tmp_path):
    keys = [*KEYS, "comments"]
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()], keys)), "N01")
    assert p.message == "Column 'comments' is not part of the audit tool and was ignored."
    assert (p.row, p.letter, p.value) == (1, get_column_letter(len(keys)), "comments")


@covers("N02")
def test_n02_system_file_skipped(tmp_path):
    p = one(problems(tmp_path, "~$police.xlsx", b"\x0bJane Smith" + b" " * 150), "N02")
    assert p.message == ("'~$police.xlsx' is an Office lock file (left while a workbook is open), "
                         "not a return, and was skipped.")
    p = one(problems(tmp_path / "b", "Thumbs.db", b"\xd0\xcf\x11\xe0"), "N02")
    assert p.message == "'Thumbs.db' is a Windows thumbnail cache, not a return, and was skipped."


@covers("N17")
def test_n17_link_to_a_return_followed(tmp_path):
    target = tmp_path / "shared" / "police.csv"
    target.parent.mkdir()
    target.write_bytes(csv_bytes([row()]))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "police.csv").symlink_to(target)
    ing = read_returns(folder, HALTON)
    p = one(validate(ing, HALTON, TODAY).problems, "N17")
    assert p.message == f"'police.csv' is a link to '{target}'; the file it points to was read."
    assert len(ing.table) == 1


@covers("N18")
def test_n18_special_file_never_opened(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "police.csv")  # opening a named pipe would wait for ever
    p = one(validate(read_returns(folder, HALTON), HALTON, TODAY).problems, "N18")
    assert p.message == ("'police.csv' is a named pipe (FIFO), not a return, and was skipped without "
                         "opening it.")


@covers("N03")
def test_n03_no_case_rows(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([])), "N03")
    assert (p.message, p.sheet) == ("The audit sheet has no case rows.", None)


@covers("N04")
def test_n04_hidden_audit_sheet(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))]))},
                hidden=("Audit",))
    p = one(problems(tmp_path, "police.xlsx", data), "N04")
    assert p.message == "The 'Audit' sheet is hidden in this workbook; it was read as usual."
    assert p.sheet == "Audit"


@covers("N05")
def test_n05_hidden_row_and_column(tmp_path):
    rows = [row(case_ref=f"HAL-000{i}", audit_date=dt.date(2026, 10, 15)) for i in (1, 2)]
    data = xlsx({"Audit": sheet(audit_rows(rows), hidden_rows=(3,),
                                hidden_cols=(KEYS.index("TU3") + 1,))})
    found = [p for p in problems(tmp_path, "police.xlsx", data) if p.code == "N05"]
    assert sorted((p.row, p.column, p.message) for p in found if p.row) == [
        (3, None, "Row 3 is hidden in the workbook; it was read and checked like any other row.")]
    [col] = [p for p in found if p.column]
    assert col.message == f"Column {letter('TU3')} ('TU3') is hidden in the workbook; it was read as usual."
    assert col.fix == "Check its values; unhide it to see them."


@covers("N06")
def test_n06_merged_cells_filled_down(tmp_path):
    rows = [row(case_ref=f"HAL-000{i}", audit_date=dt.date(2026, 10, 15),
                partner="Cheshire Police" if i == 1 else None) for i in (1, 2, 3)]
    span = f"{letter('partner')}2:{letter('partner')}4"
    data = xlsx({"Audit": sheet(audit_rows(rows), merges=(span,))})
    p = one(problems(tmp_path, "police.xlsx", data), "N06")
    assert p.message == (f"Cells {span} are merged, so only row 2 holds the value; it was copied "
                         "to rows 3 to 4.")
    assert (p.row, p.column, p.value) == (2, "partner", "Cheshire Police")


@covers("N07")
def test_n07_repeated_header_row_skipped(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row()], lines=[KEYS])), "N07")
    assert (p.message, p.row) == ("Row 2 repeats the column headings; it was skipped.", 2)


@covers("N08")
def test_n08_stray_value_far_right(tmp_path):
    rows = audit_rows([row(audit_date=dt.date(2026, 10, 15))])
    data = xlsx({"Audit": sheet(rows, cells={"XFD2": "x"})})
    p = one(problems(tmp_path, "police.xlsx", data), "N08")
    assert p.message == ("Cell XFD2 holds a value far outside the audit table (beyond column ZZ); "
                         "it was ignored.")


@covers("N09")
def test_n09_audit_sheet_renamed(tmp_path):
    data = xlsx({"Notes": sheet([["read me"]]),
                 "Cases": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))]))})
    p = one(problems(tmp_path, "police.xlsx", data), "N09")
    assert p.message == ("No sheet is called 'Audit'; the cases were read from sheet 'Cases', the "
                         "only sheet with the audit columns (sheets: 'Notes', 'Cases').")


@covers("N10")
def test_n10_answer_variant(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(TU1=" y ", tool_name="Other")])), "N10")
    assert p.message == "Answer ' y ' was read as 'Yes'."


@covers("N11")
def test_n11_date_serial(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="46310")])), "N11")
    assert p.message == ("The date was a plain number (46310); read as an Excel date serial: "
                         "15/10/2026.")


@covers("N12")
def test_n12_two_digit_year(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="15/10/26")])), "N12")
    assert p.message == "Two-digit year in '15/10/26' read as 15/10/2026."


@covers("N13")
def test_n13_choice_excel_turned_into_a_date(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15),
                                                age_band=dt.date(2026, 4, 1))]))})
    p = one(problems(tmp_path, "police.xlsx", data), "N13")
    assert (p.message, p.value) == ("Excel had turned '1-4' into a date; read as '1-4'.",
                                    "01/04/2026")


@covers("N14")
def test_n14_choice_variant(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(partner="cheshire  police")])), "N14")
    assert p.message == "'cheshire  police' was read as 'Cheshire Police'."


@covers("N15")
def test_n15_read_by_content_not_name(tmp_path):
    p = one(problems(tmp_path, "schools.xls", csv_bytes([row()])), "N15")
    assert p.message == "'schools.xls' is a text (CSV) file with an Excel name; it was read as CSV."
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))]))})
    p = one(problems(tmp_path / "b", "police.csv", data), "N15")
    assert p.message == ("'police.csv' is an Excel workbook with a .csv name; it was read as a "
                         "workbook.")


@covers("N16")
def test_n16_cases_on_a_copied_sheet_with_the_audit_sheet_empty(tmp_path):
    data = xlsx({"Audit": sheet(audit_rows([])),
                 "Audit (2)": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))]))})
    found = problems(tmp_path, "police.xlsx", data)
    p = one(found, "N16")
    assert p.message == ("The 'Audit' sheet has no case rows; the cases were read from sheet "
                         "'Audit (2)', the only sheet with the audit columns and case rows "
                         "(sheets: 'Audit', 'Audit (2)').")
    assert p.sheet == "Audit (2)"
    assert [q.code for q in found] == ["N16"]


# --------------------------------------------------------------------------- validation checks


@covers("V01")
def test_v01_required_value_blank(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(audit_date="")])), "V01")
    assert (p.message, p.column) == ("'audit_date' is blank; every row needs it.", "audit_date")


@covers("V02")
def test_v02_case_ref_form(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(case_ref="HAL#0001")])), "V02")
    assert p.message == "The case reference may hold only letters, digits and '-'."


@covers("V03")
def test_v03_case_ref_personal_data_is_withheld(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(case_ref="943 476 5919")])), "V03")
    assert p.message == ("The case reference looks like an NHS number; it was refused and is not "
                         "shown here.")
    assert p.value == "[withheld]"


@covers("V04")
def test_v04_audit_date_in_the_future(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(audit_date="03/11/2026")])), "V04")
    assert p.message == "The audit date is after today (02/11/2026)."


@covers("V05")
def test_v05_answer_not_allowed_for_the_question(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(TU1="N/A")])), "V05")
    assert p.message == "'N/A' is not allowed for TU1: answer Yes, Partly, No."


@covers("V06")
def test_v06_end_before_start(tmp_path):
    r = row(assessment_start_date="10/09/2026", assessment_end_date="01/09/2026")
    p = one(problems(tmp_path, "police.csv", csv_bytes([r])), "V06")
    assert p.message == "'assessment_end_date' is before 'assessment_start_date' (10/09/2026)."


@covers("V07")
def test_v07_date_after_the_audit_date(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(referral_date="20/10/2026")])), "V07")
    assert p.message == "'referral_date' is after the audit date."


@covers("V08")
def test_v08_value_needed_by_another_answer(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(TU1="Yes")])), "V08")
    assert p.message == "'tool_name' is needed when TU1 is Yes or Partly."


@covers("V09")
def test_v09_same_case_twice_for_a_partner(tmp_path):
    found = [p for p in problems(tmp_path, "police.csv", csv_bytes([row(), row()]))
             if p.code == "V09"]
    assert [(p.row, p.message) for p in found] == [
        (r, "Case HAL-0001 appears more than once for Cheshire Police (rows 2, 3).") for r in (2, 3)]


@covers("V11")
def test_v11_a_case_described_differently(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([
        row(referral_date="02/03/2026"),
        row(partner="Schools", age_band="1-4", referral_date="2/3/2026"),
        row(partner="Housing", age_band="1-4", referral_date="09/03/2026")]))
    p = one(found, "V11")
    assert (p.row, p.column, p.value, p.partner) == (2, "case_ref", "HAL-0001", "Cheshire Police")
    assert p.message == (
        "Case HAL-0001 is described differently by its partners: age_band '5-10' (Cheshire "
        "Police in police.csv row 2), '1-4' (Schools in police.csv row 3, Housing in "
        "police.csv row 4); referral_date 02/03/2026 (Cheshire Police in police.csv row 2, "
        "Schools in police.csv row 3), 09/03/2026 (Housing in police.csv row 4).")


@covers("V12")
def test_v12_the_voice_of_an_unborn_child(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([
        row(age_band="Unborn", child_voice_excerpt="I want the baby to be safe."),
        row(case_ref="HAL-0002", age_band="Unborn"),
        row(case_ref="HAL-0003", child_voice_excerpt="My room is cold.")]))
    p = one(found, "V12")
    assert (p.row, p.column, p.value) == (2, "child_voice_excerpt", "I want the baby to be safe.")
    assert p.message.startswith("The child's age band is 'Unborn', but words are recorded as "
                                "the child's voice")


# a profile with a percentage column and a case reference pattern (issue 15)
NUMBERS = Profile(model=HALTON.model.model_copy(update={
    "extra_columns": (*HALTON.model.extra_columns, ExtraColumn(
        key="attendance_pct", type="number", question="School attendance this term, %")),
    "case_ref_pattern": CaseRefPattern(regex="HAL-[0-9]{4}", example="HAL-0001")}),
    path=HALTON.path)
NUMBER_KEYS = [*KEYS, "attendance_pct"]


@covers("M01", "N24", "V13")
def test_m01_n24_v13_a_number_column(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([
        row(attendance_pct="about 80"), row(case_ref="HAL-0002", attendance_pct="92%"),
        row(case_ref="HAL-0003", attendance_pct="150")], NUMBER_KEYS), NUMBERS)
    col = letter("attendance_pct", NUMBER_KEYS)
    p = one(found, "M01")
    assert (p.row, p.letter, p.message) == (
        2, col, "'about 80' is not a number (a percentage, 0 to 100).")
    p = one(found, "N24")
    assert (p.row, p.letter, p.message) == (
        3, col, "'92%' was read as 92: the column holds a percentage, and the % sign is not "
        "needed.")
    p = one(found, "V13")
    assert (p.row, p.letter, p.message) == (
        4, col, "150 is outside the range of attendance_pct: a percentage from 0 to 100.")


@covers("V14")
def test_v14_case_ref_not_in_the_partnerships_form(tmp_path):
    p = one(problems(tmp_path, "police.csv", csv_bytes([row(case_ref="HAL-12")], NUMBER_KEYS),
                     NUMBERS), "V14")
    assert (p.row, p.letter, p.value, p.message) == (
        2, "A", "HAL-12", "'HAL-12' is not in the form agreed for the round, such as HAL-0001.")


def test_a_valid_row_has_no_problem(tmp_path):
    """The rows above differ from this one in one value each, so each code comes from it."""
    assert problems(tmp_path, "police.csv", csv_bytes([row()])) == []
    data = xlsx({"Audit": sheet(audit_rows([row(audit_date=dt.date(2026, 10, 15))]))})
    assert problems(tmp_path / "b", "police.xlsx", data) == []


# --------------------------------------------------------------------------- the strategy scorecard


@pytest.fixture(scope="module")
def scorecard_profile(tmp_path_factory) -> Profile:
    from scorecard_fixture import halton_with_indicators

    return halton_with_indicators(tmp_path_factory.mktemp("profile"))


def scorecard_problems(tmp_path: Path, profile: Profile, lines: list[str],
                       name: str = "scorecard.csv") -> list[Problem]:
    """The problems of a CSV scorecard: a header row of key, numerator, denominator and value,
    then ``lines``; every indicator not named there is given a figure."""
    from qa_lib.ingest.scorecard import read_scorecard

    named = {line.split(",")[0] for line in lines}
    rest = {"rereferrals": "rereferrals,40,200,", "ehas": "ehas,,,120",
            "cp_rate": "cp_rate,35,50000,", "days_to_plan": "days_to_plan,,,12.5"}
    body = ["key,numerator,denominator,value", *lines,
            *(v for k, v in rest.items() if k not in named)]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return read_scorecard(path, profile).problems


@covers("S01")
def test_s01_scorecard_without_its_table(tmp_path, scorecard_profile):
    path = tmp_path / "scorecard.csv"
    path.write_text("indicator,figure\nrereferrals,20\n", encoding="utf-8")
    from qa_lib.ingest.scorecard import read_scorecard

    p = one(read_scorecard(path, scorecard_profile).problems, "S01")
    assert p.message == ("No header row with the columns key and numerator (or value) was found "
                         "in the first 30 rows of the file, so no indicator could be read.")
    assert (p.file, p.row) == ("scorecard.csv", None)


@covers("S02")
def test_s02_unknown_indicator_key(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["re-referrals,40,200,"]), "S02")
    assert p.message == ("'re-referrals' is not an indicator of the 'halton' profile. Did you "
                         "mean 'rereferrals'?")
    assert (p.row, p.column, p.letter) == (2, "key", "A")
    assert p.fix.startswith("Use the key as the scorecard template gives it (one of: "
                            "rereferrals, ehas, cp_rate, days_to_plan)")


@covers("S03")
def test_s03_indicator_entered_twice(tmp_path, scorecard_profile):
    found = [p for p in scorecard_problems(tmp_path, scorecard_profile,
                                           ["ehas,,,120", "ehas,,,121"]) if p.code == "S03"]
    assert [(p.row, p.letter, p.message) for p in found] == [
        (r, "A", "Indicator 'ehas' is entered more than once (rows 2, 3), so it is not clear "
         "which figure to use.") for r in (2, 3)]


@covers("S04")
def test_s04_figure_not_a_number(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["ehas,,,twelve"]), "S04")
    assert (p.message, p.row, p.column, p.letter, p.value) == (
        "'twelve' is not a number.", 2, "value", "D", "twelve")


@covers("S05")
def test_s05_negative_figure(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["rereferrals,-4,200,"]), "S05")
    assert (p.message, p.row, p.letter) == (
        "-4 is negative; a count, a rate or a number of days cannot be.", 2, "B")


@covers("S06")
def test_s06_numerator_greater_than_denominator(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["rereferrals,201,200,"]), "S06")
    assert (p.message, p.row, p.letter) == (
        "The numerator 201 is greater than the denominator 200: more are counted than there "
        "are to count.", 2, "B")
    p = one(scorecard_problems(tmp_path / "b", scorecard_profile, ["rereferrals,,,112"]), "S06")
    assert (p.message, p.letter) == ("The value 112 is a percentage over 100.", "D")


@covers("S07")
def test_s07_half_a_fraction(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["rereferrals,,200,"]), "S07")
    assert (p.message, p.row, p.column, p.letter) == (
        "The denominator is entered but the numerator is blank, so the figure cannot be worked "
        "out.", 2, "numerator", "B")


@covers("S08")
def test_s08_value_not_matching_its_fraction(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["rereferrals,40,200,25"]), "S08")
    assert (p.message, p.letter) == ("The value 25 does not match the numerator and "
                                     "denominator (40 of 200 is 20.0).", "D")
    assert not scorecard_problems(tmp_path / "b", scorecard_profile, ["rereferrals,1,3,33.3"])


@covers("S09")
def test_s09_indicator_without_a_figure(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["ehas,,,"]), "S09")
    assert (p.message, p.row, p.letter) == (
        "No figure was entered for indicator 'ehas' (Early help assessments completed) (row 2 "
        "is blank); the report shows it as not available this round.", 2, "D")
    path = tmp_path / "c.csv"  # two indicators have no row at all
    path.write_text("key,value\nehas,120\ndays_to_plan,3\n", encoding="utf-8")
    from qa_lib.ingest.scorecard import read_scorecard

    found = [q for q in read_scorecard(path, scorecard_profile).problems if q.code == "S09"]
    assert [q.message.split(" (")[0] for q in found] == [
        "No figure was entered for indicator 'rereferrals'",
        "No figure was entered for indicator 'cp_rate'"]
    assert all(q.row is None and q.severity == "note" for q in found)


@covers("S10")
def test_s10_figure_for_a_computed_indicator(tmp_path, scorecard_profile):
    p = one(scorecard_problems(tmp_path, scorecard_profile, ["cp_long,,,50"]), "S10")
    assert (p.message, p.row, p.severity) == (
        "Indicator 'cp_long' is worked out from the audit returns, so the figure entered for "
        "it was ignored.", 2, "note")


# --------------------------------------------------------------------------- the actions workbook
# (tests/test_actions.py reads each code from a real workbook made by the template)


def action_problems(tmp_path: Path, lines: list[str], today: dt.date = TODAY) -> list[Problem]:
    """The problems of a CSV actions workbook: its header row, then ``lines``."""
    from qa_lib.ingest.actions import read_actions

    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "actions.csv"
    path.write_text("\n".join(["action,partner,measure,owner,due date,status,round agreed,notes",
                               *lines]) + "\n", encoding="utf-8")
    return read_actions(path, HALTON, today).problems


@covers("L01")
def test_l01_actions_workbook_without_its_table(tmp_path):
    from qa_lib.ingest.actions import read_actions

    path = tmp_path / "actions.csv"
    path.write_text("action,partner,status\nTrain staff,Partnership,Open\n", encoding="utf-8")
    p = one(read_actions(path, HALTON, TODAY).problems, "L01")
    assert p.message == ("No table of actions was found in the file: a header row with the "
                         "columns action, partner, measure, owner, due date and status in its "
                         "first 30 rows (row 1 lacks: measure, owner, due date).")
    assert (p.file, p.row) == ("actions.csv", None)


@covers("L02")
def test_l02_action_row_without_its_action(tmp_path):
    p = one(action_problems(tmp_path, [",Cheshire Police,,,,Open,,"]), "L02")
    assert (p.message, p.row, p.column, p.letter) == (
        "This row has a partner but no action: what was agreed is blank.", 2, "action", "A")


@covers("L03")
def test_l03_unknown_partner_in_the_actions(tmp_path):
    p = one(action_problems(tmp_path, ["Train staff,Cheshire Polise,,,,Open,,"]), "L03")
    assert p.message == ("'Cheshire Polise' is not a partner of the 'halton' profile, nor the "
                         "Partnership. Did you mean 'Cheshire Police'?")
    assert (p.row, p.column, p.letter, p.value) == (2, "partner", "B", "Cheshire Polise")


@covers("L04")
def test_l04_unknown_measure_in_the_actions(tmp_path):
    p = one(action_problems(tmp_path, ["Train staff,Partnership,tool usage,,,Open,,"]), "L04")
    assert (p.message, p.row, p.letter) == (
        "'tool usage' is not a measure of the 'halton' profile. Did you mean 'tool_use'?", 2, "C")


@covers("L05")
def test_l05_due_date_not_a_date(tmp_path):
    p = one(action_problems(tmp_path, ["Train staff,Partnership,,,next spring,Open,,"]), "L05")
    assert (p.message, p.row, p.letter) == ("'next spring' could not be read as a date.", 2, "E")


@covers("L06")
def test_l06_status_not_in_the_list(tmp_path):
    p = one(action_problems(tmp_path, ["Train staff,Partnership,,,,Finished,,"]), "L06")
    assert (p.message, p.row, p.letter) == (
        "'Finished' is not a status the actions workbook takes.", 2, "F")


@covers("L07")
def test_l07_owner_named_not_a_role(tmp_path):
    p = one(action_problems(tmp_path, ["Train staff,Partnership,,Jane Smith,,Open,,"]), "L07")
    assert (p.row, p.letter, p.value) == (2, "D", "[withheld]")
    assert p.message.startswith("The owner looks like a name; an action is owned by a role")


@covers("L08")
def test_l08_personal_data_redacted_from_an_action(tmp_path):
    p = one(action_problems(tmp_path, ["Ring 07700 900123,Partnership,,,,Open,,"]), "L08")
    assert (p.severity, p.row, p.column, p.value) == ("note", 2, "action", "[withheld]")
    assert p.message.startswith("1 item(s) that look like personal data")


# --------------------------------------------------------------------------- the registry


def test_every_code_has_a_unit_test():
    missing, unknown = set(REGISTRY) - COVERED, COVERED - set(REGISTRY)
    assert not missing, f"registered codes with no unit test here: {sorted(missing)}"
    assert not unknown, f"unit tests of codes nobody registered: {sorted(unknown)}"


def test_the_registry_holds_every_reading_and_validation_code():
    assert len(REGISTRY) == 84
    assert {c.code for c in CHECKS} == {c for c in REGISTRY if c.startswith("V")}
    assert all(REGISTRY[c.code] is c.definition for c in CHECKS)
    assert {d.severity for d in REGISTRY.values()} == {Severity.ERROR, Severity.NOTE}
    assert all(d.severity is Severity.NOTE for c, d in REGISTRY.items() if c.startswith("N"))
    assert all(d.title and d.message and d.fix for d in REGISTRY.values())


def test_a_code_is_defined_once():
    with pytest.raises(ValueError, match="F07 is defined twice"):
        define("F07", Severity.ERROR, "Another meaning.", fix="Another fix.")
    with pytest.raises(ValueError, match="must be a Severity"):
        define("Z98", "error", "A bare string severity.", fix="-")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capital letter and two digits"):
        define("F7", Severity.ERROR, "A malformed code.", fix="-")
    assert "Z98" not in REGISTRY and REGISTRY["F07"].title.startswith("A required column")


def test_messages_fill_templates_but_never_a_message_given():
    d = ProblemCode("Z99", Severity.NOTE, "A title.", "Row {row}: {what}.", "Fix {what}.")
    p = d.problem(file="f.csv", row=3, what="x")
    assert (p.severity, p.code, p.message, p.fix, p.row) == ("note", "Z99", "Row 3: x.", "Fix x.", 3)
    given = d.problem(file="f.csv", message="'{curly}' as typed", fix="{as is}")
    assert (given.message, given.fix) == ("'{curly}' as typed", "{as is}")
    issue = ProblemCode("Z99", Severity.ERROR, "A title.", "'{value}' is odd.", "Fix it.").issue(
        value="{x}")
    assert (issue.code, issue.severity, issue.message) == ("Z99", "error", "'{x}' is odd.")
    placed = issue.problem(file="f.csv", row=2, column="TU1")
    assert (placed.code, placed.severity, placed.message, placed.row) == ("Z99", "error",
                                                                          "'{x}' is odd.", 2)


def test_a_refusal_carries_its_code_and_pickles():
    refused = REGISTRY["F08"].refuse(key="TU3", first="J", second="AU", sheet="Audit")
    assert isinstance(refused, FileRefused) and str(refused) == refused.message
    again = pickle.loads(pickle.dumps(refused))
    assert again.problem("p.xlsx") == refused.problem("p.xlsx")
    p = refused.problem("p.xlsx")
    assert (p.code, p.severity, p.sheet, p.message) == (
        "F08", "error", "Audit", "The column 'TU3' appears twice (columns J and AU).")


def test_severities_reach_the_report_as_the_same_words(tmp_path):
    found = problems(tmp_path, "police.csv", csv_bytes([row(TU1="Maybe", TU2="y")]))
    frame = problems_frame(found)
    assert frame["severity"].tolist() == ["error", "note"]
    assert frame.to_csv(index=False).splitlines()[1].startswith("error,A02,")


def test_no_problem_is_made_outside_its_definition():
    """No module builds a Problem or FileRefused itself, or types a registered code, except
    where codes are defined (define, @check) and in common/problems.py."""
    package = ROOT / "qa_lib"
    bad = []
    for path in sorted(package.rglob("*.py")):
        if path == package / "common" / "problems.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defining = {id(n.args[0]) for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
                    and getattr(n.func, "id", None) in ("define", "check")}
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("Problem", "FileRefused"):
                bad.append(f"{path.relative_to(ROOT)}:{n.lineno} builds {n.func.id}(...)")  # type: ignore[attr-defined]
            if (isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in REGISTRY
                    and id(n) not in defining):
                bad.append(f"{path.relative_to(ROOT)}:{n.lineno} types the code {n.value!r}")
    assert not bad, bad


# --------------------------------------------------------------------------- the catalogue


def test_catalogue_is_the_registry():
    cat = catalogue()
    assert cat["code"].tolist() == sorted(REGISTRY)
    assert cat.set_index("code")["title"].to_dict() == {c: d.title for c, d in REGISTRY.items()}


def test_rules_command_prints_every_code_with_its_severity_and_title(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for d in REGISTRY.values():
        assert f"{d.code}  {d.severity:<5}  {d.title}\n" in out


DOC = ROOT / "docs" / "bad-input.md"


def test_the_doc_table_is_what_the_registry_renders():
    """Regenerate with: .venv/bin/python -m qa_lib.checks"""
    doc = DOC.read_text(encoding="utf-8")
    assert catalogue_in_doc(doc) == catalogue_markdown(), "run: .venv/bin/python -m qa_lib.checks"
    assert doc_with_catalogue(doc) == doc


def test_every_code_has_a_row_in_the_doc_table():
    table = catalogue_in_doc(DOC.read_text(encoding="utf-8"))
    rows = re.findall(r"^\| ([A-Z]\d\d) \| (error|note) \|", table, re.M)
    assert sorted(c for c, _ in rows) == sorted(REGISTRY)
    assert all(REGISTRY[c].severity == s for c, s in rows)


def test_the_doc_check_notices_a_change():
    """The comparison above can fail: a row changed by hand is found and put back."""
    doc = DOC.read_text(encoding="utf-8")
    edited = doc.replace("| F02 | error | The file is empty.", "| F02 | note | The file is empty.")
    assert edited != doc and catalogue_in_doc(edited) != catalogue_markdown()
    assert doc_with_catalogue(edited) == doc
