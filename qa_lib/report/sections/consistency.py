"""Cases described differently: one child recorded with another age band, plan type or date
of the case by different partners, listed for the audit lead to resolve.

The comparison is validation's (check V11 in :mod:`qa_lib.checks.rules`, one note per case),
since the scored table no longer holds the dates; this section reads the round's notes back
into one row per case and fact. It lists individual cases, so it is ``case_level`` and left
out of a published round.
"""

from __future__ import annotations

import pandas as pd

from qa_lib.checks import rules
from qa_lib.report import fragments as fr
from qa_lib.report import wording
from qa_lib.report.round_data import RoundData

COLUMNS = ["Case", "Recorded as", "What each partner recorded"]


def described_differently(problems: pd.DataFrame) -> pd.DataFrame:
    """One row per case and differing fact, from the round's V11 notes: the case, the fact
    (its column key) and each value with the partners, files and rows that gave it."""
    code = rules.code_of(rules.described_differently)
    if problems is None or problems.empty or "code" not in problems:
        return pd.DataFrame(columns=COLUMNS)
    notes = problems[problems["code"] == code]
    rows = [(case, key, said) for case, msg in zip(notes["value"], notes["message"], strict=True)
            for key, said in rules.differences_of(str(msg))]
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("Case", kind="stable").reset_index(drop=True)


@wording.sentence("described-differently")
def described_differently_sentence(n: int) -> str:
    """How many cases the partners describe differently."""
    if n == 0:
        return ("Every case audited by two or more partners is described alike: the same age "
                "band, plan type and dates of the case in each return (a blank is not a "
                "difference).")
    return (f"{wording.count(n, 'case')} {wording.plural(n, 'is', 'are')} described differently "
            f"by the partners who audited {wording.plural(n, 'it', 'them')}: another age band, "
            "plan type, or date of the case "
            "(referral, referral decision, strategy discussion, conferences, plan start or "
            "end). The round is scored as the returns stand; the audit lead should ask the "
            "partners which is right.")


def consistency_section(data: RoundData, partner: str | None = None) -> str:
    """Cases whose partners record the child's age band, plan type or a date of the case
    differently, each fact with every partner's value, file and row."""
    dd = described_differently(data.problems)
    label = {c.key: c.question for c in data.profile.columns}
    dd["Recorded as"] = dd["Recorded as"].map(lambda k: f"{label.get(k, k)} ({k})")
    return (fr.paragraph(described_differently_sentence(int(dd["Case"].nunique())))
            + fr.table(dd, "Cases described differently by their partners", row_header="Case",
                       empty="No case."))
