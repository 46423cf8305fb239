"""A Decidim result's link (issue 14): the `url` its export gives is kept as its page, and an address
that is not this very result's http(s) page is refused with the rule, file and record named."""

from __future__ import annotations

from pipelines.sources.decidim import parse as decidim
from tests.sources.checks import conserved
from tests.sources.test_decidim import csv_text, export

HEADER = "id;parent/id;title/en;start_date;end_date;status/key;progress;created_at;updated_at;component/id;url"
ROW = "{id};;Result;2024-04-01;2024-09-30;ongoing;50;2024-03-10 09:00:00 UTC;2024-05-01 09:00:00 UTC;6;{url}"


def test_a_result_keeps_its_page_and_a_wrong_address_is_refused(tmp_path):
    rows = {
        1: "https://tos.example/processes/m/f/6/results/1",  # its page
        2: "",  # an export without the address: no link, nothing refused
        3: "javascript:alert(1)//results/3",  # never a link
        4: "https://tos.example/processes/m/f/6/results/99",  # another result's page
        5: "https://tos.example/profiles/maria",  # a person's profile
    }
    members = {"results": csv_text(HEADER, *(ROW.format(id=i, url=u) for i, u in rows.items()))}
    parsed = decidim.parse(export(tmp_path, members), "tos.example-open-data.zip", "sha")
    conserved(parsed)
    result = parsed["results"]
    kept = {r["result_id"]: r["url"] for r in result.accepted.rows(named=True)}
    assert kept == {1: rows[1], 2: None}
    refused = result.quarantined.rows(named=True)
    assert sorted(r["record"] for r in refused) == ["4", "5", "6"]  # lines of the file (the header is 1)
    assert {(r["rule"], r["column_name"]) for r in refused} == {("url:format", "url")}
    assert all(r["file_name"] == "tos.example-open-data.zip!tos.example-open-data-results.csv" for r in refused)
    assert "record 5 of tos.example-open-data.zip!" in next(r["message"] for r in refused if r["record"] == "5")
