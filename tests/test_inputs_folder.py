"""The inputs folder, whatever it holds (issue 11): every return is read wherever it is and
whatever its name, judged by its content; everything else is refused with an error naming
it or, for well-known system files, skipped with a note naming it. No entry under the inputs
folder is ever dropped silently, and a partner missing from the round is said on every
report's first screen. Kernel-free: returns are built in code, rounds with build_round_data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import socket
import zipfile
from pathlib import Path

import pytest
import xlwt
from python_calamine import CalamineWorkbook

from conftest import TODAY, base_row, build_round_data, page_text, validate_folder, write_return, zip_bytes
from qa_lib.checks.rules import validate
from qa_lib.common.vocabulary import FileStatus, Severity
from qa_lib.ingest.returns import Ingested, list_returns, read_returns
from qa_lib.profile.schema import Profile
from qa_lib.report.sections.first_screen import first_screen

_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES = {  # what Excel writes in [Content_Types].xml for each kind of workbook
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    ".xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
}


# --------------------------------------------------------------------------- returns in code


def keys(profile: Profile) -> list[str]:
    return [c.key for c in profile.columns]


def xlsx_return(tmp_path: Path, profile: Profile, partner: str = "Cheshire Police",
                kind: str = ".xlsx", case: str = "HAL-0001") -> bytes:
    """A filled audit template's bytes, as Excel saves it as ``kind`` (.xlsx, .xlsm, .xltx,
    .xltm: the same parts, another content type)."""
    path = write_return(tmp_path / "made", profile, [base_row(case, partner)],
                        name=f"{partner}-{case}.xlsx")
    data = path.read_bytes()
    if kind not in _CONTENT_TYPES:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "[Content_Types].xml":
                part = part.replace(_SHEET_TYPE.encode(), _CONTENT_TYPES[kind].encode())
            z.writestr(info, part)
    return out.getvalue()


def xls_return(profile: Profile, partner: str = "Housing") -> bytes:
    """A BIFF8 (.xls/.xlt) return written with xlwt."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Audit")
    row = base_row("HAL-0001", partner, audit_date="15/10/2026")
    for j, k in enumerate(keys(profile)):
        ws.write(0, j, k)
        if row.get(k) is not None:
            ws.write(1, j, row[k])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text_return(profile: Profile, partner: str = "Schools", delimiter: str = "\t") -> bytes:
    """A text return (CSV, or tab-delimited as Excel's 'Text (Tab delimited)' saves it)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(keys(profile))
    row = base_row("HAL-0001", partner, audit_date="15/10/2026")
    w.writerow(["" if row.get(k) is None else row[k] for k in keys(profile)])
    return buf.getvalue().encode("utf-8")


def ods_return(profile: Profile, partner: str = "Health Visiting") -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice saves one (text cells)."""
    row = base_row("HAL-0001", partner, audit_date="15/10/2026")
    cells = [keys(profile), ["" if row.get(k) is None else str(row[k]) for k in keys(profile)]]

    def cell(v: str) -> str:
        if not v:
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>"
                   for r in cells)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Audit">{body}'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
            'spreadsheet"/></manifest:manifest>'))
        z.writestr("content.xml", content)
    return buf.getvalue()


def docx() -> bytes:
    """A Word document: a zip of the Office format, but with word/document.xml."""
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def word_doc() -> bytes:
    """An old Word .doc: an OLE file with a WordDocument stream and no Workbook."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")


def put(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(folder: Path, profile: Profile) -> tuple[Ingested, list]:
    ing = read_returns(folder, profile)
    return ing, validate(ing, profile, TODAY).problems


def outcome(ing: Ingested, problems: list, name: str) -> tuple[str, list[tuple[str, str]]]:
    """(status, [(severity, code)]) of one entry, by its name relative to the folder."""
    [f] = [f for f in ing.files if f.name == name]
    return f.status, [(p.severity, p.code) for p in problems if p.file == name]


def entries_on_disk(folder: Path) -> set[str]:
    """Every file, link and special file under ``folder`` (links to folders not followed)."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            out.add(Path(dirpath, n).relative_to(folder).as_posix())
    return out


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# --------------------------------------------------------------------------- read by content

READ_CASES = [  # (name, how the bytes are made, a name note expected)
    ("police.xlsx", "xlsx", False), ("POLICE.XLSX", "xlsx", False), ("police.xlsm", ".xlsm", False),
    ("police.xltx", ".xltx", False), ("police.XLTM", ".xltm", False), ("police", "xlsx", True),
    ("police.dat", "xlsx", True), ("housing.xls", "xls", False), ("housing.xlt", "xls", False),
    ("HOUSING.XLS", "xls", False), ("housing", "xls", True), ("schools.txt", "tab", False),
    ("schools.TXT", "tab", False), ("schools.tsv", "tab", False), ("SCHOOLS.CSV", "csv", False),
    ("schools.dat", "csv", True), ("schools", "csv", True), ("health.ods", "ods", False),
    ("HEALTH.ODS", "ods", False), ("health", "ods", True),
]


def _make(kind: str, tmp_path: Path, profile: Profile) -> bytes:
    if kind.startswith(".") or kind == "xlsx":
        return xlsx_return(tmp_path, profile, kind=kind if kind.startswith(".") else ".xlsx")
    return {"xls": lambda: xls_return(profile), "tab": lambda: text_return(profile),
            "csv": lambda: text_return(profile, delimiter=","),
            "ods": lambda: ods_return(profile)}[kind]()


@pytest.mark.parametrize(("name", "kind", "noted"), READ_CASES, ids=[c[0] for c in READ_CASES])
def test_a_return_is_read_by_its_content_whatever_its_name(tmp_path, halton, name, kind, noted):
    folder = tmp_path / "in"
    put(folder, name, _make(kind, tmp_path, halton))

    ing, problems = read(folder, halton)

    [f] = ing.files
    assert (f.name, f.status, f.rows) == (name, FileStatus.READ, 1)
    assert [p.code for p in problems] == (["N15"] if noted else [])
    assert len(ing.table) == 1 and ing.table["_file"].tolist() == [name]
    if noted:
        assert problems[0].file == name and name in problems[0].message


def test_calamine_reads_the_hand_made_ods(halton):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(ods_return(halton)))
    rows = wb.get_sheet_by_name("Audit").to_python()
    assert rows[0][:2] == keys(halton)[:2] and "Health Visiting" in rows[1]


def test_hidden_files_are_judged_by_their_content(tmp_path, halton):
    folder = tmp_path / "in"
    put(folder, ".police.xlsx", xlsx_return(tmp_path, halton))
    put(folder, ".hidden/schools.csv", text_return(halton, delimiter=","))

    ing, problems = read(folder, halton)

    assert {f.name: (f.status, f.rows) for f in ing.files} == {
        ".police.xlsx": ("read", 1), ".hidden/schools.csv": ("read", 1)}
    assert problems == []


# --------------------------------------------------------------------------- subfolders


def test_returns_in_subfolders_are_read_and_named_by_their_path(tmp_path, halton):
    folder = tmp_path / "in"
    put(folder, "police.xlsx", xlsx_return(tmp_path, halton, case="HAL-0001"))
    put(folder, "north/police.xlsx", xlsx_return(tmp_path, halton, "Housing", case="HAL-0002"))
    bad = write_return(tmp_path / "made", halton, [base_row("HAL-0003", "Schools", TU3="Maybe")],
                       name="bad.xlsx")
    put(folder, "south/week 2/police.xlsx", bad.read_bytes())
    (folder / "empty" / "deeper").mkdir(parents=True)  # empty folders: nothing to name

    ing, problems = read(folder, halton)

    names = ["north/police.xlsx", "police.xlsx", "south/week 2/police.xlsx"]
    assert [f.name for f in ing.files] == names
    assert all(f.status == "read" and f.rows == 1 for f in ing.files)
    assert sorted(ing.table["_file"]) == names
    assert set(ing.letters) == set(names)
    [p] = [p for p in problems if p.severity == Severity.ERROR]
    assert (p.code, p.file, p.row) == ("A02", "south/week 2/police.xlsx", 2)
    assert p.letter == ing.letters["south/week 2/police.xlsx"]["TU3"]


def test_listing_is_sorted_and_stable(tmp_path, halton):
    folder = tmp_path / "in"
    for name in ["b.csv", "a/z.csv", "A.csv", "a/b/c.csv"]:
        put(folder, name, b"x")
    first = [e.name for e in list_returns(folder)]
    assert first == sorted(first) == [e.name for e in list_returns(folder)]
    assert set(first) == {"b.csv", "a/z.csv", "A.csv", "a/b/c.csv"}


# --------------------------------------------------------------------------- refused or skipped

REFUSED_CASES = [  # (name, bytes, code): could be a partner's return, so an error stops the round
    ("letter.pdf", b"%PDF-1.7\n%binary\n1 0 obj<<>>endobj\n", "F12"),
    ("police.xlsx", b"%PDF-1.4 a PDF given an Excel name", "F12"),
    ("return.docx", docx(), "F12"),
    ("return.doc", word_doc(), "F12"),
    ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "F12"),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + bytes(64), "F12"),
    ("police.xlsb", zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}), "F01"),
    ("returns.zip", zip_bytes({"police.xlsx": b"PK", "notes/readme.txt": b"hi"}), "F13"),
    ("police.xlsx.zip", zip_bytes({"police.xlsx": b"PK"}), "F13"),
    ("notes.txt", b"Chased Housing twice; no reply yet.\r\n", "F06"),
    ("readme", b"Returns for round 7", "F06"),
    ("data.bin", bytes(range(256)) * 4, "F04"),
]


@pytest.mark.parametrize(("name", "data", "code"), REFUSED_CASES, ids=[c[0] for c in REFUSED_CASES])
def test_a_file_that_is_not_a_readable_return_is_refused_naming_it(tmp_path, halton, name, data,
                                                                  code):
    folder = tmp_path / "in"
    put(folder, f"sub/{name}", data)

    ing, problems = read(folder, halton)

    assert outcome(ing, problems, f"sub/{name}") == ("refused", [("error", code)])
    [p] = problems
    assert p.row is None and p.fix


def test_a_zip_archive_names_what_it_holds(tmp_path, halton):
    folder = tmp_path / "in"
    put(folder, "round7.zip", zip_bytes({"police.xlsx": xlsx_return(tmp_path, halton),
                                      "__MACOSX/._police.xlsx": b"x"}))
    [p] = validate_folder(folder, halton).problems
    assert p.code == "F13" and p.file == "round7.zip"
    assert p.message == ("'round7.zip' is a zip archive (holding 1 file: police.xlsx); archives are "
                         "not opened, so no return inside it was read.")


SYSTEM_CASES = ["~$police.xlsx", ".DS_Store", "Thumbs.db", "desktop.ini", "._police.xlsx",
                ".~lock.health.ods#", "north/~$schools.xls"]


@pytest.mark.parametrize("name", SYSTEM_CASES)
def test_a_system_file_is_skipped_with_a_note_naming_it(tmp_path, halton, name):
    folder = tmp_path / "in"
    put(folder, name, b"\x0bJane Smith" + b" " * 150)

    ing, problems = read(folder, halton)

    assert outcome(ing, problems, name) == ("skipped", [("note", "N02")])
    assert problems[0].message.startswith(f"'{name}' is a")


def test_a_large_file_with_a_lock_file_name_is_judged_by_its_content(tmp_path, halton):
    folder = tmp_path / "in"
    put(folder, "~$police.xlsx", xlsx_return(tmp_path, halton))
    ing, problems = read(folder, halton)
    assert outcome(ing, problems, "~$police.xlsx") == ("read", [])


# --------------------------------------------------------------------------- links and special files


def test_a_link_to_a_return_is_read_with_a_note(tmp_path, halton):
    folder = tmp_path / "in"
    folder.mkdir()
    target = put(tmp_path / "elsewhere", "police.xlsx", xlsx_return(tmp_path, halton))
    (folder / "police.xlsx").symlink_to(target)

    ing, problems = read(folder, halton)

    assert outcome(ing, problems, "police.xlsx") == ("read", [("note", "N17")])
    assert str(target) in problems[0].message and ing.files[0].rows == 1


def test_a_broken_link_is_refused_naming_it(tmp_path, halton):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "housing.xlsx").symlink_to(tmp_path / "gone.xlsx")

    ing, problems = read(folder, halton)

    assert outcome(ing, problems, "housing.xlsx") == ("refused", [("error", "F14")])
    assert "gone.xlsx" in problems[0].message


def test_a_linked_folder_is_read_once_and_a_loop_is_named(tmp_path, halton):
    folder = tmp_path / "in"
    put(folder, "north/police.xlsx", xlsx_return(tmp_path, halton))
    (folder / "north" / "again").symlink_to(folder / "north")  # a loop
    put(tmp_path / "shared", "schools.csv", text_return(halton, delimiter=","))
    (folder / "shared").symlink_to(tmp_path / "shared")

    ing, problems = read(folder, halton)

    assert outcome(ing, problems, "north/police.xlsx") == ("read", [])
    assert outcome(ing, problems, "shared/schools.csv") == ("read", [])
    assert outcome(ing, problems, "north/again") == ("skipped", [("note", "N18")])


def test_a_fifo_and_a_socket_are_named_and_never_opened(tmp_path, halton):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.xlsx")  # opening it would block for ever
    sock = socket.socket(socket.AF_UNIX)
    path = folder / "s.csv"
    if len(str(path)) > 100:
        pytest.skip("socket path too long here")
    sock.bind(str(path))
    try:
        ing, problems = read(folder, halton)
    finally:
        sock.close()

    assert outcome(ing, problems, "pipe.xlsx") == ("skipped", [("note", "N18")])
    assert outcome(ing, problems, "s.csv") == ("skipped", [("note", "N18")])
    assert "named pipe" in [p for p in problems if p.file == "pipe.xlsx"][0].message


def test_the_toolkits_own_reports_inside_the_inputs_folder_are_named_not_read(tmp_path, halton):
    folder = tmp_path / "in"
    write_return(folder, halton, [base_row("HAL-0001", "Cheshire Police")], name="police.xlsx")
    build_round_data(halton, folder, folder / "reports", "R1")  # --out inside --inputs
    (folder / "reports" / ".qa-audit.lock").write_bytes(b"")

    ing, problems = read(folder, halton)

    assert [(f.name, f.status) for f in ing.files] == [("police.xlsx", "read"),
                                                       ("reports", "skipped")]
    [p] = problems
    assert (p.code, p.file) == ("N18", "reports")
    assert "a reports folder made by the toolkit" in p.message
    data = build_round_data(halton, folder, folder, "R2")  # --out the inputs folder itself
    inputs = {f["file"]: f["status"] for f in data.meta["inputs"]}
    [unfinished] = [n for n in inputs if n.startswith(".R2.partial-")]  # this round's own folder
    assert inputs == {unfinished: "skipped", "police.xlsx": "read", "reports": "skipped"}


# --------------------------------------------------------------------------- nothing dropped


def test_no_entry_under_the_inputs_folder_is_dropped_silently(tmp_path, halton):
    folder = tmp_path / "in"
    for name, kind, _ in READ_CASES[::3]:
        put(folder, f"read/{name}", _make(kind, tmp_path, halton))
    for name, data, _ in REFUSED_CASES:
        put(folder, f"refused/deep/{name}", data)
    for name in SYSTEM_CASES:
        put(folder, f"system/{name}", b"lock")
    (folder / "links").mkdir()
    (folder / "links" / "to-police.xlsx").symlink_to(folder / "read" / "police.xlsx")
    (folder / "links" / "broken.xlsx").symlink_to(tmp_path / "nothing")
    os.mkfifo(folder / "links" / "fifo")
    before = digest(folder)

    ing, problems = read(folder, halton)

    assert digest(folder) == before, "inputs are never modified"
    on_disk = entries_on_disk(folder)
    named = {f.name for f in ing.files}
    assert named == on_disk
    names = [f.name for f in ing.files]
    assert len(names) == len(set(names)), "names are unique"
    for f in ing.files:
        if f.status == FileStatus.READ:
            assert f.rows == 1, f.name
        else:
            assert any(p.file == f.name for p in problems), f.name
    refused = {f.name for f in ing.files if f.status == FileStatus.REFUSED}
    assert refused == {f"refused/deep/{n}" for n, _, _ in REFUSED_CASES} | {"links/broken.xlsx"}
    assert {p.file for p in problems if p.severity == "error" and p.row is None} == refused


def test_worker_processes_give_the_same_outcome(tmp_path, halton):
    folder = tmp_path / "in"
    for name, kind, _ in READ_CASES[:4]:
        put(folder, f"read/{name}", _make(kind, tmp_path, halton))
    for name, data, _ in REFUSED_CASES[:3]:
        put(folder, name, data)
    put(folder, "Thumbs.db", b"x")
    os.mkfifo(folder / "pipe")
    (folder / "broken.xlsx").symlink_to(tmp_path / "nothing")

    one, many = read_returns(folder, halton), read_returns(folder, halton, workers=2)

    assert [(f.name, f.status, f.rows) for f in one.files] == [
        (f.name, f.status, f.rows) for f in many.files]
    assert one.problems == many.problems and len(one.files) == 10


# --------------------------------------------------------------------------- first screens


def test_every_first_screen_names_the_partners_missing_and_why(tmp_path, halton):
    folder = tmp_path / "in"
    write_return(folder, halton, [base_row("HAL-0001", "Cheshire Police")], name="police.xlsx")
    write_return(folder, halton, [base_row("HAL-0002", "Schools")], name="schools.xlsx")
    put(folder, "housing/housing.pdf", b"%PDF-1.7 sent by mistake")

    data = build_round_data(halton, folder, tmp_path / "out", "R7", allow_partial=True)

    missing = {m["partner"]: m["reason"] for m in data.meta["missing_partners"]}
    assert set(missing) == set(halton.partners) - {"Cheshire Police", "Schools"}
    assert missing["Housing"] == "its return was refused whole (housing/housing.pdf)"
    assert missing["Health Visiting"] == "no return was received"
    for partner in (None, "Cheshire Police", "Schools"):
        text = page_text(first_screen(data, partner))
        assert "Partners missing from this round." in text
        assert "Housing: its return was refused whole (housing/housing.pdf)." in text
        assert "Health Visiting: no return was received." in text
        assert "Cheshire Police: " not in text


def test_an_unattributed_refused_file_is_named_as_a_possible_return(tmp_path, halton):
    folder = tmp_path / "in"
    write_return(folder, halton, [base_row("HAL-0001", "Cheshire Police")], name="police.xlsx")
    put(folder, "return (2).xlsx", b"PK\x03\x04 damaged")

    data = build_round_data(halton, folder, tmp_path / "out", "R7", allow_partial=True)

    text = page_text(first_screen(data))
    assert ("Housing: no row was read for it; its return may be a file refused whole "
            "(return (2).xlsx).") in text


def test_a_partner_whose_every_row_was_left_out_is_named(tmp_path, halton):
    folder = tmp_path / "in"
    write_return(folder, halton, [base_row("HAL-0001", "Cheshire Police")], name="police.xlsx")
    write_return(folder, halton, [base_row("HAL-0002", "Schools", TU3="Maybe")], name="s.xlsx")

    data = build_round_data(halton, folder, tmp_path / "out", "R7", allow_partial=True)

    text = page_text(first_screen(data, "Cheshire Police"))
    assert "Schools: every row of its return was left out because of errors." in text


def test_no_warning_when_every_partner_has_cases(tmp_path, halton):
    folder = tmp_path / "in"
    for i, partner in enumerate(halton.partners):
        write_return(folder, halton, [base_row(f"HAL-{i:04d}", partner)], name=f"p{i}.xlsx")
    data = build_round_data(halton, folder, tmp_path / "out", "R7")
    assert data.meta["missing_partners"] == []
    assert "Partners missing" not in first_screen(data)
