"""Graded tools: a profile's ``graded_tools`` generate the first and latest grade columns,
and drive the distance travelled in the scores, the reports, summary.xlsx and the demo.

The tests' frozen Halton profile keeps the Graded Care Profile 2 as its graded tool (test
data: no strategy names it); a variant profile swaps it for another tool, and another has
no graded tool at all."""

from __future__ import annotations

import math
from html import unescape
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import HALTON_V1, base_row, build_round_data, page_text, write_return
from qa_lib.profile.audit_tool import write_template
from qa_lib.profile.schema import ProfileError, area_slug, load_profile
from qa_lib.report import sections as report
from qa_lib.report.summary_workbook import summary_views
from qa_lib.run.synthetic import make_demo_returns
from qa_lib.scoring.aggregate import distance_travelled

POLICE, HV = "Cheshire Police", "Health Visiting"
GCP2 = "Graded Care Profile 2"
HEAT = "Home Environment Assessment Tool"
GCP2_KEYS = [f"gcp2_{w}_{a}" for w in ("first", "latest")
             for a in ("physical", "safety", "love", "esteem")]
HEAT_KEYS = ["heat_first_home_conditions", "heat_first_safety_and_supervision",
             "heat_latest_home_conditions", "heat_latest_safety_and_supervision"]


def _halton_yaml() -> dict:
    return yaml.safe_load(Path(HALTON_V1).read_text(encoding="utf-8"))


def _variant(tmp_path: Path, name: str, change) -> Path:
    data = _halton_yaml()
    change(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _heat(data: dict) -> None:
    """Halton with the Home Environment Assessment Tool (two areas, 1 to 4, higher better)
    as its graded tool in place of the Graded Care Profile 2."""
    data["tools"] = [HEAT if t == GCP2 else t for t in data["tools"]]
    data["graded_tools"] = [{"name": HEAT, "key": "heat", "min": 1, "max": 4,
                             "lower_is_better": False,
                             "areas": ["Home conditions", "Safety and supervision"]}]


def _none(data: dict) -> None:
    del data["graded_tools"]


@pytest.fixture(scope="module")
def heat(tmp_path_factory):
    return load_profile(_variant(tmp_path_factory.mktemp("heat"), "halton-heat", _heat))


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return load_profile(_variant(tmp_path_factory.mktemp("plain"), "halton-plain", _none))


# --------------------------------------------------------------------------- columns


def test_columns_generated_from_the_graded_tool(halton):
    assert not any(x.key.startswith("gcp2_") for x in halton.model.extra_columns)
    (g,) = halton.graded_tools
    assert (g.name, g.key, g.min, g.max, g.lower_is_better) == (GCP2, "gcp2", 1, 5, True)
    assert g.name in halton.tools
    assert [a for a, _ in g.area_list] == ["physical", "safety", "love", "esteem"]
    assert [n for _, n in g.area_list] == ["Physical care", "Safety", "Love and care", "Esteem"]
    keys = [c.key for c in halton.columns]
    assert [k for k in keys if k.startswith("gcp2_")] == GCP2_KEYS
    # after the other detail columns, before the overall grade
    assert keys.index("gcp2_first_physical") == keys.index("feedback_stages") + 1
    assert keys.index("gcp2_latest_esteem") == keys.index("overall_grade") - 1
    for k in GCP2_KEYS:
        c = halton.column_map[k]
        assert (c.type, c.min, c.max, c.in_header, c.group) == ("grade", 1, 5, False, GCP2)
        assert c.question.startswith(f"{GCP2}, {k.split('_')[1]} grade: ")
        assert c.question.endswith("(1 best to 5 worst)")
    assert halton.column_map["gcp2_first_love"].question == (
        "Graded Care Profile 2, first grade: Love and care (1 best to 5 worst)")
    assert len(keys) == len(set(keys))


def test_plain_string_areas_are_slugged(heat):
    assert area_slug("Safety and supervision") == "safety_and_supervision"
    assert area_slug("  Home conditions / hygiene ") == "home_conditions_hygiene"
    assert area_slug("Love & care") == "love_care"
    (g,) = heat.graded_tools
    assert g.areas == ("Home conditions", "Safety and supervision")  # plain strings kept
    assert [k for k in (c.key for c in heat.columns) if k.startswith("heat_")] == HEAT_KEYS
    c = heat.column_map["heat_latest_home_conditions"]
    assert (c.type, c.min, c.max, c.in_header, c.group) == ("grade", 1, 4, False, HEAT)
    assert c.question == f"{HEAT}, latest grade: Home conditions (1 worst to 4 best)"
    assert not any(k.startswith("gcp2_") for k in heat.column_map)


def test_a_profile_without_graded_tools_has_no_grade_columns(plain):
    assert plain.graded_tools == ()
    assert not [c for c in plain.columns if c.type == "grade"]
    assert GCP2 in plain.tools  # still a tool a case may name, just not graded


@pytest.mark.parametrize(("change", "field", "problem"), [
    (lambda d: d["extra_columns"].append(
        {"key": "gcp2_first_safety", "type": "grade", "question": "A clashing column"}),
     "graded_tools.0", "grade column 'gcp2_first_safety' clashes with another column"),
    (lambda d: d["graded_tools"][0].update(key="tool"),  # tool_name is not a clash...
     None, None),
    (lambda d: d["graded_tools"].append({**d["graded_tools"][0], "name": "Other"}),
     "graded_tools.1", "grade column 'gcp2_first_physical' clashes with another column"),
    (lambda d: d["graded_tools"][0]["areas"].append("Physical"),
     "graded_tools.0", "grade column 'gcp2_first_physical' clashes with another column"),
    (lambda d: d["graded_tools"][0]["areas"].append("?!"),
     "graded_tools.0.areas.4", "area '?!' gives no column key"),
    (lambda d: d["graded_tools"][0].update(name="Graded Care Profile 3"),
     "graded_tools.0.name", "'Graded Care Profile 3' is not in tools"),
    (lambda d: d["graded_tools"][0].update(min=5, max=5),
     "graded_tools.0", "'min' below 'max'"),
    (lambda d: d["graded_tools"][0]["areas"].__setitem__(0, {"name": "Physical care",
                                                             "key": "Physical"}),
     "graded_tools.0.areas.0", "pattern"),
])
def test_graded_tool_cross_checks(tmp_path, change, field, problem):
    path = _variant(tmp_path, "broken", change)
    if field is None:
        assert "tool_first_physical" in load_profile(path).column_map
        return
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    assert f"field '{field}" in str(e.value) and problem in str(e.value), str(e.value)


# --------------------------------------------------------------------------- aggregation


def test_distance_travelled_by_hand(halton):
    (g,) = halton.graded_tools
    scored = pd.DataFrame({
        "partner": ["A", "A", "A", "B"],
        "gcp2_first_physical": [4, 5, None, 3],
        "gcp2_latest_physical": [2, 5, 1, 3],
        "gcp2_first_safety": [3, None, None, None],
        "gcp2_latest_safety": [None, None, None, None],
        "gcp2_first_love": [5, 2, None, None],
        "gcp2_latest_love": [3, 4, None, None],
    })  # no esteem columns at all: no grades
    a = distance_travelled(scored, g, "A").set_index("Area")
    assert list(a.index) == ["Physical care", "Safety", "Love and care", "Esteem"]
    # physical: cases 1 and 2 have both grades; first (4+5)/2 = 4.5, latest (2+5)/2 = 3.5,
    # change ((2-4) + (5-5))/2 = -1.0; one case improved (4 -> 2)
    assert a.loc["Physical care", "Cases with both grades"] == 2
    assert a.loc["Physical care", "Mean first grade"] == 4.5
    assert a.loc["Physical care", "Mean latest grade"] == 3.5
    assert a.loc["Physical care", "Mean change"] == -1.0
    assert a.loc["Physical care", "Cases improved"] == 1
    # love: 5 -> 3 and 2 -> 4: first 3.5, latest 3.5, change (-2 + 2)/2 = 0; one improved
    assert a.loc["Love and care", "Mean change"] == 0.0
    assert a.loc["Love and care", "Cases improved"] == 1
    for area in ("Safety", "Esteem"):
        assert a.loc[area, "Cases with both grades"] == 0
        assert a.loc[area, "Cases improved"] == 0
        assert math.isnan(a.loc[area, "Mean change"])
    allp = distance_travelled(scored, g).set_index("Area")
    assert allp.loc["Physical care", "Cases with both grades"] == 3  # B's 3 -> 3 counts too
    assert allp.loc["Physical care", "Mean change"] == pytest.approx(-2 / 3)


def test_distance_travelled_when_higher_is_better(heat):
    (g,) = heat.graded_tools
    scored = pd.DataFrame({"partner": ["A", "A", "A"],
                           "heat_first_home_conditions": [1, 3, 4],
                           "heat_latest_home_conditions": [3, 2, 4]})
    d = distance_travelled(scored, g).set_index("Area")
    # changes +2, -1, 0: mean 1/3; only 1 -> 3 improved (higher is better)
    assert d.loc["Home conditions", "Cases with both grades"] == 3
    assert d.loc["Home conditions", "Mean change"] == pytest.approx(1 / 3)
    assert d.loc["Home conditions", "Cases improved"] == 1
    assert d.loc["Safety and supervision", "Cases with both grades"] == 0


# --------------------------------------------------------------------------- reports


def _text(html: str) -> str:
    return unescape(page_text(html))


@pytest.fixture(scope="module")
def gcp2_round(tmp_path_factory, halton):
    root = tmp_path_factory.mktemp("gcp2-round")
    write_return(root / "in", halton, [
        base_row("HAL-0001", POLICE, TU1="Yes", tool_name=GCP2, gcp2_first_physical=4,
                 gcp2_latest_physical=2, gcp2_first_safety=3, gcp2_latest_safety=3),
        base_row("HAL-0002", POLICE, TU1="No")])
    write_return(root / "in", halton, [base_row("HAL-0001", HV, TU1="No")])
    return build_round_data(halton, root / "in", root / "out", "R1")


def test_halton_round_shows_the_graded_care_profile_section(gcp2_round):
    html = report.section_html(gcp2_round, "distance-travelled", POLICE)
    assert html.startswith(f'<h2 id="distance-travelled-gcp2">{GCP2}: distance travelled</h2>')
    t = _text(html)
    assert "(1 best to 5 worst). A negative change means care improved." in t
    assert f"{GCP2} grades, first and latest (Cheshire Police)" in t
    assert "Physical care 1 4.0 2.0 −2.0 1 " in t  # one case, 4 -> 2
    assert "Safety 1 3.0 3.0 0.0 0 " in t
    # a partner with no grade: its section says so instead of a table of blanks
    hv = _text(report.section_html(gcp2_round, "distance-travelled", HV))
    assert f"No audit from Health Visiting recorded both a first and a latest {GCP2} grade" in hv
    body = report.report_body(gcp2_round, None)
    assert body.count('id="distance-travelled-gcp2"') == 1
    sheet = summary_views(gcp2_round)["Distance travelled (gcp2)"][0]
    row = sheet[(sheet["Partner"] == "Partnership") & (sheet["Area"] == "Physical care")].iloc[0]
    assert (row["Tool"], row["Cases with both grades"], row["Mean change"]) == (GCP2, 1, -2.0)


@pytest.fixture(scope="module")
def heat_round(tmp_path_factory, heat):
    root = tmp_path_factory.mktemp("heat-round")
    write_return(root / "in", heat, [
        base_row("HAL-0001", POLICE, TU1="Yes", tool_name=HEAT, heat_first_home_conditions=1,
                 heat_latest_home_conditions=3, heat_first_safety_and_supervision=2,
                 heat_latest_safety_and_supervision=2),
        base_row("HAL-0002", POLICE, TU1="Yes", tool_name=HEAT, heat_first_home_conditions=2,
                 heat_latest_home_conditions=4)])
    return build_round_data(heat, root / "in", root / "out", "R1")


def test_another_graded_tool_gets_its_own_section(heat_round):
    html = report.section_html(heat_round, "distance-travelled", POLICE)
    assert html.startswith(f'<h2 id="distance-travelled-heat">{HEAT}: distance travelled</h2>')
    t = _text(html)
    assert "(1 worst to 4 best). A positive change means care improved." in t
    # home conditions: 1 -> 3 and 2 -> 4: first 1.5, latest 3.5, change +2.0, both improved
    assert "Home conditions 2 1.5 3.5 +2.0 2 " in t, t
    assert "Safety and supervision 1 2.0 2.0 0.0 0 " in t, t
    assert GCP2 not in t and "gcp2" not in html
    for partner in (POLICE, None):
        body = report.report_body(heat_round, partner)
        assert body.count(f"{HEAT}: distance travelled") == 1
        assert "gcp2" not in body and f"{GCP2}: distance" not in body
    views = summary_views(heat_round)
    assert "Distance travelled (heat)" in views and "Distance travelled (gcp2)" not in views


def test_no_graded_tool_no_section_and_no_sheet(tmp_path, plain):
    write_return(tmp_path / "in", plain, [base_row("HAL-0001", POLICE, TU1="Yes",
                                                   tool_name=GCP2)])
    data = build_round_data(plain, tmp_path / "in", tmp_path / "out", "R1")
    assert not any(k.startswith("gcp2_") for k in data.scored.columns)
    for partner in (POLICE, None):
        assert report.section_html(data, "distance-travelled", partner) == ""
        assert "distance travelled" not in report.report_body(data, partner).lower()
    assert not any(name.startswith("Distance") for name in summary_views(data))


def test_the_section_list_names_no_tool():
    (s,) = [s for s in report.SECTIONS if s.each_graded_tool]
    assert (s.anchor, s.title, s.in_contents) == ("distance-travelled",
                                                  "{tool}: distance travelled", False)


# --------------------------------------------------------------------------- template, demo


def _whole_validations(path: Path) -> dict[str, tuple[str, str]]:
    """Column letter -> (min, max) of each whole-number validation on the Audit sheet."""
    ws = openpyxl.load_workbook(path)["Audit"]
    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "whole":
            for rng in dv.sqref.ranges:
                out[rng.coord.split(":")[0].rstrip("0123456789")] = (dv.formula1, dv.formula2)
    return out


@pytest.mark.parametrize(("which", "keys", "top"), [("halton", GCP2_KEYS, "5"),
                                                    ("heat", HEAT_KEYS, "4")])
def test_template_writes_grade_columns_with_whole_number_validation(
        request, tmp_path, which, keys, top):
    profile = request.getfixturevalue(which)
    path = write_template(profile, tmp_path / "tool.xlsx", POLICE)
    header = [c.value for c in openpyxl.load_workbook(path)["Audit"][3]]  # keys: row 3
    assert header == [c.key for c in profile.columns]
    whole = _whole_validations(path)
    for k in keys:
        letter = openpyxl.utils.get_column_letter(header.index(k) + 1)
        assert whole[letter] == ("1", top), k
    assert len(whole) == len(keys)  # the grade columns, and nothing else


def test_demo_grades_cases_naming_the_graded_tool(tmp_path, heat):
    demo = make_demo_returns(heat, tmp_path / "demo", cases=30, partners=[POLICE, HV],
                             template_rows=60)
    rows = pd.concat([pd.read_excel(f, sheet_name="Audit", engine="openpyxl", header=2) for f in
                      sorted(demo.returns.glob("*.xlsx"))], ignore_index=True)
    rows = rows[rows["case_ref"].notna()]
    named = rows["tool_name"] == HEAT
    assert named.any()
    assert rows.loc[~named, HEAT_KEYS].isna().all().all()  # grades only where HEAT is named
    graded = rows.loc[named, HEAT_KEYS]
    assert graded.notna().all().all()
    assert graded.isin([1, 2, 3, 4]).all().all()
    for area in ("home_conditions", "safety_and_supervision"):  # higher is better: no worse
        assert (graded[f"heat_latest_{area}"] >= graded[f"heat_first_{area}"]).all()
    assert not any(c.startswith("gcp2_") for c in rows.columns)
