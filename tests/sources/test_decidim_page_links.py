"""A Decidim result's or proposal's link (issue 14): the `url` its export gives is kept as its page, and an
address that is not this very item's http(s) page is refused with the rule, file and record named."""

from __future__ import annotations

import pytest

from pipelines.sources.decidim import parse as decidim
from tests.sources.checks import conserved
from tests.sources.test_decidim import csv_text, export

EXPORTS = {
    "results": (
        "id;parent/id;title/en;start_date;end_date;status/key;progress;created_at;updated_at;component/id;url",
        "{id};;Result;2024-04-01;2024-09-30;ongoing;50;2024-03-10 09:00:00 UTC;2024-05-01 09:00:00 UTC;6;{url}",
        "result_id",
    ),
    "proposals": (
        "id;component/id;title/en;state;votes;published_at;created_at;updated_at;url",
        "{id};6;Proposal;accepted;3;2024-03-01 09:00:00 UTC;2024-03-01 09:00:00 UTC;2024-04-01 09:00:00 UTC;{url}",
        "proposal_id",
    ),
}


@pytest.mark.parametrize("entity", list(EXPORTS))
def test_an_item_keeps_its_page_and_a_wrong_address_is_refused(tmp_path, entity):
    header, row, id_column = EXPORTS[entity]
    rows = {
        1: f"https://tos.example/processes/m/f/6/{entity}/1",  # its page
        2: "",  # an export without the address: no link, nothing refused
        3: f"javascript:alert(1)//{entity}/3",  # never a link
        4: f"https://tos.example/processes/m/f/6/{entity}/99",  # another item's page
        5: "https://tos.example/profiles/maria",  # a person's profile
    }
    members = {entity: csv_text(header, *(row.format(id=i, url=u) for i, u in rows.items()))}
    parsed = decidim.parse(export(tmp_path, members), "tos.example-open-data.zip", "sha")
    conserved(parsed)
    result = parsed[entity]
    kept = {r[id_column]: r["url"] for r in result.accepted.rows(named=True)}
    assert kept == {1: rows[1], 2: None}
    refused = result.quarantined.rows(named=True)
    assert sorted(r["record"] for r in refused) == ["4", "5", "6"]  # lines of the file (the header is 1)
    assert {(r["rule"], r["column_name"]) for r in refused} == {("url:format", "url")}
    assert all(r["file_name"] == f"tos.example-open-data.zip!tos.example-open-data-{entity}.csv" for r in refused)
    assert "record 5 of tos.example-open-data.zip!" in next(r["message"] for r in refused if r["record"] == "5")
