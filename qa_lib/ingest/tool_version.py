"""Which version of the audit tool a return was made with, and whether its questions are
this round's.

Every generated audit tool says on its Instructions sheet which profile and version made
it ("profile 'halton', version 1.0.0") and lists every column key with its question. A
return made with an earlier tool is read against this round's profile only where each
key still asks the same question:

- a column whose question moved to another key (criteria renumbered) is read as that key;
- a scored column whose question changed, or a scored question new since that tool,
  refuses the file (F15), naming each one, so last round's answers are never scored
  against this round's questions;
- anything else that differs (a question no longer asked, wording of an unscored column)
  is a note (N20).

A return with no Instructions sheet (a CSV, or a sheet deleted) cannot be checked and is
read by its header keys as before.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

from qa_lib.common.problems import FileRefused, Issue
from qa_lib.ingest.codes import F15, N20
from qa_lib.ingest.workbook import Book
from qa_lib.profile.schema import Profile

_STAMP = re.compile(r"profile\s+'([^']+)',\s*version\s+([\d.]+)", re.I)
_PREFILLED = re.compile(r"Audit tool for:\s*(.+?)\s*\(filled in on every case row\)")
SHOW_CHANGES = 5  # changed questions named in one message; the rest are counted
SAME_WORDING = 0.92  # questions at least this alike (difflib ratio) are the same question


def _as_asked(text: str) -> str:
    """A question without the tool's '[Yes / No]' and '(required)' additions, spaces
    collapsed."""
    t = " ".join(str(text).split())
    t = re.sub(r"\s*\(required\)\s*$", "", t)
    return re.sub(r"\s*\[[^\]]*\]\s*$", "", t).strip()


def bare_question(text: str) -> str:
    """A question as compared between versions: as asked, in lower case."""
    return _as_asked(text).casefold()


@dataclass(frozen=True)
class ToolStamp:
    """What the Instructions sheet of a return says about the tool that made it."""

    profile: str
    version: str
    questions: dict[str, str] = field(default_factory=dict)  # key -> question as printed
    partner: str | None = None  # the partner's name the tool filled in on every case row


def read_stamp(raw: pd.DataFrame) -> ToolStamp | None:
    """The stamp on an Instructions sheet's grid, or None if it has none."""
    if raw.empty:
        return None
    stamp = None
    partner = None
    questions: dict[str, str] = {}
    listing = False
    for row in raw.itertuples(index=False):
        cells = ["" if pd.isna(v) else str(v) for v in row]
        first = cells[0].strip() if cells else ""
        if stamp is None:
            m = next((_STAMP.search(c) for c in cells[:3] if _STAMP.search(c)), None)
            if m:
                stamp = (m.group(1), m.group(2))
                own = _PREFILLED.search(m.string)
                partner = own.group(1) if own else None
                continue
        if first.casefold() == "column key":
            listing = True
            continue
        if listing and first and len(cells) >= 3 and cells[2].strip():
            questions[first] = cells[2].strip()
    if stamp is None:
        return None
    return ToolStamp(stamp[0], stamp[1], questions, partner)


@dataclass
class Reconciled:
    """How a return's columns are read against this round's profile."""

    renames: dict[str, str | None] = field(default_factory=dict)  # the tool's key -> this
    # round's key, or None for a column not to read (its key now names another question)
    notes: list[Issue] = field(default_factory=list)
    prefilled_partner: str | None = None  # the partner's name the tool filled in, if any


def _scored(profile: Profile) -> set[str]:
    """Columns whose answers go into a score: criteria answered, and the dates computed
    criteria read."""
    return ({c.key for c in profile.columns if c.type == "answer"}
            | {d.key for d in profile.model.date_columns})


def _quote(text: str, limit: int = 70) -> str:
    text = _as_asked(text)
    return f"'{text if len(text) <= limit else text[:limit - 1] + '…'}'"


def reconcile(stamp: ToolStamp, profile: Profile) -> Reconciled:
    """Compare the tool a return was made with to this round's profile.

    Raises FileRefused (F15) when a scored question changed or is new since that tool;
    otherwise returns the keys to read under another name and the notes to give."""
    out = Reconciled()
    now = {c.key: bare_question(c.question) for c in profile.columns}
    then = {k: bare_question(q) for k, q in stamp.questions.items()}
    same_tool = stamp.profile == profile.name and stamp.version == profile.version
    if not then or (same_tool and all(now.get(k) == q for k, q in then.items())
                    and set(then) >= {c.key for c in profile.columns if c.in_header}):
        return out
    by_text = {q: k for k, q in now.items()}
    scored = _scored(profile)
    targets: dict[str, str | None] = {}
    reworded: list[str] = []
    for key, q in then.items():  # the key asking each of the tool's questions now
        target = by_text.get(q)
        if target is None:
            near = difflib.get_close_matches(q, list(by_text), n=1, cutoff=SAME_WORDING)
            target = by_text[near[0]] if near else None
            if target is not None and target == key:
                reworded.append(key)
        targets[key] = target if target not in targets.values() else None
    claimed = {t for t in targets.values() if t is not None}
    changed: list[str] = []
    gone: list[str] = []
    for key, target in targets.items():
        if target is not None:
            if target != key:
                out.renames[key] = target
        elif key in now and key not in claimed and key in scored:
            changed.append(f"{key} asked {_quote(stamp.questions[key])} and now asks "
                           f"{_quote(profile.column_map[key].question)}")
        elif key in now and key not in claimed:
            reworded.append(key)  # an unscored column reworded: read as it is
        else:
            gone.append(key)
            if key in now:  # its key now names another column: never read it as that one
                out.renames[key] = None
    added = [k for k in now if k not in claimed and k not in then and k in scored
             and profile.column_map[k].in_header]
    changed += [f"{k} is new: {_quote(profile.column_map[k].question)}" for k in added]
    made = (f"the '{stamp.profile}' profile's audit tool, version {stamp.version}"
            if stamp.profile != profile.name else f"version {stamp.version} of the audit tool")
    if changed and stamp.profile != profile.name and len(changed) * 2 > len(scored & set(now)):
        raise F15.refuse(
            f"This return was made with {made}, not this round's '{profile.name}' profile: "
            f"{len(changed)} of its scored questions are not this round's, so it may be a return "
            "for another audit and the file was not read.",
            fix=f"Check the file belongs to this round; if it does, ask the partner to copy their "
            f"answers into the '{profile.name}' audit tool (qa-audit template) and send it again.",
            made=made)
    if changed:
        shown = changed[:SHOW_CHANGES] + ([f"and {len(changed) - SHOW_CHANGES} more"]
                                          if len(changed) > SHOW_CHANGES else [])
        raise F15.refuse(made=made, profile=profile.name, version=profile.version,
                         changed="; ".join(shown), count=len(changed),
                         questions="question" if len(changed) == 1 else "questions")
    said = []
    if out.renames:
        moved = [f"{a} as {b}" for a, b in out.renames.items() if b is not None]
        if moved:
            said.append("read as this version's keys: " + ", ".join(moved))
    if gone:
        said.append("no longer asked, so not read: " + ", ".join(gone))
    if reworded:
        said.append("worded differently but asking the same: " + ", ".join(reworded))
    out.notes.append(N20.issue(made=made, profile=profile.name, version=profile.version,
                               what=("; ".join(said) + ".") if said else
                               "its questions are the same, so it was read as usual."))
    return out


def check_tool(book: Book, profile: Profile) -> Reconciled:
    """Reconcile the tool a workbook was made with, read from its Instructions sheet;
    nothing to do for a return with none (or one that cannot be read)."""
    name = next((n for n, _ in book.sheets if n.strip().casefold() == "instructions"), None)
    if book.kind == "csv" or name is None:
        return Reconciled()
    try:
        raw = book.load(name).raw
    except FileRefused:
        return Reconciled()
    stamp = read_stamp(raw)
    if stamp is None:
        return Reconciled()
    out = reconcile(stamp, profile)
    out.prefilled_partner = stamp.partner
    return out
