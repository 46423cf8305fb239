"""What the privacy gate reads: the people named in every ledger field, and only the files the raw layer
accepted, read with the sources' limits, so that no one file can stop it.

Issue 19: a name used as a ledger account reached a release while the gate said "no personal data"
(it read no ledger file); a ZIP bomb and an oversized CSV field the raw layer had refused crashed it;
replacing the bad file did not help, since the gate read every landed version.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.landing import Landing, land_inbox
from pipelines.privacy import forbidden_terms, scan_release
from pipelines.privacy.people import ledger_categories
from pipelines.raw import load_source
from tests.conftest import SHARED_REALDATA
from tests.privacy.crafted import real_book_people

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "rules.journal"

# one invented person per ledger field
JOURNAL = """\
2026/01/05 Wilhelmina Ostrowska
    Expenses:Supplies                        $12.00
    Assets:Checking

2026/01/06 Corner Hardware
    Expenses:Bartholomew Quince              $40.00
    Assets:Checking

2026/01/07 Corner Hardware
    Expenses:Travel:Philippa Drummond        $25.00
    Liabilities:Reimbursements:Evander Holt  $-25.00

2026/01/08 Bank Fees
    Expenses:Bank Fees                        $1.20
    Ignatius Farrow:Wallet                   $-1.20
"""
BEANCOUNT = """\
option "operating_currency" "EUR"
2026-01-01 open Assets:Checking
2026-01-01 open Expenses:Supplies
2026-01-01 open Expenses:Cordelia-Vantongeren
2026-01-01 open Income:Donations
2026-01-10 * "Rosalind Achterberg" "Thank you gift for Leopold Stavros"
  Income:Donations      -30.00 EUR
  Assets:Checking        30.00 EUR
2026-01-11 * "Octavian Merriweather"
  Expenses:Supplies      10.00 EUR
  Assets:Checking       -10.00 EUR
2026-01-12 * "Office shop" "paper"
  Expenses:Cordelia-Vantongeren  5.00 EUR
  Assets:Checking       -5.00 EUR
"""
PLANTED = {
    "journal payee": "wilhelmina ostrowska",
    "journal account, second level": "bartholomew quince",
    "journal account, third level": "philippa drummond",
    "journal liabilities account": "evander holt",
    "journal account root": "ignatius farrow",
    "beancount payee": "rosalind achterberg",
    "beancount narration": "thank you gift for leopold stavros",
    "beancount narration alone": "octavian merriweather",
    "beancount account": "cordelia-vantongeren",
}


def _ledger_inbox(root: Path) -> Path:
    folder = root / "inbox" / "ledger"
    folder.mkdir(parents=True)
    (folder / "books.journal").write_text(JOURNAL)
    (folder / "books.beancount").write_text(BEANCOUNT)
    return root / "inbox"


@pytest.mark.parametrize("field", sorted(PLANTED))
def test_a_person_named_in_any_ledger_field_is_a_scan_term(tmp_path, field):
    terms = forbidden_terms(_ledger_inbox(tmp_path))
    assert PLANTED[field] in terms


def test_ledger_terms_leave_the_published_categories_alone(tmp_path):
    terms = forbidden_terms(_ledger_inbox(tmp_path))
    # what staging publishes (roots and listed categories) is never searched for: it would fail every release
    assert not {"expenses", "assets", "liabilities", "supplies", "travel", "bank fees", "checking"} & terms
    assert {"bank fees", "rent", "supplies"} <= ledger_categories()


def test_a_release_naming_a_ledger_person_is_caught(tmp_path):
    release = tmp_path / "release"
    (release / "data").mkdir(parents=True)
    (release / "data" / "treasury_legs.csv").write_text("category,amount\nexpenses:bartholomew quince,4000\n")
    findings = scan_release(release, forbidden_terms(_ledger_inbox(tmp_path)))
    assert [(f.file, f.row_or_line, f.column, f.kind) for f in findings] == [
        ("data/treasury_legs.csv", 1, "category", "term")
    ]


# --- only what the raw layer accepted, with its limits ------------------------------------------------


def _zip_bomb() -> bytes:
    """One CSV member of 40 MB of a single field: refused by the source (compression ratio), and beyond
    the CSV field limit for anyone who reads it anyway."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tos-open-data-users.csv", "name,nickname\n" + "x" * (40 * 1024 * 1024) + ",bomb\n")
    return buffer.getvalue()


def _oversized_field_csv() -> str:
    header = "id,kind,amount,currency,createdAt,oppositeAccountSlug,oppositeAccountName"
    return f"{header}\n1,CONTRIBUTION,10.00,USD,2026-01-01T00:00:00Z,{'y' * (17 * 1024 * 1024)},Big Field\n"


def _load(root: Path, source: str) -> None:
    """Land the source's inbox and load it into raw, as the pipeline does."""
    land_inbox(root / "inbox", root / "landing", source)
    (root / "warehouse").mkdir(exist_ok=True)
    with duckdb.connect(str(root / "warehouse" / "warehouse.duckdb")) as con:
        load_source(con, source, Landing(root / "landing", source).current(), root / "landing")


def test_files_the_raw_layer_refused_never_reach_the_gate(tmp_path):
    inbox = _ledger_inbox(tmp_path)
    (inbox / "decidim").mkdir()
    (inbox / "decidim" / "tos-open-data.zip").write_bytes(_zip_bomb())
    (inbox / "opencollective").mkdir()
    (inbox / "opencollective" / "transactions.csv").write_text(_oversized_field_csv())
    for source in ("ledger", "decidim", "opencollective"):
        _load(tmp_path, source)
    terms = forbidden_terms(tmp_path / "landing")  # no crash, no gigabytes
    assert PLANTED["journal payee"] in terms and "bomb" not in terms


def test_a_replaced_file_stops_affecting_the_gate(tmp_path):
    users = tmp_path / "inbox" / "togetheros" / "users.ndjson"
    users.parent.mkdir(parents=True)
    person = '{{"user_id": "u{n}", "handle": "{handle}", "display_name": "{name}", "email": "{handle}@example.org"}}\n'
    users.write_text(person.format(n=1, handle="theodora_k", name="Theodora Kallistratou"))
    _load(tmp_path, "togetheros")
    assert "theodora kallistratou" in forbidden_terms(tmp_path / "landing")
    # replaced by a version without her (she asked to be removed): only the new version is loaded now
    users.write_text(person.format(n=2, handle="marek_z", name="Marek Zielinski"))
    _load(tmp_path, "togetheros")
    terms = forbidden_terms(tmp_path / "landing")
    assert "marek zielinski" in terms and "theodora kallistratou" not in terms and "theodora_k" not in terms


def test_a_file_whose_rows_the_raw_layer_holds_stays_a_source_of_terms_after_its_bytes_are_gone(tmp_path):
    """The gate asks the raw layer which landed files it holds rows of (not a listing of landing): their
    people, once read, still name whom those rows may identify; one never read and gone is skipped."""
    users = tmp_path / "inbox" / "togetheros" / "users.ndjson"
    users.parent.mkdir(parents=True)
    users.write_text('{"user_id": "u1", "handle": "ottilie_b", "display_name": "Ottilie Brandauer"}\n')
    _load(tmp_path, "togetheros")
    assert "ottilie brandauer" in forbidden_terms(tmp_path / "landing")  # read once, and cached
    sha256 = json.loads((tmp_path / "landing" / "togetheros" / "index.json").read_text())["users.ndjson"]["sha256"]
    next((tmp_path / "landing" / "togetheros" / "files").glob(f"{sha256}*")).unlink()
    assert {"ottilie brandauer", "ottilie_b"} <= forbidden_terms(tmp_path / "landing")
    for cache in (tmp_path / "warehouse").glob("privacy-people-*"):
        cache.unlink()
    assert "ottilie brandauer" not in forbidden_terms(tmp_path / "landing")  # nothing left to read: no crash


def test_a_replaced_ledger_stops_affecting_the_gate(tmp_path):
    inbox = _ledger_inbox(tmp_path)
    _load(tmp_path, "ledger")
    assert PLANTED["journal payee"] in forbidden_terms(tmp_path / "landing")
    (inbox / "ledger" / "books.journal").write_text(JOURNAL.split("\n\n", 1)[1])  # without that transaction
    _load(tmp_path, "ledger")
    terms = forbidden_terms(tmp_path / "landing")
    assert PLANTED["journal payee"] not in terms and PLANTED["journal account, second level"] in terms


def test_a_file_the_gate_cannot_read_is_reported_not_raised(tmp_path, monkeypatch):
    from pipelines.assets.privacy import privacy_result
    from pipelines.privacy import people

    def broken(people_, name, raw):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(people.READERS, "ledger", broken)
    _ledger_inbox(tmp_path)
    _load(tmp_path, "ledger")
    release = tmp_path / "releases" / "r1"
    (release / "data").mkdir(parents=True)
    (release / "data" / "groups.csv").write_text("group_id\ng1\n")
    result = privacy_result(release, tmp_path / "landing")
    assert not result.passed  # fail closed: whose names the file holds is unknown
    assert result.metadata["unreadable_inputs"].value[0].startswith("ledger/books.")
    assert "RecursionError" in result.description


def test_a_file_too_large_to_read_whole_is_streamed_or_reported_never_skipped(tmp_path, monkeypatch):
    """TogetherOS tables are streamed by raw with no whole-file limit, so the gate streams them too; any
    other file above what the gate reads whole (a source limit raised past it) is reported unreadable."""
    from pipelines.privacy import people

    users = tmp_path / "inbox" / "togetheros" / "users.ndjson"
    users.parent.mkdir(parents=True)
    users.write_text('{"user_id": "u1", "handle": "theodora_k", "display_name": "Theodora Kallistratou"}\n')
    _load(tmp_path, "togetheros")
    _ledger_inbox(tmp_path)
    _load(tmp_path, "ledger")
    monkeypatch.setattr(people, "MAX_INPUT_BYTES", 10)  # both files are now "too large"
    found = people.collect(tmp_path / "landing")
    assert "Theodora Kallistratou" in found.personal
    assert sorted(entry.split(":")[0] for entry in found.unreadable) == [
        "ledger/books.beancount",
        "ledger/books.journal",
    ]


# --- ordinary bookkeeping words are not people ------------------------------------------------------

# the words real books use that every release also writes (measured on the sshchicago and hackclub books
# and rules.journal: 1,696 findings from these alone): an opening balance, a store named Target, the
# account levels Checks, Funds and Individual
GENERIC = """\
2025/01/01 Opening Balance
    Assets:Checking                          $500.00
    Equity:Opening Balances

2025/01/02 Target
    Expenses:Administrative:Checks            $10.00
    Assets:Checking

2025/01/03 Donation
    Revenue:Donations:Individual             $-20.00
    Assets:Checking

2025/01/04 Funds
    Expenses:Funds:RapidAction                $40.00
    Assets:Checking
"""


def _release_of_its_own_words(root: Path, cell: str = "individual") -> Path:
    """A release holding only what every release writes whatever its inputs: the public datasets' and
    columns' documentation (as in datapackage.json), the README's fixed lines, and a row whose values
    are the enumerations the models publish, plus `cell` in its counterparty_type column."""
    from pipelines.release.catalog import public_catalog
    from pipelines.settings import DBT_PROJECT_DIR

    catalog = public_catalog(DBT_PROJECT_DIR / "target" / "manifest.json")
    release = root / "release"
    (release / "data").mkdir(parents=True)
    docs = {
        name: {"description": d["description"], "columns": d["columns"]} for name, d in catalog.dataset_docs.items()
    }
    (release / "datapackage.json").write_text(json.dumps({"resources": docs, "metrics": catalog.metrics}))
    (release / "README.md").write_text("- Data-quality checks: **passed** (details in `quality-report.json`)\n")
    (release / "data" / "treasury_legs.csv").write_text(
        "account,category,flow_class,counterparty_type\n"
        "books:assets:checking,expenses,opening,internal_transfer\n"
        f"books:assets:checking,income,income,{cell}\n"
    )
    return release


def test_bookkeeping_words_are_not_findings_but_planted_people_are_terms(tmp_path):
    inbox = _ledger_inbox(tmp_path)
    (inbox / "ledger" / "generic.journal").write_text(GENERIC)
    terms = forbidden_terms(inbox)
    # the old rule searched for every one of these, and each is in the release by construction
    assert not {"opening balance", "opening balances", "target", "checks", "funds", "individual"} & terms
    assert scan_release(_release_of_its_own_words(tmp_path), terms) == []
    assert set(PLANTED.values()) <= terms
    assert "rapidaction" in terms  # a withheld level the release does not write stays a term


@pytest.mark.parametrize("field", sorted(PLANTED))
def test_a_planted_person_beside_bookkeeping_words_is_still_found(tmp_path, field):
    inbox = _ledger_inbox(tmp_path)
    (inbox / "ledger" / "generic.journal").write_text(GENERIC)
    release = _release_of_its_own_words(tmp_path, cell=f"expenses:{PLANTED[field]}")
    findings = scan_release(release, forbidden_terms(inbox))
    assert [(f.file, f.row_or_line, f.column, f.kind) for f in findings] == [
        ("data/treasury_legs.csv", 2, "counterparty_type", "term")
    ]


@pytest.mark.skipif(not SHARED_REALDATA.exists(), reason="../shared/realdata is not beside this checkout")
def test_real_books_raise_no_finding_and_their_people_stay_terms(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SHARED_REALDATA / "ledger" / "sshchicago", inbox / "ledger" / "sshchicago")
    shutil.copy(SHARED_REALDATA / "ledger" / "hackclub" / "hackclub_main.ledger", inbox / "ledger")
    shutil.copy(RULES, inbox / "ledger" / "rules.journal")
    terms = forbidden_terms(inbox)
    assert scan_release(_release_of_its_own_words(tmp_path), terms) == []
    # people the real books name: members' loan accounts (sshchicago), a payee (hackclub)
    people = real_book_people(SHARED_REALDATA)
    assert len(people) > 5 and people <= terms


def test_a_books_own_name_is_not_a_finding(tmp_path):
    # books kept per account, named after it: the release writes the book's name as the account's first
    # part ("stripe:assets"), so the withheld level Stripe would match every leg of those books
    folder = tmp_path / "inbox" / "ledger"
    folder.mkdir(parents=True)
    (folder / "stripe.journal").write_text(JOURNAL.replace("Assets:Checking", "Assets:Stripe"))
    terms = forbidden_terms(tmp_path / "inbox")
    assert "stripe" not in terms
    assert {name for field, name in PLANTED.items() if field.startswith("journal")} <= terms
    release = tmp_path / "release"
    (release / "data").mkdir(parents=True)
    (release / "data" / "treasury_legs.csv").write_text("account,category\nstripe:assets,assets\n")
    assert scan_release(release, terms) == []


def test_without_the_release_vocabulary_every_bookkeeping_word_is_a_term(tmp_path):
    # no manifest to read (or an empty vocabulary): the gate is stricter, never looser
    from pipelines.privacy.vocabulary import release_vocabulary

    inbox = _ledger_inbox(tmp_path)
    (inbox / "ledger" / "generic.journal").write_text(GENERIC)
    assert {"individual", "opening balance", "checks"} <= forbidden_terms(inbox, vocabulary=())
    # without a manifest only the release writers' own text and the seed: "checks" is in the README's lines
    terms = forbidden_terms(inbox, vocabulary=release_vocabulary(tmp_path / "no-manifest.json"))
    assert {"individual", "opening balance"} <= terms and "checks" not in terms
