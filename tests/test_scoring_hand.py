"""Scoring checked against numbers worked out by hand from docs/method.md ("The measure score",
"Bands", "Timeliness") and the Halton weights below, never taken from the scorer.

Fourteen cases go through the real reading path: two generated Excel templates (Cheshire Police
and Health Visiting) are filled in, read back, validated and scored.

Halton weights: TU1 2, TU2 2, TU3 1, TU4 1 | LE1 1, LE2 2, LE3 2, LE4 1 |
T1..T4 1 each, TJ1 2, TJ2 2 | FB1 1, FB2 1, FB3 1 | IM1 1, IM2 1.
Credits: Yes 1, Partly 0.5, No 0; N/A and blank leave the criterion out of the score.
Bands: Outstanding >= 90, Good >= 75, Requires improvement >= 50, Inadequate below.

Working days: Mon-Fri less the 2026 England and Wales bank holidays (1 Jan, 3 Apr, 6 Apr, 4 May,
25 May, 31 Aug, 25 Dec, 28 Dec); the count is the working days after the start day up to and
including the end day. 2026 weekdays used below: Fri 9 Oct, Thu 15 Oct, Mon 2 Nov, Thu 2 Apr,
Fri 22 May, Mon 1 Jun, Fri 12 Jun, Mon 27 Jul, Fri 21 Aug, Thu 17 Sep, Fri 18 Sep.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from conftest import TODAY, base_row, write_return
from qa_lib.checks.rules import validate
from qa_lib.ingest.returns import read_returns
from qa_lib.scoring.score import score

D = dt.date
POLICE = "Cheshire Police"
HV = "Health Visiting"
AUDIT = D(2026, 10, 15)  # Thursday; base_row's audit date
MEASURES = ["tool_use", "lived_experience", "timeliness", "feedback", "impact"]
IE = "insufficient evidence"
OUT, GOOD, RI, INAD = "Outstanding", "Good", "Requires improvement", "Inadequate"
BAND_ORDER = [OUT, GOOD, RI, INAD]


def band(x: float) -> str:
    """The bands of docs/method.md (used only to name the band of a hand-computed measure score)."""
    return OUT if x >= 90 else GOOD if x >= 75 else RI if x >= 50 else INAD


# ---------------------------------------------------------------------------------------------
# Inputs: one dict per case (blank = key left out).
# ---------------------------------------------------------------------------------------------
ROWS: dict[str, dict] = {
    "HAL-0101": base_row(
        "HAL-0101", POLICE, overall_grade=GOOD, tool_name="Home Conditions Tool",
        TU1="Yes", TU2="Partly", TU3="No", TU4="N/A",
        LE1="Yes", LE2="Yes", LE3="Partly", LE4="Yes",
        referral_date=D(2026, 10, 9), referral_decision_date=D(2026, 10, 12),
        assessment_start_date=D(2026, 10, 12), assessment_end_date=D(2026, 10, 14),
        strategy_discussion_date=D(2026, 5, 21), icpc_date=D(2026, 6, 12),
        first_review_date=D(2026, 9, 11),
        TJ1="Yes", TJ2="Yes",
        FB1="Yes", FB2="Yes", FB3="Partly",
        IM1="Yes", IM2="Yes",
    ),
    "HAL-0102": base_row(
        "HAL-0102", POLICE, overall_grade=GOOD,
        TU1="No", TU2="N/A", TU3="No", TU4="N/A",
        LE1="No", LE2="Partly", LE3="No", LE4="Partly",
        referral_date=D(2026, 5, 29), referral_decision_date=D(2026, 6, 2),
        assessment_start_date=D(2026, 6, 1), assessment_end_date=D(2026, 8, 3),
        strategy_discussion_date=D(2026, 5, 21), icpc_date=D(2026, 6, 15),
        first_review_date=D(2026, 9, 16),
        TJ1="Partly", TJ2="No",
        FB1="No", FB2="N/A", FB3="N/A",
        IM1="Partly", IM2="No",
    ),
    "HAL-0103": base_row(
        "HAL-0103", POLICE, overall_grade=GOOD, tool_name="Neglect Screening Tool",
        TU1="Partly", TU2="Yes", TU3="Yes", TU4="Yes",
        LE1="Yes", LE2="Yes", LE3="Yes", LE4="Yes",
        referral_date=D(2026, 10, 14),
        assessment_start_date=D(2026, 10, 15),
        strategy_discussion_date=D(2026, 10, 1),
        TJ1="Yes", TJ2="Partly",
        FB1="Yes", FB2="N/A", FB3="N/A",
        IM1="Yes", IM2="N/A",
    ),
    "HAL-0104": base_row(
        "HAL-0104", POLICE, overall_grade=RI, tool_name="Graded Care Profile 2",
        TU1="Yes", TU3="Yes",
        LE1="Yes",
        referral_date=D(2026, 6, 1),
        assessment_start_date=D(2026, 6, 1),
        strategy_discussion_date=D(2026, 9, 17),
        TJ1="Yes", TJ2="Partly",
        FB1="Partly", FB2="No",
        IM2="N/A",
    ),
    "HAL-0105": base_row(
        "HAL-0105", POLICE, overall_grade=OUT, tool_name="Graded Care Profile 2",
        TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes",
        LE1="Partly", LE2="N/A", LE3="Yes", LE4="No",
        referral_date=D(2026, 4, 2), referral_decision_date=D(2026, 4, 7),
        strategy_discussion_date=D(2026, 6, 1), icpc_date=D(2026, 6, 22),
        TJ1="Yes", TJ2="Yes",
        FB1="Yes", FB2="Partly", FB3="No",
        IM1="No",
        plan_start_date=D(2025, 4, 15),
    ),
    "HAL-0106": base_row(
        "HAL-0106", POLICE, overall_grade=RI,
        TU1="No", TU2="No", TU3="Partly", TU4="No",
        LE1="Yes", LE2="Yes", LE3="Yes", LE4="Partly",
        assessment_start_date=D(2026, 7, 27), assessment_end_date=D(2026, 9, 29),
        strategy_discussion_date=D(2026, 8, 21), icpc_date=D(2026, 9, 1),
        TJ1="Partly", TJ2="Partly",
        FB2="N/A", FB3="N/A",
        IM1="Yes", IM2="Partly",
        plan_start_date=D(2025, 4, 16),
    ),
    "HAL-0107": base_row(
        "HAL-0107", POLICE, overall_grade=GOOD, tool_name="Other",
        TU1="Partly", TU2="N/A", TU3="Partly", TU4="N/A",
        LE1="Yes", LE2="No", LE3="Partly", LE4="Yes",
        icpc_date=D(2025, 11, 30), first_review_date=D(2026, 2, 28),
        TJ1="Yes", TJ2="No",
        FB1="Yes", FB2="Yes", FB3="Yes",
        IM1="Yes", IM2="No",
        plan_start_date=D(2025, 1, 10), plan_end_date=D(2026, 7, 9),
    ),
    "HAL-0108": base_row(
        "HAL-0108", POLICE, overall_grade=RI, tool_name="Home Conditions Tool",
        TU1="Yes", TU2="Yes", TU3="Partly", TU4="Partly",
        LE1="Partly", LE2="Partly", LE3="Partly", LE4="Partly",
        referral_date=D(2026, 4, 2), referral_decision_date=D(2026, 4, 8),
        assessment_start_date=D(2026, 4, 7), assessment_end_date=D(2026, 6, 11),
        icpc_date=D(2025, 11, 30), first_review_date=D(2026, 3, 1),
        TJ1="No", TJ2="No",
        FB1="No", FB2="No", FB3="N/A",
        IM1="Partly", IM2="N/A",
        plan_start_date=D(2024, 10, 1), plan_end_date=D(2026, 4, 1),
    ),
    "HAL-0109": base_row(
        "HAL-0109", POLICE, overall_grade=GOOD, tool_name="Neglect Screening Tool",
        TU1="Yes", TU2="Yes", TU3="Yes", TU4="Yes",
        LE1="Yes", LE2="Yes", LE3="Yes", LE4="Yes",
        TJ1="Yes", TJ2="Partly",
        FB1="Yes", FB2="Yes", FB3="N/A",
        IM1="Yes", IM2="Partly",
    ),
    "HAL-0110": base_row(
        "HAL-0110", POLICE, overall_grade=INAD,
        TU1="No", TU2="N/A", TU3="Yes", TU4="No",
        LE1="Yes", LE2="N/A", LE3="Yes", LE4="No",
        referral_date=D(2026, 8, 11), referral_decision_date=D(2026, 8, 11),
        assessment_start_date=D(2026, 8, 11),
        TJ1="Partly", TJ2="Partly",
        FB1="Partly", FB2="Partly", FB3="Partly",
        IM1="Yes", IM2="No",
    ),
    "HAL-0113": base_row(
        "HAL-0113", POLICE, overall_grade=RI, tool_name="Graded Care Profile 2",
        TU1="Partly", TU2="Partly", TU3="Partly", TU4="Partly",
        LE1="No", LE2="N/A", LE3="No", LE4="No",
        referral_date=D(2026, 10, 5), referral_decision_date=D(2026, 10, 5),
        FB1="Yes", FB2="N/A", FB3="No",
        IM1="Partly",
    ),
    # --- second partner's file -----------------------------------------------------------------
    "HAL-0111": base_row(
        "HAL-0111", HV, overall_grade=GOOD, tool_name="Home Conditions Tool",
        TU1="Yes", TU2="Partly", TU3="Yes", TU4="No",
        LE2="N/A", LE3="Yes", LE4="No",
        referral_date=D(2026, 10, 15),
        assessment_start_date=D(2026, 10, 15),
        strategy_discussion_date=D(2026, 9, 18), icpc_date=D(2026, 10, 12),
        TJ1="Yes", TJ2="Yes",
        FB1="Yes", FB2="No", FB3="N/A",
        IM1="Yes", IM2="Yes",
    ),
    "HAL-0112": base_row(
        "HAL-0112", HV, overall_grade=OUT, audit_date=D(2026, 11, 2),
        TU4="Yes",
        LE1="Yes", LE2="Yes", LE3="Yes", LE4="Yes",
        referral_date=D(2026, 10, 30),
        assessment_start_date=D(2026, 10, 30), assessment_end_date=D(2026, 11, 2),
        strategy_discussion_date=D(2026, 10, 9),
        TJ1="Partly", TJ2="Yes",
        FB1="Yes",
        IM1="No", IM2="No",
        plan_start_date=D(2025, 5, 2),
    ),
    "HAL-0114": base_row(
        "HAL-0114", HV, overall_grade=INAD, tool_name="Graded Care Profile 2",
        TU1="Yes", TU2="Partly", TU3="Yes", TU4="Partly",
        LE1="Yes", LE2="N/A", LE3="Yes", LE4="No",
        referral_date=D(2026, 5, 22), referral_decision_date=D(2026, 5, 26),
        assessment_start_date=D(2026, 6, 1), assessment_end_date=D(2026, 7, 27),
        strategy_discussion_date=D(2026, 6, 1), icpc_date=D(2026, 6, 22),
        first_review_date=D(2026, 9, 23),
        TJ1="Yes", TJ2="Partly",
        FB1="Yes", FB2="Partly", FB3="N/A",
        IM1="Yes", IM2="Partly",
    ),
}

# ---------------------------------------------------------------------------------------------
# Expected measure scores, worked by hand. IE = fewer than half of the applicable criteria
# answered (insufficient evidence, not scored).
# ---------------------------------------------------------------------------------------------
EXPECTED_MEASURES: dict[str, dict[str, float | str]] = {
    "HAL-0101": {
        "tool_use": 60.0,  # TU: (2*1 + 2*0.5 + 1*0) / (2+2+1) [TU4 N/A out] = 3/5 -> 60.0
        "lived_experience": 250 / 3,  # LE: (1*1 + 2*1 + 2*0.5 + 1*1) / 6 = 5/6 -> 83.33
        "timeliness": 100.0,  # T1..T4 met (1 each) + TJ1 2*1 + TJ2 2*1 = 8/8 -> 100.0
        "feedback": 250 / 3,  # FB: (1 + 1 + 0.5) / 3 = 2.5/3 -> 83.33
        "impact": 100.0,  # IM: (1 + 1) / 2 -> 100.0
    },
    "HAL-0102": {
        "tool_use": 0.0,  # TU: (2*0 + 1*0) / (2+1) [TU2, TU4 N/A out] = 0/3 -> 0.0
        "lived_experience": 25.0,  # LE: (1*0 + 2*0.5 + 2*0 + 1*0.5) / 6 = 1.5/6 -> 25.0
        "timeliness": 12.5,  # T1..T4 late (0 each) + TJ1 2*0.5 + TJ2 2*0 = 1/8 -> 12.5
        "feedback": 0.0,  # FB: 0 / 1 [FB2, FB3 N/A out] -> 0.0
        "impact": 25.0,  # IM: (0.5 + 0) / 2 -> 25.0
    },
    "HAL-0103": {
        "tool_use": 250 / 3,  # TU: (2*0.5 + 2*1 + 1 + 1) / 6 = 5/6 -> 83.33
        "lived_experience": 100.0,  # LE: 6/6 -> 100.0
        "timeliness": 75.0,  # T1-T3 open in time (N/A), T4 no start; (2*1 + 2*0.5) / 4 = 3/4 -> 75.0
        "feedback": 100.0,  # FB: 1/1 [FB2, FB3 N/A out] -> 100.0
        "impact": 100.0,  # IM: 1/1 [IM2 N/A out] -> 100.0
    },
    "HAL-0104": {
        "tool_use": 100.0,  # TU: TU2, TU4 blank; 2 of 4 answered (not fewer than half): (2+1)/(2+1) -> 100.0
        "lived_experience": IE,  # LE: 1 of 4 answered < 2 -> insufficient evidence
        "timeliness": 300 / 7,  # T1,T2,T3 overdue (0 each) + TJ1 2*1 + TJ2 2*0.5 = 3 / (1+1+1+2+2) = 3/7
        "feedback": 25.0,  # FB: FB3 blank; 2 of 3 answered: (0.5 + 0) / 2 -> 25.0
        "impact": IE,  # IM: IM2 N/A, IM1 blank: 0 of 1 applicable answered -> insufficient evidence
    },
    "HAL-0105": {
        "tool_use": 100.0,  # TU: 6/6 -> 100.0
        "lived_experience": 62.5,  # LE: (1*0.5 + 2*1 + 1*0) / (1+2+1) [LE2 N/A out] = 2.5/4 -> 62.5
        "timeliness": 600 / 7,  # T1 met 1, T3 met 1, T4 overdue 0, TJ 2+2 = 6 / (1+1+1+2+2) = 6/7 -> 85.71
        "feedback": 50.0,  # FB: (1 + 0.5 + 0) / 3 -> 50.0
        "impact": 0.0,  # IM: IM2 blank; 1 of 2 answered (half, scored): 0/1 -> 0.0
    },
    "HAL-0106": {
        "tool_use": 25 / 3,  # TU: (0 + 0 + 1*0.5 + 0) / 6 = 0.5/6 -> 8.33
        "lived_experience": 275 / 3,  # LE: (1 + 2 + 2 + 0.5) / 6 = 5.5/6 -> 91.67
        # T1 N/A (no referral), T2 missing (an assessment, no referral date), T3 met 1,
        # T4 in time (N/A), TJ 1+1: 3 / (1+2+2) = 3/5 -> 60.0 (3 of the 4 applicable answered)
        "timeliness": 60.0,
        "feedback": IE,  # FB: FB2, FB3 N/A, FB1 blank: 0 of 1 answered -> insufficient evidence
        "impact": 75.0,  # IM: (1 + 0.5) / 2 -> 75.0
    },
    "HAL-0107": {
        "tool_use": 50.0,  # TU: (2*0.5 + 1*0.5) / (2+1) [TU2, TU4 N/A out] = 1.5/3 -> 50.0
        "lived_experience": 50.0,  # LE: (1*1 + 2*0 + 2*0.5 + 1*1) / 6 = 3/6 -> 50.0
        "timeliness": 60.0,  # T4 met 1 + TJ1 2*1 + TJ2 2*0 = 3 / (1+2+2) = 3/5 -> 60.0
        "feedback": 100.0,  # FB: 3/3 -> 100.0
        "impact": 50.0,  # IM: (1 + 0) / 2 -> 50.0
    },
    "HAL-0108": {
        "tool_use": 250 / 3,  # TU: (2 + 2 + 0.5 + 0.5) / 6 = 5/6 -> 83.33
        "lived_experience": 50.0,  # LE: all Partly: 3/6 -> 50.0
        "timeliness": 0.0,  # T1 late 0, T2 late 0, T4 late 0, TJ1 0, TJ2 0: 0 / (1+1+1+2+2) -> 0.0
        "feedback": 0.0,  # FB: (0 + 0) / 2 [FB3 N/A out] -> 0.0
        "impact": 50.0,  # IM: 0.5 / 1 [IM2 N/A out] -> 50.0
    },
    "HAL-0109": {
        "tool_use": 100.0,  # TU: 6/6
        "lived_experience": 100.0,  # LE: 6/6
        "timeliness": 75.0,  # no dates (T1-T4 not applicable): (2*1 + 2*0.5) / 4 = 3/4 -> 75.0
        "feedback": 100.0,  # FB: 2/2 [FB3 N/A out]
        "impact": 75.0,  # IM: (1 + 0.5) / 2 -> 75.0
    },
    "HAL-0110": {
        "tool_use": 25.0,  # TU: (2*0 + 1*1 + 1*0) / (2+1+1) [TU2 N/A out] = 1/4 -> 25.0
        "lived_experience": 75.0,  # LE: (1*1 + 2*1 + 1*0) / (1+2+1) [LE2 N/A out] = 3/4 -> 75.0
        "timeliness": 50.0,  # T1 met 1, T2 overdue 0, TJ 1+1: 3 / (1+1+2+2) = 3/6 -> 50.0
        "feedback": 50.0,  # FB: 1.5/3 -> 50.0
        "impact": 50.0,  # IM: (1 + 0) / 2 -> 50.0
    },
    "HAL-0111": {
        "tool_use": 200 / 3,  # TU: (2*1 + 2*0.5 + 1*1 + 1*0) / 6 = 4/6 -> 66.67
        "lived_experience": 200 / 3,  # LE: LE2 N/A, LE1 blank; 2 of 3 answered: (2*1 + 1*0) / (2+1) -> 66.67
        "timeliness": 80.0,  # T1, T2, T4 in time (N/A), T3 late 0, TJ 2+2: 4 / (1+2+2) = 4/5 -> 80.0
        "feedback": 50.0,  # FB: (1 + 0) / 2 [FB3 N/A out] -> 50.0
        "impact": 100.0,  # IM: 2/2
    },
    "HAL-0112": {
        "tool_use": IE,  # TU: only TU4 answered: 1 of 4 < 2 -> insufficient evidence
        "lived_experience": 100.0,  # LE: 6/6
        "timeliness": 200 / 3,  # T1 in time (N/A), T2 met 1, T3 overdue 0, TJ 1+2: 4 / (1+1+2+2) -> 66.67
        "feedback": IE,  # FB: only FB1 answered: 1 of 3 < 1.5 -> insufficient evidence
        "impact": 0.0,  # IM: (0 + 0) / 2 -> 0.0
    },
    "HAL-0113": {
        "tool_use": 50.0,  # TU: all Partly: 3/6 -> 50.0
        "lived_experience": 0.0,  # LE: 0 / (1+2+1) [LE2 N/A out] -> 0.0
        "timeliness": IE,  # T1 met (applies, answered); TJ1, TJ2 blank: 1 of 3 < 1.5 -> insufficient
        "feedback": 50.0,  # FB: (1 + 0) / 2 [FB2 N/A out] -> 50.0
        "impact": 50.0,  # IM: IM2 blank; 1 of 2 answered: 0.5/1 -> 50.0
    },
    "HAL-0114": {
        "tool_use": 75.0,  # TU: (2*1 + 2*0.5 + 1*1 + 1*0.5) / 6 = 4.5/6 -> 75.0
        "lived_experience": 75.0,  # LE: (1 + 2 + 0) / (1+2+1) [LE2 N/A out] = 3/4 -> 75.0
        "timeliness": 75.0,  # T1, T2, T3 met (3), T4 late 0, TJ 2+1: 6 / (1+1+1+1+2+2) = 6/8 -> 75.0
        "feedback": 75.0,  # FB: (1 + 0.5) / 2 [FB3 N/A out] -> 75.0
        "impact": 75.0,  # IM: (1 + 0.5) / 2 -> 75.0
    },
}

# case score = mean of scored measures; band; moderation flag = |band(overall_grade) - band(case)| >= 2
EXPECTED_CASE: dict[str, tuple[float, str, bool]] = {
    # (60 + 250/3 + 100 + 250/3 + 100) / 5 = (1280/3) / 5 = 256/3 = 85.33 -> Good; grade Good: gap 0
    "HAL-0101": (256 / 3, GOOD, False),
    # (0 + 25 + 12.5 + 0 + 25) / 5 = 62.5/5 = 12.5 -> Inadequate; grade Good: gap 2 -> flagged
    "HAL-0102": (12.5, INAD, True),
    # (250/3 + 100 + 75 + 100 + 100) / 5 = (1375/3) / 5 = 275/3 = 91.67 -> Outstanding; grade Good: gap 1
    "HAL-0103": (275 / 3, OUT, False),
    # (100 + 300/7 + 25) / 3 [LE, IM not scored] = (1175/7) / 3 = 1175/21 = 55.95 -> RI; grade RI: gap 0
    "HAL-0104": (1175 / 21, RI, False),
    # (100 + 62.5 + 600/7 + 50 + 0) / 5 = (4175/14) / 5 = 835/14 = 59.64 -> RI; grade Outstanding: gap 2
    "HAL-0105": (835 / 14, RI, True),
    # (25/3 + 275/3 + 60 + 75) / 4 [FB not scored] = (100 + 135) / 4 = 58.75 -> RI; grade RI
    "HAL-0106": (58.75, RI, False),
    # (50 + 50 + 60 + 100 + 50) / 5 = 310/5 = 62.0 -> RI; grade Good: gap 1
    "HAL-0107": (62.0, RI, False),
    # (250/3 + 50 + 0 + 0 + 50) / 5 = (550/3) / 5 = 110/3 = 36.67 -> Inadequate; grade RI: gap 1
    "HAL-0108": (110 / 3, INAD, False),
    # (100 + 100 + 75 + 100 + 75) / 5 = 450/5 = 90.0 -> Outstanding (boundary); grade Good: gap 1
    "HAL-0109": (90.0, OUT, False),
    # (25 + 75 + 50 + 50 + 50) / 5 = 250/5 = 50.0 -> RI (boundary); grade Inadequate: gap 1
    "HAL-0110": (50.0, RI, False),
    # (200/3 + 200/3 + 80 + 50 + 100) / 5 = (1090/3) / 5 = 218/3 = 72.67 -> RI; grade Good: gap 1
    "HAL-0111": (218 / 3, RI, False),
    # (100 + 200/3 + 0) / 3 [TU, FB not scored] = (500/3) / 3 = 500/9 = 55.56 -> RI; grade Outstanding: gap 2
    "HAL-0112": (500 / 9, RI, True),
    # (50 + 0 + 50 + 50) / 4 [timeliness not scored] = 150/4 = 37.5 -> Inadequate; grade RI: gap 1
    "HAL-0113": (37.5, INAD, False),
    # (75 * 5) / 5 = 75.0 -> Good (boundary); grade Inadequate: gap 2 -> flagged
    "HAL-0114": (75.0, GOOD, True),
}

# Dated criteria: (status, credit). credit None = N/A (left out, NaN).
MET, LATE, OVERDUE, IN_TIME, NOT_APPL = "met", "late", "overdue", "in time", "not applicable"
NO_START = "no start date"
EXPECTED_DATED: dict[tuple[str, str], tuple[str, float | None]] = {
    # --- HAL-0101: every window met ---
    # T1 Fri 9 Oct -> Mon 12 Oct: Sat, Sun skipped, Mon = 1 <= 1 (weekend)
    ("HAL-0101", "T1"): (MET, 1.0),
    # T2 counts from the referral (Working Together): Fri 9 Oct -> Wed 14 Oct: Mon 12 (1), Tue 13 (2),
    #    Wed 14 (3) <= 45
    ("HAL-0101", "T2"): (MET, 1.0),
    # T3 Thu 21 May -> Fri 12 Jun: Fri 22 May 1, Mon 25 May bank hol, Tue 26-Fri 29 (5),
    #    week of 1 Jun (10), Mon 8-Fri 12 Jun (15) <= 15
    ("HAL-0101", "T3"): (MET, 1.0),
    # T4 ICPC 12 Jun + 3 months = 12 Sep; review 11 Sep <= 12 Sep
    ("HAL-0101", "T4"): (MET, 1.0),
    # --- HAL-0102: every window late ---
    # T1 Fri 29 May -> Tue 2 Jun: Mon 1, Tue 2 > 1 (weekend)
    ("HAL-0102", "T1"): (LATE, 0.0),
    # T2 from the referral Fri 29 May -> Mon 3 Aug: June 1-30 (22 working days), Jul 1-3 (25),
    #    weeks of 6, 13, 20, 27 Jul (45 at Fri 31 Jul), Mon 3 Aug = 46 > 45
    ("HAL-0102", "T2"): (LATE, 0.0),
    # T3 Thu 21 May -> Mon 15 Jun: 15 at Fri 12 Jun (see above), Mon 15 Jun = 16 > 15
    ("HAL-0102", "T3"): (LATE, 0.0),
    # T4 ICPC 15 Jun + 3 months = 15 Sep; review 16 Sep > 15 Sep
    ("HAL-0102", "T4"): (LATE, 0.0),
    # --- HAL-0103: open windows still in time on audit date Thu 15 Oct ---
    # T1 Wed 14 Oct, no decision: count to Thu 15 Oct = 1, not > 1 -> N/A
    ("HAL-0103", "T1"): (IN_TIME, None),
    # T2 from the referral Wed 14 Oct, no end: Thu 15 Oct = 1 <= 45
    ("HAL-0103", "T2"): (IN_TIME, None),
    # T3 Thu 1 Oct, no ICPC: Fri 2 Oct 1, Mon 5-Fri 9 (6), Mon 12-Thu 15 (10) <= 15
    ("HAL-0103", "T3"): (IN_TIME, None),
    # T4 no ICPC date (start absent) -> not applicable
    ("HAL-0103", "T4"): (NOT_APPL, None),
    # --- HAL-0104: open windows overdue on audit date Thu 15 Oct ---
    # T1 Mon 1 Jun, no decision: 1 by Tue 2 Jun, far more by the audit on 15 Oct -> 0
    ("HAL-0104", "T1"): (OVERDUE, 0.0),
    # T2 from the referral Mon 1 Jun, no end: 45 by Fri 31 Jul (as HAL-0102), far more by 15 Oct -> 0
    ("HAL-0104", "T2"): (OVERDUE, 0.0),
    # T3 Thu 17 Sep, no ICPC: Fri 18 Sep 1, weeks of 21 Sep (6), 28 Sep (11), 5 Oct (16), 12-15 Oct (20) > 15
    ("HAL-0104", "T3"): (OVERDUE, 0.0),
    ("HAL-0104", "T4"): (NOT_APPL, None),
    # --- HAL-0105 ---
    # T1 Thu 2 Apr -> Tue 7 Apr: Fri 3 Apr Good Friday, Sat, Sun, Mon 6 Apr Easter Monday, Tue 7 = 1 <= 1
    ("HAL-0105", "T1"): (MET, 1.0),
    ("HAL-0105", "T2"): (NOT_APPL, None),  # a referral but no assessment (no start or end date)
    # T3 Mon 1 Jun -> Mon 22 Jun: Tue 2-Fri 5 (4), week 8 Jun (9), week 15 Jun (14), Mon 22 (15) <= 15
    ("HAL-0105", "T3"): (MET, 1.0),
    # T4 ICPC 22 Jun + 3 months = 22 Sep; no review, audit 15 Oct > 22 Sep -> overdue 0
    ("HAL-0105", "T4"): (OVERDUE, 0.0),
    # --- HAL-0106 ---
    ("HAL-0106", "T1"): (NOT_APPL, None),  # no referral date
    # T2: an assessment but no referral date: it applies but its clock cannot start -> missing
    ("HAL-0106", "T2"): (NO_START, None),
    # T3 Fri 21 Aug -> Tue 1 Sep: Mon 24-Fri 28 Aug (5), Mon 31 Aug bank hol, Tue 1 Sep (6) <= 15
    ("HAL-0106", "T3"): (MET, 1.0),
    # T4 ICPC 1 Sep + 3 months = 1 Dec; no review; audit 15 Oct <= 1 Dec -> in time
    ("HAL-0106", "T4"): (IN_TIME, None),
    # --- HAL-0107: calendar months clamped to month end ---
    # T4 ICPC 30 Nov 2025 + 3 months = "30 Feb" -> 28 Feb 2026; review 28 Feb <= 28 Feb
    ("HAL-0107", "T4"): (MET, 1.0),
    ("HAL-0107", "T3"): (NOT_APPL, None),  # no strategy discussion date
    # --- HAL-0108 ---
    # T1 Thu 2 Apr -> Wed 8 Apr: Good Friday, weekend, Easter Monday skipped; Tue 7 (1), Wed 8 (2) > 1
    ("HAL-0108", "T1"): (LATE, 0.0),
    # T2 Thu 2 Apr -> Thu 11 Jun: Fri 3 & Mon 6 Apr bank hols, Tue 7-Fri 10 Apr (4),
    #    weeks 13, 20, 27 Apr (19), Mon 4 May bank hol, Tue 5-Fri 8 May (23), weeks 11, 18 May (33),
    #    Mon 25 May bank hol, Tue 26-Fri 29 May (37), week 1 Jun (42), Mon 8 (43), Tue 9 (44),
    #    Wed 10 (45), Thu 11 Jun (46) > 45 (it would be 42, in time, without the four hols)
    ("HAL-0108", "T2"): (LATE, 0.0),
    # T4 ICPC 30 Nov 2025 -> deadline 28 Feb 2026 (clamped); review 1 Mar 2026 > 28 Feb -> late
    ("HAL-0108", "T4"): (LATE, 0.0),
    # --- HAL-0109: no dates at all ---
    ("HAL-0109", "T1"): (NOT_APPL, None),
    ("HAL-0109", "T2"): (NOT_APPL, None),
    ("HAL-0109", "T3"): (NOT_APPL, None),
    ("HAL-0109", "T4"): (NOT_APPL, None),
    # --- HAL-0110 ---
    # T1 Tue 11 Aug -> Tue 11 Aug: same day = 0 <= 1
    ("HAL-0110", "T1"): (MET, 1.0),
    # T2 from the referral Tue 11 Aug, no end: Wed 12-Fri 14 Aug (3), weeks 17, 24 Aug (13),
    #    Mon 31 Aug bank hol,
    #    Tue 1-Fri 4 Sep (17), 4 weeks Sep 7-Oct 2 (37), week 5 Oct (42), Mon 12-Thu 15 Oct (46) > 45
    ("HAL-0110", "T2"): (OVERDUE, 0.0),
    # --- HAL-0111 (Health Visiting) ---
    # T1 Thu 15 Oct = audit date, no decision: count 0 <= 1 -> in time
    ("HAL-0111", "T1"): (IN_TIME, None),
    # T2 from the referral Thu 15 Oct (the audit date), no end: 0 <= 45 -> in time
    ("HAL-0111", "T2"): (IN_TIME, None),
    # T3 Fri 18 Sep -> Mon 12 Oct: weeks of 21 Sep (5), 28 Sep (10), 5 Oct (15), Mon 12 Oct (16) > 15
    ("HAL-0111", "T3"): (LATE, 0.0),
    # T4 ICPC 12 Oct + 3 months = 12 Jan 2027; no review; audit 15 Oct -> in time
    ("HAL-0111", "T4"): (IN_TIME, None),
    # --- HAL-0112 (Health Visiting, audit date Mon 2 Nov) ---
    # T1 Fri 30 Oct, no decision: Sat, Sun skipped, Mon 2 Nov = 1, not > 1 -> in time (weekend)
    ("HAL-0112", "T1"): (IN_TIME, None),
    # T2 from the referral Fri 30 Oct -> Mon 2 Nov: Sat, Sun skipped, Mon = 1 <= 45
    ("HAL-0112", "T2"): (MET, 1.0),
    # T3 Fri 9 Oct, no ICPC: weeks of 12, 19, 26 Oct (15), Mon 2 Nov (16) > 15 -> overdue 0
    ("HAL-0112", "T3"): (OVERDUE, 0.0),
    ("HAL-0112", "T4"): (NOT_APPL, None),
    # --- HAL-0113 ---
    ("HAL-0113", "T1"): (MET, 1.0),  # Mon 5 Oct -> Mon 5 Oct: 0 <= 1
    # --- HAL-0114 (Health Visiting) ---
    # T1 Fri 22 May -> Tue 26 May: Sat, Sun, Mon 25 May bank hol skipped; Tue 26 = 1 <= 1
    ("HAL-0114", "T1"): (MET, 1.0),
    # T2 from the referral Fri 22 May -> Mon 27 Jul: Mon 25 May bank hol, Tue 26-Fri 29 May (4),
    #    June (26 at Tue 30 Jun), Jul 1-3 (29), weeks 6, 13, 20 Jul (44), Mon 27 Jul (45) <= 45
    ("HAL-0114", "T2"): (MET, 1.0),
    # T3 Mon 1 Jun -> Mon 22 Jun: 15 (as HAL-0105) <= 15
    ("HAL-0114", "T3"): (MET, 1.0),
    # T4 ICPC 22 Jun + 3 months = 22 Sep; review 23 Sep > 22 Sep -> late
    ("HAL-0114", "T4"): (LATE, 0.0),
}

# Drift flags: (plan 18 months or more, first review overdue)
EXPECTED_DRIFT: dict[str, tuple[bool, bool]] = {
    "HAL-0101": (False, False),  # no plan dates; T4 met
    "HAL-0102": (False, False),  # T4 late (review held), not overdue
    "HAL-0103": (False, False),  # T4 not applicable
    "HAL-0104": (False, False),
    # plan 15 Apr 2025 open; + 18 months = 15 Oct 2026 = audit date -> flagged; T4 overdue -> flagged
    "HAL-0105": (True, True),
    # plan 16 Apr 2025 open; + 18 months = 16 Oct 2026 > audit 15 Oct -> not flagged; T4 in time
    "HAL-0106": (False, False),
    # plan 10 Jan 2025 ended 9 Jul 2026 < 10 Jul 2026 (+18 months): not flagged although open it would
    # be 21 months at the audit date
    "HAL-0107": (False, False),
    # plan 1 Oct 2024 ended 1 Apr 2026 = + 18 months: a plan of 18 months at plan end -> flagged
    "HAL-0108": (True, False),
    "HAL-0109": (False, False),
    "HAL-0110": (False, False),
    "HAL-0111": (False, False),  # T4 in time
    # plan 2 May 2025 open; + 18 months = 2 Nov 2026 = audit date -> flagged
    "HAL-0112": (True, False),
    "HAL-0113": (False, False),
    "HAL-0114": (False, False),  # T4 late, not overdue
}

POLICE_CASES = [k for k, r in ROWS.items() if r["partner"] == POLICE]
HV_CASES = [k for k, r in ROWS.items() if r["partner"] == HV]


@pytest.fixture(scope="module")
def scored(halton, tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("hand") / "in"
    write_return(folder, halton, [ROWS[k] for k in POLICE_CASES], partner=POLICE)
    write_return(folder, halton, [ROWS[k] for k in HV_CASES], partner=HV)
    ing = read_returns(folder, halton)
    v = validate(ing, halton, TODAY)
    assert not v.errors, v.errors
    return score(v.valid_table, halton).set_index("case_ref")


def test_every_case_read_from_both_files(scored):
    assert len(POLICE_CASES) >= 10 and len(HV_CASES) >= 3
    assert sorted(scored.index) == sorted(ROWS)
    assert scored.index.is_unique
    for case, row in ROWS.items():
        assert scored.loc[case, "partner"] == row["partner"], case


MEASURE_PARAMS = [(case, m) for case in EXPECTED_MEASURES for m in MEASURES]


@pytest.mark.parametrize(("case", "measure"), MEASURE_PARAMS, ids=[f"{c}-{m}" for c, m in MEASURE_PARAMS])
def test_measure_score(scored, case, measure):
    expected = EXPECTED_MEASURES[case][measure]
    got = scored.loc[case, f"score__{measure}"]
    status = scored.loc[case, f"status__{measure}"]
    if expected == IE:
        assert status == IE
        assert pd.isna(got) and math.isnan(float(got))
    else:
        assert status == "scored"
        assert float(got) == pytest.approx(expected, abs=1e-9)
        assert scored.loc[case, f"band__{measure}"] == band(expected)


@pytest.mark.parametrize("case", list(EXPECTED_CASE))
def test_case_score_band_and_moderation(scored, case):
    exp_score, exp_band, exp_flag = EXPECTED_CASE[case]
    assert float(scored.loc[case, "case_score"]) == pytest.approx(exp_score, abs=1e-9)
    assert band(exp_score) == exp_band  # the hand band agrees with the hand score
    assert scored.loc[case, "case_band"] == exp_band
    assert bool(scored.loc[case, "moderation_flag"]) is exp_flag
    gap = abs(BAND_ORDER.index(ROWS[case]["overall_grade"]) - BAND_ORDER.index(exp_band))
    assert (gap >= 2) is exp_flag  # the table above is self-consistent


@pytest.mark.parametrize(("case", "criterion"), list(EXPECTED_DATED),
                         ids=[f"{c}-{k}" for c, k in EXPECTED_DATED])
def test_dated_criterion(scored, case, criterion):
    exp_status, exp_credit = EXPECTED_DATED[(case, criterion)]
    assert scored.loc[case, f"{criterion}__status"] == exp_status
    credit = scored.loc[case, f"{criterion}__credit"]
    if exp_credit is None:
        assert pd.isna(credit)
    else:
        assert float(credit) == pytest.approx(exp_credit, abs=1e-9)


@pytest.mark.parametrize("case", list(EXPECTED_DRIFT))
def test_drift_flags(scored, case):
    long_, overdue = EXPECTED_DRIFT[case]
    assert bool(scored.loc[case, "drift_plan_long"]) is long_
    assert bool(scored.loc[case, "drift_review_overdue"]) is overdue


def test_coverage_of_the_table():
    """The hand table covers every outcome of every dated criterion, and each theme asked for."""
    for crit in ["T1", "T2", "T3", "T4"]:
        seen = {s for (c, k), (s, _) in EXPECTED_DATED.items() if k == crit}
        assert {MET, LATE, IN_TIME, OVERDUE} <= seen, crit
    answers = [v for r in ROWS.values() for v in r.values()]
    assert "Partly" in answers and "N/A" in answers
    assert any(v == IE for m in EXPECTED_MEASURES.values() for v in m.values())
    assert any(f for _, _, f in EXPECTED_CASE.values()) and not all(f for _, _, f in EXPECTED_CASE.values())
    assert all(r["audit_date"] <= TODAY for r in ROWS.values())
    assert AUDIT == ROWS["HAL-0101"]["audit_date"]
