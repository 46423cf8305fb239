"""Books over several files: `include` (ledger, hledger, beancount) resolved inside the ledger inbox folder
only, every landed file with one outcome, beancount read by its library, with its errors quarantined as
records of the file and not counted as postings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.landing import land_inbox
from pipelines.raw import files_without_outcome, load_source
from pipelines.sources.ledger import parse as ledger
from pipelines.sources.quarantine import FileRefused

RENT_2023 = "2023-01-02 Rent\n    expenses:rent  $10.00\n    assets:bank\n"
RENT_2024 = "2024-01-02 Rent\n    expenses:rent  $12.00\n    assets:bank  = $-22.00\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def parse(root: Path, name: str):
    return ledger.parse(root / name, name, "sha")["postings"]


def refusal(root: Path, name: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        parse(root, name)
    return caught.value


def test_include_is_resolved_relative_to_the_including_file(tmp_path):
    write(tmp_path, {"coop/main.journal": "include years/*.journal\n", "coop/years/2023.journal": RENT_2023})
    write(tmp_path, {"coop/years/2024.journal": RENT_2024})
    result = parse(tmp_path, "coop/main.journal")
    assert result.accepted.height == 4
    assert set(result.accepted["journal"]) == {"coop/main.journal"}
    assert set(result.accepted["_record"]) == {"coop/years/2023.journal:2", "coop/years/2023.journal:3"} | {
        "coop/years/2024.journal:2",
        "coop/years/2024.journal:3",
    }
    # the included file, an inbox file of its own, is not loaded twice
    included = parse(tmp_path, "coop/years/2023.journal")
    assert included.accepted.height == 0 and included.rows_read == 0
    assert included.outcome_message.startswith("loaded through include from coop/main.journal")


@pytest.mark.parametrize(
    "line",
    ["include ../outside.journal", "include /etc/passwd", "include ~/books.journal", "include sub/../../x.journal"],
)
def test_an_include_that_leaves_the_inbox_is_refused_naming_file_and_line(tmp_path, line):
    inbox = tmp_path / "inbox"
    write(tmp_path, {"outside.journal": RENT_2023})
    write(inbox, {"main.journal": f"; books\n{line}\n"})
    error = refusal(inbox, "main.journal")
    assert error.rule == "include:outside_inbox"
    assert error.message.startswith(f"main.journal, line 2 ({line})")


def test_an_include_through_a_symlink_out_of_the_inbox_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    write(tmp_path, {"secret.journal": RENT_2023})
    write(inbox, {"main.journal": "include linked.journal\n"})
    (inbox / "linked.journal").symlink_to(tmp_path / "secret.journal")
    error = refusal(inbox, "main.journal")
    assert error.rule == "include:outside_inbox" and "linked.journal is a link" in error.message


def test_a_missing_include_and_a_cycle_are_refused(tmp_path):
    write(tmp_path, {"main.journal": "include 2023.journal\n"})
    error = refusal(tmp_path, "main.journal")
    assert error.rule == "include:missing" and "no file 2023.journal" in error.message
    write(tmp_path, {"a.journal": "include b.journal\n" + RENT_2023, "b.journal": "include a.journal\n"})
    error = refusal(tmp_path, "a.journal")
    assert error.rule == "include:cycle" and "a.journal -> b.journal -> a.journal" in error.message


BEAN_MAIN = """\
option "operating_currency" "EUR"
include "opening.beancount"

2024-02-01 * "Member 12" "Dues"
  Assets:Bank      25.00 EUR
  Income:Dues

2024-02-02 balance Assets:Bank  125.00 EUR
"""
BEAN_OPENING = """\
2024-01-01 open Assets:Bank EUR
2024-01-01 open Income:Dues EUR
2024-01-01 open Equity:Opening-Balances EUR
2024-01-01 * "Opening balance"
  Assets:Bank               100.00 EUR
  Equity:Opening-Balances
"""


def test_beancount_include_keeps_the_opening_balance_of_the_included_file(tmp_path):
    write(tmp_path, {"coop.beancount": BEAN_MAIN, "opening.beancount": BEAN_OPENING})
    result = parse(tmp_path, "coop.beancount")
    assert result.file_problems == [] and result.quarantined.height == 0
    bank = result.accepted.filter(account="Assets:Bank")
    assert sorted(bank["amount_minor"]) == [2500, 10000]
    assert set(result.accepted["transaction_id"]) == {"opening.beancount:4", "coop.beancount:4"}
    assert parse(tmp_path, "opening.beancount").rows_read == 0


def test_beancount_pad_fills_the_books_to_the_balance_assertion(tmp_path):
    text = BEAN_OPENING.split("2024-01-01 *")[0] + (
        "2024-01-01 pad Assets:Bank Equity:Opening-Balances\n2024-01-02 balance Assets:Bank  80.00 EUR\n"
    )
    write(tmp_path, {"pad.beancount": text})
    result = parse(tmp_path, "pad.beancount")
    assert sorted(result.accepted["amount_minor"]) == [-8000, 8000]


def test_beancount_errors_are_quarantined_records_of_the_file_not_postings(tmp_path):
    text = BEAN_MAIN.replace('include "opening.beancount"\n', BEAN_OPENING).replace("125.00 EUR", "999.00 EUR")
    text += "2024-03-01 * this line is not beancount\n"
    write(tmp_path, {"coop.beancount": text})
    result = parse(tmp_path, "coop.beancount")
    assert result.accepted.height == 4 and result.quarantined.height == 0 and result.rows_read == 4
    rules = {(p.rule, p.record.split(":")[0]) for p in result.file_problems}
    assert rules == {("beancount:error", "coop.beancount")}
    assert any("Balance failed" in p.detail for p in result.file_problems)

    # through the raw load: quarantined under entity `file`, the postings' counts untouched
    write(tmp_path / "inbox" / "ledger", {"coop.beancount": text})
    landed, _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "ledger")
    con = duckdb.connect()
    load_source(con, "ledger", landed, tmp_path / "landing")
    log = con.execute("select entity, rows_read, rows_accepted, rows_quarantined from raw.load_log").fetchall()
    problems = len(result.file_problems)
    assert sorted(log) == [("balance_assertions", 1, 1, 0), ("file", problems, 0, problems), ("postings", 4, 4, 0)]
    assert {r for (r,) in con.execute("select distinct rule from raw.quarantine").fetchall()} == {"beancount:error"}


def test_landed_books_resolve_includes_and_every_file_has_one_outcome(tmp_path):
    inbox = tmp_path / "inbox"
    write(
        inbox / "ledger",
        {
            "coop/main.journal": "include 2023.journal\ninclude 2024.journal\n",
            "coop/2023.journal": RENT_2023,
            "coop/2024.journal": RENT_2024,
            "broken.journal": "include ../../secret.journal\n",
        },
    )
    landed, _ = land_inbox(inbox, tmp_path / "landing", "ledger")
    con = duckdb.connect()
    load_source(con, "ledger", landed, tmp_path / "landing")
    assert files_without_outcome(con, "ledger", landed) == []
    outcomes = dict(
        (name, (outcome, rule, message))
        for name, outcome, rule, message in con.execute(
            "select file_name, outcome, rule, message from raw.file_outcomes"
        ).fetchall()
    )
    assert outcomes["coop/main.journal"][:2] == ("loaded", None)
    assert "book of 3 files" in outcomes["coop/main.journal"][2]
    assert outcomes["coop/2023.journal"][0] == "empty"
    assert outcomes["coop/2023.journal"][2].startswith("loaded through include from coop/main.journal")
    assert outcomes["broken.journal"][:2] == ("refused", "include:outside_inbox")
    assert "broken.journal, line 1" in outcomes["broken.journal"][2]
    journals = con.execute("select distinct journal from raw.ledger__postings").fetchall()
    assert journals == [("coop/main.journal",)]
    assert con.execute("select count(*) from raw.ledger__postings").fetchone() == (4,)


def test_balance_assertions_are_the_books_stated_balances(tmp_path):
    write(tmp_path, {"main.journal": "include 2023.journal\ninclude 2024.journal\n", "2023.journal": RENT_2023})
    write(tmp_path, {"2024.journal": RENT_2024.replace("= $-22.00", "= $-22.00 ; stated\n    (budget)  1 EUR ==1 EUR")})
    result = ledger.parse(tmp_path / "main.journal", "main.journal", "sha")["balance_assertions"]
    rows = result.accepted.sort("assertion_id").select(
        "assertion_id", "journal", "transaction_id", "account", "amount_minor", "currency"
    )
    assert rows.rows() == [
        ("2024.journal:3", "main.journal", "2024.journal:1", "assets:bank", -2200, "USD"),
        ("2024.journal:4", "main.journal", "2024.journal:1", "budget", 100, "EUR"),
    ]
    write(tmp_path, {"coop.beancount": BEAN_MAIN, "opening.beancount": BEAN_OPENING})
    beancount = ledger.parse(tmp_path / "coop.beancount", "coop.beancount", "sha")["balance_assertions"]
    assert beancount.accepted.select("assertion_id", "transaction_id", "account", "amount_minor").rows() == [
        ("coop.beancount:8", None, "Assets:Bank", 12500)
    ]


def test_a_change_to_an_included_file_reloads_its_book(tmp_path):
    inbox = tmp_path / "inbox"
    files = {"coop/main.journal": "include 2023.journal\n", "coop/2023.journal": RENT_2023}
    write(inbox / "ledger", files)
    con = duckdb.connect()

    def load() -> list[tuple]:
        landed, _ = land_inbox(inbox, tmp_path / "landing", "ledger")
        load_source(con, "ledger", landed, tmp_path / "landing")
        assert files_without_outcome(con, "ledger", landed) == []
        return con.execute(
            "select journal, transaction_id, amount_minor from raw.ledger__postings order by all"
        ).fetchall()

    assert load() == [
        ("coop/main.journal", "coop/2023.journal:1", -1000),
        ("coop/main.journal", "coop/2023.journal:1", 1000),
    ]
    write(inbox / "ledger", {"coop/2023.journal": RENT_2023.replace("$10.00", "$11.00")})
    assert load() == [
        ("coop/main.journal", "coop/2023.journal:1", -1100),
        ("coop/main.journal", "coop/2023.journal:1", 1100),
    ]
    # the book no longer includes it: the yearly file is a book of its own again
    write(inbox / "ledger", {"coop/main.journal": "; nothing included\n"})
    assert load() == [
        ("coop/2023.journal", "coop/2023.journal:1", -1100),
        ("coop/2023.journal", "coop/2023.journal:1", 1100),
    ]


def test_an_absolute_include_inside_the_inbox_is_followed_and_a_beancount_escape_refused(tmp_path):
    write(
        tmp_path, {"main.journal": f"include {tmp_path / 'years' / '2023.journal'}\n", "years/2023.journal": RENT_2023}
    )
    assert parse(tmp_path, "main.journal").accepted.height == 2
    write(tmp_path, {"coop.beancount": 'include "../../etc/passwd"\n'})
    error = refusal(tmp_path, "coop.beancount")
    assert error.rule == "include:outside_inbox" and error.message.startswith("coop.beancount, line 1")
