"""Earlier rounds of the same profile in the reports root: trends, last actions, the root index.

A round folder counts as a finished round when its ``data/round.json`` names the
same round as the folder (so ``.refused-`` and ``.replaced-`` copies are never
read). Earlier means an earlier period (:func:`round_period`), never an earlier name.
The round driver copies what it needs from earlier rounds into its own
``data/`` folder, so each round folder stays self-contained.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from qa_lib.common.periods import period_of
from qa_lib.common.vocabulary import band_col, score_col
from qa_lib.profile.schema import Profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.report.summary_page import spread_figures
from qa_lib.scoring import aggregate as agg

# sd: the standard deviation of the case scores, for the summary's chance test (a history
# stored before it was kept has no sd column: its changes are shown as not tested)
HISTORY_COLUMNS = ["round", "partner", "measure", "measure_name", "mean", "cases_scored", "band",
                   "profile_version", "sd"]


def _meta(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("round") == folder.name else None


def round_period(meta: dict) -> dt.date:
    """The first day of the period a finished round covers: as recorded when it ran, else
    read from its name (rounds made before periods were recorded), else its reference date."""
    if meta.get("period"):
        return dt.date.fromisoformat(meta["period"])
    return period_of(meta["round"]) or dt.date.fromisoformat(meta.get("today") or "1900-01-01")


def finished_rounds(root: Path | str) -> list[tuple[Path, dict]]:
    """Every finished round folder in a reports root, oldest period first (never by name:
    Q4-2026 comes before Q1-2027)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [(p, m) for p in root.iterdir() if p.is_dir() and (m := _meta(p)) is not None]
    return sorted(found, key=lambda pm: (round_period(pm[1]), pm[1]["round"]))


def earlier_rounds(root: Path | str, profile_name: str, round_id: str, period: dt.date
                   ) -> list[tuple[Path, dict]]:
    """Finished rounds of the same profile covering a period before ``period``, oldest
    first. A round rerun with --force never counts a newer round as its predecessor."""
    return [(p, m) for p, m in finished_rounds(root)
            if m["profile"]["name"] == profile_name and m["round"] != round_id
            and round_period(m) < period]


def returns_of(meta: dict) -> frozenset[str]:
    """The SHA-256 of each return a round scored (its round.json ``inputs``)."""
    return frozenset(f["sha256"] for f in meta.get("inputs") or [] if f.get("sha256"))


@dataclass
class EarlierRound:
    """One earlier round as read for the trend: its folder, its round.json and scored rows."""

    folder: Path
    meta: dict
    scored: pd.DataFrame


def load_earlier(rounds: list[tuple[Path, dict]], profile: Profile,
                 inputs: frozenset[str] = frozenset()) -> tuple[list[EarlierRound], list[str]]:
    """Read each earlier round's scored table once. A round that cannot be read (a damaged
    or missing Parquet file) is skipped with a note, never blocking today's round; measures
    the profile has gained since a round are noted and show as not scored in that round.
    A round that scored the very same return files (``inputs``: this round's SHA-256s) is
    this round under another name, not an earlier one: it is left out, with a note."""
    loaded, notes = [], []
    for folder, meta in rounds:
        if inputs and returns_of(meta) == inputs:  # the very same files, under another name
            notes.append(f"Round {meta['round']} was left out of the trend: it scored the very "
                         "same return files as this round, so it is not an earlier round.")
            continue
        try:
            scored = pd.read_parquet(folder / "data" / "scored.parquet")
        except Exception as exc:  # pyarrow raises several types for a damaged file
            notes.append(f"Round {meta['round']} was left out of the trend: its data could not "
                         f"be read ({type(exc).__name__}). Run it again to bring it back.")
            continue
        absent = [m for m in profile.measures if score_col(m.key) not in scored]
        if absent:
            names = ", ".join(f"'{m.name}'" for m in absent)
            notes.append(f"Round {meta['round']} has no scores for {names} (not in its version "
                         "of the profile); the trend shows no figure there.")
            scored = scored.assign(**{score_col(m.key): np.nan for m in absent},
                                   **{band_col(m.key): None for m in absent})
        loaded.append(EarlierRound(folder, meta, scored))
    return loaded, notes


def history_table(rounds: list[EarlierRound], profile: Profile) -> pd.DataFrame:
    """Partner and partnership means per measure for each earlier round, with the cases
    scored and the standard deviation of the case scores behind each mean."""
    frames = []
    for r in rounds:
        f = agg.measure_figures(r.scored, profile).merge(
            spread_figures(r.scored, profile), on=["partner", "measure"], how="left")
        f["round"] = r.meta["round"]
        f["profile_version"] = r.meta["profile"].get("version", "")
        frames.append(f[HISTORY_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return pd.concat(frames, ignore_index=True)


INDICATOR_HISTORY = ["round", "key", "numerator", "denominator", "value", "how"]


def indicator_history(rounds: list[EarlierRound]) -> pd.DataFrame:
    """The strategy scorecard's figures in each earlier round, oldest first (round, key,
    numerator, denominator, value, how). A round with no scorecard (an older round, or a
    profile then without indicators) adds nothing; one whose file cannot be read is skipped:
    the trend never stops today's round."""
    frames = []
    for r in rounds:
        path = r.folder / "data" / "indicators.parquet"
        if not path.exists():
            continue
        try:
            f = pd.read_parquet(path)
        except Exception:  # pyarrow raises several types for a damaged file
            continue
        if not {"key", "value"} <= set(f.columns):
            continue
        frames.append(f.assign(round=r.meta["round"]).reindex(columns=INDICATOR_HISTORY))
    if not frames:
        return pd.DataFrame(columns=INDICATOR_HISTORY)
    return pd.concat(frames, ignore_index=True)


def last_actions(rounds: list[EarlierRound]) -> pd.DataFrame:
    """The recommended actions recorded in the latest earlier round (already redacted)."""
    cols = ["round", "partner", "case_ref", "recommended_actions"]
    if not rounds:
        return pd.DataFrame(columns=cols)
    scored, meta = rounds[-1].scored, rounds[-1].meta
    if "recommended_actions" not in scored:
        return pd.DataFrame(columns=cols)
    out = scored[scored["recommended_actions"].notna()][["partner", "case_ref",
                                                         "recommended_actions"]].copy()
    out.insert(0, "round", meta["round"])
    return out.reset_index(drop=True)


def write_root_index(root: Path | str) -> Path:
    """``index.html`` at the reports root, listing every finished round."""
    root = Path(root)
    rows = []
    for folder, meta in reversed(finished_rounds(root)):
        try:
            man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            man = {}
        counts = man.get("counts", {})
        copy = f"{meta['round']}.published"  # run.publish_copy's name for it
        rows.append({
            "Round": f'<a href="{escape(folder.name, quote=True)}/index.html">'
                     f"{escape(meta['round'])}</a>",
            "Profile": f"{meta['profile']['name']} {meta['profile'].get('version', '')}",
            "Partners": counts.get("partners", ""),
            "Rows scored": counts.get("rows_scored", ""),
            "Rows left out": counts.get("rows_left_out", ""),
            "Finished": str(man.get("finished", ""))[:16].replace("T", " "),
            "Published copy": (f'<a href="{escape(copy, quote=True)}/index.html">'
                               f"{escape(copy)}</a>" if (root / copy / "index.html").is_file()
                               else "none"),
        })
    table = fr.table(pd.DataFrame(rows), "Audit rounds in this folder", row_header="Round",
                     html_columns=["Round", "Published copy"], number_columns={"Rows scored": 0,
                                                             "Rows left out": 0},
                     empty="No finished round yet.")
    body = fr.heading("Rounds", 2) + fr.paragraph(
        "Every finished audit round in this folder, newest first. Each round has its own "
        "index page with the partnership report, one report per partner agency, the "
        "validation report and the data. A published copy (qa-audit publish) holds only the "
        "pages and tables that may be shared beyond the partnership.") + table
    html = render.page("Audit rounds", "Audit rounds", body)
    path = root / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
