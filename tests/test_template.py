"""The generated Excel audit tool: sheets, header keys, notes, dropdowns, date formats."""

import openpyxl
import pytest

from qa_lib.profile.audit_tool import write_template


@pytest.fixture(scope="module")
def tool(tmp_path_factory, halton):
    path = write_template(halton, tmp_path_factory.mktemp("tpl") / "tool.xlsx", "Cheshire Police")
    return openpyxl.load_workbook(path)


def test_sheets_and_header(tool, halton):
    assert tool.sheetnames[:2] == ["Instructions", "Audit"]
    assert tool["Lists"].sheet_state == "hidden"
    ws = tool["Audit"]
    header = [c.value for c in ws[1]]
    assert header == [c.key for c in halton.columns]
    assert ws.freeze_panes == "B2"
    assert "Cheshire Police" in " ".join(str(c.value) for c in tool["Instructions"]["A"] if c.value)


def test_every_header_has_its_question_as_a_note(tool, halton):
    ws = tool["Audit"]
    for cell, col in zip(ws[1], halton.columns, strict=True):
        assert cell.comment is not None, col.key
        assert col.question in cell.comment.text


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def test_dropdown_on_every_coded_column_and_dates_formatted(tool, halton):
    ws = tool["Audit"]
    dvs = _validations(ws)
    letters = {c.value: c.column_letter for c in ws[1]}
    lists = tool["Lists"]
    for col in halton.columns:
        letter = letters[col.key]
        if col.type in ("answer", "choice", "multi_choice"):
            dv = dvs[letter]
            assert dv.type == "list", col.key
            # the dropdown's range on the Lists sheet holds exactly the column's choices
            ref = dv.formula1.split("!")[1].replace("$", "")
            values = [c.value for row in lists[ref] for c in row]
            assert tuple(values) == tuple(col.choices), col.key
        elif col.type == "date":
            assert dvs[letter].type == "date"
            assert ws[f"{letter}2"].number_format == "DD/MM/YYYY"
        elif col.type == "grade":
            assert dvs[letter].type == "whole"
    tu2 = dvs[letters["TU2"]]
    tu1 = dvs[letters["TU1"]]
    assert tu1.formula1 != tu2.formula1  # TU1 offers no N/A, TU2 does


def test_unknown_partner_is_refused(tmp_path, halton):
    with pytest.raises(ValueError, match="not a partner"):
        write_template(halton, tmp_path / "x.xlsx", "Chesire Police")
