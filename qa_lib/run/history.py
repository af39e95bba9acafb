"""Earlier rounds of the same profile in the reports root: trends, last actions, the root index.

A round folder counts as a finished round when its ``data/round.json`` names the
same round as the folder (so ``.refused-`` and ``.replaced-`` copies are never
read). Earlier means an earlier round name in sort order (2026-Q1 < 2026-Q2).
The round driver copies what it needs from earlier rounds into its own
``data/`` folder, so each round folder stays self-contained.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pandas as pd

from qa_lib.profile.schema import Profile
from qa_lib.report import fragments as fr
from qa_lib.report import page as render
from qa_lib.scoring import aggregate as agg

HISTORY_COLUMNS = ["round", "partner", "measure", "measure_name", "mean", "cases_scored", "band",
                   "profile_version"]


def _meta(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / "data" / "round.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("round") == folder.name else None


def finished_rounds(root: Path | str) -> list[tuple[Path, dict]]:
    """Every finished round folder in a reports root, sorted by round name."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [(p, m) for p in root.iterdir() if p.is_dir() and (m := _meta(p)) is not None]
    return sorted(found, key=lambda pm: pm[1]["round"])


def earlier_rounds(root: Path | str, profile_name: str, before: str) -> list[tuple[Path, dict]]:
    """Finished rounds of the same profile whose names sort before ``before``."""
    return [(p, m) for p, m in finished_rounds(root)
            if m["profile"]["name"] == profile_name and m["round"] < before]


def history_table(rounds: list[tuple[Path, dict]], profile: Profile) -> pd.DataFrame:
    """Partner and partnership means per measure for each earlier round."""
    frames = []
    for folder, meta in rounds:
        scored = pd.read_parquet(folder / "data" / "scored.parquet")
        f = agg.measure_figures(scored, profile)
        f["round"] = meta["round"]
        f["profile_version"] = meta["profile"].get("version", "")
        frames.append(f[HISTORY_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def last_actions(rounds: list[tuple[Path, dict]]) -> pd.DataFrame:
    """The recommended actions recorded in the latest earlier round (already redacted)."""
    cols = ["round", "partner", "case_ref", "recommended_actions"]
    if not rounds:
        return pd.DataFrame(columns=cols)
    folder, meta = rounds[-1]
    scored = pd.read_parquet(folder / "data" / "scored.parquet")
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
        rows.append({
            "Round": f'<a href="{escape(folder.name, quote=True)}/index.html">'
                     f"{escape(meta['round'])}</a>",
            "Profile": f"{meta['profile']['name']} {meta['profile'].get('version', '')}",
            "Partners": counts.get("partners", ""),
            "Rows scored": counts.get("rows_scored", ""),
            "Rows left out": counts.get("rows_left_out", ""),
            "Finished": str(man.get("finished", ""))[:16].replace("T", " "),
        })
    table = fr.table(pd.DataFrame(rows), "Audit rounds in this folder", row_header="Round",
                     html_columns=["Round"], number_columns={"Rows scored": 0,
                                                             "Rows left out": 0},
                     empty="No finished round yet.")
    body = fr.heading("Rounds", 2) + fr.paragraph(
        "Every finished audit round in this folder, newest first. Each round has its own "
        "index page with the partnership report, one report per partner agency, the "
        "validation report and the data.") + table
    html = render.page("Audit rounds", "Audit rounds", body)
    path = root / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
