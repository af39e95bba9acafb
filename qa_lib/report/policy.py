"""Publishing as one policy, applied the same way to every report table, chart and section.

A round run with ``--publish`` follows the conventions of published children's social
care data (:mod:`qa_lib.report.publish`). :class:`Policy` is the one place that decides
what that means for a report:

* a section flagged ``case_level`` is left out, with one sentence saying so;
* a table goes through :meth:`Policy.table` (or :meth:`Policy.suppress` for a workbook
  sheet), told which columns are counts and which figures rest on which base; counts of
  1 to 5 and figures resting on 1 to 5 cases become ``c``;
* a chart is drawn from values masked the same way (:meth:`Policy.mask`), and a chart
  labelled with counts the tables suppress is not drawn (:meth:`Policy.chart_of_counts`);
* a sentence that counts cases is kept only where case detail is shown
  (:attr:`Policy.shows_cases`), and a count in a sentence goes through :meth:`Policy.count`.

**The one rule** (:meth:`Policy.hides`): a figure is shown as c when it rests on a suppressed
count: its base is 1 to 5, its numerator is 1 to 5, or (its base being shown) the rest of the
base, base minus numerator, is 1 to 5. A share (a percentage of a base) carries its
numerator, worked out from the share and the base; a mean carries its base. A section
declares what each figure rests on (``counts``, ``bases``, ``shares`` of :meth:`suppress`,
or :meth:`hidden_figures` for the round's measure figures) and never tests numbers itself.

**Honest small numbers** (both modes, :func:`of_words`): a share resting on fewer than
:data:`FEW_ROWS` rows is shown as a count, "3 of 10", not a percentage with a decimal.

Outside publishing mode every suppression returns its input unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload

import pandas as pd

from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report import wording
from qa_lib.report.round_data import RoundData
from qa_lib.scoring.aggregate import PARTNERSHIP as _PARTNERSHIP

LEFT_OUT = "Left out in publishing mode: this section lists individual cases."
FEW_ROWS = 20  # a share resting on fewer rows is shown as "k of n", not a percentage

Base = str | tuple[str, ...]  # a column, or columns whose sum is the base (never shown)
Secondary = Literal["rows", "columns", "both"] | None  # where totals would reveal a c
Hidden = pd.Series | Mapping[str, pd.Series] | None  # rows (of columns) shown as c


class _Drawn(Protocol):
    def html(self) -> str: ...


@dataclass(frozen=True)
class Policy:
    """What a report may show: everything, or (``publishing``) the published conventions."""

    publishing: bool = False

    @classmethod
    def of(cls, data: RoundData) -> Policy:
        """The policy of a round: publishing when the round was run with --publish."""
        return cls(bool(data.meta.get("publish")))

    # ------------------------------------------------------------------ sections and words

    @property
    def shows_cases(self) -> bool:
        """True when case-level detail (lists of cases, counts of flagged cases) is shown."""
        return not self.publishing

    def leaves_out(self, case_level: bool) -> bool:
        """True when a section with this ``case_level`` flag is left out."""
        return case_level and self.publishing

    def left_out_html(self) -> str:
        """The one sentence that stands in for a section left out."""
        return fr.paragraph(LEFT_OUT)

    def note_html(self) -> str:
        """The boxed note on a published report's first screen (nothing otherwise)."""
        return fr.callout(fr.paragraph(pub.NOTE), "info", "Published figures.") if (
            self.publishing) else ""

    @property
    def notes(self) -> list[str]:
        """The publishing note as sentences (for a workbook's Notes sheet); none otherwise."""
        return [pub.NOTE] if self.publishing else []

    def count(self, n: int) -> str:
        """A count as words: ``c`` when it is 1 to 5 in publishing mode."""
        return pub.SUPPRESSED if self.low(n) else f"{int(n):,}"

    def counted(self, n: int, singular: str, many: str | None = None) -> str:
        """A count and its noun for a sentence (:func:`~qa_lib.report.wording.count`), or
        "c" and the plural noun when the count is suppressed."""
        if self.low(n):
            return f"{pub.SUPPRESSED} {wording.plural(2, singular, many)}"
        return wording.count(n, singular, many)

    def low_note_html(self, marked: bool) -> str:
        """The low-number legend, only where a figure on the page carries the mark (never
        in publishing mode, where such a figure is c)."""
        return fr.paragraph(fr.LOW_NOTE, "note") if marked and not self.publishing else ""

    # ------------------------------------------------------------------ figures and charts

    def low(self, n: object) -> bool:
        """True when ``n`` is a count (or base) of 1 to 5 and the policy suppresses it."""
        return self.publishing and pub.is_low(n)

    def hides(self, numerator: object = None, base: object = None) -> bool:
        """The one rule: True when a figure resting on ``base`` cases, ``numerator`` of them
        counted (None for a figure such as a mean that counts none), lets a count of 1 to 5
        be recovered: the base, the numerator, or the rest of the base is 1 to 5."""
        if not self.publishing:
            return False
        if pub.is_low(base) or pub.is_low(numerator):
            return True
        try:
            return pub.is_low(float(base) - float(numerator))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def hides_share(self, share: object, base: object) -> bool:
        """:meth:`hides` for a percentage ``share`` of ``base`` (its numerator worked out)."""
        return self.hides(numerator_of(share, base), base)

    def hidden_figures(self, figures: pd.DataFrame, n: str = "cases_scored",
                       partner: str = "partner", measure: str = "measure") -> pd.Series:
        """Which rows of a round's measure figures (every partner's, then the partnership's,
        :func:`~qa_lib.scoring.aggregate.measure_figures`) are c: a base of 1 to 5, and
        where a measure has exactly one such partner, the next smallest partner too, since
        the partnership's total (and its mean) would reveal it. All False outside
        publishing mode."""
        hidden = pd.Series(False, index=figures.index)
        if not self.publishing or not len(figures):
            return hidden
        sizes = figures[n].to_numpy(dtype=float)
        low = (sizes >= pub.LOW_MIN) & (sizes <= pub.LOW_MAX)
        groups: dict[object, list[int]] = {}
        for i, (who, m) in enumerate(zip(figures[partner], figures[measure], strict=True)):
            if who != _PARTNERSHIP:
                groups.setdefault(m, []).append(i)
        for rows in groups.values():
            if sum(low[i] for i in rows) == 1:
                rest = [(sizes[i], i) for i in rows if not low[i] and sizes[i] > 0]
                if rest:
                    low[min(rest)[1]] = True
        return pd.Series(low, index=figures.index)

    def hidden_counts(self, counts: pd.DataFrame) -> pd.DataFrame:
        """Which counts of a grid whose rows and columns both add up to shown totals (tools
        by partner, with the partnership's column) are c: 1 to 5, then the next smallest in
        any row or column with one alone. The one answer every page and sheet showing
        part of the grid uses. All False outside publishing mode."""
        if not self.publishing or counts.empty:
            return pd.DataFrame(False, index=counts.index, columns=counts.columns)
        return _secondary_both(counts)

    @overload
    def lows(self, n: pd.DataFrame) -> pd.DataFrame: ...
    @overload
    def lows(self, n: pd.Series) -> pd.Series: ...

    def lows(self, n: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        """:meth:`low` of every cell (all False outside publishing mode)."""
        return n.map(self.low)

    def keep(self, df: pd.DataFrame, base: str) -> pd.DataFrame:
        """The rows of ``df`` whose ``base`` is not suppressed (for sentences naming them)."""
        return df[~df[base].map(self.low)]

    @overload
    def mask(self, values: pd.DataFrame, n: pd.DataFrame) -> pd.DataFrame: ...
    @overload
    def mask(self, values: pd.Series, n: pd.Series) -> pd.Series: ...

    def mask(self, values: pd.DataFrame | pd.Series, n: pd.DataFrame | pd.Series
             ) -> pd.DataFrame | pd.Series:
        """``values`` with every figure resting on a suppressed base ``n`` missing (for
        charts, which show a missing figure as a gap); ``n`` may lack some columns."""
        if isinstance(values, pd.DataFrame) and isinstance(n, pd.DataFrame):
            return values.mask(self.lows(n).reindex(index=values.index, columns=values.columns,
                                                    fill_value=False))
        assert isinstance(values, pd.Series) and isinstance(n, pd.Series)
        return values.mask(self.lows(n))

    def cells(self, values: pd.DataFrame, n: pd.DataFrame) -> pd.DataFrame:
        """``values`` with c in every cell whose base ``n`` is suppressed (for a grid such as
        the heatmap, where each cell has its own base); unchanged outside publishing mode."""
        if not self.publishing:
            return values
        return values.astype(object).mask(self.lows(n), pub.SUPPRESSED)

    def chart_of_counts(self, draw: Callable[[], _Drawn]) -> str:
        """A chart labelled with counts (or shares of them): drawn outside publishing mode
        only, since its labels would show the counts its table suppresses."""
        return "" if self.publishing else draw().html()

    # ------------------------------------------------------------------ tables

    def suppress(self, df: pd.DataFrame, *, counts: Iterable[str] = (),
                 bases: Mapping[Base, Sequence[str]] | None = None,
                 shares: Mapping[Base, Sequence[str]] | None = None,
                 words: Mapping[str, str] | None = None, formatted: Iterable[str] = (),
                 withheld: Iterable[str] = (),
                 secondary: Secondary = "rows",
                 hidden: Hidden = None, sheet: bool = False) -> pd.DataFrame:
        """``df`` as the policy shows it.

        ``counts``: count columns; 1 to 5 becomes c, and with ``secondary`` the next smallest
        count along the row (or down the column) where a total would reveal it.
        ``bases``: base -> figures resting on it (means, medians); a base of 1 to 5 makes
        them and the base c, a base of 0 makes the figures ':' (not available).
        ``shares``: base -> percentages of it; each is c by :meth:`hides_share` (its
        numerator or the rest of the base 1 to 5), and where a base has several shares (a
        row of answers adding to 100) a lone c takes the next smallest share with it.
        Outside publishing mode too, a share resting on fewer than :data:`FEW_ROWS` rows
        is written "k of n" (not for a ``sheet``, where it stays a number).
        ``words``: a column of words (a band) -> its base; c where the base is.
        ``hidden``: rows whose bases and figures are c whatever their size (the secondary
        rows of :meth:`hidden_figures`), or column -> such rows for that column alone
        (each worked out by :meth:`hides`). ``formatted``: figures shown as published (':'
        when missing). ``withheld``: columns never shown when publishing. ``sheet``: for a
        workbook, every number shown stays a number (c, z and : are text). Columns named
        but absent are ignored, so one call serves tables with and without an optional
        column."""
        if not self.publishing and not shares:
            return df
        out = df.copy()
        for base, cols in (shares or {}).items():
            self._shares(df, out, base, [c for c in cols if c in df], sheet)
        if not self.publishing:
            return out
        present = [c for c in counts if c in df]
        if present:
            done = _suppress_counts(df[present], secondary)
            for c in present:
                out[c] = done[c]
        for base, cols in (bases or {}).items():
            _suppress_by_base(df, out, base, [c for c in cols if c in df])
        for col, base in (words or {}).items():
            if col in df:
                if out[col].dtype.kind in "biufc":  # a column of words never holds numbers
                    out[col] = out[col].astype(object)
                out.loc[df[base].map(pub.is_low), col] = pub.SUPPRESSED
        for col in formatted:
            if col in df:
                out[col] = df[col].map(pub.fmt)
        for c, rows in _hidden_cells(hidden, bases, shares, words).items():
            if c in out:
                out[c] = out[c].astype(object)
                out.loc[rows.reindex(out.index, fill_value=False).astype(bool), c] = (
                    pub.SUPPRESSED)
        out = out.drop(columns=[c for c in withheld if c in out])
        return out.map(pub.number) if sheet else out

    def _shares(self, df: pd.DataFrame, out: pd.DataFrame, base: Base, cols: list[str],
                sheet: bool) -> None:
        """Write the shares ``cols`` of ``base`` into ``out``: c by the one rule (with a lone
        c in a row of several taking the next smallest), "k of n" below FEW_ROWS rows."""
        n = df[list(base)].sum(axis=1) if isinstance(base, tuple) else df[base]
        for c in cols:
            out[c] = out[c].astype(object)
        for i in df.index:
            base_n: Any = n.at[i]
            hide = [c for c in cols if self.hides_share(df.at[i, c], base_n)]
            if self.publishing and len(cols) > 1 and len(hide) == 1 and not pub.is_low(base_n):
                rest = [(numerator_of(df.at[i, c], base_n), c) for c in cols if c not in hide
                        and (numerator_of(df.at[i, c], base_n) or 0) > 0]
                if rest:
                    hide.append(min(rest)[1])
            for c in cols:
                v: Any = df.at[i, c]
                if c in hide:
                    out.at[i, c] = pub.SUPPRESSED
                elif self.publishing and (pd.isna(base_n) or base_n == 0):
                    out.at[i, c] = pub.NOT_AVAILABLE
                elif sheet or pd.isna(v):
                    out.at[i, c] = v if not self.publishing else pub.fmt(v)
                else:
                    out.at[i, c] = of_words(v, base_n, publishing=self.publishing)  # type: ignore[assignment]
        if self.publishing and isinstance(base, str):
            out[base] = out[base].astype(object)
            out.loc[n.map(pub.is_low).astype(bool), base] = pub.SUPPRESSED

    def table(self, df: pd.DataFrame, caption: str, *, counts: Iterable[str] = (),
              bases: Mapping[Base, Sequence[str]] | None = None,
              shares: Mapping[Base, Sequence[str]] | None = None,
              words: Mapping[str, str] | None = None, formatted: Iterable[str] = (),
              withheld: Iterable[str] = (),
              secondary: Secondary = "rows", index: bool = False,
              hidden: Hidden = None, **render) -> str:
        """A report table (:func:`~qa_lib.report.fragments.table`) of ``df`` after
        :meth:`suppress`; with ``index``, the index is shown as the first column (it is
        kept through suppression: the secondary count chosen between equal counts is the
        one whose label sorts first). The same ``render`` options apply in both modes; in
        publishing mode the low-number marker is not drawn (a low figure is c, not marked),
        and a low-number legend follows the table only where a figure carries the mark."""
        shown = self.suppress(df, counts=counts, bases=bases, shares=shares, words=words,
                              formatted=formatted, withheld=withheld, secondary=secondary,
                              hidden=hidden)
        if index:
            shown = shown.reset_index()
        flags = render.get("low_flags") or {}
        if self.publishing and flags:
            render["hide"] = [*render.get("hide", ()), *render.pop("low_flags").values()]
        marked = not self.publishing and any(
            bool(df[f].fillna(False).astype(bool).any()) for f in flags.values() if f in df)
        return fr.table(shown, caption, **render) + self.low_note_html(marked)


def _hidden_cells(hidden: Hidden, bases: Mapping[Base, Sequence[str]] | None,
                  shares: Mapping[Base, Sequence[str]] | None,
                  words: Mapping[str, str] | None) -> dict[str, pd.Series]:
    """Column -> rows shown as c, from ``hidden`` (rows of every named base and figure, or
    rows per column)."""
    if hidden is None:
        return {}
    if isinstance(hidden, Mapping):
        return dict(hidden)
    named = [*(b for b in (*(bases or {}), *(shares or {})) if isinstance(b, str)),
             *(c for cols in (*(bases or {}).values(), *(shares or {}).values()) for c in cols),
             *(words or {})]
    return {c: hidden for c in dict.fromkeys(named)}


def numerator_of(share: object, base: object) -> int | None:
    """The count a percentage ``share`` of ``base`` stands for (None when either is missing)."""
    try:
        p, n = float(share), float(base)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if pd.isna(p) or pd.isna(n):
        return None
    return int(fr.round_half_up(p * n / 100, 0))


def of_words(share: object, base: object, *, publishing: bool = False) -> str | object:
    """A percentage as a reader should see it: "k of n" when it rests on fewer than
    FEW_ROWS rows (a percentage with a decimal would claim a precision the few rows do not
    have), else the percentage to one decimal place (text when ``publishing``)."""
    k = numerator_of(share, base)
    if k is not None and 0 < float(base) < FEW_ROWS:  # type: ignore[arg-type]
        return f"{k} of {int(float(base))}"  # type: ignore[arg-type]
    return pub.fmt(share) if publishing else share


def _suppress_counts(counts: pd.DataFrame, secondary: Secondary) -> pd.DataFrame:
    if secondary == "columns":  # a column's total would reveal: suppress down each column
        return pub.suppress_counts(counts.T, list(counts.index)).T
    if secondary == "both":  # rows and columns both add up to shown totals
        low = _secondary_both(counts)
        return counts.astype(object).where(~low, pub.SUPPRESSED).map(
            lambda v: v if v == pub.SUPPRESSED else pub.fmt(v, 0))
    return pub.suppress_counts(counts, counts.columns, secondary=secondary == "rows")


def _secondary_both(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts of 1 to 5, then, until nothing changes, in any row or column with exactly one
    of them the next smallest non-zero count (first label on ties)."""
    values = counts.to_numpy(dtype=float)
    low = (values >= pub.LOW_MIN) & (values <= pub.LOW_MAX)
    changed = True
    while changed:
        changed = False
        for lines in (low, low.T):
            vals = values if lines is low else values.T
            for i in range(lines.shape[0]):
                if lines[i].sum() == 1:
                    rest = [(vals[i, j], j) for j in range(lines.shape[1])
                            if not lines[i, j] and vals[i, j] > 0]
                    if rest:
                        lines[i, min(rest)[1]] = True  # a view: writes through to low
                        changed = True
    return pd.DataFrame(low, index=counts.index, columns=counts.columns)


def _suppress_by_base(df: pd.DataFrame, out: pd.DataFrame, base: Base, cols: list[str]) -> None:
    n = df[list(base)].sum(axis=1) if isinstance(base, tuple) else df[base]
    done = pub.suppress_by_base(df[cols].assign(_base=n), "_base", cols)
    for c in cols:
        out[c] = done[c]
    if isinstance(base, str):
        out[base] = done["_base"]
