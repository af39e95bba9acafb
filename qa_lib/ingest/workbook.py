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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
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
from qa_lib.ingest.values import Unreadable

OTHER_SPREADSHEETS = {".xlsb", ".numbers", ".gsheet", ".wk4", ".123"}  # refused when not read by content
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods", ".ots"}
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
CHECK_GRID_CELLS = 10_000_000  # a sheet spanning more cells than this is checked for stray cells
MAX_GRID_CELLS = 25_000_000  # and refused if it still spans more than this once they are gone
MAX_ROW_GAP = 1_000  # longer runs of empty rows are closed up before calamine builds its grid
MAX_COLUMNS = 702  # cells beyond column ZZ are far outside any audit table
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
# parsed as a tree), so a 100,000-row sheet costs a fraction of a second.

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


def _compact(xml: bytes, p: bytes, grid_note: list[str]) -> tuple[bytes, np.ndarray | None]:
    """Close long runs of empty rows and drop cells far to the right, so that one stray cell
    at row 1,048,576 or column XFD does not make a sheet of a billion empty cells.

    Returns the new XML and, when rows moved, the Excel row of each new row."""
    row_map = None
    # cells with no value (formatting only, or a formula whose result is empty), then rows
    # left with no cells: they read as blank anyway
    xml = re.sub(b"<" + p + rb'c\b[^>]*?(?:/>|>(?:<' + p + rb'f\b[^>]*?(?:/>|>[^<]*</' + p
                 + rb'f>))?(?:<' + p + rb'v\s*/>|<' + p + rb'v></' + p + rb'v>)?</' + p + b"c>)",
                 b"", xml)
    xml = re.sub(b"<" + p + rb'row\b[^>]*?(?:/>|>\s*</' + p + b"row>)", b"", xml)
    tags = [int(m.group(1)) for m in re.finditer(b"<" + p + rb'row\b[^>]*?\sr="(\d+)"', xml)]
    olds, shifts, shift, prev = [], [], 0, 0
    for r in tags:
        if r - prev > MAX_ROW_GAP:
            shift += r - prev - 1
            olds.append(r)
            shifts.append(shift)
        prev = r
    if olds:
        row_map = np.arange(1, tags[-1] - shift + 1, dtype=np.int64)
        before = 0
        for r, sh in zip(olds, shifts, strict=True):
            row_map[r - sh - 1:] += sh - before
            before = sh
        first = re.search(b"<" + p + rb'row\b[^>]*?\sr="' + str(olds[0]).encode() + b'"', xml).start()

        def renumber(m: re.Match) -> bytes:
            old = int(m.group(3))
            k = bisect.bisect_right(olds, old) - 1
            return m.group(1) + m.group(2) + str(old - shifts[k] if k >= 0 else old).encode() + b'"'

        tail = re.sub(b"(<" + p + rb'(?:row|c)\b[^>]*?\sr=")([A-Z]*)(\d+)"', renumber, xml[first:])
        xml = xml[:first] + tail
    if re.search(rb'\sr="[A-Z]{3}\d', xml):
        far = re.compile(b"<" + p + rb'c\b[^>]*?\sr="([A-Z]{3})(\d+)"[^>]*?(?:/>|>.*?</' + p + b"c>)",
                         re.S)

        def drop(m: re.Match) -> bytes:
            if _col_index(m.group(1)) < MAX_COLUMNS:
                return m.group(0)
            row = int(m.group(2))  # after renumbering: the Excel row is row_map's
            grid_note.append(f"{m.group(1).decode()}{row if row_map is None else row_map[row - 1]}")
            return b""

        xml = far.sub(drop, xml)
    return xml, row_map


def _scan_xlsx(xml: bytes, name: str) -> tuple[Grid, bytes | None, np.ndarray | None]:
    """What the sheet XML shows that calamine does not: formulas with no saved result,
    Excel errors, hidden rows and columns, merged ranges; and a compacted XML if needed."""
    grid = Grid(raw=pd.DataFrame())
    m = re.search(rb"<(\w+:)?worksheet\b", xml[:4096])
    p = (m.group(1) or b"") if m else b""
    new_xml, row_map = _compact_if_sprawling(xml, p, name, grid.far_cells)
    _hidden_and_merged(xml, p, grid)
    marks = {**_formula_marks(xml, p), **_error_marks(xml, p)}
    grid.marks = {k: v for k, v in marks.items() if k[1] < MAX_COLUMNS}
    return grid, new_xml, row_map


def _compact_if_sprawling(xml: bytes, p: bytes, name: str, far_cells: list[str]
                          ) -> tuple[bytes | None, np.ndarray | None]:
    """A stray value or formatting far down or far right: close up the empty rows and drop
    far cells first, so calamine does not build a grid of millions of empty cells. Refuses
    (F09) a sheet still far larger than any audit return. (None, None) when not needed."""
    last_tag = xml.rfind(b"<" + p + b"row ")
    last = _ROW_REF.search(_tag(xml, last_tag)) if last_tag >= 0 else None
    dim = re.search(b"<" + p + rb'dimension\s+ref="[A-Z]*\d*:?([A-Z]+)\d+"', xml[:4096])
    sample = xml[:200_000] + xml[-200_000:]  # the first and last rows, for writers with no dimension
    width = max([_col_index(c) for c in _CELL_COL.findall(sample)]
                + ([_col_index(dim.group(1))] if dim else []), default=0) + 1
    if not ((last is not None and int(last.group(1)) * width > CHECK_GRID_CELLS)
            or re.search(rb'\sr="[A-Z]{3}\d', xml)):
        return None, None
    new_xml, row_map = _compact(xml, p, far_cells)
    rows = len(row_map) if row_map is not None else max(
        (int(r) for r in re.findall(b"<" + p + rb'row\b[^>]*?\sr="(\d+)"', new_xml[-65536:])),
        default=0)
    cols = max((_col_index(c) for c in _CELL_COL.findall(new_xml)), default=0) + 1
    if rows * cols > MAX_GRID_CELLS:
        raise F09.refuse(name=name, rows=rows, cols=cols)
    return new_xml, row_map


def _hidden_and_merged(xml: bytes, p: bytes, grid: Grid) -> None:
    """Hidden columns and rows, and merged ranges, into ``grid``."""
    data_end = xml.rfind(b"sheetData>")
    head = xml[:max(xml.find(b"sheetData"), 0)]
    for c in re.finditer(b"<" + p + rb"col\b[^>]*>", head):
        tag = c.group(0)
        if re.search(rb'\shidden="(?:1|true)"', tag):
            lo = re.search(rb'\smin="(\d+)"', tag)
            hi = re.search(rb'\smax="(\d+)"', tag)
            if lo and hi:
                grid.hidden_cols.update(range(int(lo.group(1)) - 1, min(int(hi.group(1)), 1000)))
    if b'hidden="' in xml:
        for r in re.finditer(b"<" + p + rb'row\b[^>]*?\shidden="(?:1|true)"[^>]*>', xml):
            ref = _ROW_REF.search(r.group(0))
            if ref:
                grid.hidden_rows.add(int(ref.group(1)))
    for mc in re.finditer(rb'<' + p + rb'mergeCell\s[^>]*?ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
                          xml[data_end:] if data_end > 0 else b""):
        grid.merges.append((int(mc.group(2)), _col_index(mc.group(1)), int(mc.group(4)),
                            _col_index(mc.group(3))))


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


def _replace_member(zf: zipfile.ZipFile, member: str, content: bytes) -> bytes:
    """A copy of the workbook, in memory, with one member replaced (the input is untouched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in zf.infolist():
            z.writestr(info.filename, content if info.filename == member else zf.read(info))
    return out.getvalue()


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
            except (zipfile.BadZipFile, KeyError, ET.ParseError, EOFError, ValueError):
                raise _refuse_damaged() from None
        self.book = self._open(data)
        self.sheets = [(s.name, s.visible == SheetVisibleEnum.Visible)
                       for s in self.book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]

    @staticmethod
    def _open(data: bytes) -> CalamineWorkbook:
        try:
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except PasswordError:
            raise _password_protected() from None
        except Exception:  # calamine raises several types for damaged files
            raise _refuse_damaged() from None

    def load(self, name: str) -> Grid:
        if self.kind == "csv":
            return Grid(raw=_read_csv(self.data))
        grid, book, row_map = Grid(raw=pd.DataFrame()), self.book, None
        if self.zip is not None and name in self.paths:
            try:
                xml = self.zip.read(self.paths[name])
            except (KeyError, zipfile.BadZipFile, EOFError, OSError):
                raise _refuse_damaged() from None
            grid, new_xml, row_map = _scan_xlsx(xml, name)
            if new_xml is not None:
                book = self._open(_replace_member(self.zip, self.paths[name], new_xml))
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
        grid.raw = _put_marks(raw, grid.marks)
        return grid


def _password_protected() -> FileRefused:
    return F03.refuse()


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
