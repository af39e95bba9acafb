"""Plurals in report sentences: every registered sentence template reads right with 1 and 2."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import qa_lib
from qa_lib.report import wording
from qa_lib.report.wording import count, plural

# templates register themselves when their module is imported: import every module once
for _m in pkgutil.walk_packages(qa_lib.__path__, "qa_lib."):
    if not _m.name.endswith("__main__"):
        importlib.import_module(_m.name)

_WRONG = [re.compile(p) for p in (
    r"\b1 (?:\w+ )?(?:cases|rows|days|measures|partners|children|months|criteria|actions|"
    r"rounds|files|errors|notes|themes|agencies|working days|reports)\b",
    r"\b(?:[2-9]|\d{2,}) (?:\w+ )?(?:case|row|day|measure|partner|child|month|criterion|action|"
    r"round|file|error|note|theme|agency|report)\b(?! (?:of|score|band|view|report))",
    r"\(s\)")]


def test_plural_words() -> None:
    assert count(1, "working day") == "1 working day"
    assert count(2, "working day") == "2 working days"
    assert count(0, "case") == "0 cases"
    assert count(3, "child") == "3 children"
    assert count(1, "criterion", "criteria") == "1 criterion"
    assert count(2, "criterion", "criteria") == "2 criteria"
    assert plural(2, "agency") == "agencies"
    assert count(1200, "row") == "1,200 rows"


def test_some_sentences_are_registered() -> None:
    assert wording.SENTENCES, "no sentence template registered"


@pytest.mark.parametrize("name", sorted(wording.SENTENCES))
@pytest.mark.parametrize("n", [1, 2])
def test_sentence_reads_right(name: str, n: int) -> None:
    text = wording.SENTENCES[name](n)
    for pattern in _WRONG:
        assert not pattern.search(text), f"{name} with {n}: {text!r}"
