"""Plain-text books: ledger/hledger journals and beancount, on small fixtures and on real published books,
whose per-account totals must equal what the ledger tools themselves report."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.sources.ledger import parse as ledger
from pipelines.sources.quarantine import FileRefused
from tests.sources.checks import assert_corpus_case

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "ledger"
REAL_BOOKS = sorted(REAL.glob("*/*.*")) if REAL.exists() else []

JOURNAL = """\
; a comment line
account Assets:Bank
commodity $1,000.00

2024/03/01 * (1001) CHECK 7001; $1,061.45
\tExpenses:Rent\t$1,000.00
\tAssets:Bank

2024-03-02 ! Home Depot #1950 CHICAGO IL  ; a note, not the payee
    Expenses:Tools        -$36.59   ; refund
    Assets:Bank           $36.59

2024-03-03 Lisbon trip
    ; a transaction comment
    Expenses:Travel       EUR 120.50
    Expenses:Travel       €9,50
    Expenses:Food         12.00 USD
    Assets:Bank

~ monthly
    Expenses:Rent  $1000
    Assets:Bank

2024-03-04 Broken books
    Expenses:Rent         $10.00
    Assets:Bank          -$9.00

2024-03-05 Exchange
    Assets:Euro           100 EUR @ $1.10
    Assets:Bank          -$110.00
    (Budget:Travel)       $50.00
"""


def parse_text(tmp_path: Path, text: str, name: str = "coop.journal"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = ledger.parse(path, name, "sha-test")["postings"]
    assert result.rows_read == result.accepted.height + result.quarantined.height
    return result


def test_journal_postings_inferred_amounts_commodities_and_payees(tmp_path):
    result = parse_text(tmp_path, JOURNAL)
    rows = result.accepted.sort("transaction_id", "posting_index").to_dicts()
    by_txn: dict[str, list[dict]] = {}
    for row in rows:
        by_txn.setdefault(row["transaction_id"], []).append(row)
    assert sorted(by_txn) == ["coop.journal:13", "coop.journal:28", "coop.journal:5", "coop.journal:9"]
    rent = by_txn["coop.journal:5"]
    assert rent[0]["payee"] == "CHECK 7001; $1,061.45"  # ledger keeps a `;` without a tab or two spaces
    assert [(r["account"], r["amount_minor"], r["currency"]) for r in rent] == [
        ("Expenses:Rent", 100000, "USD"),
        ("Assets:Bank", -100000, "USD"),
    ]
    tools = by_txn["coop.journal:9"]
    assert tools[0]["payee"] == "Home Depot #1950 CHICAGO IL"  # the note after two spaces is not the payee
    assert [r["amount_minor"] for r in tools] == [-3659, 3659]
    trip = by_txn["coop.journal:13"]
    # the blank amount is inferred once per currency, as ledger does
    assert [(r["account"], r["amount_minor"], r["currency"]) for r in trip] == [
        ("Expenses:Travel", 12050, "EUR"),
        ("Expenses:Travel", 950, "EUR"),
        ("Expenses:Food", 1200, "USD"),
        ("Assets:Bank", -13000, "EUR"),
        ("Assets:Bank", -1200, "USD"),
    ]
    exchange = by_txn["coop.journal:28"]
    assert [(r["amount_minor"], r["currency"], r["is_virtual"]) for r in exchange] == [
        (10000, "EUR", False),
        (-11000, "USD", False),
        (5000, "USD", True),
    ]
    assert str(rent[0]["posted_on"]) == "2024-03-01"


def test_unbalanced_transaction_is_quarantined_whole(tmp_path):
    result = parse_text(tmp_path, JOURNAL)
    bad = result.quarantined.to_dicts()
    assert [(b["record"], b["rule"]) for b in bad] == [
        ("25", "transaction:unbalanced"),
        ("26", "transaction:unbalanced"),
    ]
    assert "+1.00 USD" in bad[0]["message"] and "coop.journal:24" in bad[0]["message"]
    assert "coop.journal:24" not in result.accepted["transaction_id"].to_list()


def test_beancount_file(tmp_path):
    text = """\
option "operating_currency" "EUR"
2024-01-01 open Assets:Bank EUR
2024-01-01 open Expenses:Food EUR
2024-01-01 open Income:Dues EUR

2024-02-01 * "Member 12" "Dues for February"
  Assets:Bank      25.00 EUR
  Income:Dues

2024-02-03 * "Bakery" "Bread"
  Expenses:Food    4.20 EUR
  Assets:Bank     -4.00 EUR
"""
    result = parse_text(tmp_path, text, "coop.beancount")
    rows = result.accepted.sort("_record").to_dicts()
    assert [(r["transaction_id"], r["account"], r["amount_minor"], r["currency"]) for r in rows] == [
        ("coop.beancount:6", "Assets:Bank", 2500, "EUR"),
        ("coop.beancount:6", "Income:Dues", -2500, "EUR"),
    ]
    assert rows[0]["payee"] == "Member 12"
    rules = result.quarantined["rule"].to_list()
    assert rules.count("transaction:unbalanced") == 2


def tool_balances(book: Path) -> dict[str, int] | None:
    """Per-account totals in cents as the ledger tools report them (hledger: the account's own postings;
    ledger --flat: the account and its sub-accounts). None when neither tool is installed."""
    if shutil.which("hledger"):
        out = subprocess.run(
            ["hledger", "-f", str(book), "balance", "--flat", "--no-total", "-O", "csv"],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:  # hledger wants two spaces between account and amount; tab-only books fail
            lines = [line.replace('"', "").split(",", 1) for line in out.stdout.splitlines()[1:]]
            return {a: int(Decimal(v.replace("$", "").replace(",", "")) * 100) for a, v in lines}
    if shutil.which("ledger"):
        fmt = "%(account)\t%(quantity(scrub(display_total)))\n"
        out = subprocess.run(
            ["ledger", "-f", str(book), "balance", "--flat", "--no-total", "--balance-format", fmt],
            capture_output=True,
            text=True,
            check=True,
        )
        return {"ledger:" + a: int(Decimal(v) * 100) for a, v in (line.split("\t") for line in out.stdout.splitlines())}
    return None


@pytest.mark.skipif(not REAL_BOOKS, reason="shared/realdata is not present")
@pytest.mark.parametrize("book", REAL_BOOKS, ids=lambda p: p.name)
def test_real_books_load_balance_and_match_the_ledger_tools(book):
    result = ledger.parse(book, book.name, "sha-real")["postings"]
    assert result.rows_read == result.accepted.height + result.quarantined.height
    assert result.accepted.height > 0
    # nothing in these books is refused: tab separators, blank amounts, payees with numbers and `;` all read
    assert result.quarantined.to_dicts() == []
    sums = result.accepted.group_by("transaction_id", "currency").agg(pl.col("amount_minor").sum())
    assert sums.filter(pl.col("amount_minor") != 0).height == 0
    expected = tool_balances(book)
    if expected is None:
        pytest.skip("neither hledger nor ledger is installed")
    own = dict(result.accepted.group_by("account").agg(pl.col("amount_minor").sum()).rows())
    if next(iter(expected)).startswith("ledger:"):
        inclusive = {a: sum(v for acc, v in own.items() if acc == a or acc.startswith(a + ":")) for a in own}
        got = {"ledger:" + a: v for a, v in inclusive.items() if v != 0 and own[a] != 0 or ("ledger:" + a) in expected}
    else:
        got = {a: v for a, v in own.items() if v != 0}
    assert got == expected


CORPUS = {
    "unbalanced.journal": [("2", "transaction:unbalanced"), ("3", "transaction:unbalanced")],
    "latin1.ledger": [("2", "encoding:not_utf8"), ("3", "encoding:not_utf8")],
    "unknown-commodity.journal": [("2", "currency:unknown"), ("3", "currency:unknown")],
    "two-blanks.dat": [
        ("2", "transaction:ambiguous"),
        ("3", "transaction:ambiguous"),
        ("4", "transaction:ambiguous"),
    ],
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus(name):
    assert_corpus_case("ledger", name, "postings", CORPUS[name])


def test_beancount_plugin_is_refused_not_run(tmp_path):
    text = 'plugin "os"\noption "insert_pythonpath" "TRUE"\n2024-01-01 open Assets:Bank EUR\n'
    (tmp_path / "unsafe.beancount").write_text(text, encoding="utf-8")
    with pytest.raises(FileRefused) as refused:  # the whole file: nothing of it is read
        ledger.parse(tmp_path / "unsafe.beancount", "unsafe.beancount", "sha-test")
    assert refused.value.rule == "beancount:directive_refused"
    assert "lines unsafe.beancount:1, unsafe.beancount:2" in refused.value.message


def test_a_journal_that_only_includes_others_loads_through_its_includes(tmp_path):
    """An hledger `main.journal` of includes is the book: its included files' postings load under it."""
    (tmp_path / "books").mkdir()
    path = tmp_path / "books" / "main.journal"
    path.write_text("; the books\ninclude 2023.journal\n!include 2024.journal\naccount assets:bank\n")
    (tmp_path / "books" / "2023.journal").write_text("2023-01-02 Rent\n    expenses:rent  10 EUR\n    assets:bank\n")
    (tmp_path / "books" / "2024.journal").write_text("2024-01-02 Rent\n    expenses:rent  12 EUR\n    assets:bank\n")
    result = ledger.parse(path, "books/main.journal", "sha")["postings"]
    assert result.accepted.height == 4
    assert set(result.accepted["journal"]) == {"books/main.journal"}
    assert sorted(set(result.accepted["transaction_id"])) == ["books/2023.journal:1", "books/2024.journal:1"]
    assert "book of 3 files" in result.outcome_message
