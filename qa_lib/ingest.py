"""Read partner returns (.xlsx, .xlsm, .xls, .csv) into one typed table.

Every workbook is read once with pandas' calamine engine. The header row is
found by its keys wherever it sits; columns are matched by key (or question
text) whatever their order; values are parsed once here (dates, answers,
choices) so that validation rules and scoring work on typed columns. Every
value that cannot be read becomes a :class:`~qa_lib.problems.Problem` naming
file, sheet, Excel row and column letter. Inputs are opened read-only.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import difflib
import hashlib
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

from qa_lib.problems import ERROR, NOTE, Problem
from qa_lib.profile import Profile

RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
OTHER_SPREADSHEETS = {".ods", ".xlsb", ".numbers", ".gsheet", ".wk4", ".123"}
HEADER_SEARCH_ROWS = 50
META = ["_file", "_sheet", "_row"]
CHECK_GRID_CELLS = 10_000_000  # a sheet spanning more cells than this is checked for stray cells
MAX_GRID_CELLS = 25_000_000  # and refused if it still spans more than this once they are gone
MAX_ROW_GAP = 1_000  # longer runs of empty rows are closed up before calamine builds its grid
MAX_COLUMNS = 702  # cells beyond column ZZ are far outside any audit table
YEARS = (1900, 2100)  # a date outside these years cannot be right for a case audit
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream of an encrypted .xlsx
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# Problems found while reading, for the rule catalogue: code -> (severity, what it means).
INGEST_CODES = {
    "F01": (ERROR, "A spreadsheet saved in a format the toolkit does not read (.ods, .xlsb, ...)."),
    "F02": (ERROR, "The file is empty."),
    "F03": (ERROR, "The workbook is password-protected."),
    "F04": (ERROR, "The file cannot be opened as a workbook (damaged or not Excel)."),
    "F05": (ERROR, "The workbook has no 'Audit' sheet."),
    "F06": (ERROR, "No header row of column keys was found."),
    "F07": (ERROR, "A required column is missing (with a near-miss suggestion)."),
    "F08": (ERROR, "A column appears twice."),
    "F09": (ERROR, "A sheet with far more rows or columns in use than any audit return."),
    "F10": (ERROR, "A second header row with the columns in a different order."),
    "A01": (ERROR, "A number or date where an answer belongs."),
    "A02": (ERROR, "An answer that is not Yes, Partly, No or N/A."),
    "D01": (ERROR, "A value that cannot be read as a date."),
    "D02": (ERROR, "A date that does not exist (such as 31/02)."),
    "D03": (ERROR, "A date whose year cannot be right (before 1900 or after 2100)."),
    "C01": (ERROR, "A value that is not one of the column's choices (with a suggestion)."),
    "C02": (ERROR, "A multi-choice value with an item that is not allowed."),
    "G01": (ERROR, "A grade that is not a whole number in range."),
    "X01": (ERROR, "A formula with no saved result (the file was never opened and saved in Excel)."),
    "X02": (ERROR, "A cell showing an Excel error (#N/A, #REF!, #DIV/0!, ...)."),
    "N01": (NOTE, "A column that is not part of the audit tool was ignored."),
    "N02": (NOTE, "A file that is not a return was skipped."),
    "N03": (NOTE, "A workbook with no case rows."),
    "N04": (NOTE, "The Audit sheet is hidden; it was read."),
    "N05": (NOTE, "A hidden row or column was read."),
    "N06": (NOTE, "A merged cell's value was copied down the rows it covers."),
    "N07": (NOTE, "A row repeating the column headings was skipped."),
    "N08": (NOTE, "A stray value far outside the audit table was ignored."),
    "N09": (NOTE, "No sheet is called 'Audit': the one sheet with the audit columns was read."),
    "N10": (NOTE, "An answer written differently (yes, Y, NA) was normalised."),
    "N11": (NOTE, "A date given as an Excel serial number was converted."),
    "N12": (NOTE, "A two-digit year was read as 20xx or 19xx."),
    "N13": (NOTE, "A choice Excel had turned into a date was recovered."),
    "N14": (NOTE, "A choice written differently was normalised."),
    "N15": (NOTE, "A file was read by its content, not its name (a CSV named .xls)."),
}

ANSWER_VARIANTS = {
    "yes": "Yes", "y": "Yes",
    "partly": "Partly", "partial": "Partly", "partially": "Partly", "part": "Partly", "p": "Partly",
    "no": "No", "n": "No",
    "n/a": "N/A", "na": "N/A", "n.a.": "N/A", "n.a": "N/A", "notapplicable": "N/A",
    "not applicable": "N/A",
}

TEXT_DATE_FORMATS = [
    ("%d/%m/%Y", False), ("%d-%m-%Y", False), ("%d.%m.%Y", False), ("%Y-%m-%d", False),
    ("%d %B %Y", False), ("%d %b %Y", False), ("%d-%b-%Y", False), ("%d %b %y", True),
    ("%d/%m/%y", True), ("%d-%m-%y", True), ("%d.%m.%y", True),
    ("%Y-%m-%d %H:%M:%S", False), ("%Y-%m-%d %H:%M", False), ("%Y-%m-%dT%H:%M:%S", False),
    ("%Y-%m-%dT%H:%M", False), ("%d/%m/%Y %H:%M", False), ("%d/%m/%Y %H:%M:%S", False),
    ("%d-%m-%Y %H:%M", False), ("%d.%m.%Y %H:%M", False),
]

_INVISIBLE = str.maketrans({c: "" for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
# Characters Word, Outlook and web forms put in place of plain ones, and invisible ones.
_TYPOGRAPHIC = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
})


@dataclass
class SourceFile:
    """One file found in the inputs folder and what became of it."""

    name: str
    path: str
    sha256: str
    size: int
    status: str = "read"  # read | refused | skipped
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0


@dataclass
class Ingested:
    """The typed table of every row read, with the problems found while reading."""

    table: pd.DataFrame
    problems: list[Problem]
    files: list[SourceFile]
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    unreadable: set[tuple[int, str]] = field(default_factory=set)  # (table index, key) with errors

    def letter(self, file: str, key: str) -> str | None:
        return self.letters.get(file, {}).get(key)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def normalise_header(value: object) -> str:
    """A header cell reduced for matching: lower case, words joined by underscores."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip().lower()
    s = re.sub(r"[\s\-/.]+", "_", s)
    return re.sub(r"[^a-z0-9_]", "", s).strip("_")


def _is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if v is pd.NaT:
        return True
    return isinstance(v, str) and not v.strip()


def _show(v: object) -> str:
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%d/%m/%Y") if (v.hour, v.minute, v.second) == (0, 0, 0) else str(v)
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# --------------------------------------------------------------------------- reading files


class _FileRefused(Exception):
    def __init__(self, code: str, message: str, fix: str, sheet: str | None = None,
                 column: str | None = None):
        super().__init__(message)
        self.code, self.message, self.fix, self.sheet = code, message, fix, sheet
        self.column = column


class _Unreadable:
    """A cell whose value cannot be trusted: a formula with no saved result, an Excel error.

    It stands in the grid like a value (so its row is not dropped as blank) and becomes an
    error on that cell when the column is parsed."""

    __slots__ = ("issue", "shown")

    def __init__(self, issue: tuple, shown: str):
        self.issue, self.shown = issue, shown

    def __str__(self) -> str:
        return self.shown


@dataclass
class _Grid:
    """One sheet as read: the raw cells, indexed by Excel row - 1, and what the XML showed."""

    raw: pd.DataFrame
    hidden_rows: set[int] = field(default_factory=set)  # Excel rows
    hidden_cols: set[int] = field(default_factory=set)  # 0-based columns
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # row0, col0, row1, col1
    far_cells: list[str] = field(default_factory=list)  # cells ignored outside the table
    marks: dict[tuple[int, int], _Unreadable] = field(default_factory=dict)  # (row, col) -> cell


def _refuse_damaged(what: str = "") -> _FileRefused:
    return _FileRefused(
        "F04", f"The file could not be opened as an Excel workbook{what}: it is damaged, "
        "incomplete or not a spreadsheet.",
        "Open it in Excel to check it is not damaged, save it as .xlsx and send it again.")


def _grid_from_rows(rows: list[list]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(dtype=object)
    df = pd.DataFrame(rows, dtype=object)
    return df.replace("", np.nan)


def _looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls <= len(head) // 100


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


def _read_csv(data: bytes) -> pd.DataFrame:
    """A CSV file as a grid of text, rows numbered as Excel shows them."""
    text = _decode(data)
    if "\x00" in text:
        raise _FileRefused("F04", "The file is named .csv but is not a text (CSV) file.",
                           "Open it in Excel, save it as .xlsx and send it again.")
    first, _, rest = text.partition("\n")
    sep = None
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    if m:  # Excel's own hint line, which Excel hides when it opens the file
        sep, text = m.group(1), rest
    if sep is None:
        sample = text.splitlines()[:20]
        best = 0
        for cand in ",;\t|":
            try:
                width = max((len(r) for r in csv.reader(sample, delimiter=cand)), default=0)
            except csv.Error:
                continue
            if width > best:
                sep, best = cand, width
        sep = sep or ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise _FileRefused("F04", f"The CSV file could not be read ({exc}).",
                           "Open it in Excel, save it as .xlsx and send it again.") from None
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


def _scan_xlsx(xml: bytes, name: str) -> tuple[_Grid, bytes | None, np.ndarray | None]:
    """What the sheet XML shows that calamine does not: formulas with no saved result,
    Excel errors, hidden rows and columns, merged ranges; and a compacted XML if needed."""
    grid = _Grid(raw=pd.DataFrame())
    m = re.search(rb"<(\w+:)?worksheet\b", xml[:4096])
    p = (m.group(1) or b"") if m else b""
    row_open = b"<" + p + b"row"
    new_xml, row_map = None, None
    last_tag = xml.rfind(row_open + b" ")
    last = _ROW_REF.search(_tag(xml, last_tag)) if last_tag >= 0 else None
    dim = re.search(b"<" + p + rb'dimension\s+ref="[A-Z]*\d*:?([A-Z]+)\d+"', xml[:4096])
    sample = xml[:200_000] + xml[-200_000:]  # the first and last rows, for writers with no dimension
    width = max([_col_index(c) for c in _CELL_COL.findall(sample)]
                + ([_col_index(dim.group(1))] if dim else []), default=0) + 1
    if ((last is not None and int(last.group(1)) * width > CHECK_GRID_CELLS)
            or re.search(rb'\sr="[A-Z]{3}\d', xml)):
        # a stray value or formatting far down or far right: close up the empty rows and drop
        # far cells first, so calamine does not build a grid of millions of empty cells
        new_xml, row_map = _compact(xml, p, grid.far_cells)
        rows = len(row_map) if row_map is not None else max(
            (int(r) for r in re.findall(b"<" + p + rb'row\b[^>]*?\sr="(\d+)"', new_xml[-65536:])),
            default=0)
        cols = max((_col_index(c) for c in _CELL_COL.findall(new_xml)), default=0) + 1
        if rows * cols > MAX_GRID_CELLS:
            raise _FileRefused(
                "F09", f"The sheet '{name}' has {rows:,} rows and {cols:,} columns in use, far more "
                "than an audit return; usually formulas or values were copied to the bottom of the "
                "sheet.", "Delete the unused rows below the cases and the columns to the right of "
                "the table (select them, right-click, Delete), save and send it again.")
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
        for r in re.finditer(row_open + rb'\b[^>]*?\shidden="(?:1|true)"[^>]*>', xml):
            ref = _ROW_REF.search(r.group(0))
            if ref:
                grid.hidden_rows.add(int(ref.group(1)))
    for mc in re.finditer(rb'<' + p + rb'mergeCell\s[^>]*?ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
                          xml[data_end:] if data_end > 0 else b""):
        grid.merges.append((int(mc.group(2)), _col_index(mc.group(1)), int(mc.group(4)),
                            _col_index(mc.group(3))))
    marks: dict[tuple[int, int], _Unreadable] = {}
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
        marks[(row, col)] = _Unreadable(
            (ERROR, "X01", f"Cell {ref} has a formula with no saved result"
             f"{f' (={text})' if text else ''}, so its value cannot be read.",
             "Open the file in Excel and save it (Excel then stores each formula's result), or "
             "type the value in place of the formula."), f"={text}" if text else "(formula)")
    if b' t="e"' in xml:
        for e in re.finditer(rb'\st="e"', xml):
            cell = _cell_at(xml, e.start(), p)
            if cell is None:
                continue
            row, col, _, content = cell
            err = html.unescape((_element_text(content, p, b"v") or b"#ERROR").decode())
            ref = f"{get_column_letter(col + 1)}{row}"
            marks[(row, col)] = _Unreadable(
                (ERROR, "X02", f"Cell {ref} shows the Excel error {err}, not a value.",
                 "Correct the formula in that cell, or type the value in its place."), err)
    grid.marks = {k: v for k, v in marks.items() if k[1] < MAX_COLUMNS}
    return grid, new_xml, row_map


def _replace_member(zf: zipfile.ZipFile, member: str, content: bytes) -> bytes:
    """A copy of the workbook, in memory, with one member replaced (the input is untouched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in zf.infolist():
            z.writestr(info.filename, content if info.filename == member else zf.read(info))
    return out.getvalue()


class _Book:
    """A return file opened for reading: its sheets, their visibility, and a loader."""

    def __init__(self, path: Path, data: bytes, notes: list[tuple[str, str]]):
        self.path, self.data, self.kind = path, data, ""
        suffix = path.suffix.lower()
        if not data:
            raise _FileRefused("F02", "The file is empty (0 bytes).",
                               "Ask the partner to send the completed audit workbook again.")
        if data.startswith(_OLE_MAGIC):
            if _ENCRYPTED in data:
                raise _password_protected()
            self.kind = "xls"
        elif data.startswith(_ZIP_MAGIC):
            self.kind = "xlsx"
        elif suffix == ".csv":
            self.kind = "csv"
        else:
            head = data[:1024].lstrip().lower()
            if head.startswith((b"<!doctype html", b"<html")) or b"<table" in head:
                raise _FileRefused(
                    "F04", "The file is a web page (HTML) saved with an Excel name, not a "
                    "workbook.", "Open it in Excel, choose File > Save As > Excel Workbook "
                    "(.xlsx) and send that file.")
            if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
                raise _FileRefused(
                    "F04", "The file is an 'XML Spreadsheet 2003', not a workbook the toolkit "
                    "reads.", "Open it in Excel, choose File > Save As > Excel Workbook (.xlsx) "
                    "and send that file.")
            if not _looks_like_text(data):
                raise _refuse_damaged()
            self.kind = "csv"
        if self.kind == "csv" and suffix != ".csv":
            notes.append(("N15", f"'{path.name}' is a text (CSV) file with an Excel name; it was "
                          "read as CSV."))
        if self.kind != "csv" and suffix == ".csv":
            notes.append(("N15", f"'{path.name}' is an Excel workbook with a .csv name; it was "
                          "read as a workbook."))
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

    def load(self, name: str) -> _Grid:
        if self.kind == "csv":
            return _Grid(raw=_read_csv(self.data))
        grid, book, row_map = _Grid(raw=pd.DataFrame()), self.book, None
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


def _password_protected() -> _FileRefused:
    return _FileRefused(
        "F03", "The workbook is password-protected (encrypted), so it cannot be read.",
        "Ask the partner to remove the password (File > Info > Protect Workbook > Encrypt "
        "with Password, clear it, save) and send it again by a secure route.")


def _put_marks(raw: pd.DataFrame, marks: dict[tuple[int, int], _Unreadable]) -> pd.DataFrame:
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


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or only spaces (checked once per distinct value)."""
    mask = frame.isna().to_numpy()
    for j, c in enumerate(frame.columns):
        s = frame[c]
        spaces = [u for u in s.dropna().unique() if isinstance(u, str) and not u.strip()]
        if spaces:
            mask[:, j] |= s.isin(spaces).to_numpy()
    return mask.all(axis=1)


def _header_aliases(profile: Profile) -> dict[str, str]:
    aliases = {}
    for col in profile.columns:
        aliases[normalise_header(col.key)] = col.key
        aliases[normalise_header(col.question)] = col.key
    return aliases


def _find_header(raw: pd.DataFrame, aliases: dict[str, str]) -> tuple[int, int]:
    """(row position, number of keys matched) of the best header candidate."""
    best, best_hits = -1, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(raw))):
        hits = sum(1 for v in raw.iloc[i].tolist() if normalise_header(v) in aliases)
        if hits > best_hits:
            best, best_hits = i, hits
    return best, best_hits


_FILE_NOTE_FIXES = {
    "N04": "No action needed; ask the partner to unhide the sheet next time.",
    "N09": "No action needed; next time enter the cases on the 'Audit' sheet of the template.",
    "N15": "No action needed; next time save the return as .xlsx from the audit template.",
}


def _pick_sheet(book: _Book, aliases, notes: list[tuple[str, str]]
                ) -> tuple[str, _Grid, int]:
    """The sheet to read, its grid and the position of its header row."""
    if book.kind == "csv":
        grid = book.load("(csv)")
        row, hits = _find_header(grid.raw, aliases)
        if hits < 3:
            raise _FileRefused(
                "F06", "The file has no header row of column keys (case_ref, partner, "
                "audit_date, ...) in its first 50 rows.",
                "Copy the rows into a fresh audit template generated for this round.")
        return "(csv)", grid, row
    visible = dict(book.sheets)
    named = [n for n in visible if n.strip().lower() == "audit"]
    if named:
        name = named[0]
        grid = book.load(name)
        row, hits = _find_header(grid.raw, aliases)
        if hits < 3:
            raise _FileRefused(
                "F06", "The Audit sheet has no header row of column keys (case_ref, partner, "
                "audit_date, ...) in its first 50 rows.",
                "Copy the rows into a fresh audit template generated for this round.", sheet=name)
        if not visible[name]:
            notes.append(("N04", f"The '{name}' sheet is hidden in this workbook; it was read "
                          "as usual."))
        return name, grid, row
    found = []
    for name, shown in book.sheets:
        if not shown:
            continue
        grid = book.load(name)
        row, hits = _find_header(grid.raw, aliases)
        if hits >= 3:
            found.append((name, grid, row))
    listed = ", ".join(f"'{n}'" + ("" if v else " (hidden)") for n, v in book.sheets) or "none"
    if len(found) == 1:
        name, grid, row = found[0]
        notes.append(("N09", f"No sheet is called 'Audit'; the cases were read from sheet "
                      f"'{name}', the only sheet with the audit columns (sheets: {listed})."))
        return found[0]
    if found:
        raise _FileRefused(
            "F05", f"No sheet is called 'Audit' and several sheets have the audit columns "
            f"({', '.join(repr(n) for n, _, _ in found)}), so it is not clear which to read.",
            "Rename the sheet holding this round's cases to 'Audit' (or delete the others).")
    raise _FileRefused(
        "F05", f"No sheet called 'Audit' was found (sheets: {listed}).",
        "Enter the cases on the 'Audit' sheet of the audit template for this round.")


def _fill_merges(raw: pd.DataFrame, grid: _Grid, hrow: int, mapping: dict[str, int],
                 note) -> None:
    """Copy each merged range's value (held by its top-left cell only) down its rows."""
    keys = {j: k for k, j in mapping.items()}
    index = set(raw.index)
    for r0, c0, r1, c1 in grid.merges:
        if r0 <= hrow + 1 or r1 <= r0 or c0 not in keys or (r0 - 1) not in index:
            continue
        value = raw.at[r0 - 1, c0]
        if _is_blank(value):
            continue
        filled = [r for r in range(r0 + 1, r1 + 1) if (r - 1) in index and _is_blank(raw.at[r - 1, c0])]
        for r in filled:
            raw.at[r - 1, c0] = value
        if not filled:
            continue
        span = f"{get_column_letter(c0 + 1)}{r0}:{get_column_letter(c1 + 1)}{r1}"
        rows = f"row {filled[0]}" if len(filled) == 1 else f"rows {filled[0]} to {filled[-1]}"
        across = (f" The other columns of the range ({get_column_letter(c0 + 2)} to "
                  f"{get_column_letter(c1 + 1)}) were read as blank." if c1 > c0 else "")
        note("N06", f"Cells {span} are merged, so only row {r0} holds the value; it was copied "
             f"to {rows}.{across}", "Check the copied value is right for each case; unmerge the "
             "cells and fill each row next time.", row=r0, key=keys[c0], value=value)


def _read_one(path: Path, data: bytes, profile: Profile, aliases: dict[str, str],
              problems: list[Problem], letters: dict[str, dict[str, str]]
              ) -> tuple[pd.DataFrame | None, str | None, int | None]:
    name = path.name
    file_notes: list[tuple[str, str]] = []
    book = _Book(path, data, file_notes)
    sheet, grid, hpos = _pick_sheet(book, aliases, file_notes)
    for code, msg in file_notes:
        problems.append(Problem(NOTE, code, msg, _FILE_NOTE_FIXES[code], file=name,
                                sheet=None if sheet == "(csv)" else sheet))
    raw = grid.raw
    hrow = int(raw.index[hpos])  # Excel row of the header, less one
    header = raw.iloc[hpos].tolist()
    mapping: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for j, cell in enumerate(header):
        norm = normalise_header(cell)
        if not norm:
            continue
        key = aliases.get(norm)
        if key is None:
            unknown.append((j, _show(cell)))
        elif key in mapping:
            raise _FileRefused(
                "F08", f"The column '{key}' appears twice (columns "
                f"{get_column_letter(mapping[key] + 1)} and {get_column_letter(j + 1)}).",
                "Delete or rename one of the two columns so each key appears once.", sheet=sheet)
        else:
            mapping[key] = j
    letters[name] = {k: get_column_letter(j + 1) for k, j in mapping.items()}
    unknown_names = {normalise_header(u): (j, u) for j, u in unknown}
    missing = [c for c in profile.columns if c.in_header and c.key not in mapping]
    if missing:
        msgs = []
        for c in missing:
            near = difflib.get_close_matches(normalise_header(c.key), list(unknown_names), n=1,
                                             cutoff=0.6)
            hint = ""
            if near:
                j, u = unknown_names[near[0]]
                hint = f" (column {get_column_letter(j + 1)} is headed '{u}': did you mean '{c.key}'?)"
            msgs.append(f"'{c.key}'{hint}")
        raise _FileRefused(
            "F07", f"Required column{'s' if len(msgs) > 1 else ''} missing from the header row "
            f"(row {hrow + 1}): {'; '.join(msgs)}.",
            "Rename the column to its key as in the audit template, or copy the rows into a "
            "fresh template.", sheet=sheet, column=", ".join(c.key for c in missing))
    shown_sheet = None if sheet == "(csv)" else sheet

    def note(code, message, fix, row=None, key=None, value=None):
        problems.append(Problem(
            NOTE, code, message, fix, file=name, sheet=shown_sheet, row=row, column=key,
            letter=letters[name].get(key) if key else None,
            value=None if value is None else _show(value)))

    known = [c.key for c in profile.columns if c.key not in mapping]
    for j, u in unknown:
        near = difflib.get_close_matches(normalise_header(u), known, n=1, cutoff=0.6)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        problems.append(Problem(
            NOTE, "N01", f"Column '{u}' is not part of the audit tool and was ignored.{hint}",
            "Rename it to the key in the audit template if it holds audit answers.",
            file=name, sheet=shown_sheet, row=hrow + 1, letter=get_column_letter(j + 1), value=u))
    for key, j in mapping.items():
        if j in grid.hidden_cols:
            note("N05", f"Column {get_column_letter(j + 1)} ('{key}') is hidden in the workbook; "
                 "it was read as usual.", "Check its values; unhide it to see them.", key=key)
    for ref in grid.far_cells:
        note("N08", f"Cell {ref} holds a value far outside the audit table (beyond column "
             f"{get_column_letter(MAX_COLUMNS)}); it was ignored.",
             "Delete the stray value if it is not needed.")
    body = raw.loc[raw.index > hrow]
    if grid.merges:
        body = body.copy()
        _fill_merges(body, grid, hrow, mapping, note)
    # a second header row (the keys again, or the questions) is skipped, not read as a case
    pcol = body.iloc[:, mapping["partner"]] if mapping["partner"] < body.shape[1] else None
    if pcol is not None and len(body):
        uniq = [u for u in pcol.dropna().unique() if normalise_header(u) in aliases]
        repeats = []
        for label in body.index[pcol.isin(uniq)] if uniq else []:
            cells = body.loc[label].tolist()
            hits = {j: aliases[normalise_header(v)] for j, v in enumerate(cells)
                    if normalise_header(v) in aliases}
            if len(hits) < 3:
                continue
            moved = [k for j, k in hits.items() if mapping.get(k) != j]
            if moved:
                raise _FileRefused(
                    "F10", f"Row {label + 1} is a second header row with the columns in a "
                    f"different order from row {hrow + 1} (for example '{moved[0]}'), so the "
                    "rows below it cannot be read safely.",
                    "Keep one header row: move the rows under the second header into the "
                    "columns of the first, and delete the second header.", sheet=shown_sheet)
            repeats.append(label)
            note("N07", f"Row {label + 1} repeats the column headings; it was skipped.",
                 "Delete the repeated header row.", row=label + 1)
        if repeats:
            body = body.drop(index=repeats)
    cols = {}
    for c in profile.columns:
        if c.key in mapping and mapping[c.key] < body.shape[1]:
            cols[c.key] = body.iloc[:, mapping[c.key]].to_numpy(dtype=object)
        else:
            cols[c.key] = np.full(len(body), None, dtype=object)
    frame = pd.DataFrame(cols, index=body.index)
    frame = frame[~_blank_rows(frame)]
    frame.insert(0, "_row", (frame.index.to_numpy() + 1).astype(int))
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", name)
    for r in sorted(grid.hidden_rows & set(frame["_row"].tolist())):
        note("N05", f"Row {r} is hidden in the workbook; it was read and checked like any other "
             "row.", "Check the row is meant to be part of the return; unhide it to see it.",
             row=r)
    return frame.reset_index(drop=True), sheet, hrow + 1


def list_returns(inputs: Path) -> list[Path]:
    """Candidate return files in a folder (not recursive), sorted by name."""
    return sorted(
        p for p in Path(inputs).iterdir()
        if p.is_file() and not p.name.startswith(("~$", "."))
    )


def read_returns(inputs: Path | str, profile: Profile) -> Ingested:
    """Read every return in ``inputs`` into one typed table, collecting problems."""
    inputs = Path(inputs)
    problems: list[Problem] = []
    files: list[SourceFile] = []
    frames: list[pd.DataFrame] = []
    letters: dict[str, dict[str, str]] = {}
    aliases = _header_aliases(profile)
    if not inputs.is_dir():
        raise FileNotFoundError(f"The inputs folder {inputs} does not exist.")
    for path in list_returns(inputs):
        data = path.read_bytes()
        src = SourceFile(name=path.name, path=str(path), sha256=sha256_of(data), size=len(data))
        files.append(src)
        if path.suffix.lower() in OTHER_SPREADSHEETS:
            src.status = "refused"
            problems.append(Problem(
                ERROR, "F01", f"'{path.name}' is a spreadsheet saved as {path.suffix.lower()}, "
                "a format the toolkit does not read.",
                "Open it and save it as an Excel Workbook (.xlsx), then send that file.",
                file=path.name))
            continue
        if path.suffix.lower() not in RETURN_SUFFIXES:
            src.status = "skipped"
            problems.append(Problem(
                NOTE, "N02", f"'{path.name}' is not an Excel workbook or CSV file and was skipped.",
                "Only .xlsx, .xlsm, .xls and .csv returns are read.", file=path.name))
            continue
        try:
            frame, sheet, hrow = _read_one(path, data, profile, aliases, problems, letters)
        except _FileRefused as r:
            src.status = "refused"
            problems.append(Problem(ERROR, r.code, r.message, r.fix, file=path.name,
                                    sheet=r.sheet, column=r.column))
            continue
        except Exception as exc:  # never a traceback: the file is refused, the round goes on
            src.status = "refused"
            problems.append(Problem(
                ERROR, "F04", f"The file could not be read ({type(exc).__name__}: {exc}).",
                "Open it in Excel, save it as .xlsx and send it again; if that fails, report "
                "this to the toolkit's maintainers.", file=path.name))
            continue
        src.sheet, src.header_row, src.rows = sheet, hrow, len(frame)
        if frame.empty:
            problems.append(Problem(NOTE, "N03", "The audit sheet has no case rows.",
                                    "Check the partner sent the completed workbook.",
                                    file=path.name, sheet=None if sheet == "(csv)" else sheet))
        frames.append(frame)
    raw = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame(columns=META + [c.key for c in profile.columns]))
    unreadable: set[tuple[int, str]] = set()
    table = _coerce(raw, profile, letters, problems, unreadable)
    return Ingested(table=table, problems=problems, files=files, letters=letters,
                    unreadable=unreadable)


# --------------------------------------------------------------------------- typing values


class _Cells:
    """Builds problems for many rows of one column at once."""

    def __init__(self, raw: pd.DataFrame, letters, problems: list[Problem]):
        self.raw, self.letters, self.problems = raw, letters, problems

    def add(self, idx, key: str, severity: str, code: str, message: str, fix: str,
            value: object = None) -> None:
        r = self.raw.loc[idx]
        self.problems.append(Problem(
            severity, code, message, fix, file=r["_file"], sheet=r["_sheet"], row=int(r["_row"]),
            column=key, letter=self.letters.get(r["_file"], {}).get(key),
            value=None if value is None else _show(value),
            partner=r["partner"] if isinstance(r["partner"], str) else None))


def _by_unique(values: pd.Series, fn) -> tuple[list, list]:
    """Apply ``fn(value) -> (parsed, issue)`` once per distinct value (blank cells skipped)."""
    cache: dict = {}
    arr = values.to_numpy(dtype=object)
    parsed: list = [None] * len(arr)
    issues: list = [None] * len(arr)
    for i in np.flatnonzero(~pd.isna(arr)).tolist():
        v = arr[i]
        try:
            k = (type(v), v)
            hash(k)
        except TypeError:
            k = (type(v), repr(v))
        hit = cache.get(k)
        if hit is None:
            if isinstance(v, _Unreadable):
                hit = (None, v.issue)
            else:
                hit = (None, None) if _is_blank(v) else fn(v)
            cache[k] = hit
        parsed[i], issues[i] = hit
    return parsed, issues


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_TYPOGRAPHIC).strip()).lower()


def parse_answer(v: object) -> tuple[str | None, tuple | None]:
    """One answer cell -> (Yes/Partly/No/N/A or None, issue)."""
    if isinstance(v, (bool, np.bool_)):
        return None, (ERROR, "A01", f"TRUE/FALSE ({_show(v).upper()}) was entered where an answer "
                      "belongs.", "Choose Yes, Partly, No or N/A from the dropdown.")
    if isinstance(v, (int, float, np.number)):
        return None, (ERROR, "A01", f"A number ({_show(v)}) was entered where an answer belongs.",
                      "Choose Yes, Partly, No or N/A from the dropdown.")
    if isinstance(v, (dt.datetime, dt.date)):
        return None, (ERROR, "A01", "A date was entered where an answer belongs.",
                      "Choose Yes, Partly, No or N/A from the dropdown.")
    s = str(v)
    if s in ("Yes", "Partly", "No", "N/A"):
        return s, None
    canon = ANSWER_VARIANTS.get(_fold(s)) or ANSWER_VARIANTS.get(_fold(s).replace(" ", ""))
    if canon:
        return canon, (NOTE, "N10", f"Answer '{s}' was read as '{canon}'.",
                       "No action needed; use the dropdown next time.")
    return None, (ERROR, "A02", f"'{s}' is not an answer the audit tool accepts.",
                  "Choose Yes, Partly, No or N/A from the dropdown.")


def parse_date(v: object) -> tuple[dt.date | None, tuple | None]:
    """One date cell -> (date or None, issue). Text dates are read day first; a year before
    1900 or after 2100 cannot be right for a case audit and is an error."""
    d, issue = _parse_date(v)
    if d is not None and not YEARS[0] <= d.year <= YEARS[1]:
        return None, (ERROR, "D03", f"The year {d.year} cannot be right for this audit (the date "
                      f"was read as {d.day:02d}/{d.month:02d}/{d.year:04d}).",
                      "Check the year; enter dates as DD/MM/YYYY with a four-digit year.")
    return d, issue


def _parse_date(v: object) -> tuple[dt.date | None, tuple | None]:
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date(), None
    if isinstance(v, dt.date):
        return v, None
    if isinstance(v, bool):
        return None, (ERROR, "D01", "This is not a date.", "Enter the date as DD/MM/YYYY.")
    if isinstance(v, (int, float, np.number)):
        f = float(v)
        if f.is_integer() and 1 <= f <= 2958465:
            d = _EXCEL_EPOCH + dt.timedelta(days=int(f))
            return d, (NOTE, "N11", f"The date was a plain number ({int(f)}); read as an Excel "
                       f"date serial: {d:%d/%m/%Y}.", "Check the date; format the cell as a date.")
        return None, (ERROR, "D01", f"{_show(v)} is not a date.", "Enter the date as DD/MM/YYYY.")
    s = re.sub(r"\s+", " ", str(v).translate(_TYPOGRAPHIC).strip())
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return _parse_date(float(s))
    for fmt, two_digit in TEXT_DATE_FORMATS:
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if two_digit:
            return d, (NOTE, "N12", f"Two-digit year in '{s}' read as {d:%d/%m/%Y}.",
                       "Check the year; enter dates as DD/MM/YYYY.")
        return d, None
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", s)
    if m:
        return None, (ERROR, "D02", f"'{s}' is not a real date (there is no such day).",
                      "Correct the day or month; dates are read day first (DD/MM/YYYY).")
    return None, (ERROR, "D01", f"'{s}' could not be read as a date.",
                  "Enter the date as DD/MM/YYYY.")


def _parse_choice(choices: tuple[str, ...]):
    folded = {_fold(c): c for c in choices}

    def parse(v: object):
        if isinstance(v, dt.date):
            # Excel turns '1-4' or '5-10' typed into a cell into 1 April or 5 October.
            guess = f"{v.day}-{v.month}"
            if guess in choices:
                return guess, (NOTE, "N13", f"Excel had turned '{guess}' into a date; read as "
                               f"'{guess}'.", "Format the column as text, or use the dropdown.")
        s = _show(v)
        if s in choices:
            return s, None
        c = folded.get(_fold(s))
        if c:
            return c, (NOTE, "N14", f"'{s}' was read as '{c}'.",
                       "No action needed; use the dropdown next time.")
        near = difflib.get_close_matches(_fold(s), list(folded), n=1, cutoff=0.75)
        hint = f" Did you mean '{folded[near[0]]}'?" if near else ""
        return None, (ERROR, "C01", f"'{s}' is not one of the allowed values.{hint}",
                      f"Choose one of: {'; '.join(choices)}.")

    return parse


def _parse_multi(choices: tuple[str, ...]):
    single = _parse_choice(choices)

    def parse(v: object):
        parts = [p for p in re.split(r"[;,]", _show(v)) if p.strip()]
        out, notes = [], []
        for p in parts:
            c, issue = single(p.strip())
            if c is None:
                return None, (ERROR, "C02", f"'{p.strip()}' is not one of the allowed values.",
                              f"Use any of: {'; '.join(choices)}, separated by ;.")
            if c not in out:
                out.append(c)
            if issue:
                notes.append(issue)
        value = "; ".join(c for c in choices if c in out)
        return value, (notes[0] if notes else None)

    return parse


def _parse_grade(lo: int, hi: int):
    def parse(v: object):
        try:
            f = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            f = float("nan")
        if isinstance(v, bool) or not f.is_integer() or not lo <= f <= hi:
            return None, (ERROR, "G01", f"'{_show(v)}' is not a whole number from {lo} to {hi}.",
                          f"Enter a grade from {lo} (best) to {hi} (worst), or leave it blank.")
        return int(f), None

    return parse


def _parse_text(v: object):
    if isinstance(v, dt.date):
        return _show(v), None
    return re.sub(r"[ \t\u00a0]+", " ", _show(v).translate(_INVISIBLE)).strip(), None


def _coerce(raw: pd.DataFrame, profile: Profile, letters, problems: list[Problem],
            unreadable: set[tuple[int, str]]) -> pd.DataFrame:
    """Parse every column once, by the type the profile gives it."""
    out = raw[META].copy()
    cells = _Cells(raw, letters, problems)
    # partner first, so problems on other columns can name it
    order = sorted(profile.columns, key=lambda c: c.key != "partner")
    for col in order:
        if col.type == "answer":
            fn = parse_answer
        elif col.type == "date":
            fn = parse_date
        elif col.type == "choice":
            fn = _parse_choice(col.choices)
        elif col.type == "multi_choice":
            fn = _parse_multi(col.choices)
        elif col.type == "grade":
            fn = _parse_grade(col.min or 1, col.max or 5)
        else:
            fn = _parse_text
        parsed, issues = _by_unique(raw[col.key], fn)
        for idx, issue in zip(raw.index, issues, strict=True):
            if issue is not None:
                sev, code, msg, fix = issue
                if sev == ERROR:
                    unreadable.add((idx, col.key))
                cells.add(idx, col.key, sev, code, msg, fix, raw.at[idx, col.key])
        if col.type == "date":
            out[col.key] = pd.to_datetime(pd.Series(parsed, index=raw.index, dtype=object))
        elif col.type == "grade":
            out[col.key] = pd.array(parsed, dtype="Int64")
        else:
            out[col.key] = pd.Series(parsed, index=raw.index, dtype=object)
        if col.key == "partner":
            raw = raw.assign(partner=out["partner"])
            cells.raw = raw
    return out
