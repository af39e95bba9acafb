"""Property: a published report never lets a count of 1 to 5 be recovered.

Random small rounds (one to three partners of 1 to 25 rows each, random answers, dated
criteria, graded-tool grades, rows left out, sometimes an earlier round for the trend) are
scored in code, then every published page body (each partner's and the partnership's,
:func:`~qa_lib.report.sections.report_body`) and the published summary.xlsx are read back
as a reader would: every table, every definition and every sentence. No figure may give
away a count of 1 to 5:

* no count cell (a whole number in a column of counts) of 1 to 5;
* no percentage whose numerator (share x base / 100, the base shown in its row) or whose
  rest (base minus numerator) is 1 to 5, and no row of shares adding to 100 with one
  alone suppressed (the others would tell it);
* no "k of n" with k, n or n - k from 1 to 5;
* no column of counts with a total (the partnership's row) and one count alone suppressed;
* no sentence counting 1 to 5 cases, rows, audits or actions, no fact of 1 to 5 cases;
* no low-number mark (a published figure on few cases is c, never marked).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import HALTON_V1, TODAY, base_row, examples, table_of_rows
from qa_lib.profile.schema import load_profile
from qa_lib.report import charts
from qa_lib.report.round_data import RoundData
from qa_lib.report.sections import report_body
from qa_lib.report.summary_workbook import summary_views, write_summary
from qa_lib.scoring import aggregate as agg
from qa_lib.scoring.score import score

HALTON = load_profile(HALTON_V1)
PARTNERS = ["Cheshire Police", "Health Visiting", "Schools"]
ANSWERS = {c.key: [*c.choices, None] for c in HALTON.columns if c.type == "answer"}
TOOLS = [None, "Home Conditions Tool", "Graded Care Profile 2"]
GRADES = [k for g in HALTON.graded_tools for k in g.column_keys]
HISTORY = ["round", "partner", "measure", "measure_name", "mean", "cases_scored", "band",
           "profile_version"]
# columns of whole numbers that count no case: partners, weights, rounds, band words
NOT_COUNTS = {"Weight", "Partners answering", "Partners in the theme", "Criterion", "Limit",
              "Key", "Partner", "Measure", "Question", "Theme", "Area", "Tool", "Unit",
              "Partners", "Item", "Detail", "Note"}
LOW = range(1, 6)


# --------------------------------------------------------------------------- rounds in code


def _rows(partner: str, n: int, rng: np.random.Generator) -> list[dict]:
    """``n`` random rows of one partner (cases shared between partners by number)."""
    rows = []
    for i in range(n):
        answers = {k: rng.choice(np.array(v, dtype=object)) for k, v in ANSWERS.items()}
        start = dt.date(2026, 8, 3) + dt.timedelta(days=int(rng.integers(0, 60)))
        dated = {}
        if rng.random() < 0.7:
            dated["strategy_discussion_date"] = start
            if rng.random() < 0.8:
                dated["icpc_date"] = start + dt.timedelta(days=int(rng.integers(5, 40)))
        if rng.random() < 0.6:
            dated["referral_date"] = start
            if rng.random() < 0.8:
                dated["referral_decision_date"] = start + dt.timedelta(
                    days=int(rng.integers(0, 4)))
        grades = {k: int(rng.integers(1, 6)) if rng.random() < 0.5 else None for k in GRADES}
        rows.append(base_row(f"HAL-{i + 1:04d}", partner, **answers, **dated, **grades,
                             tool_name=rng.choice(np.array(TOOLS, dtype=object)),
                             overall_grade=rng.choice(np.array(HALTON.band_names))))
    return rows


def _scored(sizes: dict[str, int], rng: np.random.Generator) -> pd.DataFrame:
    rows = [r for p, n in sizes.items() for r in _rows(p, n, rng)]
    t = table_of_rows(rows, HALTON)
    t["_file"], t["_sheet"], t["_row"] = "return.xlsx", "Audit", range(2, len(t) + 2)
    s = score(t, HALTON)
    for k in ("child_voice_excerpt", "recommended_actions", *GRADES):
        s[k] = t[k].to_numpy()
    s["redactions"] = rng.integers(0, 4, len(s))
    return s


def _round(sizes: dict[str, int], left_out: dict[str, int], earlier: dict[str, int] | None,
           seed: int) -> RoundData:
    rng = np.random.default_rng(seed)
    scored = _scored(sizes, rng)
    history = pd.DataFrame(columns=HISTORY)
    if earlier:
        f = agg.measure_figures(_scored(earlier, rng), HALTON)
        history = f.assign(round="2026-Q2", profile_version=HALTON.version)[HISTORY]
    excluded = pd.DataFrame({"partner": [p for p, n in left_out.items() for _ in range(n)],
                             "reasons": [rng.choice(["Date in the future", "No partner; bad date"])
                                         for n in left_out.values() for _ in range(n)]},
                            dtype=object)
    problems = pd.DataFrame({"partner": list(sizes), "severity": ["note"] * len(sizes)})
    meta = {"round": "2026-Q3", "today": TODAY.isoformat(), "publish": True,
            "refused_files": [], "missing_partners": [], "history_notes": [],
            "inputs": [{"file": f"{p}.xlsx", "sha256": "0" * 64, "status": "read", "rows": n}
                       for p, n in sizes.items()]}
    return RoundData(scored=scored, problems=problems, excluded=excluded, meta=meta,
                     profile=HALTON, history=history,
                     figures=agg.measure_figures(scored, HALTON),
                     tools=agg.tool_counts(scored, HALTON))


# --------------------------------------------------------------------------- reading pages


class _Page(HTMLParser):
    """Tables (header and rows of cell text), definition pairs, images' alt text and the
    text outside tables."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self.facts: list[tuple[str, str]] = []
        self.alts: list[str] = []
        self.text: list[str] = []
        self._table: list | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._dl: list[str] | None = None
        self._in = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = ["", [], []]
        elif tag == "caption":
            self._in = "caption"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("dt", "dd"):
            self._dl = []
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = ""
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            (self._table[2] if self._table[1] else self._table[1]).extend(
                [self._row] if self._table[1] else self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append((self._table[0], self._table[1], self._table[2]))
            self._table = None
        elif tag in ("dt", "dd") and self._dl is not None:
            self.facts.append((tag, " ".join("".join(self._dl).split())))
            self._dl = None

    def handle_data(self, data):
        if self._in == "caption" and self._table is not None:
            self._table[0] += data
        elif self._cell is not None:
            self._cell.append(data)
        elif self._dl is not None:
            self._dl.append(data)
        elif self._table is None:
            self.text.append(data)


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    text = str(v).replace(",", "").replace("\u2212", "-").strip()
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def _whole(v: object) -> int | None:
    """A count as shown: a whole number written without a decimal point."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d[\d,]*", v.strip()):
        return int(v.replace(",", ""))
    return None


def _counts(heading: str) -> bool:
    """Whether a column may hold counts (not a mean, median, share or a word column)."""
    return not (heading in NOT_COUNTS or "%" in heading
                or heading.startswith(("Mean", "Median", "Change", "Difference")))


BASES = ("Rows", "Cases scored", "cases_scored", "Cases with both grades")


def _check_table(where: str, header: list[str], rows: list[list[object]]) -> list[str]:
    """Every way a table's figures could give a count of 1 to 5 away."""
    bad = []
    for r in rows:
        cells = dict(zip(header, r, strict=False))
        base = next((_number(cells[b]) for b in BASES if b in cells), None)
        shares = [h for h in header if "%" in h]
        hidden = [h for h in shares if cells.get(h) == "c"]
        for h, v in cells.items():
            if not _counts(h):
                pass
            elif (k := _whole(v)) is not None and k in LOW:
                bad.append(f"{where}: count {h}={v} in {r}")
            if isinstance(v, str) and (m := re.fullmatch(r"(\d+) of (\d+)", v.strip())):
                k, n = int(m.group(1)), int(m.group(2))
                if k in LOW or n in LOW or n - k in LOW:
                    bad.append(f"{where}: {h}={v!r} in {r}")
            elif "%" in h and base and (p := _number(v)) is not None:
                k = round(p * base / 100)
                if k in LOW or base - k in LOW:
                    bad.append(f"{where}: {h}={v} of {base} is {k} in {r}")
        if len(shares) > 1 and len(hidden) == 1 and base:
            bad.append(f"{where}: one share alone suppressed ({hidden[0]}) in {r}")
    # a total row (the partnership's) and one count alone suppressed beside it, in each
    # group of rows about one measure, criterion or area
    key = next((header.index(k) for k in ("Measure", "Criterion", "Area") if k in header
                and header.index(k) > 0), None)
    groups: dict[object, list[list[object]]] = {}
    for r in rows:
        groups.setdefault(r[key] if key is not None and key < len(r) else None, []).append(r)
    for g, members in groups.items():
        total = [r for r in members if r and str(r[0]) == agg.PARTNERSHIP]
        parts = [r for r in members if r and str(r[0]) != agg.PARTNERSHIP]
        for j, h in enumerate(header):
            if not _counts(h) or j == 0 or not total or j >= len(total[0]):
                continue
            col = [r[j] for r in parts if j < len(r)]
            if (_whole(total[0][j]) is not None and sum(v == "c" for v in col) == 1
                    and all(v == "c" or _whole(v) is not None for v in col)):
                bad.append(f"{where}: one count alone suppressed in column {h} ({g}) "
                           "with a total")
    return bad


SENTENCE_COUNT = re.compile(
    r"(?<!1 to )(?<![\d.,])([1-5]) (case|cases|row|rows|audit|audits|action|actions)\b")
FACTS = {"Cases scored", "Cases", "Case and partner rows scored"}


def _tables(html: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """A page's tables by caption, the partner's name taken out of it."""
    page = _Page()
    page.feed(html)
    return {re.sub(r" \(.*\)$", "", c): (h, r) for c, h, r in page.tables}


def _pages_agree(pages: dict[str | None, str]) -> list[str]:
    """A figure c on one page is c on every page showing it: each partner's row of data
    quality, and the partnership's tool counts, read alike on every page."""
    bad = []
    tables = {p: _tables(html) for p, html in pages.items()}
    allp = tables[None]
    dq = {r[0]: r for r in allp.get("Data quality by partner", ([], []))[1]}
    tools = {r[0]: r[1] for r in allp.get("Neglect tools named in the audits", ([], []))[1]}
    for p, t in tables.items():
        if p is None:
            continue
        for r in t.get("Data quality by partner", ([], []))[1]:
            if dq.get(r[0]) != r:
                bad.append(f"{p}: data quality {r} but the partnership page {dq.get(r[0])}")
        header, rows = t.get("Neglect tools named in the audits", ([], []))
        if "Partnership audits" in header:
            j = header.index("Partnership audits")
            for r in rows:
                if tools.get(r[0]) != r[j]:
                    bad.append(f"{p}: tool {r[0]} {r[j]} but the partnership page "
                               f"{tools.get(r[0])}")
    return bad


def _check_page(name: str, html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    bad = []
    for caption, header, rows in page.tables:
        bad += _check_table(f"{name} / {caption}", header, rows)
    pairs = [page.facts[i:i + 2] for i in range(0, len(page.facts) - 1, 2)]
    for (_, term), (_, desc) in (p for p in pairs if len(p) == 2):
        if term in FACTS and (k := _whole(desc)) is not None and k in LOW:
            bad.append(f"{name}: fact {term} {desc}")
    text = unescape(" ".join(" ".join(page.text).split()))
    for m in SENTENCE_COUNT.finditer(text):
        bad.append(f"{name}: sentence ...{text[max(0, m.start() - 60):m.end() + 20]}...")
    for m in re.finditer(r"\b(\d+) of (\d+)\b", text):
        k, n = int(m.group(1)), int(m.group(2))
        counted = text[m.end():].split(" ", 2)[1:2]  # the word after "k of n"
        if counted and counted[0].startswith(("measure", "partner")):
            continue
        if k in LOW or n - k in LOW:
            bad.append(f"{name}: {m.group()} in ...{text[max(0, m.start() - 40):m.end() + 20]}")
    if "\u2020" in text or any("\u2020" in c for _, _, rows in page.tables for r in rows
                               for c in r):
        bad.append(f"{name}: a low-number mark in publishing mode")
    return bad


def _check_workbook(path: Path) -> list[str]:
    bad = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if not rows:
            continue
        header = [str(h) for h in rows[0]]
        bad += _check_table(f"summary.xlsx {ws.title}", header, rows[1:])
    return bad


def leaks(data: RoundData) -> list[str]:
    """Every way the published pages and summary.xlsx of ``data`` let a count of 1 to 5 out
    (charts are drawn for their alt text and labels, not rasterised: that is the slow part
    and shows nothing the alt text does not)."""
    bad = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(charts, "_png", lambda fig: "")
        pages = {p: report_body(data, p) for p in [None, *data.scored["partner"].unique()]}
    for partner, html in pages.items():
        bad += _check_page(partner or "partnership", html)
    bad += _pages_agree(pages)
    with tempfile.TemporaryDirectory() as d:
        path = write_summary(Path(d) / "summary.xlsx", summary_views(data, True), HALTON,
                             [("Round", "2026-Q3")])
        bad += _check_workbook(path)
    return bad


# each example renders every page with its charts: a failure is reported as found, every
# leak of it listed, rather than shrunk for minutes
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
SIZES = st.dictionaries(st.sampled_from(PARTNERS), st.integers(1, 25), min_size=1, max_size=3)


@settings(max_examples=examples(40), deadline=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sizes=SIZES, left=st.dictionaries(st.sampled_from(PARTNERS), st.integers(0, 8),
                                         max_size=2),
       earlier=st.one_of(st.none(), SIZES), seed=st.integers(0, 2**31))
def test_no_published_figure_reveals_a_count_of_one_to_five(sizes, left, earlier, seed):
    bad = leaks(_round(sizes, left, earlier, seed))
    assert not bad, "\n".join(bad[:20])


def test_the_checks_find_a_leak():
    """The reading is not vacuous: the leaks the QA subgroup reported are each found."""
    assert _check_table("t", ["Criterion", "Rows", "% Yes"], [["T3", "10", "10.0"]])
    assert _check_table("t", ["Criterion", "Rows", "% Yes"], [["T3", 10, "9 of 10"]])
    assert _check_table("t", ["Partner", "Cases scored"],
                        [["A", "c"], ["B", "12"], ["Partnership", "15"]])
    assert _check_table("t", ["Criterion", "Met"], [["T3", 3]])
    assert _check_page("p", "<p>7 cases were read; 3 rows were left out.</p>")
    assert _check_page("p", "<dl><dt>Cases scored</dt><dd>4</dd></dl>")
    assert not _check_table("t", ["Criterion", "Rows", "% Yes"], [["T3", "40", "50.0"]])
    dq = ('<table><caption>Data quality by partner</caption><tr><th>Partner</th>'
          '<th>Rows scored</th></tr><tr><td>A</td><td>{}</td></tr></table>')
    assert _pages_agree({None: dq.format("c"), "A": dq.format("7")})
    assert not _pages_agree({None: dq.format("c"), "A": dq.format("c")})
