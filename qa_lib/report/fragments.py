"""Accessible HTML fragments for the reports: headings, tables, bands, figures, notes.

Tables are real tables (caption, ``th`` with ``scope``); a band is always
written as its word, with colour only as an extra cue; a figure resting on 1 to
5 cases carries a visible low-number marker explained beside the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape

import pandas as pd

LOW_MARK = "\u2020"  # dagger
LOW_NOTE = (f"{LOW_MARK} low number: the figure rests on 1 to 5 cases, so read it with care.")


def band_class(band: str | None) -> str:
    """CSS class for a band word ('Requires improvement' -> 'band-requires-improvement')."""
    if not band:
        return "band-none"
    return "band-" + "-".join(band.lower().split())


def band_badge(band: str | None) -> str:
    """A band as a word in a coloured badge; 'Not scored' when there is none."""
    if not band or (isinstance(band, float) and math.isnan(band)):
        return '<span class="band band-none">Not scored</span>'
    return f'<span class="band {band_class(band)}">{escape(str(band))}</span>'


def round_half_up(v: float, decimals: int = 1) -> float:
    """Round halves away from zero (71.25 -> 71.3), as published statistics do, rather than
    to even; works on the decimal text of the float so 0.1-style noise does not matter."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP))


def fmt_number(v: object, decimals: int = 1, low: bool = False, signed: bool = False) -> str:
    """A number for a table cell: one decimal place, an en dash when missing; ``signed`` shows
    + or a minus sign (for changes)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return '<span class="missing" title="not available">&ndash;</span>'
    if isinstance(v, (int,)) and not isinstance(v, bool):
        text = f"{v:,}"
    else:
        try:
            f = round_half_up(float(v), decimals)
            plus = "+" if signed and round(f, decimals) != 0 else ""
            text = f"{abs(f) if not plus and round(f, decimals) == 0 else f:{plus},.{decimals}f}"
        except (TypeError, ValueError):
            return escape(str(v))
    text = text.replace("-", "\u2212")
    if low:
        text += f'<abbr class="low" title="low number: 1 to 5 cases">{LOW_MARK}</abbr>'
    return text


def heading(text: str, level: int = 2, anchor: str | None = None) -> str:
    """A heading with an optional id for the contents list."""
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{escape(text)}</h{level}>"


def paragraph(text: str, cls: str | None = None) -> str:
    """A paragraph of plain text (escaped)."""
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{escape(text)}</p>"


def callout(html_body: str, kind: str = "info", title: str | None = None) -> str:
    """A boxed note (info, warning) holding ready-made HTML."""
    t = f"<strong>{escape(title)}</strong> " if title else ""
    return f'<div class="callout callout-{kind}" role="note">{t}{html_body}</div>'


def table(df: pd.DataFrame, caption: str, *, row_header: str | None = None,
          band_columns: Iterable[str] = (), number_columns: dict[str, int] | None = None,
          low_flags: dict[str, str] | None = None, html_columns: Iterable[str] = (),
          hide: Iterable[str] = (), cls: str = "data", empty: str = "None.",
          signed: Iterable[str] = ("Change since last round", "Difference")) -> str:
    """Render a DataFrame as an accessible table.

    ``row_header`` names the column whose cells are row headers; ``band_columns``
    render as band badges; ``number_columns`` maps column -> decimals;
    ``low_flags`` maps a number column to a boolean column marking low numbers.
    """
    if df is None or df.empty:
        return f'<p class="empty"><em>{escape(caption)}:</em> {escape(empty)}</p>'
    bands, htmls, hidden, signs = set(band_columns), set(html_columns), set(hide), set(signed)
    numbers = number_columns or {}
    lows = low_flags or {}
    hidden |= set(lows.values())
    cols = [c for c in df.columns if c not in hidden]
    out = [f'<div class="table-wrap"><table class="{cls}">', f"<caption>{escape(caption)}</caption>"]
    out.append("<thead><tr>" + "".join(
        f'<th scope="col"{_num_cls(c, numbers)}>{escape(str(c))}</th>' for c in cols)
        + "</tr></thead><tbody>")
    for _, row in df.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if c in bands:
                body = band_badge(v if isinstance(v, str) else None)
            elif c in htmls:
                body = str(v)
            elif c in numbers:
                body = fmt_number(v, numbers[c], bool(row[lows[c]]) if c in lows else False,
                                  signed=c in signs)
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                body = '<span class="missing" title="not available">&ndash;</span>'
            else:
                body = escape(str(v))
            if c == row_header:
                cells.append(f'<th scope="row">{body}</th>')
            else:
                cells.append(f"<td{_num_cls(c, numbers)}>{body}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _num_cls(col: str, numbers: dict) -> str:
    return ' class="num"' if col in numbers else ""


def figure(png_b64: str, alt: str, caption: str) -> str:
    """An embedded PNG with alt text and a visible caption."""
    return (f'<figure><img src="data:image/png;base64,{png_b64}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def definition_list(items: Sequence[tuple[str, str]]) -> str:
    """A <dl> of term and (escaped) description pairs."""
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items)
    return f'<dl class="facts">{body}</dl>'


def bullet_list(items: Iterable[str]) -> str:
    """A <ul> of escaped items."""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
