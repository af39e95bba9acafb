"""Shared fixtures: the Halton profile, returns built in code through real templates, and
rounds built without kernels.

Two layers (see README, "For developers"): ``make test-fast`` runs every test not marked
``e2e`` or ``browser``; ``make test`` runs them all. A test that starts a Jupyter kernel
without the ``e2e`` marker fails at once, so the fast layer can never grow slow unnoticed;
tests that use the ``browser`` fixture are marked ``browser`` (and ``e2e``) automatically.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import inspect
import io
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import settings
from jupyter_client.manager import AsyncKernelManager, KernelManager

from qa_lib.profile.audit_tool import ToolLayout, build_template, slugify, tool_cell, tool_columns
from qa_lib.profile.schema import Profile, load_profile
from qa_lib.report.round_data import RoundData
from qa_lib.run import folder as round_folder
from qa_lib.run import options as options_module
from qa_lib.run.execute import usable_cores
from qa_lib.run.manifest import Timer
from qa_lib.run.options import RoundOptions
from qa_lib.run.publish_copy import as_published
from qa_lib.run.round import check, score_rows, store

pytest_plugins = ["browser"]  # the `browser` fixture (Debian's chromium via Playwright)

TODAY = dt.date(2026, 11, 2)  # the reference "today" used by tests (a Monday)

# Hypothesis: a quick profile for the one-minute loop (HYPOTHESIS_PROFILE=fast, as
# `make test-fast` sets it), the thorough one for `make test`. A test states its thorough
# number of examples through examples(), which the quick profile caps.
FAST_EXAMPLES = 8
settings.register_profile("fast", max_examples=FAST_EXAMPLES, deadline=None)
settings.register_profile("thorough", deadline=None)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "thorough")
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(thorough: int) -> int:
    """``max_examples`` for a Hypothesis test: ``thorough`` in `make test`, at most
    FAST_EXAMPLES in `make test-fast`."""
    return min(thorough, FAST_EXAMPLES) if HYPOTHESIS_PROFILE == "fast" else thorough


# --------------------------------------------------------------------------- the two layers

_KERNELS_ALLOWED = {"now": True}
_KERNEL_STARTS_REFUSED: list[str] = []
_UNMARKED = ("This test starts a Jupyter kernel: mark it @pytest.mark.e2e "
             "(make test-fast runs no kernel).")


def _refuse_unless_allowed(manager) -> None:
    if not _KERNELS_ALLOWED["now"]:
        _KERNEL_STARTS_REFUSED.append(type(manager).__name__)
        raise RuntimeError(_UNMARKED)


def _guarded(start):
    """``start`` (a kernel manager's start_kernel, plain or async) behind the e2e check."""
    if inspect.iscoroutinefunction(start):
        @functools.wraps(start)
        async def start_async(self, *args, **kwargs):
            _refuse_unless_allowed(self)
            return await start(self, *args, **kwargs)
        return start_async

    @functools.wraps(start)
    def start_kernel(self, *args, **kwargs):
        _refuse_unless_allowed(self)
        return start(self, *args, **kwargs)
    return start_kernel


for _cls in (KernelManager, AsyncKernelManager):
    _cls.start_kernel = _guarded(_cls.start_kernel)


# Under pytest-xdist each worker runs its own rounds: share the cores between workers
# rather than have every worker's round start one kernel per core.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    _cores = usable_cores()
    options_module.usable_cores = lambda: max(1, _cores // _WORKERS)  # type: ignore[assignment]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _KERNELS_ALLOWED["now"] = item.get_closest_marker("e2e") is not None
    _KERNEL_STARTS_REFUSED.clear()


@pytest.fixture(autouse=True)
def _no_unmarked_kernels():
    """Fail an unmarked test that tried to start a kernel, even where the round it ran
    turned the refusal into a failed report instead of an error."""
    yield
    if _KERNEL_STARTS_REFUSED:
        pytest.fail(_UNMARKED)


# --------------------------------------------------------------------------- returns


# The tests' own copy of the Halton profile (version 1.0.0, the SPEC's reference table).
HALTON_V1 = str(Path(__file__).resolve().parent / "profiles" / "halton-v1.yaml")


@pytest.fixture(scope="session")
def halton() -> Profile:
    return load_profile(HALTON_V1)


_BLANK_TEMPLATES: dict[tuple[str, str, str], bytes] = {}
_LOADED_TEMPLATES: dict[tuple[str, str, str], openpyxl.Workbook] = {}


def _template_key(profile: Profile) -> tuple[str, str, str]:
    return (profile.name, profile.version, str(profile.path))


# The tests' blank tool checks 60 case rows rather than the real tool's 500, and has the
# layout of the tools before issue 15 (keys in row 1, cases from row 2: a return made with
# one must still be read), so the Excel rows the tests name are those of their cases; the
# same workbook in every other way. The real tool (three heading rows, cases from row 4) is
# filled and read in tests/test_template.py and in the demo tests (tests/test_synthetic.py,
# and every profile's round through the notebooks in tests/test_profiles_e2e.py).
TEST_TEMPLATE_ROWS = 60


def blank_template(profile: Profile) -> bytes:
    """The profile's blank audit tool (no partner), generated once per test process."""
    key = _template_key(profile)
    if key not in _BLANK_TEMPLATES:
        buf = io.BytesIO()
        build_template(profile, None, rows=TEST_TEMPLATE_ROWS, layout=ToolLayout.KEYS_ONLY
                       ).save(buf)
        _BLANK_TEMPLATES[key] = buf.getvalue()
    return _BLANK_TEMPLATES[key]


def write_return(folder: Path, profile: Profile, rows: list[dict], partner: str | None = None,
                 name: str | None = None) -> Path:
    """Fill the profile's generated audit template with ``rows`` (dicts of key -> value), as a
    partner would with Excel, and save it in ``folder``. Returns its path.

    The blank template is opened with openpyxl once per test process; each return fills it,
    saves, and puts back every cell it touched (value, type and style, and removes cells it
    created), so the next return starts from the same blank tool."""
    folder.mkdir(parents=True, exist_ok=True)
    partner = partner or (rows[0].get("partner") if rows else profile.partners[0])
    path = folder / (name or f"{slugify(str(partner))}.xlsx")
    key = _template_key(profile)
    if key not in _LOADED_TEMPLATES:
        _LOADED_TEMPLATES[key] = openpyxl.load_workbook(io.BytesIO(blank_template(profile)))
    wb = _LOADED_TEMPLATES[key]
    ws = wb["Audit"]
    start, header = tool_columns(ws)
    touched = []
    try:
        for r, row in enumerate(rows, start=start):
            for k, value in row.items():
                existed = (r, header[k]) in ws._cells
                cell = tool_cell(ws, r, header[k])  # a new cell takes its column's format
                touched.append((cell, existed, copy.copy(cell._style), cell._value, cell.data_type))
                cell.value = value
        wb.save(path)
    finally:
        for cell, existed, style, value, data_type in reversed(touched):
            if not existed:
                ws._cells.pop((cell.row, cell.column), None)
            cell._style, cell._value, cell.data_type = style, value, data_type
    return path


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    """A zip archive, in memory, of ``members`` (name -> content)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


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


def table_of_rows(rows: list[dict], profile: Profile) -> pd.DataFrame:
    """Rows (dicts of column key -> value) as the table the reader gives the scorer: every
    column of the profile present, dates as datetimes (no files, no reading)."""
    t = pd.DataFrame(rows)
    for c in profile.columns:
        if c.key not in t:
            t[c.key] = None
        if c.type == "date":
            t[c.key] = pd.to_datetime(t[c.key])
    return t


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


# --------------------------------------------------------------------------- rounds without kernels


def build_round_data(profile: Profile, inputs: Path, out: Path, round_id: str = "R", *,
                     publish: bool = False, allow_partial: bool = False,
                     today: dt.date = TODAY, period: dt.date | None = None) -> RoundData:
    """A round's stored data as the report notebooks load it, built without any kernel:
    the round's own steps (check, score, store) written into a folder under ``out``.
    Earlier rounds already in ``out`` are picked up for trends, as in a real round."""
    opts = RoundOptions.build(profile, round_id, inputs, out, today=today,
                              allow_partial=allow_partial, jobs=1, period=period)
    tmp = round_folder.start(opts, lambda s: None)
    timer = Timer()
    checked = check(opts, tmp, timer, lambda s: None)
    data = store(opts, tmp, checked, score_rows(checked, profile, timer), timer)
    tmp.rename(opts.final)  # a round folder of data only: what trends read from earlier rounds
    return as_published(data) if publish else data  # drawn as its published copy is
