"""The toolkit's vocabulary: every status, severity and answer word, and every built column name.

Each word is defined once here as a :class:`~enum.StrEnum` member, so code compares against
``MeasureStatus.INSUFFICIENT`` rather than a string typed in several places. Members are
``str`` subclasses whose value is the word itself: they are written to CSV, Parquet and pages
exactly as the bare strings were, and compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How a problem found in a return affects the round."""

    ERROR = "error"  # the row (or file) cannot be scored until it is fixed
    NOTE = "note"  # read as intended; the audit lead is told what was assumed


class Answer(StrEnum):
    """The answers a criterion column takes, after normalising (yes, Y, NA ...)."""

    YES = "Yes"
    PARTLY = "Partly"
    NO = "No"
    NA = "N/A"


# Credit of each answer: N/A leaves the criterion out; a blank is missing.
CREDITS: dict[str, float] = {Answer.YES: 1.0, Answer.PARTLY: 0.5, Answer.NO: 0.0}


class AnswerState(StrEnum):
    """What a criterion's cell contributes to its measure."""

    ANSWERED = "answered"  # Yes, Partly or No: counted in the score
    NOT_APPLICABLE = "n/a"  # N/A, or a dated criterion that does not apply
    MISSING = "missing"  # blank: left out of the score, counted against completeness


class MeasureStatus(StrEnum):
    """Whether a measure could be scored for one case."""

    SCORED = "scored"
    INSUFFICIENT = "insufficient evidence"  # fewer than half its applicable criteria answered
    NOT_APPLICABLE = "not applicable"  # no criterion of the measure applies


class TimescaleStatus(StrEnum):
    """The status word of a dated (computed) criterion for one case."""

    MET = "met"
    LATE = "late"
    OVERDUE = "overdue"  # no end date, and the limit had passed on the audit date
    IN_TIME = "in time"  # no end date yet, and the limit had not passed
    NOT_APPLICABLE = "not applicable"
    NO_START = "no start date"  # it applies (T2: there was an assessment) but its start is blank


class FileStatus(StrEnum):
    """What became of one file found in the inputs folder."""

    READ = "read"
    REFUSED = "refused"
    SKIPPED = "skipped"


class RoundStatus(StrEnum):
    """How a round ended."""

    COMPLETE = "complete"
    PARTIAL = "partial"  # --allow-partial: some rows were left out
    REFUSED = "refused"  # errors, and no --allow-partial: nothing was scored
    FAILED = "failed"  # scored, but a report could not be made


# --------------------------------------------------------------------------- column names
# Columns the scoring stage adds to the table, built here and nowhere else.


def status_col(criterion: str) -> str:
    """Column of a computed criterion's status word."""
    return f"{criterion}__status"


def credit_col(criterion: str) -> str:
    """Column of a criterion's credit (1, 0.5, 0; NaN when left out)."""
    return f"{criterion}__credit"


def state_col(criterion: str) -> str:
    """Column of a criterion's :class:`AnswerState` for each row."""
    return f"{criterion}__state"


def elapsed_col(criterion: str) -> str:
    """Column of a dated criterion's measured working or calendar days."""
    return f"{criterion}__elapsed"


def score_col(measure: str) -> str:
    """Column of a measure's score out of 100."""
    return f"score__{measure}"


def mstatus_col(measure: str) -> str:
    """Column of a measure's status (:class:`MeasureStatus`)."""
    return f"status__{measure}"


def band_col(measure: str) -> str:
    """Column of a measure's band."""
    return f"band__{measure}"
