"""Assertions every source's tests share: conservation, parsing a text fixture, a corpus case."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pipelines.sources import parser
from pipelines.sources.contracts import Checked

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def conserved(result: dict[str, Checked]) -> None:
    """Every row read is either accepted or quarantined, for every entity of a parsed file."""
    for entity, checked in result.items():
        assert checked.rows_read == checked.accepted.height + checked.quarantined.height, entity


def parse_text(module: ModuleType, tmp_path: Path, name: str, text: str, entity: str | None = None) -> Checked:
    """Write `text` as inbox file `name`, parse it and return the entity (the only one if not named)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = module.parse(path, name, "sha-test")
    conserved(result)
    if entity is None:
        (entity,) = result
    return result[entity]


def assert_corpus_case(source: str, name: str, entity: str, expected: list[tuple[str, str]]) -> None:
    """The corpus file parses without an exception into exactly the expected quarantine records, each
    naming its file, and every row read is accounted for."""
    result = parser(source).parse(CORPUS / source / name, name, "sha-corpus")[entity]
    assert result.rows_read == result.accepted.height + result.quarantined.height
    quarantined = result.quarantined
    assert sorted(quarantined.select("record", "rule").rows()) == sorted(expected)
    assert set(quarantined["file_name"]) == {name}
    for message, rule in quarantined.select("message", "rule").rows():
        assert name in message and rule in message
