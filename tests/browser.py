"""A real browser for the HTML checks: Debian's chromium driven by Playwright, axe-core injected.

Never downloads a browser. Where chromium is missing the browser tests are skipped on a
developer's machine (with the reason) and fail in CI, where `make test` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: `make test` should have installed it")
    pytest.skip(f"{reason} (run `make browser`)")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing("Debian's chromium is not installed")
    if not AXE.exists():
        _missing("axe-core is not installed in node_modules")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def open_offline(browser, path: Path, width: int = 1280):
    """Open a page with every request to another address blocked; returns (page, attempted)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
    attempted: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:")):
            r.continue_()
        else:
            attempted.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: None if req.url.startswith(("file://", "data:"))
            else attempted.append(req.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, attempted


def axe_violations(page) -> list[dict]:
    """axe-core violations at WCAG 2.2 A and AA (tags wcag2a ... wcag22aa)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
