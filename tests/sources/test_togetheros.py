"""TogetherOS platform tables as NDJSON (and CSV with the same columns)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.contracts import load_contract
from pipelines.sources.togetheros import parse as togetheros
from tests.sources.checks import assert_corpus_case, parse_text


def parse_file(tmp_path: Path, name: str, text: str):
    return parse_text(togetheros, tmp_path, name, text)


def ndjson(*rows: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_every_table_of_the_data_model_has_a_contract():
    expected = {
        "groups",
        "users",
        "group_members",
        "proposals",
        "proposal_status_changes",
        "proposal_votes",
        "topics",
        "forum_posts",
        "support_points_allocations",
        "timebank_transactions",
        "sh_transactions",
        "budgets",
        "initiatives",
        "milestones",
    }
    assert set(load_contract("togetheros")) == expected


def test_proposals_enums_and_utc(tmp_path):
    result = parse_file(
        tmp_path,
        "proposals.ndjson",
        ndjson(
            {
                "id": "p1",
                "scope_type": "group",
                "scope_id": "g1",
                "author_id": "u1",
                "status": "deliberation",
                "created_at": "2024-03-05T10:12:03+01:00",
                "has_minority_report": False,
            },
            {
                "proposal_id": "p2",
                "scope_type": "group",
                "status": "decided",
                "decision_outcome": "approved",
                "created_at": "2024-03-05T10:12:03Z",
                "decided_at": "2024-04-01T00:00:00Z",
                "has_minority_report": True,
            },
            {"proposal_id": "p3", "status": "shelved", "created_at": "2024-03-05T10:12:03Z"},
        ),
    )
    rows = result.accepted.to_dicts()
    assert [r["proposal_id"] for r in rows] == ["p1", "p2"]  # `id` is the table's key
    assert str(rows[0]["created_at"]) == "2024-03-05 09:12:03"  # to naive UTC
    assert rows[1]["has_minority_report"] is True
    assert result.quarantined.select("record", "rule", "value").rows() == [("3", "status:valid_values", "shelved")]


def test_timebank_hours_provided_becomes_seconds_and_same_person_is_refused(tmp_path):
    result = parse_file(
        tmp_path,
        "timebank_transactions.ndjson",
        ndjson(
            {
                "id": "t1",
                "provider_id": "u1",
                "receiver_id": "u2",
                "hours_provided": "1.25",
                "tbc_cost": 1.25,
                "status": "confirmed",
                "created_at": "2024-03-05T10:00:00Z",
                "confirmed_at": "2024-03-06T10:00:00Z",
            },
            {
                "id": "t2",
                "provider_id": "u1",
                "receiver_id": "u2",
                "hours_seconds": 1800,
                "status": "pending",
                "created_at": "2024-03-05T10:00:00Z",
            },
            {
                "id": "t3",
                "provider_id": "u1",
                "receiver_id": "u1",
                "hours_provided": 1,
                "status": "pending",
                "created_at": "2024-03-05T10:00:00Z",
            },
        ),
    )
    assert result.accepted.select("transaction_id", "hours_seconds").rows() == [("t1", 4500), ("t2", 1800)]
    assert result.quarantined.select("record", "rule").rows() == [
        ("3", "timebank:same_person")
    ]  # NDJSON: record = line


def test_support_points_range_and_budgets_in_minor_units(tmp_path):
    sp = parse_file(
        tmp_path,
        "support_points_allocations.ndjson",
        ndjson(
            {
                "id": "a1",
                "member_id": "u1",
                "target_type": "proposal",
                "target_id": "p1",
                "amount": 10,
                "status": "active",
                "created_at": "2024-03-05T10:00:00Z",
            },
            {
                "id": "a2",
                "member_id": "u1",
                "amount": 11,
                "status": "active",
                "created_at": "2024-03-05T10:00:00Z",
            },
        ),
    )
    assert sp.quarantined.select("record", "rule").rows() == [("2", "amount:maximum:10")]
    budgets = parse_file(
        tmp_path,
        "budgets.csv",
        "budget_id,scope,group_id,fund_type,allocated,spent,currency,"
        "period_start,period_end\nb1,city,g1,local,1200.50,100,EUR,2024-01-01,2099-12-31\n",
    )
    assert budgets.accepted.select("allocated_minor", "spent_minor").rows() == [(120050, 10000)]
    assert str(budgets.accepted["period_end"][0]) == "2099-12-31"  # a planned date may lie ahead


def test_groups_csv_with_regional_level(tmp_path):
    result = parse_file(
        tmp_path,
        "groups.csv",
        "group_id,handle,name,type,parent_id,is_city_group\n"
        "g0,@earth@x.org,Earth,global,,false\ng1,@cat@x.org,Catalonia,regional,g0,false\n"
        "g2,@bcn@x.org,Barcelona,local,g1,true\ng3,@t@x.org,Thematic,thematic,g0,false\n",
    )
    assert result.accepted["type"].to_list() == ["global", "regional", "local"]
    assert result.quarantined.select("record", "rule").rows() == [("5", "type:valid_values")]


def test_unknown_table_is_refused(tmp_path):
    path = tmp_path / "feed_posts.ndjson"
    path.write_text("{}\n")
    (result,) = togetheros.parse(path, "feed_posts.ndjson", "sha").values()
    assert result.quarantined.select("record", "rule").rows() == [("file", "file:unknown_name")]


CORPUS = {
    "broken/proposal_votes.ndjson": (
        "proposal_votes",
        [("2", "line:not_json"), ("3", "vote_type:valid_values")],
    ),
    "hours/timebank_transactions.ndjson": (
        "timebank_transactions",
        [("2", "hours_seconds:minimum:0"), ("3", "created_at:future")],
    ),
    "missing/groups.csv": ("groups", [("2", "type:required")]),
    "truncated/proposals.ndjson": ("proposals", [("2", "line:not_json")]),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(name):
    entity, expected = CORPUS[name]
    assert_corpus_case("togetheros", name, entity, expected)


def test_a_table_read_in_slices_loads_exactly_what_one_pass_loads(tmp_path, monkeypatch):
    """Slices of a few lines: line numbers, bad lines, a BOM, CRLF and a key repeated across slices come
    out as one pass over the whole file gives them."""
    import polars as pl

    rows = [
        {"id": f"p{i}", "topic_id": "t1", "author_id": f"u{i % 3}", "created_at": f"2026-01-0{1 + i % 9}T10:00:00Z"}
        for i in range(12)
    ]
    lines = [json.dumps(r) for r in rows]
    lines[3] = "{not json"
    lines[7] = json.dumps(rows[1])  # the key of line 2 again, in a later slice
    lines[9] = "[1, 2]"
    path = tmp_path / "forum_posts.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n\xff\xfe bad bytes\r\n")
    whole = togetheros.parse(path, path.name, "a" * 64)["forum_posts"]
    monkeypatch.setattr(togetheros, "SLICE_BYTES", 200)  # two or three lines per slice
    slices = [part["forum_posts"] for part in togetheros.parse_slices(path, path.name, "a" * 64)]
    assert len(slices) > 3
    accepted = pl.concat([s.accepted for s in slices])
    quarantined = pl.concat([s.quarantined for s in slices])
    assert accepted.sort("_record").equals(whole.accepted.sort("_record"))
    records_and_rules = [sorted(q.select("record", "rule").rows()) for q in (quarantined, whole.quarantined)]
    assert records_and_rules[0] == records_and_rules[1]
    assert {"4", "8", "10", "13"} <= set(quarantined["record"])
    assert sum(s.rows_read for s in slices) == whole.rows_read == 13
