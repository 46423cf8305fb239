"""Words too common to be a person's name when they stand alone (a username "system" or "test"):
searching a release for them would only report the release's own vocabulary; and that vocabulary itself
(`release_vocabulary`), against which the books' free text is checked before it becomes a term."""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path
from typing import Any

from pipelines.settings import DBT_PROJECT_DIR

DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"  # where dbt parse writes it (dbt_project.manifest_path)
# the modules that write a release's own text: README, descriptor, quality report, changes, signing notes
RELEASE_WRITERS = tuple(
    Path(__file__).resolve().parents[1] / "release" / f"{name}.py"
    for name in ("datacard", "descriptor", "quality", "changes", "write", "signing", "tables", "recompute")
)

COMMON_WORDS = frozenset(
    """
about above account accounts active admin administrator after again against all also anonymous another
answer answered anyone archive archived audit available back bank before being below between blog board
both budget budgets business call came case category change changes check city close closed code coming
comment comments common community contact content could count council data date days decided decision
deleted delivery demo does done down draft during each email empty entity even every example federation
file files first forum free from general global group groups guest have help here high home hours http
https incognito info information initiative into issue just know last latest leave less level like link
list local long look made main make many meeting member members message milestone moderator month more
most much must name national need never news next nobody none note nothing null number only open other
over page part participation people person place please post posts private process project projects
proposal proposals public question read regional release report result results right rows same says
search second section see seen service settings should show since some someone source space staff stage
start still support system take team test than that their them then there these they this those time
through today topic topics total treasury true false under unknown until update used user username users
very vote votes want well were what when where which while will with work world would year years your
anonimo anónimo usuario usuaria todos todas para como pero este esta sobre entre desde hasta grupo
ciutat ciudad barri barrio veïna vecina persona
""".split()
)


def release_vocabulary(manifest_path: Path = DBT_MANIFEST) -> tuple[str, ...]:
    """The text every release writes whatever its inputs: from the dbt manifest, the public datasets'
    names, descriptions, column names and descriptions, metric definitions, and the values their
    columns are constrained to (`accepted_values`: the enumerations a release publishes by construction,
    such as counterparty_type `individual`); the string literals of the modules that write the README,
    descriptor and reports (`RELEASE_WRITERS`, docstrings left out); the ledger categories of the seed
    and the account roots. Authored in the project, never read from the inputs. Without a manifest only
    the rest (the gate is then stricter, never looser)."""
    manifest_path = Path(manifest_path)
    # read again when dbt rewrites the manifest (a long-lived Dagster process sees every parse)
    return _vocabulary(manifest_path, manifest_path.stat().st_mtime_ns if manifest_path.is_file() else None)


@functools.cache
def _vocabulary(manifest_path: Path, modified: int | None) -> tuple[str, ...]:
    from pipelines.privacy.people import LEDGER_ROOTS, ledger_categories

    texts = [*sorted(LEDGER_ROOTS), *sorted(ledger_categories())]
    texts += [text for module in RELEASE_WRITERS if module.is_file() for text in _literals(module)]
    if modified is None:
        return tuple(texts)
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    public = {n["unique_id"] for n in nodes if n["resource_type"] == "model" and n["fqn"][1:2] == ["public"]}
    for node in nodes:
        if node["unique_id"] in public:
            texts += [node["name"], node.get("description") or ""]
            for name, column in node.get("columns", {}).items():
                texts += [name, column.get("description") or ""]
                texts += _strings(column.get("meta", {}).get("metric", {}))
        elif node["resource_type"] == "test" and public & set(node.get("depends_on", {}).get("nodes", [])):
            test = node.get("test_metadata") or {}
            if test.get("name") == "accepted_values":
                texts += [str(v) for v in test.get("kwargs", {}).get("values", [])]
    return tuple(t for t in texts if t)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _literals(module: Path) -> list[str]:
    """The string literals of a module (f-strings' fixed parts included), not its docstrings."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
