"""The parameters of one round, gathered and checked once (the RAP "one config")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa_lib.profile.schema import Profile, load_profile
from qa_lib.run.execute import usable_cores

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


class RoundError(Exception):
    """A round that cannot go ahead; the message is for the audit lead."""


# A round's name becomes a folder name, with ".refused-<stamp>" or ".replaced-<stamp>" added
# when a folder is moved aside: short, plain characters, and never a name the reports root
# uses itself (its index.html, or the hidden names of unfinished and locked runs).
ROUND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
RESERVED_ROUND_NAMES = {"index.html"}


def check_round_name(round_id: str) -> None:
    """Raise :class:`RoundError` unless ``round_id`` can name a round folder."""
    plain = bool(ROUND_NAME.fullmatch(round_id or "")) and not round_id.endswith((" ", "."))
    if not plain or round_id.lower() in RESERVED_ROUND_NAMES or round_id.lower().endswith(".html"):
        shown = round_id if len(round_id or "") <= 80 else round_id[:77] + "..."
        raise RoundError(
            f"'{shown}' cannot be used as a round name: use letters, digits, spaces, '-', '_' "
            "and '.', at most 64 characters, starting with a letter or digit and not ending in "
            "'.html' (for example 2026-Q3).")


def check_inputs(inputs: Path) -> None:
    """Raise :class:`RoundError` unless ``inputs`` is a folder holding something to read."""
    if not inputs.exists():
        raise RoundError(f"The inputs folder '{inputs}' does not exist.")
    if not inputs.is_dir():
        raise RoundError(f"'{inputs}' is a file, not a folder: put the returns in a folder "
                         "and give that folder as --inputs.")
    if not any(not p.name.startswith(".") for p in inputs.iterdir()):
        raise RoundError(f"The inputs folder '{inputs}' is empty: put the partners' returns "
                         "in it and run again.")


def _check_side_file(path: Path, inputs: Path, what: str, option: str) -> None:
    """Raise :class:`RoundError` unless ``path`` (the round's ``what``, given as ``option``)
    exists and is a file outside the returns folder, where it would be read as a return."""
    if not path.exists():
        raise RoundError(f"The {what} '{path}' does not exist.")
    if not path.is_file():
        raise RoundError(f"The {what} '{path}' is a folder: give the workbook's file as "
                         f"{option}.")
    if inputs.resolve() in path.resolve().parents:
        raise RoundError(f"The {what} '{path}' is inside the returns folder '{inputs}', where "
                         "it would be read as a partner's return: move it out of that folder "
                         "and run again.")


def check_scorecard(path: Path, inputs: Path, profile: Profile) -> None:
    """Raise :class:`RoundError` unless ``path`` is a scorecard file the round can use: it
    exists, is a file outside the returns folder (there it would be read as a return), and
    the profile has sound indicators for it."""
    from qa_lib.profile.scorecard_tool import unusable

    _check_side_file(path, inputs, "scorecard", "--indicators")
    why = unusable(profile)
    if why:
        raise RoundError(f"{why}: run the round without --indicators.")


def check_actions(path: Path, inputs: Path) -> None:
    """Raise :class:`RoundError` unless ``path`` is an actions workbook the round can read:
    it exists, and is a file outside the returns folder (there it would be read as a return)."""
    _check_side_file(path, inputs, "actions workbook", "--actions")


@dataclass(frozen=True)
class RoundOptions:
    """Everything a round is run with. Build it with :meth:`build`, which checks it."""

    profile: Profile
    round_id: str
    inputs: Path
    out: Path
    today: dt.date
    allow_partial: bool = False  # score the valid rows even when some rows have errors
    force: bool = False  # move an existing round folder aside instead of stopping
    publish: bool = False  # also write the published copy (run.publish_copy)
    jobs: int = 1  # notebooks run at once (and processes reading a large round)
    timeout: int = 600  # seconds one notebook may take
    period: dt.date | None = None  # first day of the period covered (else from the round name)
    indicators: Path | None = None  # the filled strategy scorecard (qa-audit template --indicators)
    actions: Path | None = None  # the actions workbook (qa-audit template --actions)
    notebook_dir: Path = field(default=NOTEBOOK_DIR)

    @classmethod
    def build(cls, profile: Profile | str, round_id: str, inputs: Path | str, out: Path | str, *,
              today: dt.date | None = None, jobs: int | None = None,
              notebook_dir: Path | str | None = None, period: dt.date | None = None,
              indicators: Path | str | None = None, actions: Path | str | None = None,
              **flags: bool | int) -> RoundOptions:
        """Options with defaults filled in (today, one job per usable core), after checking
        the round name and the inputs folder; raises :class:`RoundError` with a message for
        the audit lead."""
        check_round_name(round_id)
        inputs, out = Path(inputs), Path(out)
        check_inputs(inputs)
        if out.exists() and not out.is_dir():
            raise RoundError(f"The reports folder '{out}' is a file, not a folder: give a folder "
                             "as --out.")
        profile = profile if isinstance(profile, Profile) else load_profile(profile)
        if not profile.path.is_absolute():  # the round stores it; reports run elsewhere
            profile = replace(profile, path=profile.path.resolve())
        if indicators is not None:
            indicators = Path(indicators)
            check_scorecard(indicators, inputs, profile)
        if actions is not None:
            actions = Path(actions)
            check_actions(actions, inputs)
        return cls(
            profile=profile,
            round_id=round_id, inputs=inputs, out=out, today=today or dt.date.today(),
            jobs=jobs or usable_cores(), notebook_dir=Path(notebook_dir or NOTEBOOK_DIR),
            period=period, indicators=indicators, actions=actions,
            **flags)  # type: ignore[arg-type]

    @property
    def final(self) -> Path:
        """The round folder this run makes."""
        return self.out / self.round_id

    def parameters(self) -> dict:
        """The parameters as the manifest records them."""
        return {"profile": self.profile.name, "round": self.round_id, "inputs": str(self.inputs),
                "out": str(self.out), "allow_partial": self.allow_partial, "force": self.force,
                "publish": self.publish, "jobs": self.jobs, "today": self.today.isoformat(),
                "period": self.period.isoformat() if self.period else None,
                "indicators": str(self.indicators) if self.indicators else None,
                "actions": str(self.actions) if self.actions else None}
