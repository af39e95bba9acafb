"""The generated Excel audit tool (issue 15): the heading rows (sections, questions in words,
keys), a partner's own tool with the partner filled in and locked, protection, the checks
where the partner types, print set-up, the blank tool's name, and a filled tool read back."""

import datetime as dt

import openpyxl
import pytest
import yaml

from conftest import TODAY, base_row
from qa_lib.checks.rules import validate
from qa_lib.ingest.returns import read_returns
from qa_lib.profile.audit_tool import (
    BLANK_TOOL,
    ToolLayout,
    build_template,
    question_text,
    template_name,
    tool_cell,
    tool_columns,
    write_template,
)
from qa_lib.profile.schema import load_profile

POLICE = "Cheshire Police"
ROWS = 40  # case rows checked in the tools these tests write (the real tool: 500)


@pytest.fixture(scope="module")
def tool(tmp_path_factory, halton):
    path = write_template(halton, tmp_path_factory.mktemp("tpl") / "tool.xlsx", POLICE)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def numbered(tmp_path_factory, halton):
    """Halton with a number column a profile adds (attendance in %) and one with a range."""
    data = yaml.safe_load(halton.path.read_text())
    data.update(name="testshire", title="Testshire neglect audit")
    data["extra_columns"] += [
        {"key": "attendance_pct", "type": "number", "question": "School attendance this term, %"},
        {"key": "visits", "type": "number", "question": "Home visits in the plan", "min": 0,
         "max": 60}]
    path = tmp_path_factory.mktemp("own") / "testshire.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_profile(path)


def test_sheets_and_heading_rows(tool, halton):
    assert tool.sheetnames[:2] == ["Instructions", "Audit"]
    assert tool["Lists"].sheet_state == "hidden"
    ws = tool["Audit"]
    assert tool_columns(ws) == (4, {c.key: j for j, c in enumerate(halton.columns, start=1)})
    assert [c.value for c in ws[3]] == [c.key for c in halton.columns]
    assert ws.freeze_panes == "B4"
    assert POLICE in " ".join(str(c.value) for c in tool["Instructions"]["A"] if c.value)


def test_each_question_is_in_words_above_its_key_under_its_measure(tool, halton):
    ws = tool["Audit"]
    for j, col in enumerate(halton.columns, start=1):
        shown = ws.cell(row=2, column=j)
        assert col.question in shown.value, col.key  # in the cell: no note to hover over
        assert shown.alignment.wrap_text
    assert ws.cell(row=2, column=8).value == question_text(halton.column_map["TU1"])
    # the band row: one merged cell per run of a section's columns, named once, coloured
    merged = {str(r): r for r in ws.merged_cells.ranges}
    tool_use = [j for j, c in enumerate(halton.columns, start=1) if c.key.startswith("TU")]
    span = f"{ws.cell(row=1, column=tool_use[0]).coordinate}:" \
           f"{ws.cell(row=1, column=tool_use[-1]).coordinate}"
    assert span in merged
    assert ws.cell(row=1, column=tool_use[0]).value == halton.measures[0].name
    fills = {ws.cell(row=1, column=j).fill.fgColor.rgb for j in (1, tool_use[0])}
    assert len(fills) == 2  # the case columns and the first measure differ in colour
    assert ws.row_dimensions[2].height >= 48  # the longest question shows wrapped


def test_instructions_say_what_the_answers_and_measures_mean(tool, halton):
    text = "\n".join(str(c.value) for c in tool["Instructions"]["A"] if c.value)
    for said in ("Yes: fully evidenced", "Partly:", "No: not evidenced", "N/A:",
                 "Outstanding, Good, Requires improvement, Inadequate", "from row 4"):
        assert said in text, said
    for m in halton.measures:
        assert m.name in text
    assert f"Audit tool for: {POLICE} (filled in on every case row)" in text


def test_a_partners_tool_has_its_partner_filled_in_and_locked(tool, halton):
    ws = tool["Audit"]
    start, cols = tool_columns(ws)
    p = cols["partner"]
    cells = [ws.cell(row=r, column=p) for r in range(start, start + 500)]
    assert {c.value for c in cells} == {POLICE}
    assert all(c.protection.locked for c in cells)
    assert ws.cell(row=start + 500, column=p).value is None


def test_heading_rows_and_lists_are_protected_and_answer_cells_are_not(tool, halton):
    ws = tool["Audit"]
    assert ws.protection.sheet and not ws.protection.password
    # sorting, filtering and formatting (resizing) columns and rows stay allowed
    assert not (ws.protection.sort or ws.protection.autoFilter or ws.protection.formatColumns
                or ws.protection.formatRows)
    for j in range(1, len(halton.columns) + 1):
        for r in (1, 2, 3):
            assert ws.cell(row=r, column=j).protection.locked
    start, cols = tool_columns(ws)
    for key, j in cols.items():
        if key == "partner":
            continue
        letter = openpyxl.utils.get_column_letter(j)
        assert ws.column_dimensions[letter].protection.locked is False, key
        # a cell the partner types into takes its column's style: unlocked
        assert tool_cell(ws, start + 3, j).protection.locked is False, key
    assert tool["Lists"].protection.sheet


def _validations(ws):
    """Column letter -> (validation, its rows) of every data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            letter = rng.coord.split(":")[0].rstrip("0123456789")
            out[letter] = (dv, (rng.min_row, rng.max_row))
    return out


def test_every_answer_column_has_its_check_over_every_case_row(tool, halton):
    ws = tool["Audit"]
    dvs = _validations(ws)
    start, cols = tool_columns(ws)
    letters = {k: openpyxl.utils.get_column_letter(j) for k, j in cols.items()}
    lists = tool["Lists"]
    for col in halton.columns:
        letter = letters[col.key]
        if col.type == "text" and col.key != "case_ref":
            continue  # free text: nothing to check as it is typed
        dv, rows = dvs[letter]
        assert rows == (4, 503), col.key
        if col.type in ("answer", "choice", "multi_choice"):
            assert dv.type == "list", col.key
            # the dropdown's range on the Lists sheet holds exactly the column's choices
            ref = dv.formula1.split("!")[1].replace("$", "")
            values = [c.value for row in lists[ref] for c in row]
            assert tuple(values) == tuple(col.choices), col.key
        elif col.type == "date":
            assert dv.type == "date" and dv.operator == "between"
            assert dv.formula1 == "36526"  # 01/01/2000, the audit's date window
            assert dv.formula2 == ("TODAY()" if col.key == "audit_date" else "73050")
            assert ws.column_dimensions[letter].number_format == "DD/MM/YYYY"
            assert tool_cell(ws, 10, cols[col.key]).number_format == "DD/MM/YYYY"
        elif col.type == "grade":
            assert dv.type == "whole"
    tu1, tu2 = dvs[letters["TU1"]][0], dvs[letters["TU2"]][0]
    assert tu1.formula1 != tu2.formula1  # TU1 offers no N/A, TU2 does
    ref = dvs[letters["case_ref"]][0]
    assert ref.type == "custom" and "LEN(A4)<=20" in ref.formula1 and "20 characters" in ref.prompt


def test_the_tools_date_window_is_the_readers():
    from qa_lib.ingest.values import DATE_WINDOW as READ
    from qa_lib.profile.audit_tool import DATE_WINDOW as TOOL

    assert TOOL == READ


def test_number_columns_are_checked_with_their_range_and_unit(tmp_path, numbered):
    wb = openpyxl.load_workbook(write_template(numbered, tmp_path / "t.xlsx", POLICE, rows=ROWS))
    ws = wb["Audit"]
    dvs = _validations(ws)
    _, cols = tool_columns(ws)
    pct, _ = dvs[openpyxl.utils.get_column_letter(cols["attendance_pct"])]
    visits, rows = dvs[openpyxl.utils.get_column_letter(cols["visits"])]
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")
    assert "per cent" in pct.prompt and "type 96 for 96%" in pct.prompt
    assert (visits.type, visits.formula1, visits.formula2) == ("decimal", "0", "60")
    assert visits.prompt == "A number from 0 to 60" and rows == (4, 3 + ROWS)


def test_case_ref_check_takes_the_start_of_the_profiles_own_pattern(tmp_path, halton):
    """Excel runs no regular expression: the tool checks the start the pattern fixes
    ('HAL-' of 'HAL-[0-9]{4}') and shows its example; the rest is the reader's check."""
    data = yaml.safe_load(halton.path.read_text())
    data["case_ref_pattern"] = {"regex": "HAL-[0-9]{4}", "example": "HAL-0042"}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    ws = build_template(load_profile(path), POLICE, rows=ROWS)["Audit"]
    dv, _ = _validations(ws)["A"]
    assert 'LEFT(A4,4)="HAL-"' in dv.formula1 and "LEN(A4)<=20" in dv.formula1
    assert "like HAL-0042" in dv.prompt and "like HAL-0042" in dv.error


def test_print_set_up(tool):
    ws = tool["Audit"]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$3"
    assert ws.print_options.gridLines
    assert "halton" in ws.oddHeader.left.text and ws.oddHeader.right.text == POLICE
    assert "&P" in ws.oddFooter.right.text


def test_the_blank_tool_is_named_and_says_so(tmp_path, halton):
    assert template_name(halton, None) == "halton-audit-tool-blank.xlsx"
    assert template_name(halton, POLICE) == "halton-audit-tool-cheshire-police.xlsx"
    path = write_template(halton, tmp_path, rows=ROWS)
    assert path.name == "halton-audit-tool-blank.xlsx"
    wb = openpyxl.load_workbook(path)
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert BLANK_TOOL in text
    ws = wb["Audit"]
    start, cols = tool_columns(ws)
    assert ws.cell(row=start, column=cols["partner"]).value is None  # chosen by the partner
    assert ws.column_dimensions["B"].protection.locked is False


def _fill(path, rows):
    """Fill a generated tool as a partner would (cells taking their column's style)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    start, cols = tool_columns(ws)
    for r, row in enumerate(rows, start=start):
        for key, value in row.items():
            if key != "partner" or ws.cell(row=r, column=cols[key]).value is None:
                tool_cell(ws, r, cols[key]).value = value
    wb.save(path)


@pytest.mark.parametrize("partner", [POLICE, None])
def test_a_filled_tool_is_read_back_with_no_errors_or_notes(tmp_path, halton, partner):
    """A partner's tool (partner filled in on all 500 rows) and the blank one (partner
    chosen on each row), three cases filled in: three rows read from row 4, nothing noted."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = write_template(halton, folder / "police.xlsx", partner)
    _fill(path, [base_row(f"HAL-000{i}", TU1="No", TU2="N/A", LE2="Partly",
                          referral_date=dt.date(2026, 9, 1)) for i in (1, 2, 3)])
    ing = read_returns(folder, halton)
    v = validate(ing, halton, TODAY)
    assert [f.status for f in ing.files] == ["read"]
    assert not v.problems, [(p.code, p.row, p.message) for p in v.problems]
    assert ing.table["_row"].tolist() == [4, 5, 6]
    assert ing.table["partner"].tolist() == [POLICE] * 3
    assert v.table["LE2"].tolist() == ["Partly"] * 3


def test_a_renamed_heading_in_the_new_layout_is_named_not_taken_from_the_questions(tmp_path,
                                                                                   halton):
    """The keys row stays the heading row with one key renamed (the question row above it
    names every column): the refusal names row 3 and the heading."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = write_template(halton, folder / "police.xlsx", POLICE, rows=ROWS)
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    _, cols = tool_columns(ws)
    ws.cell(row=3, column=cols["LE2"], value="LE2 child's story")
    wb.save(path)
    _fill(path, [base_row("HAL-0001")])
    ing = read_returns(folder, halton)
    [f] = ing.files
    assert f.status != "read"
    [p] = [p for p in ing.problems if p.code == "F07"]
    assert "row 3" in p.message and "LE2 child's story" in p.message


def test_an_old_tool_with_keys_in_row_1_is_still_read(tmp_path, halton):
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "police.xlsx"
    build_template(halton, POLICE, rows=ROWS, layout=ToolLayout.KEYS_ONLY).save(path)
    _fill(path, [base_row("HAL-0001", TU1="No")])
    ing = read_returns(folder, halton)
    assert ing.table["_row"].tolist() == [2] and ing.table["TU1"].tolist() == ["No"]
    assert not [p for p in ing.problems], [p.message for p in ing.problems]


def test_a_name_dragged_down_a_blank_tool_is_still_noted(tmp_path, halton):
    """Only the name the tool filled in goes without a note (N22 stays for a blank tool)."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = write_template(halton, folder / "police.xlsx", rows=ROWS)
    _fill(path, [base_row("HAL-0001")] + [{"partner": POLICE}] * 5)
    ing = read_returns(folder, halton)
    assert [p.code for p in ing.problems] == ["N22"]


def test_unknown_partner_is_refused(tmp_path, halton):
    with pytest.raises(ValueError, match="not a partner"):
        write_template(halton, tmp_path / "x.xlsx", "Chesire Police")
