"""Self-contained HTML pages: executed notebooks (inputs hidden) and the round's own pages.

Notebooks are exported with nbconvert's ``basic`` template (no scripts, no
stylesheets from elsewhere) and wrapped in the toolkit's accessible page
layout, whose stylesheet is inline. Images are already embedded as data URIs
by the charts module, so a page opens offline, from a USB stick or an e-mail.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from qa_lib import __version__

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
from qa_lib.common.excel_cells import visible

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter  # only for notebook pages: nbconvert takes a second

    ex = HTMLExporter(template_name="basic")
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.exclude_output_stdin = True
    return ex


def page(title: str, heading: str, body_html: str, *, subheading: str | None = None,
         back_link: str | None = None, profile_line: str | None = None) -> str:
    """A complete HTML page in the toolkit's layout around ready-made body HTML. Control
    characters carried in from the returns (a bell, a vertical tab) are shown as ``[U+0007]``
    as in the workbooks: no markup holds them, and HTML may not."""
    return visible(_env().get_template("base.html.j2").render(
        title=title, heading=heading, subheading=subheading, body=Markup(body_html),
        back_link=back_link, profile_line=profile_line, toolkit_version=__version__))


def notebook_body(nb_path: Path | str) -> str:
    """The outputs of an executed notebook as HTML, code hidden, prompts hidden."""
    import nbformat  # only for notebook pages (its schema checks import slowly)

    nb = nbformat.read(str(nb_path), as_version=4)
    nb.cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for c in nb.cells:  # streams (warnings, prints) are for the analyst, not the report
        c["outputs"] = [o for o in c.get("outputs", []) if o.get("output_type") != "stream"]
    body, _ = _exporter().from_notebook_node(nb)
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    body = re.sub(r' id="cell-id=[^"]*"', "", body)  # papermill's random ids: not reproducible
    return body


def notebook_page(nb_path: Path | str, title: str, heading: str, **kw) -> str:
    """An executed notebook as a complete, self-contained page."""
    return page(title, heading, notebook_body(nb_path), **kw)
