"""Decidim: open-data ZIPs of both versions, the malformed corpus's extra cases, ZIP safety, and the GraphQL fetcher."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.sources import limits
from pipelines.sources.decidim import fetch as decidim_api
from pipelines.sources.decidim import parse as decidim
from pipelines.sources.http import ApiClient, FetchError
from tests.fakes.decidim_api import DecidimPlatform
from tests.fakes.server import (
    CUT_CONNECTION,
    RATE_LIMIT_JSON,
    RATE_LIMIT_TEXT,
    SERVER_ERROR,
    SLOW,
    TRUNCATED_JSON,
    UNAVAILABLE,
    FakeServer,
)
from tests.sources import checks
from tests.sources.checks import conserved

CORPUS = checks.CORPUS / "decidim"


# --- a well-formed export of each version ---------------------------------------------------------


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


MEMBERS_030 = {
    "proposals": csv_text(
        "id;author/id;author/name;component/id;title/en;title/machine_translations/es;state;reference;"
        "answered_at;votes;likes/total_count;likes/user_likes;comments;published_at;withdrawn;"
        "withdrawn_at;created_at;updated_at",
        "1;57;Maria Pérez;5;Bike lanes;Carriles;accepted;TOS-PROP-2024-03-1;2024-03-09 08:00:00 UTC;"
        "312;4;Ana, Bo;18;2024-03-05 10:12:03 UTC;false;;2024-03-05 10:00:00 UTC;2024-03-09 08:00:00 UTC",
        "2;58;Joan;5;Trees;Árboles;withdrawn;TOS-PROP-2024-03-2;;;0;;0;2024-03-06 10:12:03 +0100;true;"
        "2024-03-07 10:00:00 UTC;2024-03-06 10:00:00 UTC;2024-03-07 10:00:00 UTC",
    ),
    "proposal_comments": csv_text(
        "id;created_at;body;locale;author/id;author/name;alignment;depth;commentable_id;"
        "commentable_type;root_commentable_url",
        "9;2024-03-05 12:00:00 UTC;Yes!;en;58;Joan;1;0;1;Decidim::Proposals::Proposal;https://t/p/1",
    ),
    "results": csv_text(
        "id;parent/id;title/en;start_date;end_date;status/id;status/key;progress;created_at;updated_at;"
        "component/id;proposal_urls",
        "3;;Lanes built;2024-04-01;2024-09-30;2;ongoing;62.5;2024-03-10 09:00:00 UTC;2024-05-01 09:00:00 UTC;"
        "6;https://tos.example/processes/m/f/5/proposals/1, https://tos.example/processes/m/f/5/proposals/2",
    ),
    "meetings": csv_text(
        "id;component/id;start_time;end_time;attendees_count;published;private_meeting;withdrawn_at;"
        "closed_at;created_at",
        "4;9;2024-03-05 18:00:00;2024-03-05 20:00:00;12;true;false;;2024-03-05 21:00:00;2024-02-01 10:00:00",
    ),
    "projects": csv_text(
        "id;component/id;title/en;budget/id;budget_amount;confirmed_votes;comments;created_at;selected_at",
        "5;8;Park;4;15000;30;2;2024-03-01 10:00:00 UTC;2024-05-01 10:00:00 UTC",
    ),
    "users": csv_text(
        "id;name;nickname;about;avatar_url;profile_url;direct_messages_enabled;deleted;badge;groups",
        "57;Maria Pérez;maria;Hi;;https://t/profiles/maria;true;false;;",
        "58;;;;;;;true;;",
    ),
}


def export(folder: Path, members: dict[str, str], name="tos.example-open-data.zip", extra=None) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entity, text in members.items():
            archive.writestr(f"tos.example-open-data-{entity}.csv", text)
        archive.writestr("README.md", "# help for every column\n")
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return path


def test_open_data_zip_030_reads_every_entity(tmp_path):
    result = decidim.parse(export(tmp_path, MEMBERS_030), "tos.example-open-data.zip", "sha")
    conserved(result)
    assert sorted(result) == sorted(decidim.ENTITIES)
    for entity, checked in result.items():
        assert checked.quarantined.height == 0, (entity, checked.quarantined)
    proposals = result["proposals"].accepted.sort("proposal_id")
    first, second = proposals.rows(named=True)
    assert (first["votes"], first["likes_count"], first["comments_count"], first["withdrawn"]) == (
        312,
        4,
        18,
        False,
    )
    assert first["published_at"] == datetime(2024, 3, 5, 10, 12, 3)
    assert second["published_at"] == datetime(2024, 3, 6, 9, 12, 3)  # +0100 to UTC
    assert second["votes"] is None and second["withdrawn"] is True and second["state"] == "withdrawn"
    result_row = result["results"].accepted.row(0, named=True)
    assert result_row["proposal_ids"] == "1,2" and result_row["progress"] == 62.5
    assert result_row["start_date"] == date(2024, 4, 1)
    meeting = result["meetings"].accepted.row(0, named=True)
    assert meeting["start_time"] == datetime(2024, 3, 5, 18, 0)  # 0.27 zone-less times are UTC
    project = result["projects"].accepted.row(0, named=True)
    assert (project["budget_amount_minor"], project["currency"]) == (1_500_000, "EUR")
    assert result["users"].accepted["deleted"].to_list() == [False, True]
    assert set(result["proposals"].accepted["_record"]) == {"2", "3"}


def test_version_027_names_and_comma_separator_map_to_the_same_columns(tmp_path):
    old = (
        "id,author/id,author/name,component/id,title/en,state,reference,supports,endorsements/total_count,"
        "endorsements/user_endorsements,comments,followers,published_at,created_at,updated_at\n"
        "7,57,Maria,5,Parks,rejected,TOS-PROP-2023-01-7,12,4,,0,1,2023-01-05 10:12:03 +0100,"
        "2023-01-05 10:00:00 +0100,2023-01-05 10:00:00 +0100\n"
        "8,57,Maria,5,Parks,withdrawn,TOS-PROP-2023-01-8,1,0,,0,1,2023-01-05 10:12:03 +0100,"
        "2023-01-05 10:00:00 +0100,2023-01-05 10:00:00 +0100\n"
    )
    checked = decidim.parse(export(tmp_path, {"proposals": old}), "old-open-data.zip", "sha")["proposals"]
    assert checked.quarantined.height == 0
    rows = checked.accepted.sort("proposal_id").rows(named=True)
    assert [(r["votes"], r["likes_count"], r["withdrawn"]) for r in rows] == [(12, 4, False), (1, 0, True)]
    assert rows[0]["created_at"] == datetime(2023, 1, 5, 9, 0)


def test_currency_is_the_one_the_load_hands_over(tmp_path, monkeypatch):
    monkeypatch.setenv("DECIDIM_CURRENCY", "GBP")  # the parser reads no environment
    zip_path = export(tmp_path, {"projects": MEMBERS_030["projects"]})
    with decidim.budget_currency("jpy"):
        project = decidim.parse(zip_path, "t-open-data.zip", "s")
    assert project["projects"].accepted.select("budget_amount_minor", "currency").row(0) == (15000, "JPY")
    default = decidim.parse(zip_path, "t-open-data.zip", "s")
    assert default["projects"].accepted.select("currency").row(0) == ("EUR",)


@pytest.mark.parametrize("code", ["euro", "€", "E1R"])
def test_a_currency_that_is_no_iso_code_is_refused(code):
    with pytest.raises(ValueError, match="DECIDIM_CURRENCY=.*three-letter ISO 4217 code"):
        decidim_api.Settings.from_env({"DECIDIM_CURRENCY": code})


# --- malformed corpus (the cases: tests/sources/test_corpus.py) --------------------------------


def test_zip_slip_does_not_stop_the_safe_members():
    result = decidim.parse(CORPUS / "zip_slip__tos-open-data.zip", "tos-open-data.zip", "sha")
    assert result["users"].accepted["user_id"].to_list() == [1]


def test_zip_bomb_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "bomb-open-data.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bomb-open-data-proposals.csv", b"id;state\n" + b"0" * (40 * 1024 * 1024))
        archive.writestr("bomb-open-data-users.csv", "id;name;nickname;deleted\n1;Ana;ana;false\n")
    assert path.stat().st_size < 1024 * 1024
    result = decidim.parse(path, "bomb-open-data.zip", "sha")
    conserved(result)
    assert result["proposals"].quarantined.select("record", "rule").rows() == [
        ("bomb-open-data-proposals.csv", "zip:compression_ratio")
    ]
    assert result["users"].accepted.height == 1


def test_oversized_member_and_archive_are_refused(tmp_path):
    path = export(tmp_path, MEMBERS_030)
    with limits.active(limits.Limits(archive_member_bytes=500)):
        result = decidim.parse(path, path.name, "sha")
    conserved(result)
    assert result["proposals"].quarantined["rule"].to_list() == ["zip:member_too_large"]
    assert result["users"].quarantined.height == 0  # small members still read
    with limits.active(limits.Limits(archive_bytes=1000)):
        assert decidim.parse(path, path.name, "sha")["proposals"].quarantined["rule"].to_list() == ["zip:too_large"]
    with limits.active(limits.Limits(archive_members=2)):
        rules = decidim.parse(path, path.name, "sha")["proposals"].quarantined["rule"].to_list()
    assert rules == ["zip:too_many_members"]


def test_oversized_field_is_refused(tmp_path):
    text = MEMBERS_030["users"] + "59;" + "x" * 200_000 + ";big;false;;;;false;;\n"
    result = decidim.parse(export(tmp_path, {"users": text}), "t-open-data.zip", "sha")["users"]
    assert result.quarantined.select("record", "rule").rows() == [("4", "name:max_length")]


def test_loose_member_csv_and_unknown_files(tmp_path):
    path = tmp_path / "tos-open-data-meetings.csv"
    path.write_text(MEMBERS_030["meetings"])
    assert decidim.parse(path, path.name, "sha")["meetings"].accepted.height == 1
    # by content: an admin download or a renamed member reads as what its header is
    assert decidim.parse(path, "notes.csv", "sha")["meetings"].accepted.height == 1
    path.write_text("hello\n")
    assert decidim.parse(path, "notes.txt", "sha")["proposals"].quarantined["rule"].to_list() == [
        "file:columns_unrecognised"
    ]


@pytest.mark.parametrize(("entity", "text"), sorted(MEMBERS_030.items()))
def test_every_export_is_recognised_by_its_header_under_any_name(tmp_path, entity, text):
    path = tmp_path / "download.csv"
    path.write_text(text)
    assert decidim.entity_of_header(text.split("\n", 1)[0].split(";")) == entity
    result = decidim.parse(path, f"{entity}-2024-03-05-abc.csv", "sha")
    conserved(result)
    assert result[entity].accepted.height >= 1 and result[entity].quarantined.height == 0
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(f"{entity}-2024-03-05-abc.csv", text)  # the admin export's mailed ZIP
    assert decidim.parse(zipped, "export.zip", "sha")[entity].accepted.height >= 1


LEGACY = (  # a legacy download: columns none of the exports have (translated headers, no votes/state)
    "ID;Títol;Cos;Autor;Data de publicació\n1;Carrils bici;Més carrils;Maria;05/03/2019\n"
)


def test_legacy_download_is_refused_naming_the_expected_columns(tmp_path):
    path = tmp_path / "propostes.csv"
    path.write_text(LEGACY)
    result = decidim.parse(path, "propostes.csv", "sha")
    conserved(result)
    (row,) = result["proposals"].quarantined.rows(named=True)
    assert row["rule"] == "file:columns_unrecognised" and row["record"] == "file"
    for words in ("id, state and votes (or supports)", "id and commentable_id", "'Títol'", "open-data ZIP"):
        assert words in row["message"], words
    # the same inside a ZIP: that member is refused by name, the archive's good members still load
    zipped = tmp_path / "old.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("propostes.csv", LEGACY)
        archive.writestr("x-open-data-users.csv", MEMBERS_030["users"])
    result = decidim.parse(zipped, "old.zip", "sha")
    conserved(result)
    assert result["users"].accepted.height == 2
    (row,) = result["proposals"].quarantined.rows(named=True)
    assert (row["record"], row["rule"]) == ("propostes.csv", "file:columns_unrecognised")
    assert "id, state and votes" in row["message"]


def test_a_zip_with_nothing_we_read_and_entities_we_do_not_read_are_refused(tmp_path):
    zipped = tmp_path / "x.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("x-open-data-debates.csv", "id;title/en\n1;Talk\n")
        archive.writestr("README.md", "help")
    assert decidim.parse(zipped, "x.zip", "sha")["proposals"].quarantined["rule"].to_list() == ["zip:no_export"]
    loose = tmp_path / "x-open-data-debates.csv"
    loose.write_text("id;title/en\n1;Talk\n")
    (message,) = decidim.parse(loose, loose.name, "sha")["proposals"].quarantined["message"].to_list()
    assert "file:not_read" in message and "debates are not read" in message


def test_spreadsheets_are_refused_with_export_as_csv(tmp_path):
    xls = tmp_path / "a"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    xlsx = tmp_path / "b"
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    for path, name in ((xls, "proposals.xls"), (xls, "proposals.dat"), (xlsx, "export.zip"), (xlsx, "p.xlsx")):
        (row,) = decidim.parse(path, name, "sha")["proposals"].quarantined.rows(named=True)
        assert row["rule"] == "file:spreadsheet" and "save each sheet as CSV" in row["message"], name


def test_api_json_dump_under_any_name(tmp_path):
    node = {"id": "7", "state": "accepted", "publishedAt": "2024-03-05T10:00:00+01:00", "voteCount": 3}
    path = tmp_path / "d.json"
    for body in (
        {"data": {"participatoryProcess": {"components": [{"id": "5", "proposals": {"nodes": [node]}}]}}},
        {"participatoryProcesses": [{"components": [{"id": "5", "proposals": {"edges": [{"node": node}]}}]}]},
    ):
        path.write_text(json.dumps(body))
        result = decidim.parse(path, "decidim-api-dump.json", "sha")["proposals"]
        assert result.accepted.select("proposal_id", "component_id").rows() == [(7, 5)]
    path.write_text(json.dumps({"data": {"users": []}}))
    (row,) = decidim.parse(path, "dump.json", "sha")["proposals"].quarantined.rows(named=True)
    assert row["rule"] == "file:shape" and "proposals" in row["message"]


# --- GraphQL fetching -----------------------------------------------------------------------------


class Inbox:
    def __init__(self, folder: Path):
        self.folder, self.pages = folder, []

    def __call__(self, file_name: str, body: bytes, meta: dict) -> None:
        (self.folder / f"{len(self.pages)}-{file_name}").write_bytes(body)  # names repeat across runs
        self.pages.append((file_name, meta))

    def proposal_ids(self) -> set[int]:
        ids = set()
        for path in self.folder.iterdir():
            checked = decidim.parse(path, path.name.split("-", 1)[1], "sha")["proposals"]
            conserved({"proposals": checked})
            assert checked.quarantined.height == 0, checked.quarantined
            ids |= set(checked.accepted["proposal_id"])
        return ids


@pytest.fixture
def platform():
    platform = DecidimPlatform({"11": 120, "12": 3})
    with FakeServer(retry_after=2, slow_seconds=1.0) as server:
        platform.install(server)
        platform.server = server
        yield platform


def settings_for(platform) -> decidim_api.Settings:
    return decidim_api.Settings.from_env({"DECIDIM_URL": platform.server.url})


def client_for(platform, waits: list, max_retries=3) -> ApiClient:
    return ApiClient(platform.server.url, timeout=0.3, sleep=waits.append, max_retries=max_retries)


def test_settings():
    assert not decidim_api.Settings.from_env({}).configured
    assert decidim_api.Settings.from_env({"DECIDIM_URL": "https://d.example"}).currency == "EUR"


def test_fetch_follows_cursors_to_the_end(platform, tmp_path):
    inbox = Inbox(tmp_path)
    state = decidim_api.fetch(settings_for(platform), inbox, {}, client=client_for(platform, []))
    assert [name for name, _ in inbox.pages] == [f"graphql_proposals_{i}.json" for i in range(1, 5)]
    assert inbox.proposal_ids() == platform.all_ids()
    assert state == {"cursors": {"11": "MTIw", "12": "Mw=="}}  # offsets 120 and 3
    calls = [r.json()["variables"] for r in platform.server.requests_to("/api", "POST")[1:]]
    assert calls == [
        {"id": "11", "after": None},
        {"id": "11", "after": "NTA="},
        {"id": "11", "after": "MTAw"},
        {"id": "12", "after": None},
    ]
    accepted = decidim.parse(next(tmp_path.iterdir()), "graphql_proposals_1.json", "s")["proposals"].accepted
    assert set(accepted["component_id"]) == {11}


def test_incremental_rerun_fetches_only_new_proposals(platform, tmp_path):
    state = decidim_api.fetch(settings_for(platform), Inbox(tmp_path), {}, client=client_for(platform, []))
    again = Inbox(tmp_path / "again")
    again.folder.mkdir()
    assert decidim_api.fetch(settings_for(platform), again, state, client=client_for(platform, [])) == state
    assert again.pages == []
    new = platform.add_proposal("12")
    later = Inbox(tmp_path / "later")
    later.folder.mkdir()
    decidim_api.fetch(settings_for(platform), later, state, client=client_for(platform, []))
    assert later.proposal_ids() == {int(new["id"])}


@pytest.mark.parametrize(
    "failure",
    [RATE_LIMIT_JSON, RATE_LIMIT_TEXT, SERVER_ERROR, UNAVAILABLE, SLOW, TRUNCATED_JSON, CUT_CONNECTION],
)
def test_fetch_survives_each_failure(platform, tmp_path, failure):
    platform.server.fail("/api", failure, method="POST")  # the components query
    platform.server.fail("/api", failure, failure, method="POST", after=2)  # and two proposal pages
    waits: list[float] = []
    inbox = Inbox(tmp_path)
    decidim_api.fetch(settings_for(platform), inbox, {}, client=client_for(platform, waits))
    assert inbox.proposal_ids() == platform.all_ids()
    assert len(waits) == 3


def test_failed_fetch_keeps_pages_and_resumes_from_the_last_cursor(platform, tmp_path):
    platform.server.fail("/api", *[UNAVAILABLE] * 3, method="POST", after=3)  # the third page fails for good
    inbox = Inbox(tmp_path)
    with pytest.raises(FetchError) as caught:
        decidim_api.fetch(settings_for(platform), inbox, {}, client=client_for(platform, [], max_retries=2))
    assert caught.value.state == {"cursors": {"11": "MTAw"}} and len(inbox.pages) == 2
    decidim_api.fetch(settings_for(platform), inbox, caught.value.state, client=client_for(platform, []))
    assert len(inbox.pages) == 4 and inbox.proposal_ids() == platform.all_ids()


def test_graphql_errors_stop_the_fetch_cleanly(platform, tmp_path):
    platform.processes[0]["components"].append({"id": "99", "__typename": "Proposals"})
    with pytest.raises(FetchError, match="Couldn't find component 99") as caught:
        decidim_api.fetch(settings_for(platform), Inbox(tmp_path), {}, client=client_for(platform, []))
    assert set(caught.value.state["cursors"]) == {"11", "12"}
