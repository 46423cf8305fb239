"""The whole pipeline on a tiny demo with a person planted in every ledger field (journal and beancount)
and, beside the good data, two files the raw layer refuses (a ZIP bomb, a CSV with an oversized field).

Issue 19: the planted account name reached treasury_legs.csv and treasury_flows_by_category.csv while
the gate passed; the refused files crashed the gate, so no release was made at all.
"""

from __future__ import annotations

import csv

import pytest

from pipelines.privacy import forbidden_terms, scan_release
from pipelines.release import verify_release
from tests.privacy.test_gate_inputs import BEANCOUNT, JOURNAL, PLANTED, _oversized_field_csv, _zip_bomb

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from bench.crash import TINY_DEMO
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("planted") / "data"
    inbox = data_dir / "inbox"
    generate(inbox, **TINY_DEMO)
    spaces = inbox / "community" / "space_groups.csv"
    rows = list(csv.DictReader(spaces.open()))
    journal_row = next(r for r in rows if r["source"] == "ledger")
    journal = inbox / "ledger" / f"{journal_row['space_id']}.journal"
    currency = "EUR" if "EUR" in journal.read_text() else "USD"
    planted_journal = JOURNAL.replace("$-", "-").replace("$", "") if currency == "EUR" else JOURNAL
    if currency == "EUR":  # amounts as the demo's books write them
        planted_journal = "\n".join(
            f"{line} EUR" if line.rstrip()[-1:].isdigit() else line for line in planted_journal.splitlines()
        )
    with journal.open("a") as books:
        books.write("\n" + planted_journal.replace("2026/01/", "2026/02/") + "\n")
    (inbox / "ledger" / "books.beancount").write_text(BEANCOUNT.replace("EUR", currency))
    with spaces.open("a") as handle:
        handle.write(f"ledger,books,{journal_row['group_id']}\n")
    (inbox / "decidim" / "bomb.example.org-open-data.zip").write_bytes(_zip_bomb())
    (inbox / "opencollective" / "togetheros-oversized-transactions.csv").write_text(_oversized_field_csv())
    result = run_pipeline(data_dir)
    return data_dir, result


def test_the_release_is_published_beside_the_refused_files(planted):
    data_dir, result = planted
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success and not failures, failures
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "release_has_no_personal_data"]
    assert evaluation.passed, evaluation.description
    assert verify_release(data_dir / "releases" / "latest").ok


def test_no_person_planted_in_a_ledger_field_reaches_the_release(planted):
    data_dir, _ = planted
    release = (data_dir / "releases" / "latest").resolve()
    assert scan_release(release, PLANTED.values()) == []
    # and had staging let one through, the gate would have known the name
    assert set(PLANTED.values()) <= forbidden_terms(data_dir / "landing")


def test_the_planted_books_are_still_counted_by_category(planted):
    data_dir, _ = planted
    release = (data_dir / "releases" / "latest").resolve()
    with (release / "data" / "treasury_legs.csv").open() as handle:
        categories = {row["category"] for row in csv.DictReader(handle)}
    assert {"expenses", "expenses:supplies"} <= categories  # the withheld levels, cut to their root
    assert not any(name in category for category in categories for name in PLANTED.values())
