"""Every dashboard query binds its values: no SQL text is built with f-strings, format() or % / +."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DATA_MODULE = Path(__file__).resolve().parents[2] / "dashboards" / "queries.py"
SQL_WORDS = re.compile(r"\b(select|from|where|insert|update|delete|union|join|read_parquet)\b", re.IGNORECASE)


def _text_parts(node: ast.AST) -> str:
    return " ".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def built_sql(source: str) -> list[int]:
    """Lines where SQL text is assembled from pieces at run time."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
            assembled = True
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            # "a" "b" literals are joined by the parser; a + or % with a non-literal side is assembly
            assembled = not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "format":
            assembled = True
        else:
            continue
        if assembled and SQL_WORDS.search(_text_parts(node)):
            lines.append(node.lineno)
    return lines


def test_the_check_catches_each_way_of_building_sql():
    for bad in [
        'q = f"select * from t where id = {x}"',
        'q = "select * from t where id = %s" % x',
        'q = "select * from t where id = {}".format(x)',
        'q = "select * from t where id = " + x',
    ]:
        assert built_sql(bad) == [1], bad
    assert built_sql('q = "select * from t where id = $id"\nlabel = f"{n} people"') == []


def test_dashboard_queries_are_parameterized():
    if not DATA_MODULE.exists():
        pytest.skip("dashboards/queries.py does not exist yet")
    assert built_sql(DATA_MODULE.read_text()) == []
