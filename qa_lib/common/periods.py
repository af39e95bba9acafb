"""The period a round covers, read from the ways audit leads write round names.

Rounds are ordered by the period they cover, never by their names: ``Q4-2026`` comes
before ``Q1-2027`` although it sorts after it. A period is its first day. Names read:

* quarters: ``2026-Q3``, ``Q3-2026``, ``Q3 2026``, ``2026Q3``, ``Q3_2026``, ``2026 q3``;
* months: ``2026-09``, ``09-2026``, ``2026_9``, ``Sep 2026``, ``September-2026``,
  ``2026 Sept``;
* years: ``2026``.

Anything else (``R1``, ``Pilot``) has no period of its own; the round then takes the one
given with ``--period``, or else the latest audit date among its cases
(see :func:`qa_lib.run.round.store`).
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_SEP = r"[\s_.-]*"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS = [
    (re.compile(rf"{_YEAR}{_SEP}q(?P<q>[1-4])"), "quarter"),
    (re.compile(rf"q(?P<q>[1-4]){_SEP}{_YEAR}"), "quarter"),
    (re.compile(rf"{_YEAR}{_SEP}(?P<m>0?[1-9]|1[0-2])"), "month"),
    (re.compile(rf"(?P<m>0?[1-9]|1[0-2]){_SEP}{_YEAR}"), "month"),
    (re.compile(rf"{_YEAR}{_SEP}(?P<name>[a-z]+)"), "named month"),
    (re.compile(rf"(?P<name>[a-z]+){_SEP}{_YEAR}"), "named month"),
    (re.compile(_YEAR), "year"),
]


def period_of(round_name: str) -> dt.date | None:
    """The first day of the period a round name states, or None when it states none."""
    name = round_name.strip().lower()
    for pattern, kind in _PATTERNS:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        year = int(m["year"])
        if kind == "quarter":
            return dt.date(year, 3 * int(m["q"]) - 2, 1)
        if kind == "month":
            return dt.date(year, int(m["m"]), 1)
        if kind == "named month":
            month = _MONTHS.get(m["name"])
            if month is None:
                continue
            return dt.date(year, month, 1)
        return dt.date(year, 1, 1)
    return None
