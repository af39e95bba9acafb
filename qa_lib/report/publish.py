"""Publishing mode: the statistical conventions of published children's social care data.

* a count of 1 to 5, and any figure resting on 1 to 5 cases or worked out from such a
  count (a percentage whose numerator, or base minus numerator, is 1 to 5), shows as ``c``
  (the rule is stated once, :meth:`qa_lib.report.policy.Policy.hides`);
* secondary suppression: where a row's total is shown (or can be worked out), a
  single suppressed count would be revealed by subtraction, so the next smallest
  count in the row is suppressed too;
* ``z`` where a figure does not apply, ``:`` where it is not available;
* percentages and means to one decimal place.

Functions take a table of numbers and return a table of strings ready to show. Where they
apply in a report (which columns are counts, which figures rest on which base, which
sections are left out) is decided in one place, :class:`qa_lib.report.policy.Policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from qa_lib.report.fragments import round_half_up

SUPPRESSED, NOT_APPLICABLE, NOT_AVAILABLE = "c", "z", ":"
LOW_MIN, LOW_MAX = 1, 5


def is_low(n: object) -> bool:
    """True for a count from 1 to 5."""
    try:
        return LOW_MIN <= float(n) <= LOW_MAX
    except (TypeError, ValueError):
        return False


def fmt(v: object, decimals: int = 1) -> str:
    """A number as published: one decimal place (counts as whole numbers), ':' when missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return NOT_AVAILABLE
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)) or (isinstance(v, float) and decimals == 0):
        return f"{int(v):,}"
    return f"{round_half_up(float(v), decimals):,.{decimals}f}"


_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")


def number(v: object) -> object:
    """A figure formatted by :func:`fmt` ("1,234", "92.8") as the number it shows, for a
    workbook cell; anything else (c, z, :, words, numbers) unchanged."""
    if isinstance(v, str) and _NUMBER.fullmatch(v):
        text = v.replace(",", "")
        return float(text) if "." in text else int(text)
    return v


def suppress_counts(df: pd.DataFrame, count_cols: Iterable[str], *,
                    secondary: bool = True) -> pd.DataFrame:
    """Counts of 1 to 5 become 'c'; with ``secondary``, a row with exactly one suppressed
    count also loses its next smallest non-zero count (the row total would reveal it)."""
    cols = list(count_cols)
    out = df.copy().astype({c: object for c in cols})
    for i, row in df[cols].iterrows():
        low = [c for c in cols if is_low(row[c])]
        if secondary and len(low) == 1:
            rest = [(row[c], c) for c in cols if c not in low and pd.notna(row[c]) and row[c] > 0]
            if rest:
                low.append(min(rest)[1])
        for c in cols:
            out.at[i, c] = SUPPRESSED if c in low else fmt(row[c], 0)
    return out


def suppress_by_base(df: pd.DataFrame, base_col: str, value_cols: Iterable[str],
                     decimals: int = 1) -> pd.DataFrame:
    """Figures resting on 1 to 5 cases (``base_col``) become 'c', the base too; a base of 0
    makes the figures ':' (not available)."""
    cols = list(value_cols)
    out = df.copy().astype({c: object for c in [*cols, base_col]})
    for i, row in df.iterrows():
        n = row[base_col]
        low = is_low(n)
        for c in cols:
            if low:
                out.at[i, c] = SUPPRESSED
            elif pd.isna(n) or n == 0:
                out.at[i, c] = NOT_AVAILABLE
            else:
                out.at[i, c] = fmt(row[c], decimals)
        out.at[i, base_col] = SUPPRESSED if low else fmt(n, 0)
    return out


NOTE = ("Publishing mode: counts of 1 to 5, and figures resting on or worked out from them "
        "(a mean of 1 to 5 cases, a percentage whose count, or the rest of whose cases, is 1 "
        "to 5), are shown as c; where a total would reveal a suppressed figure, the next "
        "smallest is also shown as c. z means not applicable and : not available. Case-level "
        "sections are left out.")
