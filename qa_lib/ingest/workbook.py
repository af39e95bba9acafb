"""Opening one return file (.xlsx and its kin, .xls, .ods, CSV/TSV text) as grids of raw
cell values.

The format is decided from the content, not the name. Workbooks are read with
python-calamine; for .xlsx a cheap scan of the chosen sheet's XML finds what
calamine cannot tell: formulas with no saved result, Excel error cells, hidden
rows and merged ranges. Files that cannot be read are refused with a message
for the audit lead (:class:`FileRefused`). Inputs are only ever read.
"""

from __future__ import annotations

import bisect
import csv
import html
import io
import posixpath
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from qa_lib.common.problems import FileRefused, Issue
from qa_lib.ingest.codes import (
    F01,
    F02,
    F03,
    F04,
    F09,
    F12,
    F13,
    N15,
    RESAVE,
    SAVE_AS_XLSX,
    X01,
    X02,
)
from qa_lib.ingest.values import ShownAsPercent, Unreadable

OTHER_SPREADSHEETS = {".xlsb", ".numbers", ".gsheet", ".wk4", ".123"}  # refused when not read by content
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods", ".ots"}
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
CHECK_GRID_CELLS = 10_000_000  # a sheet spanning more cells than this is checked for stray cells
MAX_GRID_CELLS = 25_000_000  # and refused if it still spans more than this once they are gone
MAX_ROW_GAP = 1_000  # longer runs of empty rows are closed up before calamine builds its grid
MAX_COLUMNS = 702  # cells beyond column ZZ are far outside any audit table
STREAM_BYTES = 32 * 2**20  # a sheet XML bigger than this once unzipped is read in pieces
PIECE_BYTES = 8 * 2**20  # of about this size
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream of an encrypted .xlsx
_OLE_STREAMS = [("WordDocument", "a Word document (.doc)"),
                ("PowerPoint Document", "a PowerPoint presentation (.ppt)"),
                ("__substg1.0_", "an Outlook message (.msg)")]
_NOT_SPREADSHEETS = [(b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"),
                     (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                     (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
                     (b"{\\rtf", "a Word (RTF) document"), (b"Rar!", "a RAR archive"),
                     (b"7z\xbc\xaf", "a 7-Zip archive"), (b"\x1f\x8b", "a gzip archive")]


@dataclass
class Grid:
    """One sheet as read: the raw cells, indexed by Excel row - 1, and what the XML showed."""

    raw: pd.DataFrame
    hidden_rows: set[int] = field(default_factory=set)  # Excel rows
    hidden_cols: set[int] = field(default_factory=set)  # 0-based columns
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # row0, col0, row1, col1
    far_cells: list[str] = field(default_factory=list)  # cells ignored outside the table
    marks: dict[tuple[int, int], Unreadable] = field(default_factory=dict)  # (row, col) -> cell
    percent: set[tuple[int, int]] = field(default_factory=set)  # numbers shown as 93%: (row, col)


def _refuse_damaged(how: str = "") -> FileRefused:
    return F04.refuse(how=how)


def _grid_from_rows(rows: list[list]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(dtype=object)
    df = pd.DataFrame(rows, dtype=object)
    return df.replace("", np.nan)


def _looks_like_text(data: bytes) -> bool:
    """Whether ``data`` reads as text (a CSV) rather than a binary file: few control
    characters in its first 8 KB (at most 1 in 100, or 8 and 1 in 10 in a short file), as
    characters in UTF-16 and not counting a trailing Ctrl-Z (the old DOS end of file). A
    bell or a NUL typed into a cell is kept; a binary file has far more."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2:len(head) // 2 * 2].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be",
                                                  errors="replace")
    else:
        text = head.decode("latin-1")
    if len(data) <= len(head):
        text = re.sub("\x1a[\x1a\\s]*\\Z", "", text)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r")
    return controls <= len(text) // 100 or (controls <= 8 and controls * 10 <= len(text))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _refuse_damaged(" as text") from None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_DELIMITERS = ",;\t|"
_HEADER_WORDS = re.compile(r"(?<![a-z])(?:case[ _]?ref|partner|audit[ _]?date)(?![a-z])",
                           re.I)  # keys every audit has, as whole words
_HEADER_LINES = 50  # as far down as the header row is looked for


def _one_newline(text: str) -> str:
    """Every line ending (CRLF, LF, and CR alone as old Mac files have) as LF, so the lines
    split as Excel shows them; a line break inside a quoted cell stays a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _fields(line: str, delimiter: str) -> int:
    """How many cells one line splits into with ``delimiter`` (0 if it cannot be parsed)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header row, not of the widest row (free text full of commas must
    not win in a semicolon file): the first line naming two of the keys every audit has
    (case_ref, partner, audit_date), else the first non-empty line that splits at all."""
    lines = [ln for ln in text.split("\n", _HEADER_LINES)[:_HEADER_LINES] if ln.strip()]
    named = [ln for ln in lines
             if len({re.sub(r"[ _]", "", w.lower()) for w in _HEADER_WORDS.findall(ln)}) >= 2]
    for line in named[:1] + lines[:5]:
        widths = {d: _fields(line, d) for d in _DELIMITERS}
        best = max(_DELIMITERS, key=lambda d: widths[d])  # the first listed wins a tie
        if widths[best] > 1:
            return best
    return ","


def _read_csv(data: bytes) -> pd.DataFrame:
    """A CSV file as a grid of text, rows numbered as Excel shows them."""
    text = _decode(data)
    if "\x00" in text and not _looks_like_text(data):  # one NUL typed in a cell is kept
        raise F04.refuse("The file is named .csv but is not a text (CSV) file.", fix=RESAVE)
    text = re.sub("\x1a[\x1a\\s]*\\Z", "", text)  # Ctrl-Z, the old DOS end of file
    text = _one_newline(text)
    first, _, rest = text.partition("\n")
    sep = None
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    if m:  # Excel's own hint line, which Excel hides when it opens the file
        sep, text = m.group(1), rest
    if sep is None:
        sep = _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise F04.refuse(f"The CSV file could not be read ({exc}).", fix=RESAVE) from None
    width = max((len(r) for r in rows), default=0)
    return _grid_from_rows([r + [""] * (width - len(r)) for r in rows])


# Reading the sheet XML of an .xlsx: only workbook.xml, its relationships and the one sheet
# chosen are opened, and the sheet is searched with bytes.find and small regexes (never
# parsed as a tree), so a 100,000-row sheet costs a fraction of a second. A sheet XML of
# more than STREAM_BYTES (formatting down to row 1,000,000 makes one of about 1 GB) is
# read from the zip in pieces, never held whole.

_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_ROW_REF = re.compile(rb'\sr="(\d+)"')
_CELL_COL = re.compile(rb'\sr="([A-Z]{1,3})\d')
_T_ATTR = re.compile(rb'\st="(\w+)"')


def _col_index(letters: bytes | str) -> int:
    """0-based column index of column letters."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _xlsx_sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML."""
    book = "xl/workbook.xml"
    try:
        rels = ET.fromstring(zf.read("_rels/.rels"))
        for r in rels:
            if r.get("Type", "").endswith("/officeDocument"):
                book = r.get("Target", book).lstrip("/")
    except (KeyError, ET.ParseError):
        pass
    folder = posixpath.dirname(book)
    rel_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets = {}
    for r in ET.fromstring(zf.read(rel_name)):
        t = r.get("Target", "")
        targets[r.get("Id")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
            posixpath.join(folder, t))
    out = {}
    for el in ET.fromstring(zf.read(book)).iter():
        if el.tag.endswith("}sheet"):
            rid = el.get(_REL_ID) or next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                out[el.get("name")] = targets[rid]
    return out


def _tag(xml: bytes, start: int) -> bytes:
    return xml[start:xml.find(b">", start) + 1]


def _cell_at(xml: bytes, pos: int, p: bytes) -> tuple[int, int, bytes, bytes] | None:
    """(Excel row, 0-based column, opening tag, content) of the <c> element around ``pos``."""
    start = xml.rfind(b"<" + p + b"c ", 0, pos)
    end = xml.find(b"</" + p + b"c>", pos)
    if start < 0 or end < 0:
        return None
    tag = _tag(xml, start)
    m = _CELL_REF.search(tag)
    if not m:
        return None
    return int(m.group(2)), _col_index(m.group(1)), tag, xml[start + len(tag):end]


def _element_text(content: bytes, p: bytes, name: bytes) -> bytes | None:
    m = re.search(b"<" + p + name + rb"(?:\s[^>]*)?(?:/>|>(.*?)</" + p + name + b">)", content, re.S)
    if not m:
        return None
    return m.group(1) or b""


class _Compactor:
    """Tidies the XML of a sprawling sheet so that one stray cell at row 1,048,576 or
    column XFD does not make a grid of a billion empty cells: drops cells with no value
    (formatting only, or a formula whose result is empty) and the rows left with none,
    closes up runs of more than MAX_ROW_GAP empty rows (the rows after them are renumbered;
    :meth:`finish` gives the Excel row of each new row) and drops cells beyond column ZZ,
    naming them in ``far_cells``.

    Fed the XML whole or in pieces, in order, each piece cut just before a ``<row`` tag,
    so that no row is split: memory is bounded by the piece and the rows that hold values,
    however far down the formatting goes. Rows holding no closed ``<c>...</c>`` element (only
    ``<c .../>`` cells, or none) are dropped with ``bytes.find`` alone; only the rows around
    a closed cell go through the regexes."""

    _NEAR = 65_536  # closed cells this close together are tidied as one stretch

    def __init__(self, p: bytes, far_cells: list[str]):
        self.p, self.far_cells = p, far_cells
        self.empty_cell = re.compile(
            b"<" + p + rb'c\b[^>]*?(?:/>|>(?:<' + p + rb'f\b[^>]*?(?:/>|>[^<]*</' + p
            + rb'f>))?(?:<' + p + rb'v\s*/>|<' + p + rb'v></' + p + rb'v>)?</' + p + b"c>)")
        self.empty_row = re.compile(b"<" + p + rb'row\b[^>]*?(?:/>|>\s*</' + p + b"row>)")
        self.row_start = re.compile(b"<" + p + rb"row[\s>/]")
        self.row_num = re.compile(b"<" + p + rb'row\b[^>]*?\sr="(\d+)"')
        self.ref = re.compile(b"(<" + p + rb'(?:row|c)\b[^>]*?\sr=")([A-Z]*)(\d+)"')
        self.far = re.compile(b"<" + p + rb'c\b[^>]*?\sr="([A-Z]{3})(\d+)"[^>]*?(?:/>|>.*?</'
                              + p + b"c>)", re.S)
        self.closed_cell, self.row_end = b"</" + p + b"c>", b"</" + p + b"row>"
        self.data_end = b"</" + p + b"sheetData>"
        self.olds: list[int] = []  # rows after a closed-up run (numbers before renumbering)
        self.shifts: list[int] = []  # how far each of them moved up
        self.shift = self.prev = self.last = self.top = 0
        self.cols = 0
        self.closed = False  # whether the last piece fed held a closed cell

    def feed(self, xml: bytes, data_end: bool = True) -> bytes:
        """The tidied XML of one piece (``data_end``: False if the piece is known not to
        hold the end of the sheet's data)."""
        xml = self._drop_empty(xml, data_end)
        if _has_far_ref(xml):
            xml = self.far.sub(self._drop_far, xml)
        xml = self._renumber(xml)
        letters = set(_CELL_COL.findall(xml))
        if letters:
            self.cols = max(self.cols, max(_col_index(c) for c in letters) + 1)
        return xml

    def finish(self) -> tuple[np.ndarray | None, int, int]:
        """(the Excel row of each new row, or None if no row moved; rows; columns)."""
        if not self.olds:
            return None, self.top, self.cols
        row_map = np.arange(1, self.last - self.shift + 1, dtype=np.int64)
        before = 0
        for r, sh in zip(self.olds, self.shifts, strict=True):
            row_map[r - sh - 1:] += sh - before
            before = sh
        return row_map, len(row_map), self.cols

    def _drop_empty(self, xml: bytes, data_end: bool) -> bytes:
        out, pos = [], 0
        i = xml.find(self.closed_cell)
        self.closed = i >= 0
        while i >= 0:
            start = xml.rfind(b"<" + self.p + b"row", pos, i)
            start = pos if start < 0 else start
            end = self._end_of_row(xml, i)
            nxt = xml.find(self.closed_cell, end)
            while 0 <= nxt < end + self._NEAR:  # the next closed cell is near: one stretch
                end = self._end_of_row(xml, nxt)
                nxt = xml.find(self.closed_cell, end)
            out.append(self._drop_rows(xml[pos:start], False))
            out.append(self.empty_row.sub(b"", self.empty_cell.sub(b"", xml[start:end])))
            pos, i = end, nxt
        out.append(self._drop_rows(xml[pos:] if pos else xml, data_end))
        return b"".join(out)

    def _end_of_row(self, xml: bytes, i: int) -> int:
        end = xml.find(self.row_end, i)
        return len(xml) if end < 0 else end + len(self.row_end)

    def _drop_rows(self, xml: bytes, data_end: bool) -> bytes:
        """``xml`` without its rows, every one of them empty (no closed cell): what comes
        before the first (the sheet's head) and from the end of the sheet's data on, if
        ``data_end`` says it may be there."""
        first = self.row_start.search(xml)
        if first is None:
            return xml
        end = xml.find(self.data_end, first.start()) if data_end else -1
        return xml[:first.start()] + (xml[end:] if end >= 0 else b"")

    def _drop_far(self, m: re.Match) -> bytes:
        if _col_index(m.group(1)) < MAX_COLUMNS:
            return m.group(0)
        self.far_cells.append(f"{m.group(1).decode()}{int(m.group(2))}")
        return b""

    def _renumber(self, xml: bytes) -> bytes:
        for m in self.row_num.finditer(xml):
            r = int(m.group(1))
            if r - self.prev > MAX_ROW_GAP:
                self.shift += r - self.prev - 1
                self.olds.append(r)
                self.shifts.append(self.shift)
            self.prev = self.last = r
            self.top = max(self.top, r - self.shift)
        if not self.olds:
            return xml
        olds, shifts = self.olds, self.shifts

        def renumber(m: re.Match) -> bytes:
            old = int(m.group(3))
            k = bisect.bisect_right(olds, old) - 1
            return m.group(1) + m.group(2) + str(old - shifts[k] if k >= 0 else old).encode() + b'"'

        return self.ref.sub(renumber, xml)


_FAR_REF = re.compile(rb'r="[A-Z]{3}\d')


def _has_far_ref(xml: bytes) -> bool:
    """Whether a cell reference has three letters (column AAA or beyond)."""
    return any(xml[m.start() - 1:m.start()].isspace() for m in _FAR_REF.finditer(xml))


def _prefix(head: bytes) -> bytes:
    """The namespace prefix of the sheet's elements (b'x:' for <x:worksheet>), else b''."""
    m = re.search(rb"<(\w+:)?worksheet\b", head[:4096])
    return (m.group(1) or b"") if m else b""


def _width(head: bytes, sample: bytes, p: bytes) -> int:
    """The sheet's width as its <dimension> and its first and last rows (``sample``) show."""
    dim = re.search(b"<" + p + rb'dimension\s+ref="[A-Z]*\d*:?([A-Z]+)\d+"', head[:4096])
    return max([_col_index(c) for c in _CELL_COL.findall(sample)]
               + ([_col_index(dim.group(1))] if dim else []), default=0) + 1


def _sprawls(last: re.Match | None, width: int, far: bool) -> bool:
    """Whether a sheet must be tidied first: its extent (last row by width) passes
    CHECK_GRID_CELLS, or it has cells beyond column ZZ."""
    return (last is not None and int(last.group(1)) * width > CHECK_GRID_CELLS) or far


def _tidied(compactor: _Compactor, name: str) -> np.ndarray | None:
    """The row map of a tidied sheet; refuses (F09) one still far larger than any return."""
    row_map, rows, cols = compactor.finish()
    if rows * cols > MAX_GRID_CELLS:
        raise F09.refuse(name=name, rows=rows, cols=cols)
    return row_map


def _scan_xlsx(xml: bytes, name: str, percent_styles: frozenset[bytes] = frozenset()
               ) -> tuple[Grid, list[bytes] | None, np.ndarray | None]:
    """What the sheet XML shows that calamine does not: formulas with no saved result,
    Excel errors, hidden rows and columns, merged ranges; and a tidied XML if needed (a
    stray value or formatting far down or far right: see :class:`_Compactor`)."""
    grid = Grid(raw=pd.DataFrame())
    p = _prefix(xml)
    last_tag = xml.rfind(b"<" + p + b"row ")
    last = _ROW_REF.search(_tag(xml, last_tag)) if last_tag >= 0 else None
    width = _width(xml, xml[:200_000] + xml[-200_000:], p)  # the first and last rows
    new_xml, row_map = None, None
    if _sprawls(last, width, False) or _has_far_ref(xml):
        compactor = _Compactor(p, grid.far_cells)
        new_xml = [compactor.feed(xml)]
        row_map = _tidied(compactor, name)
    _hidden_cols(xml[:max(xml.find(b"sheetData"), 0)], p, grid)
    _hidden_rows(xml, p, grid)
    data_end = xml.rfind(b"sheetData>")
    grid.merges = _merges(xml[data_end:] if data_end > 0 else b"", p)
    marks = {**_formula_marks(xml, p), **_error_marks(xml, p)}
    grid.marks = {k: v for k, v in marks.items() if k[1] < MAX_COLUMNS}
    grid.percent = _percent_cells(xml, p, percent_styles)
    return grid, new_xml, row_map


def _pieces(f: IO[bytes], first: bytes, row: bytes) -> Iterator[bytes]:
    """The rest of the stream ``f``, after ``first``, in pieces of about PIECE_BYTES, each but
    the last ending just before a ``row`` tag (``<row``), so no row is split."""
    buf = first
    while True:
        more = f.read(PIECE_BYTES)
        if not more:
            if buf:
                yield buf
            return
        buf += more
        cut = buf.rfind(row)
        if cut > 0:
            yield buf[:cut]
            buf = buf[cut:]


def _scan_xlsx_stream(f: IO[bytes], name: str, percent_styles: frozenset[bytes] = frozenset()
                      ) -> tuple[Grid, list[bytes] | None, np.ndarray | None]:
    """:func:`_scan_xlsx` for a sheet XML too big to hold whole (hundreds of MB once
    unzipped when formatting reaches row 1,000,000), read from ``f`` in pieces: the same
    findings, in memory bounded by a piece and the rows that hold values. The sheet is
    tidied as it goes by (the tidied XML is kept only if the sheet sprawls)."""
    grid = Grid(raw=pd.DataFrame())
    first = f.read(PIECE_BYTES)
    p = _prefix(first)
    compactor = _Compactor(p, grid.far_cells)
    kept: list[bytes] = []
    formulas: dict[tuple[int, int], Unreadable] = {}
    errors: dict[tuple[int, int], Unreadable] = {}
    start, end = first[:200_000], b""
    width = _width(first, start, p)  # so far: the last rows may widen it
    last, far, head, in_tail, sprawls = None, False, True, False, False
    for piece in _pieces(f, first, b"<" + p + b"row"):
        if head:  # the first piece holds all that comes before the first row
            _hidden_cols(piece[:max(piece.find(b"sheetData"), 0)], p, grid)
            head = False
        _hidden_rows(piece, p, grid)
        data_end = piece.rfind(b"sheetData>")
        if data_end > 0:  # the merged ranges are those after </sheetData>
            grid.merges = _merges(piece[data_end:], p)
            in_tail = piece.endswith(b"</" + p, 0, data_end)
        elif in_tail:
            grid.merges += _merges(piece, p)
        kept.append(compactor.feed(piece, data_end >= 0))
        if compactor.closed:  # only a cell with content can hold a formula or an error
            formulas.update(_formula_marks(piece, p))
            errors.update(_error_marks(piece, p))
            grid.percent |= _percent_cells(piece, p, percent_styles)
        last_tag = piece.rfind(b"<" + p + b"row ")
        if last_tag >= 0:
            last = _ROW_REF.search(_tag(piece, last_tag))
        if not (far or sprawls):  # once the sheet sprawls anyway, far cells change nothing
            far = _has_far_ref(piece)
        sprawls = sprawls or _sprawls(last, width, False)
        end = piece[-200_000:] if len(piece) >= 200_000 else (end + piece)[-200_000:]
    marks = {**formulas, **errors}
    grid.marks = {k: v for k, v in marks.items() if k[1] < MAX_COLUMNS}
    # (rows out of order could leave ``last`` below a row seen before: tidied all the same)
    if not (sprawls or _sprawls(last, _width(first, start + end, p), far)):
        grid.far_cells.clear()
        return grid, None, None
    return grid, kept, _tidied(compactor, name)


def _percent_styles(zf: zipfile.ZipFile) -> frozenset[bytes]:
    """The style indexes (the ``s="..."`` of a cell) whose number format shows a percentage:
    Excel's built-in 0% and 0.00% (9, 10) or a custom format with a % outside quotes."""
    member = "xl/styles.xml"
    try:
        for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels")):
            if r.get("Type", "").endswith("/styles"):
                t = r.get("Target", "")
                member = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", t))
        root = ET.fromstring(zf.read(member))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, OSError):
        return frozenset()
    percent_ids = {"9", "10"}
    for el in root.iter():
        if el.tag.endswith("}numFmt"):
            code = re.sub(r'"[^"]*"|\\.', "", el.get("formatCode", ""))
            if "%" in code:
                percent_ids.add(el.get("numFmtId", ""))
    xfs = next((el for el in root if el.tag.endswith("}cellXfs")), None)
    if xfs is None:
        return frozenset()
    return frozenset(str(i).encode() for i, xf in enumerate(x for x in xfs if x.tag.endswith("}xf"))
                     if xf.get("numFmtId") in percent_ids)


def _percent_cells(xml: bytes, p: bytes, styles: frozenset[bytes]) -> set[tuple[int, int]]:
    """Number cells whose style shows them as a percentage, by (Excel row, 0-based column)."""
    if not styles:
        return set()
    which = b"|".join(re.escape(s) for s in sorted(styles))
    out: set[tuple[int, int]] = set()
    for m in re.finditer(b"<" + p + rb"c\s([^>]*?\ss=\"(?:" + which + rb")\"[^>]*)>", xml):
        attrs = b" " + m.group(1)
        if attrs.endswith(b"/"):
            continue  # an empty cell, only formatted (a tool formats whole columns)
        t = _T_ATTR.search(attrs)
        ref = _CELL_REF.search(attrs)
        if ref is None or (t is not None and t.group(1) != b"n"):
            continue  # text, a boolean, an error: not a number shown as a percentage
        col = _col_index(ref.group(1))
        if col < MAX_COLUMNS:
            out.add((int(ref.group(2)), col))
    return out


def _hidden_cols(head: bytes, p: bytes, grid: Grid) -> None:
    """Hidden columns (from the <cols> before the sheet's data) into ``grid``."""
    for c in re.finditer(b"<" + p + rb"col\b[^>]*>", head):
        tag = c.group(0)
        if re.search(rb'\shidden="(?:1|true)"', tag):
            lo = re.search(rb'\smin="(\d+)"', tag)
            hi = re.search(rb'\smax="(\d+)"', tag)
            if lo and hi:
                grid.hidden_cols.update(range(int(lo.group(1)) - 1, min(int(hi.group(1)), 1000)))


def _hidden_rows(xml: bytes, p: bytes, grid: Grid) -> None:
    """Hidden rows into ``grid``, by Excel row."""
    if b'hidden="' in xml:
        for r in re.finditer(b"<" + p + rb'row\b[^>]*?\shidden="(?:1|true)"[^>]*>', xml):
            ref = _ROW_REF.search(r.group(0))
            if ref:
                grid.hidden_rows.add(int(ref.group(1)))


def _merges(tail: bytes, p: bytes) -> list[tuple[int, int, int, int]]:
    """Merged ranges (from what comes after the sheet's data), as (row0, col0, row1, col1)."""
    return [(int(mc.group(2)), _col_index(mc.group(1)), int(mc.group(4)), _col_index(mc.group(3)))
            for mc in re.finditer(rb'<' + p + rb'mergeCell\s[^>]*?ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
                                  tail)]


def _formula_marks(xml: bytes, p: bytes) -> dict[tuple[int, int], Unreadable]:
    """Cells holding a formula with no saved result (X01), by (Excel row, 0-based column)."""
    marks: dict[tuple[int, int], Unreadable] = {}
    formula_cell = re.compile(
        b"<" + p + rb"c\s([^>]*)>\s*<" + p + rb"f\b[^>]*?(?:/>|>([^<]*)</" + p + rb"f>)\s*(?:<" + p
        + rb"v\s*/>|<" + p + rb"v>([^<]*)</" + p + rb"v>)?")
    for f in re.finditer(b"<" + p + rb"f[\s>/]", xml):
        start = xml.rfind(b"<" + p + b"c ", 0, f.start())
        cell = formula_cell.match(xml, start) if start >= 0 else None
        if cell is None or cell.group(3):
            continue  # a saved result (or not a cell we can name)
        t = _T_ATTR.search(cell.group(1))
        if cell.group(3) is not None and t and t.group(1) in (b"str", b"s", b"inlineStr"):
            continue  # a saved empty text result
        ref_m = _CELL_REF.search(b" " + cell.group(1))
        if ref_m is None:
            continue
        row, col = int(ref_m.group(2)), _col_index(ref_m.group(1))
        ref = f"{ref_m.group(1).decode()}{row}"
        text = html.unescape((cell.group(2) or b"").decode("utf-8", "replace"))
        marks[(row, col)] = Unreadable(X01.issue(ref=ref, formula=f" (={text})" if text else ""),
                                       f"={text}" if text else "(formula)")
    return marks


def _error_marks(xml: bytes, p: bytes) -> dict[tuple[int, int], Unreadable]:
    """Cells showing an Excel error such as #REF! (X02), by (Excel row, 0-based column)."""
    marks: dict[tuple[int, int], Unreadable] = {}
    if b' t="e"' not in xml:
        return marks
    for e in re.finditer(rb'\st="e"', xml):
        cell = _cell_at(xml, e.start(), p)
        if cell is None:
            continue
        row, col, _, content = cell
        err = html.unescape((_element_text(content, p, b"v") or b"#ERROR").decode())
        ref = f"{get_column_letter(col + 1)}{row}"
        marks[(row, col)] = Unreadable(X02.issue(ref=ref, error=err), err)
    return marks


_EMPTY_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData/></worksheet>")


def _replace_member(zf: zipfile.ZipFile, member: str, pieces: list[bytes], sheets: set[str]
                    ) -> io.BytesIO:
    """A copy of the workbook, in memory, with ``member`` made of ``pieces`` (the input is
    untouched). Members of up to STREAM_BYTES are stored as they are; bigger ones are
    streamed and deflated, and any other sheet (``sheets``) that big is left empty (calamine
    reads only the sheet asked for), so no big member is ever held unzipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in zf.infolist():
            if info.filename == member:
                size = sum(len(piece) for piece in pieces)
                if size <= STREAM_BYTES:
                    z.writestr(info.filename, b"".join(pieces), zipfile.ZIP_STORED)
                    continue
                with z.open(info.filename, "w", force_zip64=size >= 2**31) as dst:
                    for piece in pieces:
                        dst.write(piece)
            elif info.file_size <= STREAM_BYTES:
                z.writestr(info.filename, zf.read(info), zipfile.ZIP_STORED)
            elif info.filename in sheets:
                z.writestr(info.filename, _EMPTY_SHEET, zipfile.ZIP_STORED)
            else:
                with zf.open(info) as src, z.open(info.filename, "w",
                                                  force_zip64=info.file_size >= 2**31) as dst:
                    shutil.copyfileobj(src, dst, PIECE_BYTES)
    out.seek(0)
    return out


def sniff(name: str, suffix: str, data: bytes) -> str:
    """The kind of a file judged by its content: 'xls' (OLE), 'xlsx' (Office Open XML, with
    .xlsm, .xltx, .xltm), 'ods' (OpenDocument) or 'csv' (any text). Anything else is refused:
    empty (F02), encrypted (F03), damaged or binary (F04), another spreadsheet format (F01), a
    document that is not a spreadsheet (F12) or a zip archive (F13)."""
    if not data:
        raise F02.refuse()
    if data.startswith(_OLE_MAGIC):
        return _ole_kind(name, data)
    if data.startswith((_ZIP_MAGIC, b"PK\x05\x06")):
        return _zip_kind(name, suffix, data)
    for magic, what in _NOT_SPREADSHEETS:
        if data.startswith(magic):
            raise F12.refuse(name=name, what=what)
    if suffix in OTHER_SPREADSHEETS:
        raise F01.refuse(file=name, suffix=suffix)
    if suffix == ".csv":
        return "csv"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<table" in head:
        raise F04.refuse("The file is a web page (HTML) saved with an Excel name, not a "
                         "workbook.", fix=SAVE_AS_XLSX)
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        raise F04.refuse("The file is an 'XML Spreadsheet 2003', not a workbook the "
                         "toolkit reads.", fix=SAVE_AS_XLSX)
    if not _looks_like_text(data):
        raise _refuse_damaged()
    return "csv"


def _ole_kind(name: str, data: bytes) -> str:
    """An OLE file: an .xls/.xlt workbook, unless encrypted or another Office document."""
    if _ENCRYPTED in data:
        raise _password_protected()
    if "Book".encode("utf-16-le") not in data:  # no Workbook (or Excel 5 Book) stream
        for stream, what in _OLE_STREAMS:
            if stream.encode("utf-16-le") in data:
                raise F12.refuse(name=name, what=what)
    return "xls"


def _zip_kind(name: str, suffix: str, data: bytes) -> str:
    """A zip file: an Excel workbook, an OpenDocument spreadsheet, or refused (another
    format, a document, a plain archive)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            mime = zf.read("mimetype")[:80].decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        if suffix in OTHER_SPREADSHEETS:
            raise F01.refuse(file=name, suffix=suffix) from None
        raise _refuse_damaged() from None
    low = {n.lower() for n in names}
    if mime.startswith("application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if mime.startswith("application/vnd.oasis.opendocument"):
        raise F12.refuse(name=name, what="an OpenDocument text or presentation")
    if "xl/workbook.bin" in low:
        raise F01.refuse(file=name, suffix=".xlsb")
    if "index/document.iwa" in low:
        raise F01.refuse(file=name, suffix=".numbers")
    for member, what in (("word/document.xml", "a Word document (.docx)"),
                         ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)")):
        if member in low:
            raise F12.refuse(name=name, what=what)
    if "[content_types].xml" in low or any(n.startswith("xl/") for n in low):
        return "xlsx"
    files = [n for n in names if not n.endswith("/") and not n.startswith("__MACOSX/")]
    listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    members = (f"holding {len(files)} file{'s' if len(files) != 1 else ''}: {listed}" if files
               else "empty")
    raise F13.refuse(name=name, members=members)


def _name_note(name: str, suffix: str, kind: str) -> Issue | None:
    """A note (N15) when the name does not say what the content is."""
    named = f"named {suffix}" if suffix else "with no extension"
    if kind == "csv":
        if suffix in TEXT_SUFFIXES:
            return None
        if suffix in WORKBOOK_SUFFIXES:
            return N15.issue(name=name)
        return N15.issue(f"'{name}' is a text (CSV) file {named}; it was read as CSV.")
    if suffix in WORKBOOK_SUFFIXES:
        return None
    if suffix == ".csv":
        return N15.issue(f"'{name}' is an Excel workbook with a .csv name; it was read as a "
                         "workbook.")
    what = "an OpenDocument spreadsheet" if kind == "ods" else "an Excel workbook"
    return N15.issue(f"'{name}' is {what} {named}; it was read as a workbook.")


class Book:
    """A return file opened for reading: its sheets, their visibility, and a loader."""

    def __init__(self, path: Path, data: bytes, notes: list[Issue]):
        self.path, self.data = path, data
        name, suffix = path.as_posix(), path.suffix.lower()
        self.kind = sniff(name, suffix, data)
        note = _name_note(name, suffix, self.kind)
        if note is not None:
            notes.append(note)
        self.sheets: list[tuple[str, bool]] = [("(csv)", True)]
        if self.kind == "csv":
            return
        self.zip = None
        if self.kind == "xlsx":
            try:
                self.zip = zipfile.ZipFile(io.BytesIO(data))
                self.paths = _xlsx_sheet_paths(self.zip)
                self.percent_styles = _percent_styles(self.zip)
            except (zipfile.BadZipFile, KeyError, ET.ParseError, EOFError, ValueError):
                raise _refuse_damaged() from None
        self.book = self._open(data)
        self.sheets = [(s.name, s.visible == SheetVisibleEnum.Visible)
                       for s in self.book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]

    @staticmethod
    def _open(data: bytes | io.BytesIO) -> CalamineWorkbook:
        try:
            return CalamineWorkbook.from_filelike(data if isinstance(data, io.BytesIO)
                                                  else io.BytesIO(data))
        except PasswordError:
            raise _password_protected() from None
        except Exception:  # calamine raises several types for damaged files
            raise _refuse_damaged() from None

    def _scan(self, member: str, name: str
              ) -> tuple[Grid, list[bytes] | None, np.ndarray | None]:
        """Scan one sheet's XML: whole if it is small, else streamed in pieces (formatting
        down to row 1,000,000 makes a sheet XML of about 1 GB once unzipped)."""
        assert self.zip is not None
        if self.zip.getinfo(member).file_size <= STREAM_BYTES:
            return _scan_xlsx(self.zip.read(member), name, self.percent_styles)
        with self.zip.open(member) as f:
            return _scan_xlsx_stream(f, name, self.percent_styles)

    def load(self, name: str) -> Grid:
        if self.kind == "csv":
            return Grid(raw=_read_csv(self.data))
        grid, book, row_map = Grid(raw=pd.DataFrame()), self.book, None
        if self.zip is not None and name in self.paths:
            member = self.paths[name]
            try:
                grid, new_xml, row_map = self._scan(member, name)
            except (KeyError, zipfile.BadZipFile, EOFError, OSError):
                raise _refuse_damaged() from None
            if new_xml is not None:
                copy = _replace_member(self.zip, member, new_xml, set(self.paths.values()))
                del new_xml
                book = self._open(copy)
                del copy
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            if self.kind == "xls":
                grid.merges = [(r0 + 1, c0, r1 + 1, c1)
                               for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        except PasswordError:
            raise _password_protected() from None
        except Exception:
            raise _refuse_damaged() from None
        raw = _grid_from_rows(rows)
        if row_map is not None:
            raw.index = row_map[:len(raw)] - 1
        grid.raw = _put_marks(_put_percents(raw, grid.percent), grid.marks)
        return grid


def _password_protected() -> FileRefused:
    return F03.refuse()


def _put_percents(raw: pd.DataFrame, cells: set[tuple[int, int]]) -> pd.DataFrame:
    """Mark the numbers of cells shown as a percentage (0.93 shown as 93%), so a number column
    reads what the partner saw; any other column reads the number as before."""
    width = raw.shape[1]
    hits = [(r - 1, c) for r, c in cells if c < width and r - 1 in raw.index]
    for r, c in hits:
        v = raw.at[r, c]
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
            if raw[c].dtype != object:
                raw[c] = raw[c].astype(object)
            raw.at[r, c] = ShownAsPercent(v)
    return raw


def _put_marks(raw: pd.DataFrame, marks: dict[tuple[int, int], Unreadable]) -> pd.DataFrame:
    """Put the cells that cannot be trusted into the grid (which may not reach them yet)."""
    if not marks:
        return raw
    width = max(c for _, c in marks) + 1
    labels = {r - 1 for r, _ in marks}
    if width > raw.shape[1] or not labels <= set(raw.index):
        raw = raw.reindex(index=raw.index.union(list(labels)),
                          columns=range(max(width, raw.shape[1]))).astype(object)
    for (r, c), mark in marks.items():
        raw.at[r - 1, c] = mark
    return raw


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or only spaces (checked once per distinct value)."""
    mask = frame.isna().to_numpy()
    for j, c in enumerate(frame.columns):
        s = frame[c]
        spaces = [u for u in s.dropna().unique() if isinstance(u, str) and not u.strip()]
        if spaces:
            mask[:, j] |= s.isin(spaces).to_numpy()
    return mask.all(axis=1)
