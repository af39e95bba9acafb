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
  (:attr:`Policy.shows_cases`).

Outside publishing mode every one of these returns its input unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

import pandas as pd

from qa_lib.report import fragments as fr
from qa_lib.report import publish as pub
from qa_lib.report.round_data import RoundData

LEFT_OUT = "Left out in publishing mode: this section lists individual cases."

Base = str | tuple[str, ...]  # a column, or columns whose sum is the base (never shown)


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
        return pub.SUPPRESSED if self.low(n) else f"{n}"

    # ------------------------------------------------------------------ figures and charts

    def low(self, n: object) -> bool:
        """True when ``n`` is a count (or base) of 1 to 5 and the policy suppresses it."""
        return self.publishing and pub.is_low(n)

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
                 words: Mapping[str, str] | None = None, formatted: Iterable[str] = (),
                 withheld: Iterable[str] = (),
                 secondary: Literal["rows", "columns"] | None = "rows") -> pd.DataFrame:
        """``df`` as the policy shows it; unchanged outside publishing mode.

        ``counts``: count columns; 1 to 5 becomes c, and with ``secondary`` the next smallest
        count along the row (or down the column) where a total would reveal it.
        ``bases``: base -> figures resting on it; a base of 1 to 5 makes them and the base c,
        a base of 0 makes the figures ':' (not available). ``words``: a column of words
        (a band) -> its base; c where the base is. ``formatted``: figures shown as
        published (':' when missing). ``withheld``: columns never shown when publishing.
        Columns named but absent are ignored, so one call serves tables with and without
        an optional column."""
        if not self.publishing:
            return df
        out = df.copy()
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
        return out.drop(columns=[c for c in withheld if c in out])

    def table(self, df: pd.DataFrame, caption: str, *, counts: Iterable[str] = (),
              bases: Mapping[Base, Sequence[str]] | None = None,
              words: Mapping[str, str] | None = None, formatted: Iterable[str] = (),
              withheld: Iterable[str] = (),
              secondary: Literal["rows", "columns"] | None = "rows", index: bool = False,
              **render) -> str:
        """A report table (:func:`~qa_lib.report.fragments.table`) of ``df`` after
        :meth:`suppress`; with ``index``, the index is shown as the first column (it is
        kept through suppression: the secondary count chosen between equal counts is the
        one whose label sorts first). The same ``render`` options apply in both modes; in
        publishing mode the low-number marker is not drawn (a low figure is c, not marked)."""
        shown = self.suppress(df, counts=counts, bases=bases, words=words, formatted=formatted,
                              withheld=withheld, secondary=secondary)
        if index:
            shown = shown.reset_index()
        if self.publishing and render.get("low_flags"):
            render["hide"] = [*render.get("hide", ()), *render.pop("low_flags").values()]
        return fr.table(shown, caption, **render)


def _suppress_counts(counts: pd.DataFrame, secondary: Literal["rows", "columns"] | None
                     ) -> pd.DataFrame:
    if secondary == "columns":  # a column's total would reveal: suppress down each column
        return pub.suppress_counts(counts.T, list(counts.index)).T
    return pub.suppress_counts(counts, counts.columns, secondary=secondary == "rows")


def _suppress_by_base(df: pd.DataFrame, out: pd.DataFrame, base: Base, cols: list[str]) -> None:
    n = df[list(base)].sum(axis=1) if isinstance(base, tuple) else df[base]
    done = pub.suppress_by_base(df[cols].assign(_base=n), "_base", cols)
    for c in cols:
        out[c] = done[c]
    if isinstance(base, str):
        out[base] = done["_base"]
