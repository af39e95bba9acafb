"""Reading in bounded memory: a sheet formatted far down is read in pieces, never whole.

Borders put on the Audit sheet down to row 1,000,001 leave a sheet XML of about 1 GB once
unzipped (every empty cell is saved); it once peaked at 5.5 GB to read. See
benchmarks/read_memory.py for the figures.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from conftest import HALTON_V1, base_row, write_return
from qa_lib.ingest import workbook
from qa_lib.ingest.returns import read_returns
from qa_lib.ingest.workbook import Book

LAST_ROW = 1_000_001
MAX_PEAK_MIB = 1024

_CHILD = """
import pickle, re, sys
from pathlib import Path
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.schema import load_profile
ing = read_returns(sys.argv[1], load_profile(sys.argv[3]))
pickle.dump((ing.table, [(p.code, p.column) for p in ing.problems]), open(sys.argv[2], "wb"))
print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
"""


def _audit_member(z: zipfile.ZipFile) -> str:
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', z.read("xl/workbook.xml").decode())
    return f"xl/worksheets/sheet{names.index('Audit') + 1}.xml"


def _rewrite_audit(src: Path, dst: Path, edit) -> None:
    """Copy the workbook ``src`` to ``dst`` with its Audit sheet XML passed through
    ``edit(xml) -> iterable of str pieces`` and streamed into the zip."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED,
                                                      compresslevel=1) as zout:
        member = _audit_member(zin)
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info))
                continue
            with zout.open(info.filename, "w", force_zip64=True) as f:
                for piece in edit(zin.read(member).decode()):
                    f.write(piece.encode())


def _bordered(first: int, last: int, width: int, style: int = 7):
    """Rows ``first`` to ``last`` of empty cells with a style, across ``width`` columns,
    as Excel saves a bordered range, in batches."""
    cells = "".join(f'<c r="{get_column_letter(j)}{{0}}" s="{style}"/>' for j in range(1, width + 1))
    row = f'<row r="{{0}}" spans="1:{width}">{cells}</row>'
    for lo in range(first, last + 1, 20_000):
        yield "".join(row.format(r) for r in range(lo, min(lo + 20_000, last + 1)))


def _moved_row(xml: str, old: int, new: int) -> tuple[str, str]:
    """``xml`` without row ``old``, and that row renumbered as row ``new``."""
    m = re.search(rf'<row r="{old}".*?</row>', xml)
    row = re.sub(rf'(\sr="[A-Z]*){old}"', rf'\g<1>{new}"', m.group(0))
    return xml[:m.start()] + xml[m.end():], row


@pytest.mark.scale
def test_formatting_to_row_1000001_is_read_in_bounded_memory(tmp_path, halton):
    cases = [base_row(f"HAL-{i:04d}", TU1="Yes", TU3="Partly") for i in range(1, 42)]
    plain = write_return(tmp_path / "plain", halton, cases, name="police.xlsx")
    width = len(halton.columns)

    def bordered(xml: str):
        # the 41st case moves from row 42 to row 1,000,001, below a million bordered rows
        xml, last_case = _moved_row(xml, 42, LAST_ROW)
        last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{get_column_letter(width)}'
                     f'{LAST_ROW}"', xml)
        head, tail = xml.split("</sheetData>")
        yield head
        yield from _bordered(last + 1, LAST_ROW - 1, width)
        yield last_case + "</sheetData>" + tail

    formatted = tmp_path / "formatted" / "police.xlsx"
    _rewrite_audit(plain, formatted, bordered)
    with zipfile.ZipFile(formatted) as z:
        assert z.getinfo(_audit_member(z)).file_size > 900 * 2**20  # about 1 GB unzipped

    out = tmp_path / "read.pickle"
    run = subprocess.run([sys.executable, "-c", _CHILD, str(formatted.parent), str(out),
                          HALTON_V1], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    peak_mib = int(run.stdout.split()[-1]) / 1024
    table, problems = pd.read_pickle(out)

    expected = read_returns(plain.parent, halton)
    print(f"\nformatted to row {LAST_ROW:,}: peak RSS {peak_mib:.0f} MiB")
    assert peak_mib < MAX_PEAK_MIB
    assert list(table["_row"]) == list(range(2, 42)) + [LAST_ROW]  # the sheet's own rows
    pd.testing.assert_frame_equal(table.drop(columns="_row"),
                                  expected.table.drop(columns="_row"))
    assert problems == [(p.code, p.column) for p in expected.problems]


def _sprawling_sheet(xml: str) -> str:
    """A small return's Audit sheet with all that the scan of the XML must find, far apart:
    a hidden column and row, a merged range, a formula with no saved result, an error, a
    value and an empty formatted cell beyond column ZZ, formatted rows, runs of empty rows
    (one of more than 1,000), values far down and a row formatted at row 1,048,576."""
    xml = re.sub(r'(<col [^>]*min="3" max="3")', r'\1 hidden="1"', xml, count=1)
    xml = xml.replace('<row r="3">', '<row r="3" hidden="1">', 1)
    xml = xml.replace('</row><row r="5">', '<c r="AU4"><f>TODAY()</f></c></row><row r="5">', 1)
    xml = xml.replace('</row><row r="6">', '<c r="AV5" t="e"><v>#N/A</v></c></row><row r="6">', 1)
    xml = xml.replace('</row><row r="7">', '<c r="XFD6" t="inlineStr"><is><t>x</t></is></c>'
                      '<c r="XFA6" s="7"/></row><row r="7">', 1)
    last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
    head, tail = xml.split("</sheetData>")
    rows = "".join(_bordered(last + 1, 900, 46))
    rows += '<row r="950" hidden="1" s="7" customFormat="1"/>'
    rows += '<row r="1200"><c r="A1200" t="inlineStr"><is><t>HAL-1200</t></is></c></row>'
    rows += "".join(_bordered(2500, 2600, 46))
    rows += '<row r="2700"><c r="B2700" t="inlineStr"><is><t>Housing</t></is></c></row>'
    rows += '<row r="1048575"><c r="A1048575" t="inlineStr"><is><t>HAL-9999</t></is></c></row>'
    rows += '<row r="1048576" s="7" customFormat="1"/>'
    merges = '<mergeCells count="1"><mergeCell ref="B7:B9"/></mergeCells>'
    tail = tail.replace("<dataValidations", merges + "<dataValidations", 1)
    return head + rows + "</sheetData>" + tail


def _seen(grid) -> tuple:
    return (grid.hidden_rows, grid.hidden_cols, grid.merges, grid.far_cells,
            {k: (v.shown, v.issue.message) for k, v in grid.marks.items()})


def test_a_sheet_read_in_pieces_is_read_as_the_whole_sheet(tmp_path, halton, monkeypatch):
    rows = [base_row(f"HAL-{i:04d}", TU1="Yes") for i in range(1, 9)]
    path = write_return(tmp_path / "in", halton, rows, name="police.xlsx")
    sprawling = tmp_path / "out" / "police.xlsx"
    _rewrite_audit(path, sprawling, lambda xml: [_sprawling_sheet(xml)])
    data = sprawling.read_bytes()

    whole = Book(sprawling, data, []).load("Audit")
    assert whole.hidden_rows == {3, 950} and whole.hidden_cols == {2}
    assert whole.merges == [(7, 1, 9, 1)] and whole.far_cells == ["XFD6"]  # XFA6 is empty
    assert set(whole.marks) == {(4, 46), (5, 47)}
    assert whole.raw.index[-1] == 1048574 and whole.raw.loc[1199, 0] == "HAL-1200"
    for piece in (97, 4096, 10**6):  # as many cuts as rows, a few, none
        monkeypatch.setattr(workbook, "STREAM_BYTES", 0)
        monkeypatch.setattr(workbook, "PIECE_BYTES", piece)
        streamed = Book(sprawling, data, []).load("Audit")
        pd.testing.assert_frame_equal(streamed.raw.astype(str), whole.raw.astype(str))
        assert _seen(streamed) == _seen(whole)
