"""Every visibility rule, broken on purpose in the inputs and observed at the output (the release, or
the staging views of the same run's warehouse). One pipeline run: the `privacy_run` fixture."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re

import pyarrow.parquet as pq
import pytest

from pipelines.privacy import forbidden_terms, scan_release
from pipelines.privacy.people import collect
from pipelines.privacy.scan import normalise
from pipelines.release.catalog import public_catalog
from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import SHARED_REALDATA
from tests.privacy import crafted
from tests.privacy.conftest import CUSTOM_MIN_COUNT
from tests.privacy.suppression import assert_suppressed_below

pytestmark = pytest.mark.slow
PERSON_ID = re.compile(r"m_[0-9a-f]{20}|[0-9a-f]{64}")


def _ids(con, sql: str) -> set:
    return {row[0] for row in con.sql(sql).fetchall()}


def test_the_run_succeeded_and_released(privacy_run):
    failures = [
        (e.step_key, str(e.event_specific_data.error.message)[:2000])
        for e in privacy_run.result.all_events
        if e.is_step_failure
    ]
    assert privacy_run.result.success, failures
    assert (privacy_run.release / "datapackage.json").is_file()


def _real_terms(privacy_run) -> set[str]:
    """The real exports' people, read on their own, less the words of the whole run's public names (the
    demo's group "TogetherOS United States" makes the real books' payee "United", the airline, no term)."""
    public = {normalise(name) for name in collect(privacy_run.data_dir / "landing").public}
    public |= {word for name in public for word in name.split()}
    return forbidden_terms(privacy_run.real_inbox) - public


def test_release_is_clean_with_real_names_among_the_terms(privacy_run):
    terms = forbidden_terms(privacy_run.data_dir / "landing")
    if privacy_run.real_inbox is not None:
        real = _real_terms(privacy_run)
        assert len(real) > 100 and real <= terms
    assert scan_release(privacy_run.release, terms) == []


def test_the_real_books_are_published_and_their_people_are_not(privacy_run):
    if privacy_run.real_inbox is None:
        pytest.skip("../shared/realdata is not beside this checkout")
    legs = pq.read_table(privacy_run.release / "data" / "treasury_legs.parquet").to_pylist()
    books = {row["account"].split(":", 1)[0] for row in legs}
    assert {crafted.REAL_BOOKS_FOLDER, crafted.REAL_BOOK} <= books  # both sets of books are counted
    # the people the real books name (a member's loan account, payees) are searched for, and absent
    real = _real_terms(privacy_run)
    people = crafted.real_book_people(SHARED_REALDATA)
    assert len(people) > 5 and people <= real
    assert scan_release(privacy_run.release, real) == []


def test_discourse_private_messages_whispers_hidden_and_deleted_posts_do_not_count(privacy_run):
    with privacy_run.warehouse() as con:
        raw = _ids(
            con,
            f"select post_id from raw.discourse__posts where topic_id in ({crafted.TOPIC_ID}, {crafted.PM_TOPIC_ID})",
        )
        staged = _ids(
            con,
            f"select post_id from staging.stg_discourse__posts where topic_id in "
            f"({crafted.TOPIC_ID}, {crafted.PM_TOPIC_ID})",
        )
    hidden = {crafted.WHISPER_POST, crafted.HIDDEN_POST, crafted.DELETED_POST, crafted.PM_POST}
    assert hidden | {crafted.VISIBLE_POST} <= raw  # all were loaded ...
    assert staged == {crafted.VISIBLE_POST}  # ... only the public post counts


def test_decidim_withdrawn_proposals_do_not_count(privacy_run):
    with privacy_run.warehouse() as con:
        raw = _ids(con, "select proposal_id from raw.decidim__proposals")
        staged = _ids(con, "select proposal_id from staging.stg_decidim__proposals")
    assert {crafted.DECIDIM_WITHDRAWN, crafted.DECIDIM_PUBLISHED} <= raw
    assert crafted.DECIDIM_PUBLISHED in staged and crafted.DECIDIM_WITHDRAWN not in staged


def test_togetheros_deleted_proposals_do_not_count(privacy_run):
    with privacy_run.warehouse() as con:
        raw = _ids(con, "select proposal_id from raw.togetheros__proposals")
        staged = _ids(con, "select proposal_id from staging.stg_togetheros__proposals")
        facts = _ids(con, "select proposal_id from marts.fct_proposals")
    assert {crafted.DELETED_PROPOSAL, crafted.KEPT_PROPOSAL} <= raw
    assert crafted.KEPT_PROPOSAL in staged and crafted.KEPT_PROPOSAL in facts
    assert crafted.DELETED_PROPOSAL not in staged | facts


def _incognito_row(con) -> tuple[bool, str | None]:
    rows = con.sql(
        "select is_incognito, opposite_handle_key from staging.stg_opencollective__transactions"
        " where transaction_id = ?",
        params=[crafted.INCOGNITO_SHORT_ID],
    ).fetchall()
    assert rows, "the planted incognito contribution was not loaded"
    return rows[0]


def test_opencollective_incognito_contributors_are_not_identified(privacy_run):
    with privacy_run.warehouse() as con:
        is_incognito, key = _incognito_row(con)
        member_keys = _ids(
            con,
            "select email_key from intermediate.int_member_identities union "
            "select handle_key from intermediate.int_member_identities",
        )
    assert is_incognito
    assert key is None and key not in member_keys - {None}  # no key at all, so linked to no member
    released = "\n".join(p.read_text() for p in (privacy_run.release / "data").glob("*.csv"))
    assert crafted.INCOGNITO_SLUG not in released


def test_opencollective_incognito_contributions_carry_no_person_key(privacy_run):
    with privacy_run.warehouse() as con:
        _, key = _incognito_row(con)
    assert key is None  # nothing can link two incognito contributions of one person, now or later


def test_individual_time_bank_balances_are_not_published(privacy_run):
    with privacy_run.warehouse() as con:
        planted = con.sql(
            "select count(*) from raw.timeoverflow__accounts where balance_seconds = ?",
            params=[crafted.BALANCE_SECONDS],
        ).fetchall()[0][0]
    assert planted == 1
    release_text = "\n".join(
        p.read_text(errors="replace") for p in privacy_run.release.rglob("*") if p.is_file() and p.suffix != ".parquet"
    )
    assert str(crafted.BALANCE_SECONDS) not in release_text
    for path in (privacy_run.release / "data").glob("*.parquet"):
        table = pq.read_table(path)
        values = {v for column in table.columns for v in column.to_pylist()}
        assert crafted.BALANCE_SECONDS not in values, path.name
        # nothing keyed by person: no member pseudonym (m_ + 20 hex) nor person key (64 hex) is released;
        # a landed file's SHA-256 (file_outcomes) has the same shape and names a file, not a person
        keyed = {v for name in table.column_names if name != "landing_sha256" for v in table[name].to_pylist()}
        assert not [v for v in keyed if isinstance(v, str) and PERSON_ID.fullmatch(v)], path.name


def test_custom_min_count_suppresses_small_cells(privacy_run):
    with privacy_run.warehouse() as con:
        rows = con.sql("""
            select m.active_members as actual, p.active_members as published, p.is_suppressed
            from marts.mart_active_members_monthly m
            join public.participation_monthly p on p.group_id = m.group_id and p.month = m.month
        """).fetchall()
    # the threshold matters only if some cells hold 5..K-1 people (suppressed here, shown by default)
    assert any(5 <= actual < CUSTOM_MIN_COUNT for actual, _, _ in rows)
    assert_suppressed_below(rows, CUSTOM_MIN_COUNT)


def test_the_release_states_the_threshold_it_was_built_with(privacy_run):
    # the dashboard's "fewer than K" and the auditors' checks read K from here
    descriptor = json.loads((privacy_run.release / "datapackage.json").read_text())
    assert descriptor["togetheros:suppression"]["min_count"] == CUSTOM_MIN_COUNT


def test_pseudonyms_in_the_warehouse_are_keyed_hmacs(privacy_run):
    with privacy_run.warehouse() as con:
        user_id, email = con.sql(
            "select user_id, email from raw.togetheros__users where email is not null limit 1"
        ).fetchall()[0]
        key = con.sql(
            "select email_key from staging.stg_togetheros__users where source_user_id = ?", params=[str(user_id)]
        ).fetchall()[0][0]
    normalised = email.strip().lower().encode()
    assert key == hmac.new(privacy_run.pseudonym_key, normalised, hashlib.sha256).hexdigest()
    assert key != hashlib.sha256(normalised).hexdigest()


def test_formula_injection_is_neutralized_in_released_csv(privacy_run):
    with (privacy_run.release / "data" / "groups.csv").open(newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    for planted in crafted.FORMULA_NAMES:
        assert "'" + planted in names  # shown as text, not run
    assert not [n for n in names if n[:1] in ("=", "+", "-", "@", "\t", "\r")]
    parquet_names = pq.read_table(privacy_run.release / "data" / "groups.parquet").column("name").to_pylist()
    assert set(crafted.FORMULA_NAMES) <= set(parquet_names)  # Parquet keeps the value as it is


def test_api_credentials_appear_nowhere(privacy_run):
    landing = privacy_run.data_dir / "landing"
    api_pages = list(landing.glob("*/meta/*.json"))
    fetched = [p for p in api_pages if json.loads(p.read_text())["file_name"].startswith("api/")]
    sources = {json.loads(p.read_text())["source"] for p in fetched}
    assert {"discourse", "opencollective"} <= sources  # the fetchers did use the credentials
    assert privacy_run.captured.strip()
    places = {
        "landing": [p for p in landing.rglob("*") if p.is_file()],
        "release": [p for p in privacy_run.release.rglob("*") if p.is_file()],
    }
    for name, secret in privacy_run.secrets.items():
        assert secret not in privacy_run.captured, name
        for place, files in places.items():
            leaking = [p.name for p in files if secret.encode() in p.read_bytes()]
            assert leaking == [], f"{name} found in {place}: {leaking}"


def test_no_released_count_of_people_is_below_the_threshold(privacy_run):
    catalog = public_catalog(DBT_PROJECT_DIR / "target" / "manifest.json")
    checked = 0
    for name, doc in catalog.dataset_docs.items():
        path = privacy_run.release / "data" / f"{name}.parquet"
        if not doc["people_counts"] or not path.exists():
            continue
        table = pq.read_table(path, columns=doc["people_counts"])
        for column in table.column_names:
            shown = [v for v in table.column(column).to_pylist() if v is not None]
            assert all(v == 0 or v >= CUSTOM_MIN_COUNT for v in shown), (name, column)
            checked += 1
    assert checked  # at least participation_monthly.active_members
