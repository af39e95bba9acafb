"""Look-alike characters (issue 11, class 12): a Cyrillic or Greek letter in place of a
Latin one, or another dash in place of '-', is read as meant and named in the note, or
named in the error when the value still cannot be read."""

from __future__ import annotations

import pytest

from conftest import base_row, validate_folder, write_return
from qa_lib.ingest.values import choice_parser, lookalikes, parse_answer, parse_case_ref

CYRILLIC_E, CYRILLIC_O, GREEK_O = "\u0435", "\u043e", "\u03bf"


@pytest.mark.parametrize("typed,answer,named", [
    (f"Y{CYRILLIC_E}s", "Yes", f"'{CYRILLIC_E}' (Cyrillic small letter ie) in place of 'e'"),
    (f"N{CYRILLIC_O}", "No", f"'{CYRILLIC_O}' (Cyrillic small letter o) in place of 'o'"),
    (f"N{GREEK_O}", "No", f"'{GREEK_O}' (Greek small letter omicron) in place of 'o'"),
    ("P\u0430rtly", "Partly", "'\u0430' (Cyrillic small letter a) in place of 'a'"),
    ("\u0423es", "Yes", "'\u0423' (Cyrillic capital letter u) in place of 'Y'"),
])
def test_an_answer_with_a_lookalike_letter_is_read_and_the_letter_named(typed, answer, named):
    value, issue = parse_answer(typed)
    assert value == answer
    assert issue is not None and issue.code == "N10"
    assert issue.message == (f"Answer '{typed}' was read as '{answer}'. It holds a look-alike "
                             f"character: {named}.")


def test_an_unreadable_answer_names_its_lookalike_letters():
    value, issue = parse_answer(f"Y{CYRILLIC_E}ss")
    assert value is None and issue is not None and issue.code == "A02"
    assert issue.message.endswith("It holds a look-alike character: "
                                  f"'{CYRILLIC_E}' (Cyrillic small letter ie) in place of 'e'.")


@pytest.mark.parametrize("typed,named", [
    ("HAL\u20130001", "'\u2013' (en dash) in place of '-'"),
    ("HAL\u22120001", "'\u2212' (minus sign) in place of '-'"),
    ("\u041dAL-0001", "'\u041d' (Cyrillic capital letter en) in place of 'H'"),
    ("H\u0391L-0001", "'\u0391' (Greek capital letter alpha) in place of 'A'"),
])
def test_a_case_reference_with_a_lookalike_is_read_as_one_form_and_named(typed, named):
    ref, issue = parse_case_ref(typed)
    assert ref == "HAL-0001"
    assert issue is not None and issue.code == "N19" and issue.message.endswith(
        f"It holds a look-alike character: {named}.")


def test_a_choice_with_a_lookalike_is_read_and_a_near_miss_names_it():
    parse = choice_parser(("Cheshire Police", "Schools"))
    value, issue = parse(f"Cheshire P{CYRILLIC_O}lice")
    assert value == "Cheshire Police" and issue is not None and issue.code == "N14"
    assert "(Cyrillic small letter o) in place of 'o'" in issue.message
    value, issue = parse(f"Sch{CYRILLIC_O}{CYRILLIC_O}l")
    assert value is None and issue is not None and issue.code == "C01"
    assert issue.message.count("Cyrillic small letter o") == 1  # each character named once


def test_plain_text_has_no_lookalikes():
    assert lookalikes("Yes, Partly, No - HAL-0001 'quoted'") == []


def test_the_same_child_with_a_lookalike_reference_is_one_case_across_partners(tmp_path, halton):
    """A Cyrillic H in one partner's reference no longer splits the child in two, and the
    same partner typing it both ways is a duplicate."""
    folder = tmp_path / "in"
    write_return(folder, halton, [base_row("HAL-0001"), base_row("\u041dAL-0001")])
    v = validate_folder(folder, halton)
    assert {p.code for p in v.problems if p.severity == "error"} == {"V09"}
    assert set(v.table["case_ref"]) == {"HAL-0001"}
