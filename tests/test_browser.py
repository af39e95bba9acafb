"""Every page of a round, in a real browser: no axe-core violations at WCAG 2.2 AA, offline."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from browser import axe_violations, open_offline
from conftest import HALTON_V1
from qa_lib.profile.audit_tool import tool_columns
from qa_lib.profile.schema import load_profile
from qa_lib.run.round import run_round
from qa_lib.run.synthetic import make_demo_returns

pytestmark = pytest.mark.e2e  # every test here runs notebooks in kernels

TODAY_DEMO = dt.date(2026, 10, 30)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A small partial round (so every kind of page and warning is present)."""
    halton = load_profile(HALTON_V1)
    root = tmp_path_factory.mktemp("browser")
    demo = make_demo_returns(halton, root / "returns", cases=14, seed=7,
                             partners=["Children's Social Care", "Health Visiting", "Housing"],
                             quality=[0.8, 0.9, 0.3])
    wb = openpyxl.load_workbook(demo.returns / "housing.xlsx")
    ws = wb["Audit"]
    start, header = tool_columns(ws)
    ws.cell(row=start + 1, column=header["TU3"], value="Maybe")  # one bad row: a partial round
    wb.save(demo.returns / "housing.xlsx")
    res = run_round(halton, "2026-Q3", demo.returns, root / "reports", today=TODAY_DEMO,
                    allow_partial=True, progress=lambda s: None)
    assert res.status == "partial", res.failed
    root_index = res.folder.parent / "index.html"  # every round in the reports folder
    return [*sorted(res.folder.glob("*.html")), root_index]


def test_round_has_every_page(pages):
    names = {p.name for p in pages}
    assert {"index.html", "partnership.html", "validation.html",
            "partner-housing.html"} <= names


@pytest.mark.parametrize("name", ["index.html", "partnership.html", "validation.html",
                                  "partner-housing.html", "partner-health-visiting.html",
                                  "reports/index.html"])
def test_no_axe_violations(browser, pages, name):
    path = next(p for p in pages if p.name == name or f"{p.parent.name}/{p.name}" == name)
    page, _ = open_offline(browser, path)
    violations = axe_violations(page)
    page.context.close()
    assert violations == [], violations


@pytest.mark.parametrize("name", ["index.html", "partnership.html", "validation.html",
                                  "partner-housing.html"])
def test_offline_and_images_render(browser, pages, name):
    path = next(p for p in pages if p.name == name)
    page, attempted = open_offline(browser, path)
    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])")
    page.context.close()
    assert attempted == []
    assert all(ok for ok, _ in images), images
    assert all(alt and len(alt) > 30 for _, alt in images)
    if name.startswith("partner-"):
        assert len(images) >= 3


@pytest.mark.parametrize("name", ["index.html", "partnership.html", "validation.html",
                                  "partner-housing.html"])
def test_headings_in_order_and_tables_have_headers(browser, pages, name):
    path = next(p for p in pages if p.name == name)
    page, _ = open_offline(browser, path)
    levels = page.evaluate(
        "() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
        ".map(h => Number(h.tagName[1]))")
    tables = page.evaluate(
        "() => Array.from(document.querySelectorAll('table')).map(t => "
        "[t.querySelectorAll('th[scope]').length, !!t.querySelector('caption')])")
    print_css = page.evaluate(
        "() => Array.from(document.styleSheets).some(s => Array.from(s.cssRules)"
        ".some(r => r.media && r.media.mediaText.includes('print')))")
    page.context.close()
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert tables and all(n > 0 and cap for n, cap in tables)
    assert print_css
