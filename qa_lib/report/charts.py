"""Charts from aggregated tables, as embedded PNGs with alt text that states what they show.

The band palette is a blue-to-red diverging scheme (ColorBrewer RdBu) that
survives the common colour-vision deficiencies; bands are also always written
as words on the chart and in the table beside it.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from qa_lib.profile.schema import Profile
from qa_lib.report.fragments import figure

BAND_COLOURS = ["#2166AC", "#92C5DE", "#F4A582", "#B2182B"]  # best to worst
PARTNER_COLOUR, PARTNERSHIP_COLOUR = "#1F4E79", "#9E9E9E"
matplotlib.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
                     "svg.hashsalt": "qa-audit", "figure.dpi": 100})


@dataclass
class Chart:
    """A rendered chart: PNG (base64), alt text and caption."""

    png_b64: str
    alt: str
    caption: str

    def html(self) -> str:
        """The chart as an embedded image with its alt text and visible caption."""
        return figure(self.png_b64, self.alt, self.caption)

    def _repr_html_(self) -> str:  # shown as-is by Jupyter
        return self.html()


def _subplots(figsize: tuple[float, float]):
    """A figure and its axes without pyplot (no global figure registry, a quicker import);
    constrained layout keeps labels and legends inside the image."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


SUPPRESSED = "c"  # a figure the publishing policy suppresses (as in the tables)


def _fmt(v: float, hidden: bool = False) -> str:
    if hidden:
        return SUPPRESSED
    return "not scored" if v is None or np.isnan(v) else f"{v:.0f}"


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


PARTNERSHIP_STYLE = {"hatch": "//", "edgecolor": "white"}  # told apart by pattern too


def _labelled_bars(ax, y: np.ndarray, series: list[tuple[np.ndarray, str, str, dict]],
                   suffix: str = "", hidden: list[np.ndarray] | None = None) -> None:
    """Horizontal bars at ``y``, one set per (values, label, colour, style), side by side
    when there are two (with a legend above), each bar labelled with its value (c, with no
    bar, where ``hidden``)."""
    two = len(series) == 2
    for k, (values, label, colour, style) in enumerate(series):
        yy = y + (0.2 - 0.4 * k if two else 0)
        off = hidden[k] if hidden is not None else _none(len(values))
        values = np.where(off, np.nan, values)
        ax.barh(yy, np.nan_to_num(values), height=0.38 if two else 0.6, color=colour,
                label=label, **style)
        for yv, v, h in zip(yy, values, off, strict=True):
            ax.text((0 if np.isnan(v) else v) + 1, yv,
                    _fmt(v, h) + ("" if np.isnan(v) else suffix), va="center", fontsize=9)
    if two:
        ax.legend(loc="lower right", fontsize=8, frameon=False, bbox_to_anchor=(1, 1.02),
                  ncol=2)


def measure_comparison(hl: pd.DataFrame, partner: str, profile: Profile,
                       hidden: tuple[pd.Series, pd.Series] | None = None) -> Chart:
    """Horizontal bars: the partner's score against the partnership's on each measure;
    ``hidden`` (partner's, partnership's) marks figures shown as c, with no bar."""
    names = hl["Measure"].tolist()[::-1]
    mine = hl["Score"].to_numpy(dtype=float)[::-1]
    allp = hl["Partnership score"].to_numpy(dtype=float)[::-1]
    off = [np.asarray(h, dtype=bool) for h in hidden] if hidden is not None else [
        _none(len(hl)), _none(len(hl))]
    y = np.arange(len(names))
    fig, ax = _subplots(figsize=(7.5, 0.65 * len(names) + 1.2))
    _labelled_bars(ax, y, [(mine, partner, PARTNER_COLOUR, {}),
                           (allp, "Partnership", PARTNERSHIP_COLOUR, PARTNERSHIP_STYLE)],
                   hidden=[off[0][::-1], off[1][::-1]])
    for b in profile.model.bands[:-1]:
        ax.axvline(b.min, color="#555555", lw=0.8, ls=":")
    ax.set_yticks(y, names)
    ax.set_xlim(0, 108)
    ax.set_xlabel("Mean measure score (0 to 100)")
    parts = [f"{n}: {_fmt(m, hm)} against {_fmt(p, hp)}" for n, m, p, hm, hp in
             zip(hl["Measure"], hl["Score"], hl["Partnership score"], off[0], off[1],
                 strict=True)]
    alt = (f"Bar chart of mean scores by measure, {partner} against the partnership. "
           + "; ".join(parts) + ".")
    marks = ", ".join(f"{b.name} {b.min:g}" for b in reversed(profile.model.bands[:-1]))
    return Chart(_png(fig), alt, f"{partner} against the partnership, by measure. Dotted lines "
                 f"mark the band thresholds: {marks}.")


def tools_chart(tu: pd.DataFrame, who: str) -> Chart:
    """Horizontal bars: share of audits naming each neglect tool, for ``who`` and (when the
    table has them) the partnership."""
    names = tu.index.tolist()[::-1]
    y = np.arange(len(names))
    both = "Partnership % of audits" in tu
    fig, ax = _subplots(figsize=(7.5, (0.65 if both else 0.45) * len(names) + 1.2))
    series = [(tu["% of audits"].to_numpy(dtype=float)[::-1], who, PARTNER_COLOUR,
               {"edgecolor": "white"})]
    if both:
        series.append((tu["Partnership % of audits"].to_numpy(dtype=float)[::-1],
                       "Partnership", PARTNERSHIP_COLOUR, PARTNERSHIP_STYLE))
    _labelled_bars(ax, y, series, suffix="%")
    ax.set_yticks(y, names)
    ax.set_xlim(0, 110)
    ax.set_xlabel("Share of audits (%)")
    parts = [f"{t}: {_fmt(r['% of audits'])}%"
             + (f" against {_fmt(r['Partnership % of audits'])}%" if both else "")
             for t, r in tu.iterrows()]
    alt = (f"Bar chart of the share of audits naming each neglect tool, {who}"
           + (" against the partnership" if both else "") + ". " + "; ".join(parts) + ".")
    return Chart(_png(fig), alt, f"Neglect tools named in the audits ({who}"
                 + (" against the partnership)." if both else ")."))


def band_grid(data: np.ndarray, profile: Profile) -> np.ndarray:
    """Each score's band position (best = 0; NaN where missing), from the same rule as the
    band words (``Profile.band_of``), so a cell's colour can never disagree with its word
    (a mean of 49.99999999999999 is shown as 50 and is in the band from 50)."""
    names = list(profile.band_names)
    return np.array([[np.nan if (b := profile.band_of(v)) is None else names.index(b)
                      for v in row] for row in np.atleast_2d(data)], dtype=float)


def heatmap(matrix: pd.DataFrame, profile: Profile, hidden: pd.DataFrame | None = None
            ) -> Chart:
    """Partners by measures, each cell coloured by band and labelled with score and band;
    a cell ``hidden`` (suppressed) is grey and labelled c."""
    off = (hidden.reindex_like(matrix).fillna(False).to_numpy(dtype=bool) if hidden is not None
           else np.zeros(matrix.shape, dtype=bool))
    data = np.where(off, np.nan, matrix.to_numpy(dtype=float))
    n = len(profile.model.bands)
    cmap = ListedColormap([BAND_COLOURS[k % 4] for k in range(n)]).with_extremes(bad="#EEEEEE")
    norm = BoundaryNorm(np.arange(n + 1) - 0.5, cmap.N)
    fig, ax = _subplots(figsize=(1.55 * data.shape[1] + 3, 0.5 * data.shape[0] + 1.4))
    ax.imshow(np.ma.masked_invalid(band_grid(data, profile)), cmap=cmap, norm=norm,
              aspect="auto")
    ax.set_xticks(range(data.shape[1]), [textwrap.fill(c, 16) for c in matrix.columns],
                  fontsize=8)
    ax.set_yticks(range(data.shape[0]), matrix.index, fontsize=9)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            band = profile.band_of(v)
            label = SUPPRESSED if off[i, j] else (
                "not scored" if band is None else f"{v:.0f}\n{band}")
            dark = band in (profile.band_names[0], profile.band_names[-1])
            ax.text(j, i, label, ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.spines[:].set_visible(False)
    parts = []
    for i, (p, row) in enumerate(matrix.iterrows()):
        cells = [f"{m} {SUPPRESSED}" if off[i, j] else
                 f"{m} {_fmt(v)} ({profile.band_of(v) or 'not scored'})"
                 for j, (m, v) in enumerate(row.items())]
        parts.append(f"{p}: " + ", ".join(cells))
    alt = "Heatmap of mean score by partner and measure. " + "; ".join(parts) + "."
    return Chart(_png(fig), alt, "Mean score by partner and measure; colour and word give "
                 "the band.")


def band_distribution(dist: pd.DataFrame, profile: Profile, who: str) -> Chart:
    """Stacked bars: number of cases in each band, per measure."""
    names = dist.index.tolist()[::-1]
    fig, ax = _subplots(figsize=(7.5, 0.5 * len(names) + 1.3))
    left = np.zeros(len(names))
    for i, b in enumerate(dist.columns):
        vals = dist[b].to_numpy(dtype=float)[::-1]
        ax.barh(names, vals, left=left, color=BAND_COLOURS[i % 4], label=b,
                edgecolor="white")
        for k, v in enumerate(vals):
            if v:
                ax.text(left[k] + v / 2, k, f"{v:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if i in (0, 3) else "black")
        left += vals
    ax.set_xlabel("Cases")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    parts = [f"{m}: " + ", ".join(f"{int(n)} {b}" for b, n in row.items())
             for m, row in dist.iterrows()]
    alt = f"Stacked bar chart of cases in each band by measure for {who}. " + "; ".join(parts)
    return Chart(_png(fig), alt + ".", f"Cases in each band, by measure ({who}).")


def timeliness_chart(tl: pd.DataFrame, who: str) -> Chart:
    """Stacked bars per dated criterion: met, late, overdue, still in time."""
    cats = [("Met", "#2166AC"), ("Still in time", "#92C5DE"), ("Late", "#F4A582"),
            ("Overdue", "#B2182B")]
    labels = [f"{r['Criterion']} ({r['Limit']})" for _, r in tl.iterrows()][::-1]
    fig, ax = _subplots(figsize=(7.5, 0.55 * max(1, len(labels)) + 1.3))
    left = np.zeros(len(labels))
    for name, colour in cats:
        vals = tl[name].to_numpy(dtype=float)[::-1]
        ax.barh(labels, vals, left=left, color=colour, label=name, edgecolor="white")
        for k, v in enumerate(vals):
            if v:
                ax.text(left[k] + v / 2, k, f"{v:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if colour in ("#2166AC", "#B2182B") else "black")
        left += vals
    ax.set_xlabel("Cases where the timescale applied")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    parts = [f"{r['Criterion']} ({r['Limit']}): {r['Met']} met, {r['Still in time']} still in "
             f"time, {r['Late']} late, {r['Overdue']} overdue" for _, r in tl.iterrows()]
    alt = f"Stacked bar chart of statutory timescales for {who}. " + "; ".join(parts) + "."
    return Chart(_png(fig), alt, f"Timescales met, late and overdue against statutory limits "
                 f"({who}).")


LINE_STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
SERIES = ["#1F4E79", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]


def trend_chart(tr: pd.DataFrame, who: str, hidden: pd.DataFrame | None = None) -> Chart:
    """Lines: each measure's mean score across rounds (marker and dash differ, not only
    colour); a point ``hidden`` (suppressed) is not drawn and is c in the alt text."""
    off = (hidden.reindex_like(tr).fillna(False).astype(bool) if hidden is not None
           else pd.DataFrame(False, index=tr.index, columns=tr.columns))
    tr = tr.mask(off)
    rounds = list(tr.columns)
    fig, ax = _subplots(figsize=(7.5, 3.6))
    for i, (name, row) in enumerate(tr.iterrows()):
        ax.plot(rounds, row.to_numpy(dtype=float), label=name, color=SERIES[i % len(SERIES)],
                ls=LINE_STYLES[i % len(LINE_STYLES)], marker=MARKERS[i % len(MARKERS)], lw=1.8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Mean score")
    for y in (50, 75, 90):
        ax.axhline(y, color="#999999", lw=0.6, ls=":")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    parts = [f"{name}: " + ", ".join(f"{r} {_fmt(v, bool(off.at[name, r]))}"
                                     for r, v in row.items())
             for name, row in tr.iterrows()]
    alt = f"Line chart of mean score by round for {who}. " + "; ".join(parts) + "."
    return Chart(_png(fig), alt, f"Mean score by measure across rounds ({who}).")
