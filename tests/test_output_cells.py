"""Issue 11, defect class 5: control characters and formula-like text.

Every value written into an output workbook goes through
:func:`qa_lib.common.excel_cells.put`; these tests write awkward text into summary.xlsx and
validation.xlsx (directly and through a round's own steps) and read it back with
python_calamine (what Excel shows) and openpyxl, asserting the exact text. The input side:
CSV returns ending in Ctrl-Z or holding control characters read normally.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from conftest import TODAY, base_row, build_round_data, examples, validate_folder, write_return
from qa_lib.common.excel_cells import EXCEL_MAX_TEXT, cell_value, excel_text, put, visible
from qa_lib.ingest.workbook import _looks_like_text, _read_csv
from qa_lib.report.summary_workbook import summary_views, write_summary
from qa_lib.report.validation_report import validation_summary, write_validation

HIDDEN = [chr(c) for c in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x80, 0x85, 0x9F]]
FORMULAS = ["=TODAY()", '=HYPERLINK("http://example.org","click")', "@SUM(A1)", "+44 7700 900123",
            "-1+2", "-", "=", "+", "@", "\t=1+1", "\r=1+1", " =1+1", "\n@A1", "=cmd|' /C calc'!A0",
            "=1+1\x07"]
OTHER = ["_x0041_", "_x005F_x0041_", "__x0041__x0042_",
         "a_x000B_b", "_X00e9_", "[U+0007]", "\ud800 lone", "\udfff", "\ufffe", "\uffff",
         "line\r\nend", "mac\rend", "tab\there", "new\nline", "plain", "é ✓ 😀"]


def sheet_xml(path: Path, n: int = 1) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8")


def calamine(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def expected(text: str) -> str:
    """What Excel (and calamine) show for ``text`` written into a cell."""
    return visible(text)[:EXCEL_MAX_TEXT]


# --------------------------------------------------------------------------- the cell writer


@pytest.mark.parametrize("text", HIDDEN + FORMULAS + OTHER)
def test_every_text_reads_back_as_written(tmp_path, text):
    wb = Workbook()
    put(wb.active, 1, 1, text)
    put(wb.active, 2, 1, f"before {text} after")
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert "<f>" not in sheet_xml(path)  # never a formula
    got = calamine(path, "Sheet")
    want = [expected(text), expected(f"before {text} after")]
    assert [r[0] for r in got] == want
    cells = [openpyxl.load_workbook(path).active.cell(row=r, column=1) for r in (1, 2)]
    assert [c.value if c.value is not None else "" for c in cells] == [excel_text(text),
                                                                       excel_text(f"before {text} after")]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    assert cells[0].quotePrefix == bool(re.match(r"\s*[=+\-@]", visible(text)))


_ANY_CHAR = st.characters(blacklist_categories=())  # every code point, lone surrogates too
_AWKWARD = st.sampled_from(HIDDEN + ["=", "+", "-", "@", "_x0041_", "_x", "\r", "\t", "\ud800", "\ufffe"])


@given(st.lists(st.one_of(_ANY_CHAR, _AWKWARD), max_size=30).map("".join))
@settings(max_examples=examples(150), deadline=None)
def test_any_text_reads_back_as_excel_shows_it(text):
    """Whatever the text, the workbook is written and calamine reads back visible(text)."""
    wb = Workbook()
    put(wb.active, 1, 1, f"x{text}x")
    put(wb.active, 2, 1, text or None)
    buf = io.BytesIO()
    wb.save(buf)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_index(0).to_python()
    assert rows[0][0] == visible(f"x{text}x")
    assert "<f>" not in zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_controls_are_shown_visibly_and_nothing_else_changes():
    assert visible("a\x07b\x0bc\x1a") == "a[U+0007]b[U+000B]c[U+001A]"
    assert visible("\x00") == "[U+0000]"
    assert visible("\x7f\x9f") == "[U+007F][U+009F]"
    assert visible("\ud83d") == "[U+D83D]"
    assert visible("a\r\nb\rc\nd\te") == "a\nb\nc\nd\te"
    assert visible("£5 – é ✓ 😀") == "£5 – é ✓ 😀"
    assert excel_text("_x0041_") == "_x005F_x0041_"


def test_numbers_dates_and_blanks_keep_their_type(tmp_path):
    values = [1, 2.5, np.int64(3), np.float64(4.25), True, np.bool_(False), dt.date(2026, 1, 2),
              pd.Timestamp("2026-01-02 03:04"), float("nan"), float("inf"), pd.NA, pd.NaT, None,
              dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), ["a", "=b"]]
    wb = Workbook()
    for i, v in enumerate(values, start=1):
        put(wb.active, i, 1, v)
    path = tmp_path / "n.xlsx"
    wb.save(path)
    got = [c.value for c in openpyxl.load_workbook(path).active["A"]][:len(values)]
    got += [None] * (len(values) - len(got))
    assert got[:6] == [1, 2.5, 3, 4.25, True, False]
    assert got[6] == dt.datetime(2026, 1, 2) and got[7] == dt.datetime(2026, 1, 2, 3, 4)
    assert got[8:13] == [None] * 5
    assert got[13] == dt.datetime(2026, 1, 2, 3, 4)
    assert got[14] == "['a', '=b']"
    assert cell_value("") is None
    assert cell_value(np.int64(7)) == 7 and type(cell_value(np.int64(7))) is int


def test_text_longer_than_excel_allows_is_cut_visibly(tmp_path):
    wb = Workbook()
    put(wb.active, 1, 1, "x" * 40_000)
    path = tmp_path / "long.xlsx"
    wb.save(path)
    got = calamine(path, "Sheet")[0][0]
    assert len(got) == EXCEL_MAX_TEXT and got.endswith("[...]")


# --------------------------------------------------------------------------- CSV input


def keys(profile) -> list[str]:
    return [c.key for c in profile.columns]


def csv_bytes(profile, rows: list[dict], end: bytes = b"") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(keys(profile))
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in keys(profile)])
    return buf.getvalue().encode("utf-8") + end


def text_row(case_ref: str, partner: str = "Schools", **kw) -> dict:
    return base_row(case_ref, partner, audit_date="15/10/2026", **kw)


@pytest.mark.parametrize("end", [b"\x1a", b"\x1a\x1a", b"\x1a\r\n", b"\r\n\x1a" * 1])
def test_a_csv_ending_in_ctrl_z_reads_normally(tmp_path, halton, end):
    data = csv_bytes(halton, [text_row("HAL-0001"), text_row("HAL-0002")], end)
    grid = _read_csv(data)
    assert not grid.map(lambda x: "\x1a" in str(x)).any().any()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "schools.csv").write_bytes(data)
    v = validate_folder(tmp_path / "in", halton)
    assert not v.errors and len(v.table) == 2


def test_a_csv_named_xls_ending_in_ctrl_z_with_a_bell_is_read_by_content(tmp_path, halton):
    data = csv_bytes(halton, [text_row("HAL-0001", strengths="ring\x07ring")], b"\x1a")
    assert _looks_like_text(data)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "schools.xls").write_bytes(data)
    v = validate_folder(tmp_path / "in", halton)
    assert not v.errors and v.table["strengths"].tolist() == ["ring\x07ring"]


@pytest.mark.parametrize("bad", ["\x07", "\x00", "\x0b", "\x1b[31m", "\x7f", "\x1a"])
def test_control_characters_inside_csv_cells_are_kept(halton, tmp_path, bad):
    data = csv_bytes(halton, [text_row("HAL-0001", strengths=f"a{bad}b",
                                       recommended_actions=f"{bad}start")])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "schools.csv").write_bytes(data)
    v = validate_folder(tmp_path / "in", halton)
    assert not v.errors
    assert v.table["strengths"].tolist() == [f"a{bad}b"]
    assert v.table["recommended_actions"].tolist() == [f"{bad}start".strip()]  # trimmed as any


def test_binary_files_are_still_not_text():
    assert not _looks_like_text(bytes(range(256)) * 8)
    assert not _looks_like_text(b"\x00" * 4096)
    assert not _looks_like_text(b"\x00\x00\x00")
    assert _looks_like_text("case_ref,partner\r\nA,B\r\n".encode("utf-16"))
    assert _looks_like_text(b"case_ref,strengths\r\nHAL-1,a\x07b\r\n\x1a")


# --------------------------------------------------------------------------- a round's outputs


NASTY_TEXT = ["=TODAY()", '=HYPERLINK("http://example.org","click")', "@SUM(A1)",
              "+1 more visit needed", "-1+2", "\t=1+1", "bell\x07here", "vtab\x0bhere", "nul\x00here",
              "esc\x1b[1mbold", "del\x7fhere", "_x0041_", "line\r\nend"]


@pytest.fixture(scope="module")
def nasty_round(tmp_path_factory, halton):
    """A round whose returns hold control characters and formula-like text everywhere a
    partner can put text: free text, case references, partner names and file names; one CSV
    ending in Ctrl-Z, one workbook holding Excel's escapes for control characters."""
    root = tmp_path_factory.mktemp("nasty")
    inputs = root / "in"
    inputs.mkdir()
    rows = [text_row(f"HAL-{i + 1:04d}", child_voice_excerpt=t, recommended_actions=t, strengths=t)
            for i, t in enumerate(NASTY_TEXT)]
    rows += [text_row("HAL\x0b0901"), text_row("=HYPERLINK(\"http://x\",\"y\")"),
             text_row("@SUM(A1)"), text_row("HAL-0902", partner="Schools\x07"),
             text_row("HAL-0903", partner="=Schools")]
    (inputs / "=schools\x07.csv").write_bytes(csv_bytes(halton, rows, b"\x1a"))
    write_return(inputs, halton, [base_row("HAL-0001", child_voice_excerpt="tab_x000B_vt_x0007_",
                                                recommended_actions="tab_x000B_vt_x0007_")],
                 name="@police\x1b.xlsx")
    data = build_round_data(halton, inputs, root / "out", "R1", allow_partial=True)
    method = [("Round", "R1"), ("Input =schools\x07.csv", "-abc"), ("Input @police\x1b.xlsx", "+def")]
    summary = write_summary(root / "summary.xlsx", summary_views(data), halton, method)
    return {"data": data, "summary": summary, "folder": root / "out" / "R1", "inputs": inputs}


def column(rows: list[list], name: str) -> list:
    j = rows[0].index(name)
    return [r[j] for r in rows[1:]]


def test_summary_free_text_reads_back_exactly(nasty_round):
    path = nasty_round["summary"]
    for sheet in ("Child's voice", "Recommended actions"):
        rows = calamine(path, sheet)
        got = dict(zip(zip(column(rows, "Case"), column(rows, "Partner"), strict=True),
                       column(rows, "Text"), strict=True))
        for i, t in enumerate(NASTY_TEXT):  # text is trimmed when read
            assert got[(f"HAL-{i + 1:04d}", "Schools")] == visible(t.strip()), (sheet, t)
        assert got[("HAL-0001", "Cheshire Police")] == "tab[U+000B]vt[U+0007]"
    assert "<f>" not in "".join(sheet_xml(path, n) for n in range(1, 15)
                                if f"xl/worksheets/sheet{n}.xml" in zipfile.ZipFile(path).namelist())
    ws = openpyxl.load_workbook(path)["Child's voice"]
    texts = {c.value: c for c in ws["D"][1:]}
    assert texts["=TODAY()"].data_type == "s" and texts["=TODAY()"].quotePrefix
    assert texts["+1 more visit needed"].quotePrefix and texts["bell[U+0007]here"].data_type == "s"


def test_summary_method_sheet_file_names_read_back_exactly(nasty_round):
    rows = calamine(nasty_round["summary"], "Method")
    assert rows == [["Item", "Detail"], ["Round", "R1"], ["Input =schools[U+0007].csv", "-abc"],
                    ["Input @police[U+001B].xlsx", "+def"]]


def test_validation_values_partners_and_files_read_back_exactly(nasty_round):
    path = nasty_round["folder"] / "validation.xlsx"
    rows = calamine(path, "Problems")
    values = column(rows, "Value found")
    for v in ("HAL[U+000B]0901", '=HYPERLINK("http://x","y")', "@SUM(A1)", "Schools[U+0007]",
              "=Schools"):
        assert v in values, v
    assert "=schools[U+0007].csv" in column(rows, "File")
    files = calamine(path, "Files")
    assert column(files, "File") == ["=schools[U+0007].csv", "@police[U+001B].xlsx"]
    assert "<f>" not in sheet_xml(path, 1) + sheet_xml(path, 2)
    ws = openpyxl.load_workbook(path)["Problems"]
    found = [c for c in ws["I"] if c.value == "=Schools"]
    assert found and found[0].data_type == "s" and found[0].quotePrefix


def test_validation_messages_and_fixes_that_look_like_formulas_stay_text(tmp_path, halton,
                                                                         nasty_round):
    v = validate_folder(nasty_round["inputs"], halton)
    p = v.problems[0]
    v.problems.append(replace(p, message="=TODAY()", fix="@SUM(A1)", value="-1+2",
                              sheet="+44 7700 900123", column="=1\x07"))
    write_validation(tmp_path, v, [], "R\x07", halton)
    rows = calamine(tmp_path / "validation.xlsx", "Problems")
    last = [r for r in rows if r[rows[0].index("What is wrong")] == "=TODAY()"]
    assert len(last) == 1
    r = dict(zip(rows[0], last[0], strict=True))
    assert (r["How to fix it"], r["Value found"], r["Sheet"], r["Column"]) == (
        "@SUM(A1)", "-1+2", "+44 7700 900123", "=1[U+0007]")


def test_terminal_summary_shows_control_characters_visibly(halton, nasty_round):
    text = validation_summary(validate_folder(nasty_round["inputs"], halton))
    assert "  =schools[U+0007].csv: 5 errors" in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    assert "'Schools[U+0007]' is not one of the allowed values" in text


class _Strict(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data):
        self.text.append(data)


def test_validation_page_shows_controls_visibly_and_escapes_text(nasty_round):
    html = (nasty_round["folder"] / "validation.html").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)
    p = _Strict()
    p.feed(html)
    text = "".join(p.text)
    assert "HAL[U+000B]0901" in text and '=HYPERLINK("http://x","y")' in text
    assert "=schools[U+0007].csv" in text


def test_the_round_read_every_row(nasty_round):
    data = nasty_round["data"]
    assert len(data.scored) == len(NASTY_TEXT) + 1
    assert set(data.scored["partner"]) == {"Schools", "Cheshire Police"}


# --------------------------------------------------------------------------- a whole round


@pytest.fixture(scope="module")
def whole_round(tmp_path_factory, halton, nasty_round):
    from qa_lib.run.round import run_round

    return run_round(halton, "R2", nasty_round["inputs"], tmp_path_factory.mktemp("whole") / "out",
                     today=TODAY, allow_partial=True, progress=lambda s: None)


@pytest.mark.e2e
def test_a_whole_round_with_such_returns_completes(whole_round):
    """Every notebook runs and the tables are written (no IllegalCharacterError losing the
    round); summary.xlsx holds the text as Excel shows it; the pages parse and show it."""
    res = whole_round
    assert not res.failed, res.failed
    assert {"summary.xlsx", "validation.xlsx", "partner-schools.html"} <= {
        p.name for p in res.folder.iterdir()}
    rows = calamine(res.folder / "summary.xlsx", "Child's voice")
    assert set(column(rows, "Text")) >= {visible(t.strip()) for t in NASTY_TEXT}
    p = _Strict()
    p.feed((res.folder / "partner-schools.html").read_text(encoding="utf-8"))
    text = "".join(p.text)
    assert '=HYPERLINK("http://example.org","click")' in text and "@SUM(A1)" in text


@pytest.mark.e2e
def test_the_pages_show_control_characters_visibly(whole_round):
    pages = {p.name: p.read_text(encoding="utf-8") for p in whole_round.folder.glob("*.html")}
    for name, html in pages.items():
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html), name
    assert any("[U+0007]" in html or "[U+000B]" in html for html in pages.values())


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0.xlsx", "-1-2", "+44 7700", "@SUM(A1)"])
def test_scored_csv_writes_formula_like_text_as_text(value, halton):
    import pandas as pd

    from qa_lib.run.round import scored_csv
    from qa_lib.scoring.score import score

    row = {c.key: None for c in halton.columns} | {
        "case_ref": value, "partner": "Cheshire Police", "audit_date": pd.Timestamp("2026-10-15"),
        "_file": value, "_sheet": "Audit", "_row": 2}
    out = scored_csv(score(pd.DataFrame([row]), halton), halton)
    assert out.loc[0, "case_ref"] == f"'{value}" and out.loc[0, "source_file"] == f"'{value}"
    assert out.loc[0, "partner"] == "Cheshire Police"  # plain text is left alone
