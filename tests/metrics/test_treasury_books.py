"""Books as books, the classification rules and the published reconciliation, end to end through the
pipeline: a small demo inbox plus hand-written books (tests/fixtures/books/rules.journal, one transaction
per rule of docs/methodology/treasury.md), a set of yearly files whose second opening balance does not
follow from the first year, an Open Collective export whose balance column disagrees with its own
amounts by one fee, and, where ../shared/realdata is present, the real sshchicago books (one ledger-cli
file per fiscal year), read from a temporary copy of the inbox, never from the repository."""

from __future__ import annotations

import csv
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SHARED_REALDATA
from tests.metrics.books import demo_inbox_with_books
from tests.sources.test_opencollective import KEY_HEADER

pytestmark = pytest.mark.slow

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "books" / "rules.journal"
SSHCHICAGO = SHARED_REALDATA / "ledger" / "sshchicago"

DRIFT = {
    # two yearly files of one set of books; the second opens with $5.00 more than the first closes with
    "drift/fy2024.journal": """\
2024-01-01 Opening Balance
    Assets:Bank              $100.00
    Equity:Opening Balances

2024-06-01 Dues
    Income:Dues              -$20.00
    Assets:Bank
""",
    "drift/fy2025.journal": """\
2025-01-01 Opening Balance
    Assets:Bank              $125.00
    Equity:Opening Balances

2025-03-01 Rent
    Expenses:Rent             $50.00
    Assets:Bank
""",
}

# a legacy export, newest first, whose running balance leaves out one row's processor fee (0.30)
OC_ROWS = [
    "2025-02-01T10:00:00,k3,g3,x,DEBIT,EXPENSE,,,,,-4,-4,16.00,USD,books-oc,Books,shop,Shop,,,,,,,,,",
    "2025-01-15T10:00:00,k2,g2,x,CREDIT,CONTRIBUTION,,,,,10,9.70,20.00,USD,books-oc,Books,ana,Ana,,,,,,,,,",
    "2025-01-10T10:00:00,k1,g1,x,CREDIT,CONTRIBUTION,,,,,10,10,10.00,USD,books-oc,Books,joan,Joan,,,,,,,,,",
]


def hledger_closing(book: Path, account: str, *query: str) -> int:
    """The account's closing balance in cents as hledger computes it from the file. hledger 1.25 wants
    two spaces between account and amount and these books separate them by one tab: the text reaches it
    with tabs widened (stdin), the figures unchanged."""
    text = book.read_text(encoding="utf-8").replace("\t", "    ")
    out = subprocess.run(
        ["hledger", "-f-", "balance", account, *query, "--flat", "--no-total", "-O", "csv"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.reader(out.stdout.splitlines()))[1:]
    return sum(int(Decimal(row[1].replace("$", "").replace(",", "")) * 100) for row in rows)


def ledger_closing(book: Path, account: str) -> int:
    out = subprocess.run(
        [
            "ledger",
            "-f",
            str(book),
            "balance",
            account,
            "--flat",
            "--no-total",
            "--balance-format",
            "%(quantity(scrub(display_total)))\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(Decimal(out.stdout.strip()) * 100)


@pytest.fixture(scope="module")
def books_run(tmp_path_factory):
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("books-data")
    books = {"rules.journal": RULES.read_text(encoding="utf-8"), **DRIFT}
    spaces = ["ledger,rules", "ledger,drift/", "opencollective,books-oc"] + ["ledger,sshchicago/"] * SSHCHICAGO.exists()
    inbox = demo_inbox_with_books(data_dir, members=120, seed=5, books=books, spaces=spaces)
    (inbox / "opencollective" / "books-oc-transactions.csv").write_text(KEY_HEADER + "\n" + "\n".join(OC_ROWS) + "\n")
    if SSHCHICAGO.exists():
        shutil.copytree(SSHCHICAGO, inbox / "ledger" / "sshchicago")
    run_pipeline(data_dir)
    release = (data_dir / "releases" / "latest").resolve()
    return lambda dataset: pl.read_parquet(release / "data" / f"{dataset}.parquet")


def legs_of(books_run, book: str) -> dict[str, dict]:
    legs = books_run("treasury_legs").filter(pl.col("account").str.starts_with(book + ":"))
    return {r["flow_id"]: r for r in legs.to_dicts()}


def reconciliation(books_run, account: str) -> dict:
    (row,) = books_run("treasury_reconciliation").filter(pl.col("account") == account).to_dicts()
    return row


def test_each_classification_rule_on_hand_written_books(books_run):
    legs = {
        flow_id.removeprefix("ledger:rules.journal:"): (
            r["account"],
            r["amount_minor"],
            r["flow_class"],
            r["counterparty_type"],
        )
        for flow_id, r in legs_of(books_run, "rules").items()
    }
    assert legs == {
        # the first opening balance on each asset account opens it: neither income nor spending
        "3:2:0": ("rules:assets:bank", 100_000, "opening", "internal_transfer"),
        "3:2:1": ("rules:assets:cash", 10_000, "opening", "internal_transfer"),
        # fees the community charges are income, not a negative fee
        "8:0": ("rules:assets:bank", 5_000, "income", "unclassified"),
        # fees paid, by the expense account's name at any level
        "12:0": ("rules:assets:bank", -200, "fee", "fees"),
        "16:0": ("rules:assets:bank", -300, "fee", "fees"),
        # "fee" inside a word is not a fee
        "20:0": ("rules:assets:cash", -700, "spending", "unclassified"),
        # income landing on two asset accounts: each takes the share its own posting says
        "24:0:1": ("rules:assets:bank", 6_000, "income", "unclassified"),
        "24:0:2": ("rules:assets:cash", 3_000, "income", "unclassified"),
        # a move between own accounts: a transfer on both, never inflow or spending
        "29:0": ("rules:assets:cash", -2_000, "internal", "internal_transfer"),
        "29:1": ("rules:assets:bank", 2_000, "internal", "internal_transfer"),
        # a transfer with a fee taken: the fee is spent from the paying account, the rest moves
        "33:0": ("rules:assets:bank", -10_000, "internal", "internal_transfer"),
        "33:1": ("rules:assets:savings", 10_000, "internal", "internal_transfer"),
        "33:2": ("rules:assets:bank", -100, "fee", "fees"),
        # the closing entry (line 38) is a statement of the balance, not money out: no leg
    }


def test_hand_written_books_close_where_the_ledger_tools_say(books_run):
    closing = {a: reconciliation(books_run, f"rules:assets:{a}") for a in ("bank", "cash", "savings")}
    # hledger's balances just before the closing entry (--end 2025-12-31): what the accounts held
    for account, row in closing.items():
        out = subprocess.run(
            [
                "hledger",
                "-f",
                str(RULES),
                "balance",
                f"Assets:{account.title()}",
                "--end",
                "2025-12-31",
                "-N",
                "-O",
                "csv",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        (tool,) = [
            int(Decimal(r[1].replace("$", "").replace(",", "")) * 100)
            for r in list(csv.reader(out.stdout.splitlines()))[1:]
        ]
        assert row["closing_balance_minor"] == tool, account
        # the closing entry states the same balance: checked and agreeing
        assert (row["status"], row["statements"], row["difference_minor"]) == ("agrees", 1, 0), account
    assert closing["bank"]["starts_with_opening_balance"] is True
    assert closing["savings"]["starts_with_opening_balance"] is False  # opened by a transfer, from zero


def test_yearly_files_are_one_set_of_books_and_a_gap_is_published(books_run):
    legs = legs_of(books_run, "drift")
    # one account across both files; the second year's opening balance is not counted again
    assert {r["account"] for r in legs.values()} == {"drift:assets:bank"}
    assert sorted((r["flow_class"], r["amount_minor"]) for r in legs.values()) == [
        ("income", 2_000),
        ("opening", 10_000),
        ("spending", -5_000),
    ]
    row = reconciliation(books_run, "drift:assets:bank")
    assert row["closing_balance_minor"] == 7_000
    # the books themselves say 125.00 - 50.00: the 5.00 they cannot explain is shown, never hidden
    assert row["source_balance_minor"] == 7_500 and row["difference_minor"] == -500
    assert row["status"] == "disagrees"
    assert (row["first_divergence_record"], row["first_divergence_minor"]) == ("ledger:drift/fy2025.journal:1", -500)
    assert str(row["first_divergence_on"]) == "2025-01-01"


def test_open_collective_balance_column_disagreement_is_published(books_run, tmp_path):
    from pipelines.sources.opencollective import parse as oc_parse
    from pipelines.sources.opencollective import reconcile

    row = reconciliation(books_run, "books-oc")
    assert row["source"] == "opencollective"
    # ours: 10.00 + 9.70 - 4.00; the export's own last balance says 16.00
    assert (row["closing_balance_minor"], row["source_balance_minor"], row["difference_minor"]) == (1_570, 1_600, -30)
    assert (row["status"], row["statements"], row["disagreeing_statements"]) == ("disagrees", 3, 2)
    assert (row["first_divergence_record"], row["first_divergence_minor"]) == ("oc:k2", -30)
    assert row["starts_with_opening_balance"] is True  # its first row's balance is that row alone
    # the source module's own reconciliation finds the same row and gap (its sign: stated - computed)
    path = tmp_path / "books-oc-transactions.csv"
    path.write_text(KEY_HEADER + "\n" + "\n".join(OC_ROWS) + "\n")
    (report,) = reconcile.reconcile_balances(oc_parse.parse(path, path.name, "sha")["transactions"].accepted).to_dicts()
    assert (report["first_disagreement_id"], report["first_gap_minor"]) == ("k2", 30)


@pytest.mark.skipif(not SSHCHICAGO.exists(), reason="../shared/realdata is not beside this checkout")
def test_real_yearly_books_publish_the_closing_balance_hledger_computes(books_run):
    last_year = sorted(SSHCHICAGO.glob("fy*.dat"))[-1]
    if shutil.which("hledger") is None or shutil.which("ledger") is None:
        pytest.skip("hledger and ledger are needed to check the books' own closing balance")
    expected = hledger_closing(last_year, "Assets:Checking")
    assert expected == ledger_closing(last_year, "Assets:Checking")
    row = reconciliation(books_run, "sshchicago:assets:checking")
    assert row["closing_balance_minor"] == expected
    balances = books_run("treasury_balances").filter(pl.col("account") == "sshchicago:assets:checking")
    assert balances.sort("month")["balance_minor"][-1] == expected
    # every later year's opening balance is checked against the year before, and all agree
    files = sorted(SSHCHICAGO.glob("fy*.dat"))
    openings = sum(1 for f in files if "Opening Balance" in f.read_text(encoding="utf-8"))
    assert (row["status"], row["statements"], row["difference_minor"]) == ("agrees", openings, 0)
    # no opening balance counted as money in: what each year's file adds to the account is what hledger
    # says that year moved (its closing balance less its own opening balance)
    legs = books_run("treasury_legs").filter(pl.col("account") == "sshchicago:assets:checking")
    assert legs.filter(pl.col("flow_class") == "opening").height == 0
    for book in files:
        moved = legs.filter(pl.col("flow_id").str.starts_with(f"ledger:sshchicago/{book.name}:"))["amount_minor"].sum()
        opening = hledger_closing(book, "Assets:Checking", "desc:Opening Balance")
        assert moved == hledger_closing(book, "Assets:Checking") - opening, book.name
