"""Read a filled actions workbook (``--actions FILE``): the actions agreed and the commentary.

The file is opened by its content like a return (:class:`~qa_lib.ingest.workbook.Book`:
python-calamine, for .xlsx, .xls, .ods or CSV) and only read. The header row of the
``Actions`` sheet is found by its column names wherever it sits; each problem names the
file, sheet, Excel row and column letter (codes L01 to L08, :mod:`qa_lib.ingest.codes`): no
table of actions, a row with no action text, an unknown partner or measure, a due date that
is not a date, a status not in the list, an owner that looks like a person's name. A row
with an error gives no action. Text that looks like personal data is replaced with
``[redacted]`` (a note). Each action's progress (done, dropped, overdue, open) is judged
against the round's date (:func:`~qa_lib.profile.actions_tool.progress_of`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from qa_lib.common.personal_data import first_names, identifier_kind, redact
from qa_lib.common.problems import FileRefused, Issue, Problem
from qa_lib.common.vocabulary import FileStatus, Severity
from qa_lib.ingest.codes import F04, L01, L02, L03, L04, L05, L06, L07, L08
from qa_lib.ingest.returns import SourceFile, normalise_header, read_side_file
from qa_lib.ingest.values import SheetPlace, Unreadable, is_blank, parse_date, parse_text, show_value
from qa_lib.ingest.workbook import Book
from qa_lib.profile.actions_tool import (
    ACTION_FIELDS,
    COMMENTARY_FIELDS,
    COMMENTARY_SHEET,
    PARTNERSHIP,
    REQUIRED,
    SHEET,
    ActionStatus,
    partner_choices,
    progress_of,
)
from qa_lib.profile.schema import Profile

HEADER_SEARCH_ROWS = 30
OPTIONAL = ("round_agreed", "notes")
WITHHELD = "[withheld]"
# Words of a role: an owner holding one is not taken for a name because its words are
# capitalised ('Team Manager', 'Education Safeguarding Officer').
ROLE_WORDS = frozenset("""
    adviser advisor analyst assistant assurance board business care chair co-ordinator
    commissioner consultant coordinator designated deputy detective di director doctor ds
    education early gp group head headteacher health help hub independent inspector lead
    leader manager mash midwife named nurse officer operational panel paediatrician partnership
    performance police practitioner principal quality reviewing safeguarding school schools
    senco sergeant service services social strategic subgroup supervisor team teacher unit
    visitor visiting worker""".split())
_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z]")


@dataclass
class ActionLog:
    """An actions workbook as read: the file's record, the actions and commentary read
    without error (columns :data:`~qa_lib.profile.actions_tool.ACTION_FIELDS` and
    ``COMMENTARY_FIELDS``), and every problem found."""

    source: SourceFile
    actions: pd.DataFrame
    commentary: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


def owner_kind(owner: str) -> str | None:
    """What a person's identifier an owner looks like ('a name', 'an e-mail address', ...),
    or None for a role. Uses the personal-data scan's identifier check; a value holding a
    role word is not a name only because its words are capitalised."""
    if _TITLE.search(owner):
        return "a name"
    words = [w.lower() for w in re.split(r"[\s\-_.,;:()/]+", owner) if w]
    if any(w in first_names() and w not in ROLE_WORDS for w in words):
        return "a name"
    kind = identifier_kind(owner)
    if kind == "a name" and any(w in ROLE_WORDS for w in words):
        return None  # capitalised words of a role: 'Team Manager'
    return kind


def read_actions(path: Path | str, profile: Profile, today: dt.date) -> ActionLog:
    """Read and check a filled actions workbook for ``profile``, judging each action's
    progress on ``today``; never raises for a bad file (one that cannot be read is one error
    naming it). The file is only read."""
    path = Path(path)
    name = path.name
    actions, commentary = (pd.DataFrame(columns=ACTION_FIELDS),
                           pd.DataFrame(columns=COMMENTARY_FIELDS))
    src, data, unreadable = read_side_file(path, "Actions workbook", "actions workbook")
    if data is None:
        return ActionLog(src, actions, commentary, [unreadable] if unreadable else [])
    notes: list[Issue] = []
    try:
        book = Book(Path(name), data, notes)
        found = _find_table(book, SHEET, REQUIRED, OPTIONAL, required=True)
        assert found is not None  # a required table is found or the file refused
        sheet, raw, hrow, cols = found
        found_commentary = _find_table(book, COMMENTARY_SHEET, ("about", "commentary"), (),
                                       required=False)
    except FileRefused as refused:
        src.status = FileStatus.REFUSED
        return ActionLog(src, actions, commentary, [refused.problem(name)])
    except Exception as exc:  # never a traceback: the file is refused, as a return would be
        src.status = FileStatus.REFUSED
        return ActionLog(src, actions, commentary, [F04.problem(
            file=name, message=f"The actions workbook could not be read ({type(exc).__name__}: "
            f"{exc}).", fix="Open it in Excel, save it as .xlsx and run the round again.")])
    problems: list[Problem] = []
    shown_sheet = None if sheet == "(csv)" else sheet
    place = SheetPlace(name, shown_sheet, _letters(cols), problems)
    for issue in notes:
        place.add(issue)
    src.sheet, src.header_row = shown_sheet, hrow
    actions = _actions(raw, hrow, cols, profile, today, place)
    if found_commentary is not None:
        csheet, craw, chrow, ccols = found_commentary
        commentary = _commentary(craw, chrow, ccols, profile,
                                 SheetPlace(name, csheet, _letters(ccols), problems))
    src.rows = len(actions)
    return ActionLog(src, actions, commentary, problems)


def _letters(cols: dict[str, int]) -> dict[str, str]:
    return {k: get_column_letter(c + 1) for k, c in cols.items()}


def _find_table(book: Book, wanted: str, needed: tuple[str, ...], optional: tuple[str, ...],
                *, required: bool) -> tuple[str, pd.DataFrame, int, dict[str, int]] | None:
    """The sheet holding a table (``wanted`` first, then any other), its grid, its header row
    (Excel's number) and each column's index; None (or, when ``required``, a refusal) when
    no sheet has a header row with every required column."""
    names = [n for n, _ in book.sheets]
    order = sorted(names, key=lambda n: n.strip().lower() != wanted.lower())
    best: tuple[int, str] | None = None  # the nearest miss, for the message
    for sheet in order:
        if not required and sheet.strip().lower() != wanted.lower():
            continue
        raw = book.load(sheet).raw
        for idx in raw.index[:HEADER_SEARCH_ROWS]:
            cells: dict[str, int] = {}
            for j, v in enumerate(raw.loc[idx]):
                if isinstance(v, str) and normalise_header(v) not in cells:
                    cells[normalise_header(v)] = j
            have = [k for k in needed if k in cells]
            if len(have) == len(needed):
                return sheet, raw, int(idx) + 1, {k: cells[k] for k in (*needed, *optional)
                                                  if k in cells}
            if have and (best is None or len(have) > best[0]):
                missing = [k.replace("_", " ") for k in needed if k not in cells]
                best = (len(have), f" (row {int(idx) + 1} lacks: {', '.join(missing)})")
    if not required:
        return None
    where = (f"the sheet '{SHEET}'" if SHEET in names else
             "the file" if names == ["(csv)"] else f"any sheet ({', '.join(names)})")
    raise L01.refuse(where=where, rows=HEADER_SEARCH_ROWS, missing=best[1] if best else "")


def _cell(cells: pd.Series, cols: dict[str, int], key: str) -> object:
    j = cols.get(key)
    return None if j is None or j >= len(cells) else cells.iloc[j]


def _text(v: object) -> str:
    return "" if is_blank(v) else str(parse_text(v)[0])


def _clean(text: str, column: str, row: int, place: SheetPlace) -> str:
    """Free text after the personal-data scan; a note when something was redacted."""
    out, n = redact(text)
    if n:
        place.add(L08.issue(count=n, column=column), row, column, WITHHELD)
    return out


def _partner(v: str, profile: Profile) -> str | None:
    """The partner named (case and spacing forgiven), or None."""
    by_fold = {" ".join(p.lower().split()): p for p in partner_choices(profile)}
    return by_fold.get(" ".join(v.lower().split()))


def _unknown_partner(v: str, profile: Profile) -> Issue:
    known = partner_choices(profile)
    close = difflib.get_close_matches(v, known, n=1, cutoff=0.6)
    return L03.issue(value=v, profile=profile.name,
                     hint=f" Did you mean '{close[0]}'?" if close else "",
                     known="; ".join(known))


def _measure(v: str, profile: Profile) -> str | None:
    """The key of the measure named by its key, its name or 'key: name', or None."""
    folded = " ".join(v.lower().split())
    for m in profile.measures:
        if folded in (m.key.lower(), " ".join(m.name.lower().split()),
                      " ".join(f"{m.key}: {m.name}".lower().split())):
            return m.key
    key = folded.split(":", 1)[0].strip()
    return next((m.key for m in profile.measures if m.key.lower() == key), None)


def _actions(raw: pd.DataFrame, hrow: int, cols: dict[str, int], profile: Profile,
             today: dt.date, place: SheetPlace) -> pd.DataFrame:
    """One action per row under the header; problems go to ``place``."""
    out = []
    for idx, cells in raw.loc[raw.index >= hrow].iterrows():
        row = int(idx) + 1  # type: ignore[call-overload]
        values = {k: _cell(cells, cols, k) for k in cols}
        for k, v in values.items():
            if isinstance(v, Unreadable):
                place.add(v.issue, row, k, v)
        if any(isinstance(v, Unreadable) for v in values.values()):
            continue
        text = {k: _text(v) for k, v in values.items() if k != "due_date"}
        if all(is_blank(v) for v in values.values()):
            continue
        bad = False
        if not text["action"]:
            filled = next(k for k, v in values.items() if not is_blank(v))
            place.add(L02.issue(filled=filled.replace("_", " ")), row, "action")
            bad = True
        partner = PARTNERSHIP if not text["partner"] else _partner(text["partner"], profile)
        if partner is None:
            place.add(_unknown_partner(text["partner"], profile), row, "partner",
                      text["partner"])
            bad = True
        measure = None
        if text["measure"]:
            measure = _measure(text["measure"], profile)
            if measure is None:
                close = difflib.get_close_matches(
                    text["measure"].lower(), [m.key for m in profile.measures], n=1, cutoff=0.6)
                place.add(L04.issue(value=text["measure"], profile=profile.name,
                                    hint=f" Did you mean '{close[0]}'?" if close else "",
                                    known=", ".join(m.key for m in profile.measures)),
                          row, "measure", text["measure"])
                bad = True
        due = None
        if not is_blank(values["due_date"]):
            due, issue = parse_date(values["due_date"])
            if due is None:
                place.add(L05.issue(value=show_value(values["due_date"])), row, "due_date",
                          values["due_date"])
                bad = True
        status = ActionStatus.OPEN
        if text["status"]:
            found = next((s for s in ActionStatus if s.value.lower() == text["status"].lower()),
                         None)
            if found is None:
                place.add(L06.issue(value=text["status"]), row, "status", text["status"])
                bad = True
            else:
                status = found
        kind = owner_kind(text["owner"]) if text["owner"] else None
        if kind is not None:
            place.add(L07.issue(kind=kind), row, "owner", WITHHELD)
            bad = True
        if bad:
            continue
        out.append({
            "action": _clean(text["action"], "action", row, place), "partner": partner,
            "measure": measure, "owner": text["owner"] or None, "due": due,
            "status": str(status), "progress": str(progress_of(status, due, today)),
            "round_agreed": text.get("round_agreed") or None,
            "notes": _clean(text.get("notes", ""), "notes", row, place) or None, "row": row})
    frame = pd.DataFrame(out, columns=ACTION_FIELDS)
    frame["due"] = pd.to_datetime(frame["due"])
    return frame


def _commentary(raw: pd.DataFrame, hrow: int, cols: dict[str, int], profile: Profile,
                place: SheetPlace) -> pd.DataFrame:
    """The lead's commentary, one row per partner (or the Partnership) written about."""
    out = []
    for idx, cells in raw.loc[raw.index >= hrow].iterrows():
        row = int(idx) + 1  # type: ignore[call-overload]
        about, text = (_text(_cell(cells, cols, "about")), _text(_cell(cells, cols, "commentary")))
        if not text:
            continue
        who = PARTNERSHIP if not about else _partner(about, profile)
        if who is None:
            place.add(_unknown_partner(about, profile), row, "about", about)
            continue
        out.append({"about": who, "commentary": _clean(text, "commentary", row, place),
                    "row": row})
    return pd.DataFrame(out, columns=COMMENTARY_FIELDS)
