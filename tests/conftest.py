"""Shared fixtures: the Halton profile and returns built in code through real templates."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from qa_lib.profile.audit_tool import slugify, write_template
from qa_lib.profile.schema import Profile, load_profile

pytest_plugins = ["browser"]  # the `browser` fixture (Debian's chromium via Playwright)

TODAY = dt.date(2026, 11, 2)  # the reference "today" used by tests (a Monday)


@pytest.fixture(scope="session")
def halton() -> Profile:
    return load_profile("halton")


def write_return(folder: Path, profile: Profile, rows: list[dict], partner: str | None = None,
                 name: str | None = None) -> Path:
    """Fill a freshly generated audit template with ``rows`` (dicts of key -> value), as a
    partner would with Excel, and save it in ``folder``. Returns the workbook's path."""
    folder.mkdir(parents=True, exist_ok=True)
    partner = partner or (rows[0].get("partner") if rows else profile.partners[0])
    path = folder / (name or f"{slugify(str(partner))}.xlsx")
    write_template(profile, path, None)
    wb = openpyxl.load_workbook(path)
    ws = wb["Audit"]
    header = {c.value: c.column for c in ws[1]}
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            ws.cell(row=r, column=header[key], value=value)
    wb.save(path)
    return path


def base_row(case_ref: str = "HAL-0001", partner: str = "Cheshire Police", **answers) -> dict:
    """A valid row with every context value filled and no criteria answered."""
    row = {
        "case_ref": case_ref, "partner": partner, "audit_date": dt.date(2026, 10, 15),
        "age_band": "5-10", "plan_type": "Child Protection", "neglect_types": "Physical",
        "overall_grade": "Good",
    }
    row.update(answers)
    return row


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "data", "action", "poster", "srcset") and v is not None:
                self.refs.append((tag, k, v))


def assert_self_contained(html: str) -> int:
    """No reference to any other address; every image embedded. Returns the image count."""
    p = _Refs()
    p.feed(html)
    imgs = 0
    for tag, attr, value in p.refs:
        if tag == "img":
            assert value.startswith("data:image/"), value[:60]
            imgs += 1
        else:
            assert "://" not in value and not value.startswith("//"), (tag, attr, value)
    assert "script" not in p.tags and "link" not in p.tags and "iframe" not in p.tags
    assert not re.search(r"url\((?!['\"]?data:)", html)
    assert "@import" not in html
    return imgs


def page_text(html: str) -> str:
    """Visible text of a report page's main content, whitespace collapsed."""
    html = html[html.find("<main"):] if "<main" in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def validate_folder(folder: Path, profile: Profile):
    """Read and validate a folder of returns as a round would (reference date TODAY)."""
    from qa_lib.checks.rules import validate
    from qa_lib.ingest.returns import read_returns

    return validate(read_returns(folder, profile), profile, TODAY)


def letter_of(path: Path, key: str, header_row: int = 1) -> str:
    """The column letter of ``key`` in the header row of the workbook's Audit sheet."""
    from openpyxl.utils import get_column_letter

    ws = openpyxl.load_workbook(path)["Audit"]
    for cell in ws[header_row]:
        if cell.value == key:
            return get_column_letter(cell.column)
    raise AssertionError(f"{key} is not in row {header_row} of {path.name}")
