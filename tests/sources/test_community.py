"""Community-maintained mapping files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sources.community import parse as community
from tests.sources.checks import assert_corpus_case, parse_text


def parse_file(tmp_path: Path, name: str, text: str, entity: str):
    return parse_text(community, tmp_path, name, text, entity)


def test_space_groups(tmp_path):
    result = parse_file(
        tmp_path,
        "space_groups.csv",
        "source;space_id;group_id\ndiscourse;12;g-bcn\n"
        "opencollective;astrodotbuild;g-bcn\nledger;fy2024.dat;g-chi\nmastodon;1;g-bcn\n",
        "space_groups",
    )
    assert result.accepted.select("source", "space_id").rows() == [
        ("discourse", "12"),
        ("opencollective", "astrodotbuild"),
        ("ledger", "fy2024.dat"),
    ]
    assert result.quarantined.select("record", "rule", "value").rows() == [("5", "source:valid_values", "mastodon")]


def test_local_payees(tmp_path):
    result = parse_file(
        tmp_path,
        "local_payees.csv",
        "counterparty,is_local\nbakery,true\namazon,false\nx,maybe\n",
        "local_payees",
    )
    assert result.accepted.select("counterparty", "is_local").rows() == [("bakery", True), ("amazon", False)]
    assert result.quarantined.select("record", "rule").rows() == [("4", "is_local:type:boolean")]


CORPUS = {
    "duplicate/space_groups.csv": ("space_groups", [("3", "source+space_id:duplicate_key")]),
    "tabs/local_payees.csv": ("local_payees", [("file", "header:missing_columns")]),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(name):
    entity, expected = CORPUS[name]
    assert_corpus_case("community", name, entity, expected)
