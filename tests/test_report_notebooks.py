"""The report notebooks read as documents, and check their parameters before anything else.

Each code cell of ``audit_round.ipynb`` and ``partner_report.ipynb`` follows a markdown cell
saying what it does; a section's words open with the section's title. ``round_dir`` and
``partner`` are checked first (:mod:`qa_lib.report.notebook_params`): a folder that is not a
round, or a partner not in it, is one line, not a traceback, and the default partner is the
round's first. The functions are tested here without a kernel on a Durham round (whose
partners are not Halton's); one e2e test runs the partner notebook with papermill.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import TEST_TEMPLATE_ROWS, build_round_data
from qa_lib.profile.schema import load_profile
from qa_lib.report import sections as report
from qa_lib.report.notebook_params import (
    ParameterError,
    check_partner,
    check_round_dir,
    round_partners,
)
from qa_lib.report.round_data import load_round
from qa_lib.report.sections import Scope
from qa_lib.run.synthetic import make_demo_returns

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
REPORT_NOTEBOOKS = {"audit_round.ipynb": Scope.PARTNERSHIP,
                    "partner_report.ipynb": Scope.PARTNER}
NOT_A_ROUND = ("is not an audit round folder: set round_dir to a folder made by qa-audit run "
               "(it holds data/ and manifest.json)")


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _src(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.fixture(scope="module")
def durham_round(tmp_path_factory) -> dict:
    """A Durham round of two partners, the profile's fourth and second: the round's first
    partner (in the profile's order) is the second, and neither is a Halton agency."""
    root = tmp_path_factory.mktemp("durham")
    durham = load_profile("durham")
    chosen = [durham.partners[3], durham.partners[1]]
    make_demo_returns(durham, root / "returns", cases=6, seed=5, partners=chosen,
                      template_rows=TEST_TEMPLATE_ROWS)
    build_round_data(durham, root / "returns", root / "reports", "2026-Q3")
    return {"folder": root / "reports" / "2026-Q3", "profile": durham,
            "partners": [durham.partners[1], durham.partners[3]]}


# --------------------------------------------------------------------------- the documents


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_every_code_cell_follows_words(name):
    cells = _cells(name)
    assert cells[0]["cell_type"] == "markdown" and _src(cells[0]).startswith("# ")
    for before, cell in zip(cells, cells[1:], strict=False):
        if cell["cell_type"] == "code":
            words = _src(before)
            assert before["cell_type"] == "markdown", (name, _src(cell))
            assert len(words.split()) >= 15 and words.rstrip().endswith("."), (name, words)


@pytest.mark.parametrize(("name", "scope"), REPORT_NOTEBOOKS.items())
def test_each_section_is_introduced_by_its_own_title(name, scope):
    cells = _cells(name)
    titles = {s.anchor: s.title.replace("{tool}: ", "").capitalize()
              if "{tool}" in s.title else s.title for s in report.sections_for(scope)}
    shown = []
    for before, cell in zip(cells, cells[1:], strict=False):
        m = re.fullmatch(r'report\.show\(data, "([\w-]+)"\)', _src(cell))
        if cell["cell_type"] == "code" and m:
            shown.append(m.group(1))
            assert _src(before).startswith(f"**{titles[m.group(1)]}.** "), (name, _src(before))
    assert shown == list(titles)  # one cell per section, each calling it by name


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_stored_without_outputs_and_checking_parameters_first(name, halton):
    code = [c for c in _cells(name) if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    params, load = _src(code[0]), _src(code[1])
    assert 'round_dir = "."' in params
    assert load.index("= check_round_dir(round_dir)") < load.index("data = load_round(")
    if name == "partner_report.ipynb":  # the default partner is the round's, never Halton's
        assert re.search(r"^partner = None\b", params, re.M)
        assert load.index("check_partner(") < load.index("load_round(")
        assert not [p for p in halton.partners if p in params]


# --------------------------------------------------------------------------- the checks


def test_a_round_folder_passes_and_anything_else_is_one_line(durham_round, tmp_path,
                                                             monkeypatch):
    folder = durham_round["folder"]
    assert check_round_dir(folder) == folder and check_round_dir(str(folder)) == folder
    monkeypatch.chdir(tmp_path)  # "." is the notebook's own folder: not a round
    for given, shown in ((".", f"'.' ({tmp_path})"), (str(tmp_path / "no"), f"'{tmp_path}/no'"),
                         (folder.parent, f"'{folder.parent}'"), (None, "None")):
        with pytest.raises(ParameterError) as err:
            check_round_dir(given)
        assert str(err.value) == f"{shown} {NOT_A_ROUND}"
        assert err.value._render_traceback_() == [str(err.value)]  # what Jupyter shows


def test_the_round_partners_are_in_the_profile_order(durham_round):
    assert round_partners(durham_round["folder"]) == durham_round["partners"]


def test_no_partner_means_the_first_of_the_round_said_in_a_sentence(durham_round):
    said: list[str] = []
    first, second = durham_round["partners"]
    assert check_partner(durham_round["folder"], None, say=said.append) == first
    assert said == [f"partner was not set, so this is the report of the round's first "
                    f"partner, {first}. The partners of round 2026-Q3 are: {first}, {second}."]
    assert check_partner(durham_round["folder"], second, say=said.append) == second
    assert len(said) == 1  # a partner given is not talked about


def test_a_partner_not_in_the_round_is_one_line_naming_those_that_are(durham_round):
    first, second = durham_round["partners"]
    choices = f"set partner to one of '{first}', '{second}', or to None for the first"
    not_in_round = durham_round["profile"].partners[0]  # in the profile, no return this round
    for given, shown in (("Cheshire Police", "'Cheshire Police'"),
                         (not_in_round, repr(not_in_round)), (3, "3"),
                         (first.lower(), f"{first.lower()!r} is not a partner in round 2026-Q3 "
                                         f"(did you mean {first!r}?)")):
        with pytest.raises(ParameterError) as err:
            check_partner(durham_round["folder"], given)
        msg = str(err.value)
        assert msg.startswith(shown) and msg.endswith(choices) and "\n" not in msg, msg
        assert err.value._render_traceback_() == [msg]


# --------------------------------------------------------------------------- through papermill


@pytest.mark.e2e
def test_partner_notebook_through_papermill(durham_round, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from qa_lib.report.page import notebook_body
    from qa_lib.run.execute import execute_notebook, own_kernel

    folder, first = durham_round["folder"], durham_round["partners"][0]
    src = NOTEBOOKS / "partner_report.ipynb"
    default = folder / "notebooks" / "partner-default.ipynb"  # where the round runs them
    default.parent.mkdir(exist_ok=True)
    elsewhere = tmp_path / "partner.ipynb"
    with own_kernel() as kernel:
        execute_notebook(src, default, {"round_dir": ".."}, kernel, timeout=300)
        with pytest.raises(PapermillExecutionError) as failed:
            execute_notebook(src, elsewhere, {}, kernel, timeout=300)  # round_dir "." left
        with pytest.raises(PapermillExecutionError) as failed_too:  # the partnership's too
            execute_notebook(NOTEBOOKS / "audit_round.ipynb", tmp_path / "round.ipynb", {},
                             kernel, timeout=300)

    # partner left at None: the round's first partner's report, and a sentence saying so
    import nbformat

    nb = nbformat.read(default, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    streams = "".join(o.get("text", "") for c in code for o in c.outputs
                      if o.output_type == "stream")
    assert f"this is the report of the round's first partner, {first}." in streams
    html = "".join(o.get("data", {}).get("text/html", "") for c in code for o in c.outputs)
    data = load_round(folder, partner=first)
    assert html == report.report_body(data, first)
    assert f"<dd>{first}</dd>" in html and len(data.scored)
    # the page holds the outputs only: none of the notebook's words, headings in order
    body = notebook_body(default)
    assert "Reading the round" not in body and "**" not in body
    levels = [int(h) for h in re.findall(r"<h([1-6])", body)]  # under the page's own h1
    assert levels[0] == 2 and 1 not in levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels

    # round_dir left at ".": one line, no traceback, and papermill reports the failure
    line = f"'.' ({tmp_path}) {NOT_A_ROUND}"
    for saved, exc in ((elsewhere, failed.value), (tmp_path / "round.ipynb", failed_too.value)):
        errors = [o for c in nbformat.read(saved, as_version=4).cells if c.cell_type == "code"
                  for o in c.get("outputs", []) if o.output_type == "error"]
        assert len(errors) == 1 and errors[0]["ename"] == "ParameterError"
        assert errors[0]["traceback"] == [line]
        assert str(exc).rstrip().endswith(line)
        assert "qa_lib" not in str(exc).replace(line, "")  # no frames of ours
