"""The bad-input catalogue (docs/bad-input.md): every kind of bad or awkward return a
partner really sends, built here in code, with the outcome it must get.

Each test makes its input the way the partner's software would (a real legacy .xls written by
xlwt, a workbook really encrypted by msoffcrypto-tool, sheet XML edited inside the zip as Excel
would leave it), reads the folder with ``read_returns`` and ``validate``, and checks the
outcome: read correctly, read with a note, an error on the right file, sheet, Excel row and
column, or the whole file refused with a message an audit lead can act on. Never a traceback.
docs/bad-input.md lists every kind with its test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from conftest import TODAY, base_row, letter_of, validate_folder, write_return
from qa_lib.checks.rules import Validated, validate
from qa_lib.common.problems import Problem
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.returns import read_returns

# --------------------------------------------------------------------------- helpers




def keys_of(profile) -> list[str]:
    """The header keys every return must have, in template order."""
    return [c.key for c in profile.columns if c.in_header]




def of(v: Validated, file: str, row: int | None = None, severity: str | None = None) -> list[Problem]:
    return [p for p in v.problems if p.file == file and (row is None or p.row == row)
            and (severity is None or p.severity == severity)]


def table_rows(v: Validated, file: str):
    t = v.table
    return t[t["_file"] == file].set_index("_row")


def ok(v: Validated, file: str, row: int) -> bool:
    t = v.table
    hit = (t["_file"] == file) & (t["_row"] == row)
    assert hit.sum() == 1, f"expected one table row for {file} row {row}"
    return bool(v.row_ok[hit].iloc[0])


def refusal(v: Validated, file: str, code: str) -> Problem:
    """The one file-level error for ``file``: it is refused whole and none of it is read."""
    errs = [p for p in v.errors if p.file == file]
    assert [p.code for p in errs] == [code], errs
    p = errs[0]
    assert p.row is None and p.message and p.fix
    assert file in v.refused_files
    assert not (v.table["_file"] == file).any()
    return p


def csv_text(profile, rows: list[dict], keys: list[str] | None = None, delimiter: str = ",") -> str:
    keys = keys or keys_of(profile)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(keys)
    for row in rows:
        w.writerow(["" if row.get(k) is None else row.get(k) for k in keys])
    return buf.getvalue()


def text_row(case_ref: str, partner: str = "Schools", **kw) -> dict:
    return base_row(case_ref, partner, audit_date="15/10/2026", **kw)


def sheet_member(path: Path, sheet: str = "Audit") -> str:
    """The zip member of a sheet in a workbook saved by openpyxl (sheets in workbook order)."""
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def edit_member(path: Path, member: str, fn) -> None:
    """Rewrite one XML part inside the workbook, as Excel would have saved it."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, fn(data.decode()).encode() if info.filename == member else data)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# A minimal .xlsx writer for sheets too big or too odd to make with openpyxl quickly: inline
# strings, numbers, and dates as serials with a date style. Rows are (Excel row, values) pairs.

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _cell(ref: str, v) -> str:
    if isinstance(v, dt.date):
        return f'<c r="{ref}" s="1"><v>{(v - dt.date(1899, 12, 30)).days}</v></c>'
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


def xlsx_bytes(sheets: list[tuple[str, list[tuple[int, list]], str | None]]) -> bytes:
    """``sheets``: (name, rows, state) with rows as (Excel row, [values from column A])."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        n = len(sheets)
        z.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
            + "</Types>"))
        z.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        z.writestr("xl/styles.xml", (
            f'<styleSheet {_NS}><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            "</cellXfs></styleSheet>"))
        z.writestr("xl/workbook.xml", f'<workbook {_NS}><sheets>' + "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}"' + (f' state="{st}"' if st else "")
            + f' r:id="rId{i}"/>' for i, (name, _, st) in enumerate(sheets, 1))
            + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            + "</Relationships>"))
        for i, (_, rows, _) in enumerate(sheets, 1):
            body = "".join(
                f'<row r="{r}">' + "".join(_cell(f"{get_column_letter(j + 1)}{r}", v)
                                           for j, v in enumerate(vals) if v not in (None, ""))
                + "</row>" for r, vals in rows)
            z.writestr(f"xl/worksheets/sheet{i}.xml",
                       f"<worksheet {_NS}><sheetData>{body}</sheetData></worksheet>")
    return out.getvalue()


def audit_rows(profile, rows: list[dict], start: int = 1) -> list[tuple[int, list]]:
    keys = keys_of(profile)
    return [(start, keys)] + [(start + i, [r.get(k) for k in keys]) for i, r in enumerate(rows, 1)]


# --------------------------------------------------------------------------- file formats


def test_legacy_xls_is_read_like_xlsx(tmp_path, halton):
    keys = keys_of(halton)
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Audit")
    date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    rows = [base_row("HAL-0001", "Housing", TU3="Yes", referral_date=dt.date(2026, 9, 1)),
            base_row("HAL-0002", None, TU3="Maybe")]
    for j, k in enumerate(keys):
        ws.write(0, j, k)
    part = keys.index("partner")
    ws.write_merge(1, 2, part, part, "Housing")  # partner merged over rows 2 and 3
    for i, row in enumerate(rows, start=1):
        for k, value in row.items():
            if k == "partner":
                continue
            if isinstance(value, dt.date):
                ws.write(i, keys.index(k), dt.datetime.combine(value, dt.time()), date)
            else:
                ws.write(i, keys.index(k), value)
    path = tmp_path / "housing.xls"
    wb.save(str(path))
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real BIFF8 workbook

    v = validate_folder(tmp_path, halton)

    t = table_rows(v, path.name)
    assert list(t.index) == [2, 3]
    assert t.loc[2, "audit_date"].date() == dt.date(2026, 10, 15)
    assert t.loc[2, "referral_date"].date() == dt.date(2026, 9, 1)
    assert list(t["partner"]) == ["Housing", "Housing"]
    assert [(n.code, n.row) for n in v.notes] == [("N06", 2)]
    assert ok(v, path.name, 2)
    [p] = of(v, path.name, 3, Severity.ERROR)
    assert (p.code, p.sheet, p.column, p.letter) == ("A02", "Audit", "TU3",
                                                      get_column_letter(keys.index("TU3") + 1))


def test_xls_saved_with_an_xlsx_name_is_read_by_its_content(tmp_path, halton):
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Audit")
    row = base_row("HAL-0001", "Housing", audit_date="15/10/2026")
    for j, k in enumerate(keys_of(halton)):
        ws.write(0, j, k)
        ws.write(1, j, row.get(k, ""))
    path = tmp_path / "housing.xlsx"
    wb.save(str(path))

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert ok(v, path.name, 2)


def test_workbook_saved_with_a_csv_name_is_read_as_a_workbook_with_a_note(tmp_path, halton):
    src = write_return(tmp_path / "src", halton, [base_row("HAL-0001")])
    path = tmp_path / "in" / "police.csv"
    path.parent.mkdir()
    path.write_bytes(src.read_bytes())

    v = validate_folder(path.parent, halton)

    assert v.errors == []
    assert ok(v, path.name, 2)
    [n] = of(v, path.name, severity=Severity.NOTE)
    assert n.code == "N15" and "Excel workbook with a .csv name" in n.message


def test_csv_with_a_byte_order_mark(tmp_path, halton):
    path = tmp_path / "schools.csv"
    path.write_bytes(csv_text(halton, [text_row("HAL-0001", TU3="Yes")]).encode("utf-8-sig"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    v = validate_folder(tmp_path, halton)

    assert v.errors == [], v.errors  # the BOM does not spoil the 'case_ref' heading
    t = table_rows(v, path.name)
    assert t.loc[2, "case_ref"] == "HAL-0001"
    assert ok(v, path.name, 2)


def test_csv_with_semicolons(tmp_path, halton):
    path = tmp_path / "schools.csv"
    rows = [text_row("HAL-0001", neglect_types="Physical; Emotional", TU3="Partly"),
            text_row("HAL-0002", TU3="Maybe")]
    path.write_text(csv_text(halton, rows, delimiter=";"), encoding="utf-8")

    v = validate_folder(tmp_path, halton)

    t = table_rows(v, path.name)
    assert t.loc[2, "neglect_types"] == "Physical; Emotional"
    assert t.loc[2, "TU3"] == "Partly"
    assert ok(v, path.name, 2)
    [p] = of(v, path.name, 3, Severity.ERROR)
    assert (p.code, p.column, p.letter) == ("A02", "TU3", get_column_letter(keys_of(halton).index("TU3") + 1))


def test_csv_with_excel_sep_line(tmp_path, halton):
    path = tmp_path / "schools.csv"
    text = "sep=;\r\n" + csv_text(halton, [text_row("HAL-0001"), text_row("HAL-0002", TU1="Maybe")],
                                  delimiter=";")
    path.write_text(text, encoding="utf-8")

    v = validate_folder(tmp_path, halton)

    # Excel hides the sep= line, so rows are numbered as Excel shows them: the header is row 1
    assert ok(v, path.name, 2)
    assert [(p.code, p.row, p.column) for p in v.errors] == [("A02", 3, "TU1")]


def test_csv_in_windows_encoding(tmp_path, halton):
    path = tmp_path / "schools.csv"
    rows = [text_row("HAL-0001", strengths="Café visit; £20 food voucher given", TU3="Yes")]
    path.write_bytes(csv_text(halton, rows, keys_of(halton) + ["strengths"]).encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert table_rows(v, path.name).loc[2, "strengths"] == "Café visit; £20 food voucher given"


def test_csv_with_no_header_row_is_refused(tmp_path, halton):
    path = tmp_path / "schools.csv"
    path.write_text("HAL-0001,Schools,15/10/2026\r\nHAL-0002,Schools,15/10/2026\r\n", encoding="utf-8")

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F06")
    assert "no header row" in p.message


def test_csv_saved_as_excel_unicode_text(tmp_path, halton):
    path = tmp_path / "schools.csv"
    text = csv_text(halton, [text_row("HAL-0001", strengths="Zoë's voice heard")],
                    keys_of(halton) + ["strengths"], delimiter="\t")
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Excel writes it

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert table_rows(v, path.name).loc[2, "strengths"] == "Zoë's voice heard"


def test_password_protected_workbook_is_refused(tmp_path, halton):
    plain = write_return(tmp_path / "plain", halton, [base_row("HAL-0001")])
    path = tmp_path / "in" / "police.xlsx"
    path.parent.mkdir()
    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("Secret-123", out)  # real encryption

    v = validate_folder(path.parent, halton)

    p = refusal(v, path.name, "F03")
    assert "password-protected" in p.message
    assert "remove the password" in p.fix


def _word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document>Audit notes</document>")
    return out.getvalue()


@pytest.mark.parametrize("kind", ["random-bytes", "truncated-zip", "word-document"])
def test_corrupt_file_is_refused(tmp_path, halton, kind):
    good = write_return(tmp_path / "src", halton, [base_row("HAL-0001")]).read_bytes()
    data = {"random-bytes": os.urandom(4096), "truncated-zip": good[: len(good) // 2],
            "word-document": _word_document()}[kind]
    path = tmp_path / "in" / "police.xlsx"
    path.parent.mkdir()
    path.write_bytes(data)

    v = validate_folder(path.parent, halton)

    if kind == "word-document":  # recognised by its content: named as what it is (issue 11)
        p = refusal(v, path.name, "F12")
        assert "a Word document (.docx), not a spreadsheet" in p.message
        assert "audit workbook (.xlsx)" in p.fix
        return
    p = refusal(v, path.name, "F04")
    assert "damaged" in p.message
    assert "save it as .xlsx" in p.fix


@pytest.mark.parametrize("name", ["police.xlsx", "schools.csv"])
def test_empty_file_is_refused(tmp_path, halton, name):
    (tmp_path / name).write_bytes(b"")

    v = validate_folder(tmp_path, halton)

    p = refusal(v, name, "F02")
    assert "empty (0 bytes)" in p.message


def test_web_page_saved_with_an_excel_name_is_refused(tmp_path, halton):
    path = tmp_path / "police.xls"
    path.write_text("<html><body><table><tr><td>case_ref</td><td>partner</td></tr></table>"
                    "</body></html>", encoding="utf-8")

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F04")
    assert "web page" in p.message
    assert "Save As" in p.fix


def test_text_file_with_an_excel_name_is_read_as_csv_with_a_note(tmp_path, halton):
    path = tmp_path / "schools.xls"  # what some case systems export
    path.write_text(csv_text(halton, [text_row("HAL-0001")], delimiter="\t"), encoding="utf-8")

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert ok(v, path.name, 2)
    assert [p.code for p in of(v, path.name, severity=Severity.NOTE)] == ["N15"]


def test_spreadsheet_in_another_format_is_refused(tmp_path, halton):
    # .ods is read since issue 11 (tests/test_inputs_folder.py); .xlsb is still refused
    (tmp_path / "police.xlsb").write_bytes(b"PK\x03\x04 a binary workbook")

    v = validate_folder(tmp_path, halton)

    p = refusal(v, "police.xlsb", "F01")
    assert ".xlsb" in p.message
    assert ".xlsx" in p.fix


def test_text_file_that_is_not_a_return_is_refused_naming_it(tmp_path, halton):
    # a text file may be a return saved as text, so it is read as one and, with no audit
    # header, refused with an error: never skipped while the round goes on (issue 11)
    write_return(tmp_path, halton, [base_row("HAL-0001")], name="police.xlsx")
    (tmp_path / "notes.txt").write_text("Chased Housing twice.", encoding="utf-8")

    ing = read_returns(tmp_path, halton)
    v = validate(ing, halton, TODAY)

    [p] = of(v, "notes.txt")
    assert (p.severity, p.code) == (Severity.ERROR, "F06")
    assert {f.name: f.status for f in ing.files} == {"notes.txt": "refused", "police.xlsx": "read"}


def test_excel_lock_file_is_skipped_with_a_note(tmp_path, halton):
    write_return(tmp_path, halton, [base_row("HAL-0001")], name="police.xlsx")
    (tmp_path / "~$police.xlsx").write_bytes(b"\x0bJane Smith" + b" " * 150)  # Excel's owner file

    ing = read_returns(tmp_path, halton)
    v = validate(ing, halton, TODAY)

    assert [(p.severity, p.code, p.file) for p in v.problems] == [
        (Severity.NOTE, "N02", "~$police.xlsx")]
    assert {f.name: f.status for f in ing.files} == {"police.xlsx": "read",
                                                     "~$police.xlsx": "skipped"}


# --------------------------------------------------------------------------- sheets


def test_workbook_with_no_audit_sheet_is_refused_naming_its_sheets(tmp_path, halton):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "Cases audited"
    wb.create_sheet("Summary")["A1"] = "Total"
    path = tmp_path / "police.xlsx"
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F05")
    assert "No sheet called 'Audit'" in p.message
    assert "'Sheet1'" in p.message and "'Summary'" in p.message


def test_audit_sheet_renamed_is_read_from_the_one_sheet_with_the_columns(tmp_path, halton):
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([
        ("Notes", [(1, ["Returned late"])], None),
        ("Cases", audit_rows(halton, [base_row("HAL-0001")]), None),
    ]))

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert ok(v, path.name, 2)
    [n] = of(v, path.name, severity=Severity.NOTE)
    assert n.code == "N09" and "'Cases'" in n.message


def test_hidden_extra_sheet_is_ignored(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001")])
    wb = openpyxl.load_workbook(path)
    old = wb.create_sheet("Old round")
    for j, k in enumerate(keys_of(halton), start=1):
        old.cell(row=1, column=j, value=k)
    old["A2"], old["B2"] = "HAL-9999", "Bogus partner"
    old.sheet_state = "hidden"
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    assert v.problems == []
    assert list(table_rows(v, path.name).index) == [2]


def test_hidden_audit_sheet_is_read_with_a_note(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001")])
    wb = openpyxl.load_workbook(path)
    wb["Audit"].sheet_state = "hidden"
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert ok(v, path.name, 2)
    [n] = of(v, path.name, severity=Severity.NOTE)
    assert (n.code, n.sheet, n.row) == ("N04", "Audit", None)
    assert "hidden" in n.message


def test_audit_sheet_with_only_the_header_gets_a_note(tmp_path, halton):
    path = write_return(tmp_path, halton, [], partner="Housing")

    ing = read_returns(tmp_path, halton)
    v = validate(ing, halton, TODAY)

    assert v.errors == []
    [n] = of(v, path.name)
    assert (n.severity, n.code, n.sheet) == (Severity.NOTE, "N03", "Audit")
    assert "no case rows" in n.message
    assert ing.files[0].status == "read" and ing.files[0].rows == 0


# --------------------------------------------------------------------------- layout


def test_reordered_columns_are_read_by_key(tmp_path, halton):
    keys = list(reversed(keys_of(halton)))
    path = tmp_path / "police.xlsx"
    rows = [base_row("HAL-0001", TU1="No", tool_name=None), base_row("HAL-0002", LE2="Maybe")]
    path.write_bytes(xlsx_bytes([("Audit", [(1, keys)] + [(i, [r.get(k) for k in keys])
                                                          for i, r in enumerate(rows, 2)], None)]))

    v = validate_folder(tmp_path, halton)

    t = table_rows(v, path.name)
    assert t.loc[2, "partner"] == "Cheshire Police" and t.loc[2, "TU1"] == "No"
    assert t.loc[2, "audit_date"].date() == dt.date(2026, 10, 15)
    assert ok(v, path.name, 2)
    [p] = of(v, path.name, 3, Severity.ERROR)
    assert (p.column, p.letter) == ("LE2", get_column_letter(keys.index("LE2") + 1))


def test_duplicated_column_is_refused_naming_both_letters(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU3="Yes")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    spare = ws.max_column + 1
    ws.cell(row=1, column=spare, value="TU3")
    ws.cell(row=2, column=spare, value="No")
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F08")
    assert p.sheet == "Audit"
    assert f"columns {letter_of(path, 'TU3')} and {get_column_letter(spare)}" in p.message
    assert "'TU3' appears twice" in p.message


def test_header_typed_in_a_different_case(tmp_path, halton):
    keys = keys_of(halton)
    shown = {"case_ref": "Case_Ref", "audit_date": "AUDIT DATE", "partner": "Partner", "TU1": "tu1"}
    path = tmp_path / "police.xlsx"
    row = base_row("HAL-0001", TU1="Yes", tool_name=None)
    path.write_bytes(xlsx_bytes([("Audit", [(1, [shown.get(k, k) for k in keys]),
                                            (2, [row.get(k) for k in keys])], None)]))

    v = validate_folder(tmp_path, halton)

    assert [p.code for p in v.problems] == ["V08"]  # tool_name needed when TU1 is Yes: it was read
    t = table_rows(v, path.name)
    assert t.loc[2, "case_ref"] == "HAL-0001" and t.loc[2, "TU1"] == "Yes"
    assert t.loc[2, "audit_date"].date() == dt.date(2026, 10, 15)


def test_spaces_and_non_breaking_spaces_in_headers_and_values(tmp_path, halton):
    keys = keys_of(halton)
    shown = {"case_ref": " case_ref\u00a0", "partner": "\u00a0partner ", "audit_date": "audit\u00a0date"}
    path = tmp_path / "police.xlsx"
    row = base_row("HAL-0001\u00a0", " Cheshire\u00a0Police ", TU3="\u00a0Yes ", age_band=" 5-10")
    path.write_bytes(xlsx_bytes([("Audit", [(1, [shown.get(k, k) for k in keys]),
                                            (2, [row.get(k) for k in keys])], None)]))

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    t = table_rows(v, path.name)
    assert (t.loc[2, "case_ref"], t.loc[2, "partner"], t.loc[2, "TU3"], t.loc[2, "age_band"]) == (
        "HAL-0001", "Cheshire Police", "Yes", "5-10")
    notes = {(p.code, p.column) for p in of(v, path.name, 2, Severity.NOTE)}
    assert notes == {("N14", "partner"), ("N10", "TU3"), ("N14", "age_band")}


def test_typographic_quotes_dashes_and_invisible_characters(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", "Children\u2019s Social Care", age_band="5\u201310",
                 TU3="Yes\u200b", strengths="Good\u200b work"),
    ])

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    t = table_rows(v, path.name)
    assert (t.loc[2, "partner"], t.loc[2, "age_band"], t.loc[2, "TU3"]) == (
        "Children's Social Care", "5-10", "Yes")
    assert t.loc[2, "strengths"] == "Good work"
    assert {p.column for p in of(v, path.name, 2, Severity.NOTE)} == {"partner", "age_band", "TU3"}


def test_two_header_rows_the_second_is_skipped_with_a_note(tmp_path, halton):
    keys = keys_of(halton)
    questions = {c.key: c.question for c in halton.columns}
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([("Audit", [
        (1, keys), (2, [questions[k] for k in keys]),
        (3, [base_row("HAL-0001").get(k) for k in keys]),
        (4, [base_row("HAL-0002", TU2="Maybe").get(k) for k in keys]),
    ], None)]))

    v = validate_folder(tmp_path, halton)

    assert list(table_rows(v, path.name).index) == [3, 4]
    [n] = of(v, path.name, 2)
    assert (n.severity, n.code) == (Severity.NOTE, "N07")
    assert "Row 2 repeats the column headings" in n.message
    assert ok(v, path.name, 3)
    assert [(p.code, p.column) for p in of(v, path.name, 4, Severity.ERROR)] == [("A02", "TU2")]


def test_second_header_row_in_a_different_order_refuses_the_file(tmp_path, halton):
    keys = keys_of(halton)
    moved = keys[:]
    moved[7], moved[8] = moved[8], moved[7]  # TU2 and TU3 swapped in the pasted block
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([("Audit", [
        (1, keys), (2, [base_row("HAL-0001").get(k) for k in keys]),
        (4, moved), (5, [base_row("HAL-0002", TU1="Yes", TU2="No").get(k) for k in moved]),
    ], None)]))

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F10")
    assert "Row 4 is a second header row" in p.message


def test_blank_rows_between_cases_are_dropped_keeping_excel_row_numbers(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), {}, {"case_ref": "   "},
                                           base_row("HAL-0004", TU4="Maybe")])

    v = validate_folder(tmp_path, halton)

    assert list(table_rows(v, path.name).index) == [2, 5]
    assert [(p.code, p.row) for p in v.errors] == [("A02", 5)]


def test_merged_cells_are_filled_down_with_a_note(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", TU3="Yes"), base_row("HAL-0002", partner=None),
        base_row("HAL-0003", partner=None), base_row("HAL-0004", "Housing"),
    ], partner="Cheshire Police")
    b = letter_of(path, "partner")
    wb = openpyxl.load_workbook(path)
    wb["Audit"].merge_cells(f"{b}2:{b}4")
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    t = table_rows(v, path.name)
    assert list(t["partner"]) == ["Cheshire Police"] * 3 + ["Housing"]
    [n] = of(v, path.name, severity=Severity.NOTE)
    assert (n.code, n.row, n.column, n.letter) == ("N06", 2, "partner", b)
    assert f"{b}2:{b}4" in n.message and "rows 3 to 4" in n.message


def test_hidden_rows_and_columns_are_read_with_a_note(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row("HAL-0002", TU3="Maybe"),
                                           base_row("HAL-0003")])
    tu3 = letter_of(path, "TU3")
    wb = openpyxl.load_workbook(path)
    wb["Audit"].row_dimensions[3].hidden = True
    wb["Audit"].column_dimensions[tu3].hidden = True
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    assert list(table_rows(v, path.name).index) == [2, 3, 4]
    assert [(p.code, p.row, p.column) for p in v.errors] == [("A02", 3, "TU3")]
    notes = {(p.code, p.row, p.column) for p in of(v, path.name, severity=Severity.NOTE)}
    assert notes == {("N05", None, "TU3"), ("N05", 3, None)}
    row_note = next(p for p in v.notes if p.row == 3)
    assert "Row 3 is hidden" in row_note.message


def _set_cached(path: Path, ref: str, value: str) -> None:
    """Give the formula in ``ref`` the result Excel would have saved with it."""
    def fn(xml: str) -> str:
        pat = re.compile(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/></c>')
        assert pat.search(xml), ref
        return pat.sub(lambda m: f'<c r="{ref}"{m.group(1)} t="str"><f>{m.group(2)}</f>'
                       f"<v>{value}</v></c>", xml)
    edit_member(path, sheet_member(path), fn)


def test_formulas_with_saved_results_are_read(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU3="Yes")])
    tu1, part = letter_of(path, "TU1"), letter_of(path, "partner")
    wb = openpyxl.load_workbook(path)
    wb["Audit"][f"{tu1}2"] = '=IF(1=1,"No","Yes")'
    wb["Audit"][f"{part}2"] = '=Lists!A5'
    wb.save(path)
    _set_cached(path, f"{tu1}2", "No")
    _set_cached(path, f"{part}2", "Cheshire Police")

    v = validate_folder(tmp_path, halton)

    assert v.problems == []
    t = table_rows(v, path.name)
    assert (t.loc[2, "TU1"], t.loc[2, "partner"]) == ("No", "Cheshire Police")


def test_formula_with_no_saved_result_is_an_error_naming_the_cell(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row("HAL-0002")])
    tu1, ad = letter_of(path, "TU1"), letter_of(path, "audit_date")
    wb = openpyxl.load_workbook(path)
    wb["Audit"][f"{tu1}3"] = '=IF(1=1,"No","Yes")'  # openpyxl saves no result, as a script would
    wb["Audit"][f"{ad}3"] = "=TODAY()"
    wb.save(path)

    v = validate_folder(tmp_path, halton)

    errs = sorted(of(v, path.name, 3, Severity.ERROR), key=lambda p: p.letter)
    assert [(p.code, p.column) for p in errs] == sorted(
        [("X01", "TU1"), ("X01", "audit_date")], key=lambda c: letter_of(path, c[1]))
    p = next(p for p in errs if p.column == "audit_date")
    assert (p.sheet, p.row, p.letter, p.value) == ("Audit", 3, ad, "=TODAY()")
    assert f"Cell {ad}3 has a formula with no saved result" in p.message
    assert "open the file in excel and save it" in p.fix.lower()
    assert not ok(v, path.name, 3)
    assert ok(v, path.name, 2)


def test_formula_showing_an_excel_error_is_an_error(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row("HAL-0002")])
    tu2 = letter_of(path, "TU2")
    wb = openpyxl.load_workbook(path)
    wb["Audit"][f"{tu2}2"] = "=VLOOKUP(A2,Lists!A:B,2,FALSE)"
    wb.save(path)
    edit_member(path, sheet_member(path), lambda xml: re.sub(
        rf'<c r="{tu2}2"([^>]*)><f>(.*?)</f><v\s*/></c>',
        lambda m: f'<c r="{tu2}2"{m.group(1)} t="e"><f>{m.group(2)}</f><v>#N/A</v></c>', xml))

    v = validate_folder(tmp_path, halton)

    [p] = of(v, path.name, 2, Severity.ERROR)
    assert (p.code, p.column, p.letter, p.value) == ("X02", "TU2", tu2, "#N/A")
    assert "shows the Excel error #N/A" in p.message
    assert ok(v, path.name, 3)


# --------------------------------------------------------------------------- size


def test_formatting_to_the_bottom_of_the_sheet_reads_fast(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), base_row("HAL-0002")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    yellow = PatternFill("solid", fgColor="FFFF00")
    for ref in ("A1048576", "AT1048576", "B700000"):
        ws[ref].fill = yellow  # formatted blank cells stretch the used range to row 1,048,576
    wb.save(path)
    assert b"1048576" in zipfile.ZipFile(path).read(sheet_member(path))

    start = time.perf_counter()
    v = validate_folder(tmp_path, halton)
    took = time.perf_counter() - start

    print(f"\nformatting to row 1,048,576: read and validated in {took:.2f} s")
    assert took < 5
    assert v.problems == []
    assert list(table_rows(v, path.name).index) == [2, 3]


def test_stray_value_at_the_bottom_and_far_right_reads_fast(tmp_path, halton):
    path = tmp_path / "police.xlsx"
    rows = audit_rows(halton, [base_row("HAL-0001"), base_row("HAL-0002")])
    rows[1] = (2, rows[1][1] + [None] * (16383 - len(rows[1][1])) + ["x"])  # XFD2
    rows.append((1048576, [" "]))  # a space typed in A1048576
    rows.append((1048575, ["HAL-0099"]))
    rows.sort()
    path.write_bytes(xlsx_bytes([("Audit", rows, None)]))

    start = time.perf_counter()
    v = validate_folder(tmp_path, halton)
    took = time.perf_counter() - start

    print(f"\nstray values at XFD2 and row 1,048,576: read and validated in {took:.2f} s")
    assert took < 5
    assert list(table_rows(v, path.name).index) == [2, 3, 1048575]
    assert ok(v, path.name, 2) and ok(v, path.name, 3)
    # the stray case reference far down is a row like any other, with its true Excel row
    assert {(p.code, p.row, p.column) for p in v.errors} == {
        ("V01", 1048575, "partner"), ("V01", 1048575, "audit_date")}
    [n] = of(v, path.name, severity=Severity.NOTE)
    assert n.code == "N08" and "Cell XFD2" in n.message


@pytest.mark.scale
def test_formula_copied_to_the_bottom_of_the_sheet_reads_fast(tmp_path, halton):
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([("Audit", audit_rows(halton, [base_row("HAL-0001")]), None)]))
    # a helper column whose formula was filled down to row 1,048,576, every result empty
    extra = "".join(f'<row r="{r}"><c r="AZ{r}" t="str"><f>IF(A{r}="","",1)</f><v></v></c></row>'
                    for r in range(3, 1_048_577))
    edit_member(path, "xl/worksheets/sheet1.xml",
                lambda xml: xml.replace("</sheetData>", extra + "</sheetData>"))

    start = time.perf_counter()
    v = validate_folder(tmp_path, halton)
    took = time.perf_counter() - start

    print(f"\nformula filled to row 1,048,576: read and validated in {took:.2f} s")
    assert took < 20
    assert v.problems == []
    assert list(table_rows(v, path.name).index) == [2]


@pytest.mark.scale
def test_sheet_with_values_across_hundreds_of_columns_on_every_row_is_refused(tmp_path, halton):
    rows = audit_rows(halton, [base_row(f"HAL-{i:05d}") for i in range(40_000)])
    rows = [rows[0]] + [(r, vals + [None] * (701 - len(vals)) + ["x"]) for r, vals in rows[1:]]
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([("Audit", rows, None)]))

    v = validate_folder(tmp_path, halton)

    p = refusal(v, path.name, "F09")
    assert "40,001 rows and 702 columns" in p.message


@pytest.mark.scale
def test_sheet_of_100000_rows(tmp_path, halton):
    n = 100_000
    keys = keys_of(halton)
    row = base_row("", TU1="No", TU3="Yes", LE1="Partly", referral_date=dt.date(2026, 9, 1))
    template = [row.get(k) for k in keys]
    at = keys.index("case_ref")
    body = []
    for i in range(n):
        vals = template[:]
        vals[at] = f"HAL-{i:06d}"
        body.append((i + 2, vals))
    path = tmp_path / "police.xlsx"
    path.write_bytes(xlsx_bytes([("Audit", [(1, keys)] + body, None)]))

    start = time.perf_counter()
    v = validate_folder(tmp_path, halton)
    took = time.perf_counter() - start

    print(f"\n{n:,} rows: read and validated in {took:.1f} s")
    assert len(v.table) == n
    assert v.errors == []
    assert int(v.row_ok.sum()) == n
    assert v.table["_row"].iloc[-1] == n + 1
    assert took < 60


# --------------------------------------------------------------------------- values


def test_nonsense_in_every_coded_column_at_once(tmp_path, halton):
    coded = [c for c in halton.columns if c.type in ("answer", "choice", "multi_choice", "date", "grade")]
    nonsense = {c.key: {"answer": "Maybe", "choice": "Banana", "multi_choice": "Physical; Spiritual",
                        "date": "soon", "grade": "7"}[c.type] for c in coded}
    path = write_return(tmp_path, halton, [base_row("HAL-0001"), {"case_ref": "HAL-0002", **nonsense}],
                        partner="Cheshire Police")

    v = validate_folder(tmp_path, halton)

    errs = of(v, path.name, 3, Severity.ERROR)
    assert sorted(p.column for p in errs) == sorted(c.key for c in coded)
    codes = {p.column: p.code for p in errs}
    assert codes["partner"] == "C01" and codes["neglect_types"] == "C02"
    assert codes["TU1"] == "A02" and codes["audit_date"] == "D01" and codes["gcp2_first_love"] == "G01"
    header = {c.value: get_column_letter(c.column) for c in openpyxl.load_workbook(path)["Audit"][1]}
    for p in errs:
        assert p.letter == header[p.column] and p.row == 3 and p.message and p.fix
    assert not ok(v, path.name, 3)
    assert ok(v, path.name, 2)


def test_numbers_and_true_false_where_answers_belong(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", TU1=1, LE2=0.5, FB1=True, IM1=0),
                                           base_row("HAL-0002", TU1="No")])

    v = validate_folder(tmp_path, halton)

    errs = {p.column: p for p in of(v, path.name, 2, Severity.ERROR)}
    assert set(errs) == {"TU1", "LE2", "FB1", "IM1"}
    assert {p.code for p in errs.values()} == {"A01"}
    assert "A number (0.5)" in errs["LE2"].message
    assert "TRUE/FALSE" in errs["FB1"].message
    assert errs["TU1"].letter == letter_of(path, "TU1")
    assert ok(v, path.name, 3)


@pytest.mark.parametrize("ref", [12345, 12345.0], ids=["int", "float"])
def test_case_ref_stored_as_a_number(tmp_path, halton, ref):
    path = write_return(tmp_path, halton, [base_row(ref), base_row("12346")])

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert list(table_rows(v, path.name)["case_ref"]) == ["12345", "12346"]


def test_dates_as_text_with_times(tmp_path, halton):
    path = write_return(tmp_path, halton, [
        base_row("HAL-0001", audit_date="15/10/2026 14:30", referral_date="2026-09-01T09:15:00"),
        base_row("HAL-0002", audit_date=dt.datetime(2026, 10, 15, 16, 45),
                 referral_date="01/09/2026 09:15:30"),
    ])

    v = validate_folder(tmp_path, halton)

    assert v.problems == []
    t = table_rows(v, path.name)
    assert {d.date() for d in t["audit_date"]} == {dt.date(2026, 10, 15)}
    assert {d.date() for d in t["referral_date"]} == {dt.date(2026, 9, 1)}


@pytest.mark.parametrize("value", ["14/10/1066", "31/12/1899", "01/01/3026"])
def test_dates_with_impossible_years(tmp_path, halton, value):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", referral_date=value),
                                           base_row("HAL-0002", referral_date="01/09/2026")])

    v = validate_folder(tmp_path, halton)

    [p] = of(v, path.name, 2, Severity.ERROR)
    assert (p.code, p.column, p.letter, p.value) == ("D03", "referral_date",
                                                      letter_of(path, "referral_date"), value)
    assert f"so the year {value[-4:].lstrip('0')} cannot be right" in p.message
    assert "outside the audit's date window (1 January 2000 to 31 December 2099)" in p.message
    assert ok(v, path.name, 3)


def test_age_band_excel_turned_into_a_date_is_recovered(tmp_path, halton):
    path = write_return(tmp_path, halton, [base_row("HAL-0001", age_band=dt.datetime(2026, 4, 1))])

    v = validate_folder(tmp_path, halton)

    assert v.errors == []
    assert table_rows(v, path.name).loc[2, "age_band"] == "1-4"
    assert [p.code for p in v.notes] == ["N13"]


# --------------------------------------------------------------------------- a mixed folder


def test_mixed_folder_inputs_unchanged_and_every_file_accounted_for(tmp_path, halton):
    """A round folder holding many kinds at once: every file gets its outcome, reading one
    never disturbs another, and every input is byte-identical afterwards."""
    write_return(tmp_path, halton, [base_row("HAL-0001")], name="police.xlsx")
    merged = write_return(tmp_path, halton, [base_row("HAL-0001", "Housing"),
                                             base_row("HAL-0002", partner=None)], name="housing.xlsx")
    wb = openpyxl.load_workbook(merged)
    b = letter_of(merged, "partner")
    wb["Audit"].merge_cells(f"{b}2:{b}3")
    wb.save(merged)
    (tmp_path / "schools.csv").write_bytes(
        csv_text(halton, [text_row("HAL-0001")], delimiter=";").encode("cp1252"))
    (tmp_path / "damaged.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(300))
    (tmp_path / "empty.xls").write_bytes(b"")
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    (tmp_path / "~$police.xlsx").write_bytes(b"lock")
    before = digest(tmp_path)

    ing = read_returns(tmp_path, halton)
    v = validate(ing, halton, TODAY)

    assert digest(tmp_path) == before, "inputs are never modified"
    assert {f.name: f.sha256 for f in ing.files if f.status != "skipped"} == {
        k: h for k, h in before.items() if k[0] != "~"}
    assert {f.name: f.status for f in ing.files} == {
        "damaged.xlsx": "refused", "empty.xls": "refused", "housing.xlsx": "read",
        "police.xlsx": "read", "readme.txt": "refused", "schools.csv": "read",
        "~$police.xlsx": "skipped"}
    assert v.refused_files == ["damaged.xlsx", "empty.xls", "readme.txt"]
    assert int(v.row_ok.sum()) == 4
