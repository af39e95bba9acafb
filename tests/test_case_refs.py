"""One child, one case reference: references are compared in one form (issue 11, class 6).

Lower case, typographic dashes, spaces round a dash and full-width characters are read in
the one form used by the duplicate check, the case view and cases apart, with a note (N19);
references that still differ only in leading zeros are refused (V10).
"""

from __future__ import annotations

import pytest

from conftest import base_row, validate_folder, write_return
from qa_lib.common.vocabulary import Severity
from qa_lib.ingest.values import parse_case_ref
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score


@pytest.mark.parametrize(("written", "read"), [
    ("hal-0001", "HAL-0001"), ("Hal-0001", "HAL-0001"), ("HAL\u20130001", "HAL-0001"),
    ("HAL\u20140001", "HAL-0001"), ("HAL\u22120001", "HAL-0001"), ("HAL - 0001", "HAL-0001"),
    ("HAL -0001", "HAL-0001"), ("\uff28\uff21\uff2c\uff0d\uff10\uff10\uff10\uff11", "HAL-0001"),
    ("  HAL-0001 ", "HAL-0001")])
def test_written_differently_read_in_one_form(written, read):
    ref, issue = parse_case_ref(written)
    assert ref == read
    assert (issue is None) == (written.strip() == read)
    if issue is not None:
        assert issue.code == "N19" and issue.severity == Severity.NOTE


@pytest.mark.parametrize("name", ["Jack-Smith", "Xavi Quist"])
def test_names_keep_their_case_so_the_name_check_still_sees_them(name):
    assert parse_case_ref(name)[0] == name


@pytest.mark.parametrize(("first", "second"), [
    ("HAL-0001", "hal-0001"), ("HAL-0001", "HAL\u20130001"), ("HAL-0001", "HAL - 0001")])
def test_the_same_case_twice_for_one_partner_is_a_duplicate(tmp_path, halton, first, second):
    write_return(tmp_path, halton, [base_row(first), base_row(second)])
    v = validate_folder(tmp_path, halton)
    assert [p.row for p in v.errors if p.code == "V09"] == [2, 3]


@pytest.mark.parametrize("other", ["hal-0001", "HAL\u20130001", "Hal - 0001"])
def test_one_child_across_partners_is_one_case_in_the_case_view(tmp_path, halton, other):
    yes = {k: "Yes" for k in ("TU1", "TU2", "TU3", "TU4")}
    write_return(tmp_path, halton, [base_row("HAL-0001", "Cheshire Police", **yes,
                                             tool_name="Home Conditions Tool")])
    write_return(tmp_path, halton, [base_row(other, "Health Visiting", **yes,
                                             tool_name="Home Conditions Tool")])
    v = validate_folder(tmp_path, halton)
    assert not v.errors and [p.code for p in v.notes if p.column == "case_ref"] == ["N19"]
    view = agg.case_view(score(v.valid_table, halton), halton)
    assert len(view) == 1  # one child, both partners side by side


@pytest.mark.parametrize(("a", "b"), [("123", "000123"), ("HAL-0012", "HAL-12"),
                                      ("HAL-001-7", "HAL-1-7"), (123, "0123")])
def test_references_differing_only_in_leading_zeros_are_refused(tmp_path, halton, a, b):
    write_return(tmp_path, halton, [base_row(a, "Cheshire Police")])
    write_return(tmp_path, halton, [base_row(b, "Health Visiting")])
    v = validate_folder(tmp_path, halton)
    found = [p for p in v.errors if p.code == "V10"]
    assert len(found) == 2 and all("differ only in leading zeros" in p.message for p in found)
    assert not v.row_ok.any()


def test_distinct_references_with_zeros_are_left_alone(tmp_path, halton):
    write_return(tmp_path, halton, [base_row("HAL-0010"), base_row("HAL-0100"),
                                    base_row("HAL-1000")])
    assert not [p for p in validate_folder(tmp_path, halton).errors if p.code == "V10"]
