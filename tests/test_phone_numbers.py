"""Phone numbers as people really type them are redacted (issue 11, class 14).

Brackets, dots, hyphens, country codes, a (0) after +44, and a digit too many or too few
are all still phone numbers. Scores, counts, times, years and case references are not.
"""

from __future__ import annotations

import pytest

from qa_lib.common.personal_data import REDACTED, redact

TYPED = [
    "07700 900123", "07700900456", "0151 496 0123", "01432 260000", "+44 7700 900789",
    "(0151) 496 0123", "(07700) 900123", "0151.496.0123", "07700.900.123", "07700-900-123",
    "0151-496-0123", "+44 (0)7700 900123", "+44(0)151 496 0123", "+44-7700-900123",
    "+447700900123", "0044 7700 900123", "00447700900123", "+353 1 234 5678",
    "07700 90012",  # a digit too few
    "077009001234",  # a digit too many
    "0151 4960 1234", "07700 900 123", "0 7700 900 123",
]


@pytest.mark.parametrize("number", TYPED)
def test_a_typed_phone_number_is_redacted_in_a_sentence(number):
    text, n = redact(f"Mum rang from {number} on Tuesday.")
    assert text == f"Mum rang from {REDACTED} on Tuesday." and n == 1


@pytest.mark.parametrize("words", [
    "Scores 0 1 2 3 4 5 6 7 8 across the criteria.", "TU1 scored 0.5 of 2.",
    "Plan 2025-2026 reviewed.", "Case HAL-0001 and HAL-0002 share a sibling.",
    "3 visits in 10 days.", "Seen between 0900 and 1700.", "0 of 10 visits, 2 of 8 missed.",
    "Version 1.0.0.1 of the tool.", "Count 1,234,567.", "Score 75.5 (Good).",
])
def test_practice_numbers_are_not_phone_numbers(words):
    assert redact(words) == (words, 0)
