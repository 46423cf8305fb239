"""TimeOverflow database exports, its localized Transfers report and plain hours logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sources.timeoverflow import parse as timeoverflow
from tests.sources.checks import assert_corpus_case, parse_text


def parse_file(tmp_path: Path, name: str, text: str, entity: str):
    return parse_text(timeoverflow, tmp_path, name, text, entity)


def test_database_exports_use_db_column_names(tmp_path):
    members = parse_file(
        tmp_path,
        "members.csv",
        "id,user_id,organization_id,member_uid,active,entry_date\n7,3,1,12,t,2023-05-01\n8,4,1,13,f,2023-06-01\n",
        "members",
    )
    assert members.accepted.select("member_id", "member_uid", "active").rows() == [
        (7, 12, True),
        (8, 13, False),
    ]
    accounts = parse_file(
        tmp_path,
        "accounts.csv",
        "id,accountable_type,accountable_id,organization_id,balance\n"
        "44,Member,7,1,-5400\n45,Organization,1,1,0\n46,Robot,1,1,0\n",
        "accounts",
    )
    assert accounts.accepted.select("account_id", "balance_seconds").rows() == [(44, -5400), (45, 0)]
    assert accounts.quarantined.select("record", "rule").rows() == [("4", "accountable_type:valid_values")]
    orgs = parse_file(tmp_path, "organizations.csv", "id,name\n1,Banc de Temps\n", "organizations")
    assert orgs.accepted.rows()[0][:2] == (1, "Banc de Temps")


def test_movements_of_a_transfer_must_sum_to_zero(tmp_path):
    result = parse_file(
        tmp_path,
        "movements.csv",
        "id,account_id,transfer_id,amount,created_at\n"
        "901,44,450,-5400,2024-03-05 10:12:03.123456\n902,17,450,5400,2024-03-05 10:12:03\n"
        "903,44,451,-3600,2024-03-06 10:00:00\n",
        "movements",
    )
    assert result.accepted["movement_id"].to_list() == [901, 902]
    assert str(result.accepted["created_at"][0]) == "2024-03-05 10:12:03.123456"
    assert result.quarantined.select("record", "rule", "value").rows() == [("4", "transfer:unbalanced", "451")]


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("Transfers_2024-03-05.csv", "Fecha,Origen,Destino,Anuncio,Cantidad"),
        ("Coop_Transfers_2024-03-05.csv", "Date,From,To,Post,Quantity"),
        ("Banc_Transferències_2024-03-05.csv", "Data,Origen,Destí,Anunci,Quantitat"),
    ],
)
def test_transfer_reports_in_each_language(tmp_path, name, header):
    text = (
        f"{header}\n2024-03-05 10:12:03 UTC,Maria (12),Joan (31),Clases de guitarra,1:30\n"
        "2024-03-06 09:00:00 UTC,Joan (31),Maria (12),,12:05\n"
    )
    result = parse_file(tmp_path, name, text, "hours")
    rows = result.accepted.to_dicts()
    assert [r["seconds"] for r in rows] == [5400, 43500]
    # the member credited (To) gave the service
    assert (rows[0]["provider"], rows[0]["receiver"], rows[0]["post"]) == (
        "Joan (31)",
        "Maria (12)",
        "Clases de guitarra",
    )
    assert rows[0]["exchange_id"] == f"{name}:2" and str(rows[0]["exchanged_on"]) == "2024-03-05 10:12:03"


def test_plain_hours_file(tmp_path):
    text = (
        "date,provider,receiver,hours\n2024-03-01,ana,ben,1.5\n2024-03-02,ben,ana,0.25\n"
        "2024-03-03,ana,ben,1:45\n2024-03-04,ana,ben,lots\n"
    )
    result = parse_file(tmp_path, "hours_garden.csv", text, "hours")
    assert result.accepted["seconds"].to_list() == [5400, 900, 6300]
    assert str(result.accepted["exchanged_on"][0]) == "2024-03-01 00:00:00"
    assert result.quarantined.select("record", "rule", "value").rows() == [("5", "seconds:type:integer", "lots")]


def test_unknown_file_is_refused_not_guessed(tmp_path):
    result = parse_file(tmp_path, "posts.csv", "id,title\n1,x\n", "hours")
    assert result.quarantined.select("record", "rule").rows() == [("file", "file:unknown_name")]


CORPUS = {
    "negative/hours_negative.csv": ("hours", [("3", "seconds:minimum:0")]),
    "same/hours_same_person.csv": ("hours", [("2", "hours:same_person"), ("3", "seconds:maximum:86400")]),
    "unbalanced/movements.csv": ("movements", [("4", "transfer:unbalanced"), ("5", "transfer:unbalanced")]),
    "renamed/Transfers_2024-03-05.csv": ("hours", [("file", "header:missing_columns")]),
    "latin1/users.csv": ("users", [("3", "encoding:not_utf8")]),
    "duplicate/transfers.csv": ("transfers", [("3", "transfer_id:duplicate_key")]),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(name):
    entity, expected = CORPUS[name]
    assert_corpus_case("timeoverflow", name, entity, expected)
