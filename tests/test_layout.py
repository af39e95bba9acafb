"""The package layout is the pipeline: each stage imports only the stages before it.

Stages, in the order data flows through a round:
common -> profile -> ingest -> checks -> scoring -> report -> run -> cli.
A module may import its own package and any package before it, never one after it, and
no two modules may import each other, directly or round a longer loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa_lib"
STAGES = ["common", "profile", "ingest", "checks", "scoring", "report", "run", "cli"]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every qa_lib module ``path`` imports, at any depth of the file (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("qa_lib"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                pkg = here.split(".")[: -node.level] if path.name != "__init__.py" else \
                    here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            if not base.startswith("qa_lib"):
                continue
            for a in node.names:  # `from qa_lib.report import sections` names a module
                sub = f"{base}.{a.name}"
                found.add(sub if _exists(sub) else base)
    found.discard(here)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").exists() or (PACKAGE.parent / rel).is_dir()


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "common"  # qa_lib itself holds only __version__


GRAPH = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_belongs_to_a_stage():
    strays = [m for m in GRAPH if m != "qa_lib" and _stage(m) not in STAGES]
    assert not strays, f"modules outside the stage packages {STAGES}: {strays}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_only_earlier_stages(module):
    rank = STAGES.index(_stage(module))
    later = sorted(i for i in GRAPH[module] if STAGES.index(_stage(i)) > rank)
    assert not later, f"{module} ({_stage(module)}) imports later stages: {later}"


def test_no_import_cycles():
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(n):] + [n]))
            if n in GRAPH and not state.get(n):
                visit(n)
        path.pop()
        state[m] = 2

    for m in GRAPH:
        if not state.get(m):
            visit(m)


def test_the_checker_sees_a_late_import(tmp_path):
    """The check itself can fail: a made-up profile module importing the report stage."""
    fake = PACKAGE / "profile" / "_layout_probe.py"
    fake.write_text("def f():\n    from qa_lib.report import charts\n", encoding="utf-8")
    try:
        imported = _imports(fake)
    finally:
        fake.unlink()
    assert imported == {"qa_lib.report.charts"}
    assert STAGES.index(_stage("qa_lib.report.charts")) > STAGES.index("profile")


def test_each_stage_package_says_what_enters_and_leaves():
    for stage in STAGES[:-1]:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and len(doc) > 80, f"qa_lib/{stage}/__init__.py needs a docstring"
