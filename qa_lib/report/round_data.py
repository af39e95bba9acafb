"""The round's working data: written once by the round driver, read by the notebooks.

``<round>/data/`` holds the scored table (Parquet, typed), the problems, the rows
left out, and ``round.json`` (round id, profile, parameters). Notebooks read
this instead of reading the workbooks again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qa_lib.profile.schema import PROFILE_DIR, Profile, ProfileError, load_profile
from qa_lib.scoring import aggregate as agg

DATA_DIR = "data"


@dataclass
class RoundData:
    """Everything a report notebook needs about one round."""

    scored: pd.DataFrame
    problems: pd.DataFrame
    excluded: pd.DataFrame
    meta: dict
    profile: Profile
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # earlier rounds' figures
    last_actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)  # every partner's, and all
    tools: pd.DataFrame = field(default_factory=pd.DataFrame)  # tool counts, every partner
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)  # the strategy scorecard
    indicator_history: pd.DataFrame = field(default_factory=pd.DataFrame)  # earlier rounds'
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)  # agreed (--actions), if given
    commentary: pd.DataFrame = field(default_factory=pd.DataFrame)  # the lead's, if given
    partner: str | None = None  # set when ``scored`` holds only this partner's rows

    @property
    def round_id(self) -> str:
        return self.meta["round"]

    def partner_slice(self, partner: str) -> pd.DataFrame:
        return self.scored[self.scored["partner"] == partner]


def write_round_data(folder: Path, scored: pd.DataFrame, problems: pd.DataFrame,
                     excluded: pd.DataFrame, meta: dict, history: pd.DataFrame | None = None,
                     last_actions: pd.DataFrame | None = None,
                     figures: pd.DataFrame | None = None,
                     tools: pd.DataFrame | None = None,
                     indicators: pd.DataFrame | None = None,
                     indicator_history: pd.DataFrame | None = None,
                     actions: pd.DataFrame | None = None,
                     commentary: pd.DataFrame | None = None) -> Path:
    """Write the round's working data under ``folder/data`` (the strategy scorecard's
    ``indicators`` and their earlier values only for a profile with indicators; the agreed
    ``actions`` and the lead's ``commentary`` only when an actions workbook was given)."""
    d = Path(folder) / DATA_DIR
    d.mkdir(parents=True, exist_ok=True)
    if history is not None:
        history.to_parquet(d / "history.parquet", index=False)
    if last_actions is not None:
        last_actions.to_parquet(d / "last_actions.parquet", index=False)
    if figures is not None:
        figures.to_parquet(d / "figures.parquet", index=False)
    if tools is not None and not tools.empty:
        tools.to_parquet(d / "tools.parquet")
    if indicators is not None and len(indicators):
        indicators.to_parquet(d / "indicators.parquet", index=False)
    if indicator_history is not None and len(indicator_history):
        indicator_history.to_parquet(d / "indicator_history.parquet", index=False)
    for name, frame in (("actions", actions), ("commentary", commentary)):
        if frame is not None:
            frame.to_parquet(d / f"{name}.parquet", index=False)
    scored.to_parquet(d / "scored.parquet", index=False)
    problems.astype({"value": "string"}).to_parquet(d / "problems.parquet", index=False)
    excluded.to_parquet(d / "excluded.parquet", index=False)
    (d / "round.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return d


def round_profile(meta: dict) -> Profile:
    """The profile a round was made with (``meta`` is its ``round.json``): the file at the
    full path the round stored; the shipped profile of that name when the round stored no
    path, or stored a shipped profile's path the toolkit no longer has (moved or
    reinstalled). Otherwise a :class:`ProfileError` says in one sentence what to do: a
    relative path (stored by rounds before full paths were) is found only from the folder
    the round was run in, and an analyst's own file may have been moved."""
    name, stored = meta["profile"]["name"], meta["profile"].get("path")
    round_id = meta.get("round", "?")
    shipped = PROFILE_DIR / f"{name}.yaml"
    if not stored:
        if shipped.is_file():
            return load_profile(shipped)
        raise ProfileError(f"Round {round_id} does not say where its profile file '{name}' is: "
                           "run the round again with --profile giving the file's path.")
    path = Path(stored)
    if path.is_file():
        return load_profile(path)
    if path.name == shipped.name and path.parent.name == PROFILE_DIR.name and shipped.is_file():
        return load_profile(shipped)
    if not path.is_absolute():
        raise ProfileError(
            f"Round {round_id} names its profile file by a relative path, '{stored}', that "
            f"cannot be found from {Path.cwd()}: run the round again (the toolkit now stores "
            "the file's full path), or load the round from the folder it was run in.")
    raise ProfileError(f"The profile file '{stored}' that scored round {round_id} is no longer "
                       "there: put it back, or run the round again with --profile giving where "
                       "it is now.")


def load_round(folder: Path | str, partner: str | None = None) -> RoundData:
    """Load what :func:`write_round_data` wrote; with ``partner``, only that partner's rows of
    the scored table are read (partnership-wide figures come from ``figures.parquet`` and
    ``tools.parquet``)."""
    d = Path(folder) / DATA_DIR
    meta = json.loads((d / "round.json").read_text(encoding="utf-8"))
    profile = round_profile(meta)
    optional = {name: pd.read_parquet(d / f"{name}.parquet") if (d / f"{name}.parquet").exists()
                else pd.DataFrame() for name in ("history", "last_actions", "figures", "tools",
                                                 "indicators", "indicator_history",
                                                 "actions", "commentary")}
    filters = [("partner", "==", partner)] if partner else None
    scored = pd.read_parquet(d / "scored.parquet", filters=filters)
    # a round folder from before figures.parquet or tools.parquet: computed from the rows
    # loaded (the partnership's tool counts only when every partner's rows are)
    if not len(optional["figures"]) and len(scored):
        optional["figures"] = agg.measure_figures(scored, profile)
    if not len(optional["tools"]) and partner is None:
        optional["tools"] = agg.tool_counts(scored, profile)
    return RoundData(
        scored=scored,
        partner=partner,
        problems=pd.read_parquet(d / "problems.parquet"),
        excluded=pd.read_parquet(d / "excluded.parquet"),
        meta=meta,
        profile=profile,
        **optional,
    )
