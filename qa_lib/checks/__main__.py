"""Regenerate the catalogue table of docs/bad-input.md from the registry of problem codes.

    python -m qa_lib.checks [path]          # rewrite the table (default docs/bad-input.md)
    python -m qa_lib.checks --check [path]  # exit 1 if the table is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from qa_lib.checks.rules import doc_with_catalogue


def main(argv: list[str]) -> int:
    """Rewrite (or with --check, compare) the catalogue table; returns the exit code."""
    check_only = "--check" in argv
    args = [a for a in argv if a != "--check"]
    path = Path(args[0] if args else "docs/bad-input.md")
    doc = path.read_text(encoding="utf-8")
    new = doc_with_catalogue(doc)
    if check_only:
        if new != doc:
            print(f"{path}: the catalogue table is out of date; run python -m qa_lib.checks",
                  file=sys.stderr)
            return 1
        return 0
    if new != doc:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: catalogue table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
