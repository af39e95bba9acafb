"""One problem found in a return: the row of the validation report."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

ERROR, NOTE = "error", "note"

COLUMNS = ["severity", "code", "partner", "file", "sheet", "row", "column", "letter", "value",
           "message", "fix"]

HEADINGS = {
    "severity": "Severity", "code": "Code", "partner": "Partner", "file": "File",
    "sheet": "Sheet", "row": "Excel row", "column": "Column", "letter": "Column letter",
    "value": "Value found", "message": "What is wrong", "fix": "How to fix it",
}


@dataclass
class Problem:
    """A problem or note for one file, or one cell of one row, of a return."""

    severity: str
    code: str
    message: str
    fix: str
    file: str
    sheet: str | None = None
    row: int | None = None  # the spreadsheet's own row number (1-based)
    column: str | None = None  # the column key
    letter: str | None = None  # the spreadsheet column letter
    value: str | None = None
    partner: str | None = None


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table in the validation report's column order, sorted for reading."""
    df = pd.DataFrame([asdict(p) for p in problems], columns=COLUMNS)
    if df.empty:
        return df
    df["row"] = df["row"].astype("Int64")
    order = {"error": 0, "note": 1}
    df = df.assign(_s=df["severity"].map(order)).sort_values(
        ["file", "_s", "row", "letter", "code"], na_position="first", kind="stable"
    )
    return df.drop(columns="_s").reset_index(drop=True)
