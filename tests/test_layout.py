"""The arrows between the top-level packages: the demo drives the pipeline from outside, so nothing
the pipeline or the dashboard runs imports it."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the command line mounts `togetheros demo` (a lazy import in its handler): the one allowed arrow
COMMAND_LINE = REPO / "pipelines" / "cli.py"


def _imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_production_module_imports_the_demo():
    offenders = [
        path.relative_to(REPO).as_posix()
        for package in ("pipelines", "dashboards")
        for path in sorted((REPO / package).rglob("*.py"))
        if path != COMMAND_LINE and any(m == "demo" or m.startswith("demo.") for m in _imported(path))
    ]
    assert offenders == []


def test_the_release_step_reads_only_the_public_schema():
    source = (REPO / "pipelines" / "assets" / "release.py").read_text(encoding="utf-8")
    for schema in ("raw.", "staging.", "intermediate.", "marts."):
        assert f" {schema}" not in source and f'"{schema}' not in source, schema
