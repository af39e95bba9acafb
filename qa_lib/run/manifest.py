"""manifest.json: what a round was made from, with what, and how long it took."""

from __future__ import annotations

import json
import platform
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from qa_lib import __version__

_LOCK = threading.Lock()
KEY_PACKAGES = ("pandas", "numpy", "python-calamine", "openpyxl", "papermill", "nbconvert",
                "matplotlib", "holidays")


@dataclass
class Timer:
    """Named wall-clock timings, in seconds."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            with _LOCK:  # stages may be timed from worker threads
                self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter()
                                           - t0, 3)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a round's output."""
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_manifest(*, round_id: str, profile, files, parameters: dict, timings: dict,
                   outputs: list[str], counts: dict, started: str, finished: str) -> dict:
    """The manifest as a dict (see docs for the fields)."""
    return {
        "round": round_id,
        "toolkit": {"name": "qa-audit", "version": __version__},
        "profile": {"name": profile.name, "version": profile.version,
                    "strategy": profile.model.strategy},
        "inputs": [{"file": f.name, "sha256": f.sha256, "bytes": f.size, "status": f.status,
                    "sheet": f.sheet, "header_row": f.header_row, "rows": f.rows}
                   for f in files],
        "parameters": parameters,
        "counts": counts,
        "outputs": sorted(outputs),
        "timings_seconds": timings,
        "started": started,
        "finished": finished,
        "environment": {"python": platform.python_version(), "packages": package_versions()},
    }


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest as indented JSON."""
    Path(path).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
