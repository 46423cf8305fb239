"""Books split with `include` and the balances books state, end to end through the pipeline into the
warehouse: an hledger-style `main.journal` that includes two yearly files with balance assertions (one
of them wrong), a beancount book whose opening balance sits in an included file and whose `balance`
directive is checked, and, where ../shared/realdata is present, the real sshchicago books read through
a `main.journal` that includes every yearly file: their published closing balance is the one hledger
computes from the last year's file. Read from the warehouse's marts (not the release, which a privacy
gate may hold back for reasons of its own), from a temporary copy of the inbox."""

from __future__ import annotations

import csv
import shutil
import subprocess
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import SHARED_REALDATA
from tests.metrics.books import demo_inbox_with_books
from tests.sources.test_ledger_includes import BEAN_OPENING

pytestmark = pytest.mark.slow

SSHCHICAGO = SHARED_REALDATA / "ledger" / "sshchicago"

BOOKS = {
    "coop/main.journal": "; the books, one file a year\ninclude fy2024.journal\ninclude fy2025.journal\n",
    "coop/fy2024.journal": """\
2024-01-01 Opening Balance
    Assets:Bank              $100.00
    Equity:Opening Balances

2024-06-01 Dues
    Income:Dues              -$20.00
    Assets:Bank                       = $120.00
""",
    "coop/fy2025.journal": """\
2025-01-01 Opening Balance
    Assets:Bank              $120.00
    Equity:Opening Balances

2025-03-01 Rent
    Expenses:Rent             $50.00
    Assets:Bank              -$50.00 = $70.00

2025-04-01 Printer
    Expenses:Office            $5.00
    Assets:Bank               -$5.00 = $60.00
""",
    "bean/main.beancount": """\
option "operating_currency" "EUR"
include "opening.beancount"

2024-02-01 * "Dues"
  Assets:Bank      25.00 EUR
  Income:Dues

2024-02-02 balance Assets:Bank  125.00 EUR
""",
    "bean/opening.beancount": BEAN_OPENING,
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("assertions-data")
    spaces = ["ledger,coop/main", "ledger,bean/main"] + ["ledger,sshchicago/main"] * SSHCHICAGO.exists()
    inbox = demo_inbox_with_books(data_dir, members=60, seed=7, books=BOOKS, spaces=spaces)
    if SSHCHICAGO.exists():
        shutil.copytree(SSHCHICAGO, inbox / "ledger" / "sshchicago")
        (inbox / "ledger" / "sshchicago" / "main.journal").write_text("include fy*.dat\n")
    run_pipeline(data_dir)
    con = duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def reconciliation(con, account: str) -> dict:
    rows = con.execute("select * from marts.mart_treasury_reconciliation where account = ?", [account])
    columns = [c[0] for c in rows.description]
    (row,) = rows.fetchall()
    return dict(zip(columns, row, strict=True))


def test_included_yearly_files_load_once_through_the_book_that_includes_them(warehouse):
    outcomes = dict(
        warehouse.execute(
            "select file_name, outcome || ': ' || message from raw.file_outcomes where source = 'ledger'"
        ).fetchall()
    )
    assert outcomes["coop/main.journal"].startswith("loaded: ")
    assert outcomes["coop/fy2024.journal"].startswith("empty: loaded through include from coop/main.journal")
    assert outcomes["bean/opening.beancount"].startswith("empty: loaded through include from bean/main.beancount")


def test_balance_assertions_reach_the_reconciliation(warehouse):
    coop = reconciliation(warehouse, "coop/main:assets:bank")
    assert coop["closing_balance_minor"] == 6500
    # stated: the second opening balance ($120) and three assertions, the last of them ($60) wrong by $5
    assert coop["statements"] == 4 and coop["disagreeing_statements"] == 1
    assert coop["first_divergence_record"] == "ledger:coop/fy2025.journal:11"
    assert coop["first_divergence_minor"] == 500
    assert coop["source_balance_minor"] == 6000 and coop["difference_minor"] == 500
    assert coop["status"] == "disagrees"

    bean = reconciliation(warehouse, "bean/main:assets:bank")
    assert bean["closing_balance_minor"] == 12500 and bean["starts_with_opening_balance"]
    assert (bean["statements"], bean["disagreeing_statements"], bean["status"]) == (1, 0, "agrees")
    assert bean["source_balance_minor"] == 12500


def hledger_closing(book) -> int:
    text = book.read_text(encoding="utf-8").replace("\t", "    ")  # hledger wants two spaces, not a tab
    out = subprocess.run(
        ["hledger", "-f-", "balance", "^assets", "--flat", "--no-total", "-O", "csv"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(
        int(Decimal(r[1].replace("$", "").replace(",", "")) * 100)
        for r in list(csv.reader(out.stdout.splitlines()))[1:]
    )


@pytest.mark.skipif(not SSHCHICAGO.exists(), reason="shared/realdata is not present")
@pytest.mark.skipif(not shutil.which("hledger"), reason="hledger is not installed")
def test_real_yearly_books_through_include_close_at_the_balance_hledger_computes(warehouse):
    last_year = sorted(SSHCHICAGO.glob("fy*.dat"))[-1]
    (published,) = warehouse.execute(
        "select sum(closing_balance_minor) from marts.mart_treasury_reconciliation "
        "where account like 'sshchicago/main:assets%' and currency = 'USD'"
    ).fetchone()
    assert published == hledger_closing(last_year) == 2363379
    files = warehouse.execute(
        "select count(*) from raw.file_outcomes where file_name like 'sshchicago/fy%' and outcome = 'empty' "
        "and message like 'loaded through include from sshchicago/main.journal%'"
    ).fetchone()
    assert files == (len(list(SSHCHICAGO.glob("fy*.dat"))),)
