"""Read partner returns (.xlsx, .xlsm, .xls, .csv) into one typed table.

Every workbook is read once with pandas' calamine engine. The header row is
found by its keys wherever it sits; columns are matched by key (or question
text) whatever their order; values are parsed once here (dates, answers,
choices) so that validation rules and scoring work on typed columns. Every
value that cannot be read becomes a :class:`~qa_lib.problems.Problem` naming
file, sheet, Excel row and column letter. Inputs are opened read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from qa_lib.problems import ERROR, NOTE, Problem
from qa_lib.profile import Profile

RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
HEADER_SEARCH_ROWS = 50
META = ["_file", "_sheet", "_row"]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# Problems found while reading, for the rule catalogue: code -> (severity, what it means).
INGEST_CODES = {
    "F02": (ERROR, "The file is empty."),
    "F03": (ERROR, "The workbook is password-protected."),
    "F04": (ERROR, "The file cannot be opened as a workbook (damaged or not Excel)."),
    "F05": (ERROR, "The workbook has no 'Audit' sheet."),
    "F06": (ERROR, "No header row of column keys was found."),
    "F07": (ERROR, "A required column is missing (with a near-miss suggestion)."),
    "F08": (ERROR, "A column appears twice."),
    "A01": (ERROR, "A number or date where an answer belongs."),
    "A02": (ERROR, "An answer that is not Yes, Partly, No or N/A."),
    "D01": (ERROR, "A value that cannot be read as a date."),
    "D02": (ERROR, "A date that does not exist (such as 31/02)."),
    "C01": (ERROR, "A value that is not one of the column's choices (with a suggestion)."),
    "C02": (ERROR, "A multi-choice value with an item that is not allowed."),
    "G01": (ERROR, "A grade that is not a whole number in range."),
    "N01": (NOTE, "A column that is not part of the audit tool was ignored."),
    "N02": (NOTE, "A file that is not a return was skipped."),
    "N03": (NOTE, "A workbook with no case rows."),
    "N10": (NOTE, "An answer written differently (yes, Y, NA) was normalised."),
    "N11": (NOTE, "A date given as an Excel serial number was converted."),
    "N12": (NOTE, "A two-digit year was read as 20xx or 19xx."),
    "N13": (NOTE, "A choice Excel had turned into a date was recovered."),
    "N14": (NOTE, "A choice written differently was normalised."),
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
    ("%Y-%m-%d %H:%M:%S", False), ("%d/%m/%Y %H:%M", False), ("%d/%m/%Y %H:%M:%S", False),
]


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


def _read_sheets(path: Path, data: bytes) -> dict[str, pd.DataFrame]:
    suffix = path.suffix.lower()
    if not data:
        raise _FileRefused("F02", "The file is empty (0 bytes).",
                           "Ask the partner to send the completed audit workbook again.")
    if suffix == ".csv":
        return {"(csv)": _read_csv(data)}
    if suffix in (".xlsx", ".xlsm") and data.startswith(_OLE_MAGIC):
        raise _FileRefused(
            "F03", "The workbook is password-protected (encrypted), so it cannot be read.",
            "Ask the partner to remove the password (File > Info > Protect Workbook) and "
            "send it again by a secure route.")
    try:
        # keep_default_na=False: 'N/A' and 'NA' are answers here, not missing values
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object,
                               engine="calamine", keep_default_na=False)
        return {name: df.replace("", np.nan) for name, df in sheets.items()}
    except Exception as exc:  # calamine raises several types for damaged files
        raise _FileRefused(
            "F04", f"The file could not be opened as an Excel workbook ({type(exc).__name__}).",
            "Open it in Excel to check it is not damaged, save it as .xlsx and send it again."
        ) from None


def _read_csv(data: bytes) -> pd.DataFrame:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        text = data.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(rows, dtype=object).replace("", np.nan)


def _header_aliases(profile: Profile) -> dict[str, str]:
    aliases = {}
    for col in profile.columns:
        aliases[normalise_header(col.key)] = col.key
        aliases[normalise_header(col.question)] = col.key
    return aliases


def _find_header(raw: pd.DataFrame, aliases: dict[str, str]) -> tuple[int, int]:
    """(row index, number of keys matched) of the best header candidate."""
    best, best_hits = -1, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(raw))):
        hits = sum(1 for v in raw.iloc[i].tolist() if normalise_header(v) in aliases)
        if hits > best_hits:
            best, best_hits = i, hits
    return best, best_hits


def _pick_sheet(sheets: dict[str, pd.DataFrame], aliases) -> tuple[str, pd.DataFrame, int]:
    named = [n for n in sheets if n.strip().lower() == "audit"]
    order = named + [n for n in sheets if n not in named]
    for name in order:
        row, hits = _find_header(sheets[name], aliases)
        if hits >= 3:
            return name, sheets[name], row
    if named:
        raise _FileRefused(
            "F06", "The Audit sheet has no header row of column keys (case_ref, partner, "
            "audit_date, ...) in its first 50 rows.",
            "Copy the rows into a fresh audit template generated for this round.", sheet=named[0])
    raise _FileRefused(
        "F05", f"No sheet called 'Audit' was found (sheets: {', '.join(sheets) or 'none'}).",
        "Enter the cases on the 'Audit' sheet of the audit template for this round.")


def _read_one(path: Path, data: bytes, profile: Profile, aliases: dict[str, str],
              problems: list[Problem], letters: dict[str, dict[str, str]]
              ) -> tuple[pd.DataFrame | None, str | None, int | None]:
    name = path.name
    sheets = _read_sheets(path, data)
    sheet, raw, hrow = _pick_sheet(sheets, aliases)
    header = raw.iloc[hrow].tolist()
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
    known = [c.key for c in profile.columns if c.key not in mapping]
    for j, u in unknown:
        near = difflib.get_close_matches(normalise_header(u), known, n=1, cutoff=0.6)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        problems.append(Problem(
            NOTE, "N01", f"Column '{u}' is not part of the audit tool and was ignored.{hint}",
            "Rename it to the key in the audit template if it holds audit answers.",
            file=name, sheet=sheet, row=hrow + 1, letter=get_column_letter(j + 1), value=u))
    body = raw.iloc[hrow + 1:]
    cols = {}
    for c in profile.columns:
        if c.key in mapping:
            cols[c.key] = body.iloc[:, mapping[c.key]].to_numpy(dtype=object)
        else:
            cols[c.key] = np.full(len(body), None, dtype=object)
    frame = pd.DataFrame(cols, index=body.index)
    blank = frame.map(_is_blank).all(axis=1)
    frame = frame[~blank]
    frame.insert(0, "_row", (frame.index.to_numpy() + 1).astype(int))
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", name)
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
        src.sheet, src.header_row, src.rows = sheet, hrow, len(frame)
        if frame.empty:
            problems.append(Problem(NOTE, "N03", "The audit sheet has no case rows.",
                                    "Check the partner sent the completed workbook.",
                                    file=path.name, sheet=sheet))
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
    """Apply ``fn(value) -> (parsed, issue)`` once per distinct value."""
    cache: dict = {}
    parsed, issues = [], []
    for v in values.tolist():
        try:
            k = (type(v), v)
            hash(k)
        except TypeError:
            k = (type(v), repr(v))
        if k not in cache:
            cache[k] = (None, None) if _is_blank(v) else fn(v)
        p, i = cache[k]
        parsed.append(p)
        issues.append(i)
    return parsed, issues


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip()).lower()


def parse_answer(v: object) -> tuple[str | None, tuple | None]:
    """One answer cell -> (Yes/Partly/No/N/A or None, issue)."""
    if isinstance(v, bool) or isinstance(v, (int, float, np.number)):
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
    """One date cell -> (date or None, issue). Text dates are read day first."""
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
    s = re.sub(r"\s+", " ", str(v).strip())
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return parse_date(float(s))
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
        if isinstance(v, (dt.datetime, pd.Timestamp)):
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
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return _show(v), None
    return re.sub(r"[ \t]+", " ", _show(v)).strip(), None


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
