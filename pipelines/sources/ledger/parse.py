"""Plain-text double-entry books (data/inbox/ledger/): ledger-cli / hledger journals and beancount files.

Journals (`*.journal`, `*.ledger`, `*.dat`, `*.hledger`) are read by a small parser of the common syntax:
a header line `DATE[=DATE2] [*|!] [(CODE)] PAYEE`, then indented postings `ACCOUNT<tab or 2+ spaces>AMOUNT`
with at most one amount left blank (inferred), `;` comments, `(virtual)` and `[virtual]` accounts,
`@`/`@@` prices and `= balance` assertions (read as the books' stated balances). `include` directives are
followed inside the inbox folder (books.py); other directives (account, commodity, P, …) and periodic or
automated transactions are skipped. Beancount files (`*.beancount`) are read by the beancount library
(`loader.load_file`: includes, options, pad, balance), its errors quarantined as records of the file.

One row per posting; transaction_id = `<file>:<line of the transaction header>`, journal = the book's
root file. A transaction that does not balance per currency is quarantined whole (rule
`transaction:unbalanced`), as is one with an amount we cannot read, a commodity that is not a known
currency or more than one blank amount.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.sources.contracts import Checked, load_contract
from pipelines.sources.formats import refuse_spreadsheet
from pipelines.sources.ledger.books import Inbox, family
from pipelines.sources.money import CURRENCY_EXPONENTS, CURRENCY_SYMBOLS, to_minor
from pipelines.sources.quarantine import Refused, check_rows, refuse, refuse_file, refuse_future, rows_frame, unreadable
from pipelines.sources.text import has_undecodable

SOURCE = "ledger"
JOURNAL_SUFFIXES = (".journal", ".ledger", ".dat", ".hledger")

HEADER = re.compile(
    r"^(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})(?:=\S+)?"
    r"(?:[ \t]+(?P<status>[*!]))?(?:[ \t]+\((?P<code>[^)]*)\))?(?:[ \t]+(?P<rest>.*))?$"
)
# the account ends at a tab or at two spaces; what follows is the amount, then an optional comment
POSTING = re.compile(
    r"^[ \t]+(?:[*!][ \t]+)?(?P<account>\S(?:.*?\S)??)(?:(?:\t|  )[ \t]*(?P<amount>[^;]*?))?"
    r"[ \t]*(?:;.*)?$"
)
NUMBER = r"-?\s*(?:\d[\d,.']*\d|\d)"
AMOUNT_FORMS = (
    re.compile(rf"^(?P<sign>-)?\s*(?P<commodity>[^\d\s\-+.,@;=()]+)\s*(?P<number>{NUMBER})$"),  # $-12.50, -$5
    re.compile(rf"^(?P<number>{NUMBER})\s*(?P<commodity>[^\d\s\-+.,@;=()]+)$"),  # 12.50 EUR, 12,50€
    re.compile(rf"^(?P<number>{NUMBER})$"),  # a bare number: the file's default commodity
)
UNSAFE_BEANCOUNT = re.compile(r'^\s*(?:plugin\b|option\s+"(?:insert_pythonpath|documents)")')
SKIPPED_BLOCK = re.compile(r"^[~=]")  # periodic and automated transactions: templates, not events
BLOCK_COMMENT_START, BLOCK_COMMENT_END = re.compile(r"^comment\b"), re.compile(r"^end comment\b")


@dataclass
class Posting:
    line: int
    account: str
    amount_text: str
    is_virtual: bool
    balanced: bool  # real and [bracketed] postings must balance; (parenthesised) ones need not
    assertion: str = ""  # `= $amount` (also `==`, `=*`): the balance the books state after this posting


@dataclass
class Transaction:
    line: int
    posted_on: str
    payee: str
    postings: list[Posting] = field(default_factory=list)
    problem: str | None = None  # set when one of its lines cannot be read at all


class Unreadable(ValueError):
    """A transaction we refuse as a whole, with its rule."""

    def __init__(self, rule: str, detail: str):
        super().__init__(detail)
        self.rule = rule


def parse(path: Path, file_name: str, landing_sha256: str) -> dict[str, Checked]:
    contract = load_contract(SOURCE)["postings"]
    if workbook := refuse_spreadsheet(contract, path, file_name, landing_sha256):
        return workbook
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix not in JOURNAL_SUFFIXES and suffix != ".beancount":
        return {
            "postings": refuse_file(
                contract,
                landing_sha256,
                file_name,
                "file:unknown_name",
                f"expected {', '.join(JOURNAL_SUFFIXES)} or .beancount",
            )
        }
    inbox = Inbox(path, file_name)
    problems: list[Refused] = []
    stated = Stated()
    try:
        if including := inbox.included_by(file_name):
            empty = check_rows(contract, rows_frame([], [c.name for c in contract.columns]), landing_sha256, file_name)
            empty.outcome_message = (
                f"loaded through include from {including}: its transactions are part of that book, counted there once"
            )
            return {"postings": empty}
        files = inbox.tree(file_name)  # refuses an include that leaves the inbox, is missing or cycles
        if suffix in JOURNAL_SUFFIXES:
            rows, refused = _journal_rows(inbox, files, file_name, stated)
        else:
            rows, refused, problems = _beancount_rows(inbox, files, file_name, stated)
    except (OSError, ValueError) as error:
        return {"postings": unreadable(contract, landing_sha256, file_name, error)}
    frame = rows_frame(rows, [c.name for c in contract.columns])
    checked = check_rows(contract, frame, landing_sha256, file_name, refused)
    checked = refuse_future(checked, contract, landing_sha256, file_name, ["posted_on"])
    checked.file_problems = problems
    if len(files) > 1:
        checked.outcome_message = f"book of {len(files)} files through include: {', '.join(files[1:6])}" + (
            ", …" if len(files) > 6 else ""
        )
    assertions = load_contract(SOURCE)["balance_assertions"]
    frame = rows_frame(stated.rows, [c.name for c in assertions.columns])
    stated_checked = check_rows(assertions, frame, landing_sha256, file_name, stated.refused)
    return {"postings": checked, "balance_assertions": stated_checked}


@dataclass
class Stated:
    """The balances a book states (balance assertions), and those we cannot read."""

    rows: list[dict] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    def add(
        self,
        journal: str,
        book: str,
        line: object,
        transaction_id: str | None,
        posted_on: str,
        account: str,
        text: str,
        default_commodity: str | None = None,
    ) -> None:
        record = _record(line, journal, book)
        try:
            number, currency = read_amount(text, default_commodity)
            minor = to_minor(number, currency)
            if minor is None:
                raise Unreadable("amount:precision", f"{number} {currency} has more decimals than {currency} has")
        except Unreadable as error:
            self.refused.append(
                Refused(record, error.rule, f"balance assertion on line {line} of {journal}: {error}", text[:200])
            )
            return
        self.rows.append(
            {
                "assertion_id": f"{journal}:{line}",
                "journal": book,
                "transaction_id": transaction_id,
                "posted_on": posted_on,
                "account": account,
                "amount_minor": minor,
                "currency": currency,
                "_record": record,
            }
        )


def read_again_on_change(loaded: list[Any]) -> list[str]:
    """The loaded books to read again when a ledger file is added, changed or removed: every journal and
    beancount file, since any of them may include, or be included by, the file that changed (a book is
    loaded with the files it includes, and a file included by another loads only there)."""
    return [f.sha256 for f in loaded if family(f.file_name)]


# --- amounts and balancing (shared by both syntaxes) ------------------------------------------------


def currency_of(commodity: str) -> str | None:
    code = CURRENCY_SYMBOLS.get(commodity, commodity.upper())
    return code if code in CURRENCY_EXPONENTS else None


def read_number(text: str) -> Decimal:
    """`1,234.56`, `1.234,56`, `12,50`, `1'000` as a Decimal."""
    digits = text.replace(" ", "").replace("'", "")
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    # a comma is the decimal mark when it comes last and is followed by other than three digits
    if last_comma > last_dot and (last_dot >= 0 or len(digits) - last_comma - 1 != 3):
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return Decimal(digits)


def read_amount(text: str, default_commodity: str | None = None) -> tuple[Decimal, str]:
    """`-$685.51`, `$-195.00`, `10 EUR`, `EUR 10`, `12,50€` as (number, ISO currency); raises Unreadable."""
    text = text.strip()
    for form in AMOUNT_FORMS:
        match = form.match(text)
        if not match:
            continue
        commodity = match.groupdict().get("commodity") or default_commodity
        if commodity is None:
            raise Unreadable("posting:no_commodity", f"amount {text!r} names no commodity")
        currency = currency_of(commodity.strip('"'))
        if currency is None:
            raise Unreadable("currency:unknown", f"commodity {commodity!r} is not a known ISO currency")
        try:
            number = read_number(match.group("number"))
        except InvalidOperation:
            break
        return (-number if match.groupdict().get("sign") else number), currency
    raise Unreadable("posting:amount_unreadable", f"cannot read amount {text!r}")


def posting_weight(amount_text: str, default_commodity: str | None) -> tuple[Decimal, str, Decimal, str]:
    """(number, currency) of the posting and the (number, currency) it weighs in the balance: its cost
    when priced with `@ unit price` or `@@ total price`. A `= balance` assertion is ignored."""
    text = amount_text.split("=", 1)[0].strip()
    if "@" not in text:
        number, currency = read_amount(text, default_commodity)
        return number, currency, number, currency
    total = "@@" in text
    own, price = (part.strip() for part in text.split("@@" if total else "@", 1))
    number, currency = read_amount(own, default_commodity)
    price_number, price_currency = read_amount(price, default_commodity)
    weight = price_number.copy_sign(number) if total else number * price_number
    return number, currency, weight, price_currency


def balance_rows(
    transaction: Transaction,
    journal: str,
    default_commodity: str | None = None,
    book: str | None = None,
) -> list[dict[str, object]]:
    """The rows of one transaction, the blank amount inferred; raises Unreadable if it cannot balance."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    amounts: list[tuple[Posting, Decimal, str] | None] = []
    blanks = [p for p in transaction.postings if not p.amount_text and p.balanced]
    if len(blanks) > 1:
        raise Unreadable("transaction:ambiguous", f"{len(blanks)} postings without an amount (at most one may)")
    for posting in transaction.postings:
        if not posting.amount_text:
            amounts.append(None)
            continue
        number, currency, weight, weight_currency = posting_weight(posting.amount_text, default_commodity)
        if posting.balanced:
            sums[weight_currency] += weight
        amounts.append((posting, number, currency))
    residue = {c: s for c, s in sums.items() if s.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS[c])) != 0}
    rows: list[dict[str, object]] = []
    for posting, amount in zip(transaction.postings, amounts, strict=True):
        if amount is not None:
            rows.append(_row(transaction, journal, posting, amount[1], amount[2], book))
        elif posting.balanced:
            if not sums:
                raise Unreadable("transaction:ambiguous", "no amount to infer the blank one from")
            # one row per currency left over, as ledger and hledger do; zero when the rest already balance
            left = residue or {next(iter(sums)): Decimal(0)}
            rows += [_row(transaction, journal, posting, -s, c, book) for c, s in sorted(left.items())]
            residue = {}
        else:
            raise Unreadable("transaction:ambiguous", "a virtual posting without an amount")
    if residue:
        raise Unreadable(
            "transaction:unbalanced",
            "postings do not sum to zero: " + ", ".join(f"{s:+} {c}" for c, s in sorted(residue.items())),
        )
    for index, row in enumerate(rows):
        row["posting_index"] = index
    return rows


def _row(
    transaction: Transaction, journal: str, posting: Posting, number: Decimal, currency: str, book: str | None
) -> dict:
    """`journal` is the file the transaction is written in, `book` the book's root file (the file that
    includes it; the same file when nothing includes it)."""
    minor = to_minor(number, currency)
    if minor is None:
        raise Unreadable("amount:precision", f"{number} {currency} has more decimals than {currency} has")
    return {
        "transaction_id": f"{journal}:{transaction.line}",
        "journal": book or journal,
        "posted_on": transaction.posted_on,
        "payee": transaction.payee,
        "account": posting.account,
        "amount_minor": minor,
        "currency": currency,
        "is_virtual": posting.is_virtual,
        "_record": _record(posting.line, journal, book),
    }


def _record(line: object, journal: str, book: str | None) -> str:
    """A line of the book's root file by its number; a line of an included file as `<file>:<line>`."""
    return str(line) if book in (None, journal) else f"{journal}:{line}"


def _refuse_transaction(
    transaction: Transaction, journal: str, error: Unreadable, book: str | None = None
) -> list[Refused]:
    lines = [p.line for p in transaction.postings] or [transaction.line]
    return [
        Refused(
            _record(line, journal, book),
            error.rule,
            f"transaction {journal}:{transaction.line}: {error}",
            f"{journal}:{transaction.line}",
            "transaction_id",
        )
        for line in lines
    ]


# --- ledger-cli / hledger journals ------------------------------------------------------------------


def read_journal(text: str) -> tuple[list[Transaction], list[Refused], str | None]:
    """Transactions of a journal, the lines refused outright, and the default commodity (`D` directive)."""
    transactions: list[Transaction] = []
    refused: list[Refused] = []
    default_commodity = None
    current: Transaction | None = None
    skipping = in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_comment:
            in_comment = not BLOCK_COMMENT_END.match(line)
            continue
        if not stripped or (stripped[0] in ";#%|*" and line[0] not in " \t"):
            current = None  # a blank or top-level comment line ends the transaction
            skipping = skipping and bool(stripped)
            continue
        if line[0] in " \t":
            if skipping or stripped.startswith(";"):
                continue
            if current is None:
                refused.append(
                    Refused(
                        str(number),
                        "line:orphan_posting",
                        "an indented line outside a transaction",
                        stripped[:200],
                    )
                )
                continue
            if has_undecodable(line):
                current.problem = f"line {number} has bytes that are not UTF-8"
                line = "    undecodable"
            current.postings.append(_posting(number, line))
            continue
        current, skipping = None, False
        if BLOCK_COMMENT_START.match(line):
            in_comment = True
        elif SKIPPED_BLOCK.match(line):
            skipping = True
        elif line[0].isdigit():
            header = HEADER.match(line.rstrip())
            if header is None:
                refused.append(
                    Refused(
                        str(number),
                        "transaction:header_unreadable",
                        "a line starting with a digit that is not a transaction header",
                        line[:200],
                    )
                )
                skipping = True
                continue
            year, month, day = re.split(r"[-/.]", header.group("date"))
            current = Transaction(number, f"{year}-{int(month):02d}-{int(day):02d}", _payee(header.group("rest") or ""))
            if has_undecodable(line):
                current.problem, current.payee = f"line {number} has bytes that are not UTF-8", ""
            transactions.append(current)
        elif line.startswith(("D ", "D\t")):
            amount = line[1:].strip()
            default_commodity = next((m.group("commodity") for f in AMOUNT_FORMS[:2] if (m := f.match(amount))), None)
        # every other top-level line is a directive (account, commodity, P, include, alias, Y, …): no posting
    return transactions, refused, default_commodity


def _payee(rest: str) -> str:
    """The description without its note: ledger starts a note at `;` only after a tab or two spaces,
    so `CHECK 000; $1061.45` is a payee as a whole."""
    note = re.search(r"(?:\t|  )[ \t]*;", rest)
    return (rest[: note.start()] if note else rest).strip()


def _posting(number: int, line: str) -> Posting:
    match = POSTING.match(line.rstrip())
    account = match.group("account").strip() if match else line.strip()
    amount = (match.group("amount") or "").strip() if match else line.strip()
    is_virtual = account.startswith(("(", "[")) and account.endswith((")", "]"))
    balanced = not (account.startswith("(") and account.endswith(")"))
    amount, _, assertion = amount.partition("=")
    assertion = assertion.lstrip("=*").strip()
    account = account.strip("()[]") if is_virtual else account
    return Posting(number, account, amount.strip(), is_virtual, balanced, assertion)


def _journal_rows(inbox: Inbox, files: list[str], book: str, stated: Stated) -> tuple[list[dict], list[Refused]]:
    """The postings of a book: its root file and the files it includes, each transaction under the file
    it is written in; a `D` default commodity carries on into the files included after it."""
    rows: list[dict] = []
    refused: list[Refused] = []
    default_commodity = None
    for journal in files:
        transactions, lines_refused, default = read_journal(inbox.text(journal))
        default_commodity = default or default_commodity
        refused += [Refused(**{**r.__dict__, "record": _record(r.record, journal, book)}) for r in lines_refused]
        for transaction in transactions:
            try:
                if transaction.problem:
                    raise Unreadable("encoding:not_utf8", transaction.problem)
                if not transaction.postings:
                    raise Unreadable("transaction:no_postings", "a transaction header without postings")
                rows += balance_rows(transaction, journal, default_commodity, book)
                for posting in transaction.postings:
                    if posting.assertion:
                        transaction_id = f"{journal}:{transaction.line}"
                        stated.add(
                            journal,
                            book,
                            posting.line,
                            transaction_id,
                            transaction.posted_on,
                            posting.account,
                            posting.assertion,
                            default_commodity,
                        )
            except Unreadable as error:
                refused += _refuse_transaction(transaction, journal, error, book)
    return rows, refused


# --- beancount ---------------------------------------------------------------------------------------


def _beancount_rows(
    inbox: Inbox, files: list[str], book: str, stated: Stated
) -> tuple[list[dict], list[Refused], list[Refused]]:
    """The book read by the beancount library (`loader.load_file`: includes, options, pad, balance
    assertions), from a private copy of the book's files under their inbox paths, so its includes can
    reach nothing but the files `Inbox.tree` checked. Returns postings, refused postings, and the
    library's errors as quarantine records of the file (rule `beancount:error`, file and line): an error
    is not a posting and is not counted as one."""
    import tempfile

    from beancount import loader
    from beancount.core import data

    # `plugin` would import and run Python code named by the file, `insert_pythonpath` add to the import
    # path and `documents` list folders of this machine: data must not do any of these
    texts = {name: inbox.text(name) for name in files}
    unsafe = [
        Refused(
            _record(n, name, book),
            "beancount:directive_refused",
            "plugin directives and the options insert_pythonpath and documents are not read from data "
            "(they run code or read this machine's folders)",
            line[:200],
        )
        for name, text in texts.items()
        for n, line in enumerate(text.splitlines(), start=1)
        if UNSAFE_BEANCOUNT.match(line)
    ]
    if unsafe:  # nothing of the book is read
        lines = ", ".join(f"{r.record if ':' in r.record else f'{book}:{r.record}'}" for r in unsafe[:5])
        refuse("beancount:directive_refused", f"{unsafe[0].detail}; remove them (lines {lines})")
    if broken := [name for name, text in texts.items() if has_undecodable(text)]:
        return [], [], [Refused(f"{name}:file", "encoding:not_utf8", "bytes that are not UTF-8") for name in broken]
    with tempfile.TemporaryDirectory(prefix="togetheros-beancount-") as folder:
        root = Path(folder)
        for name, text in texts.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        entries, errors, _ = loader.load_file(str(root / book))

        def where(meta: Any) -> tuple[str, object]:
            meta = meta or {}
            filename = str(meta.get("filename") or "")
            try:
                name = Path(filename).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                name = book
            return name, meta.get("lineno", "file")

        problems = []
        for error in errors:
            if _is_balance_error(error):  # re-checked below, per transaction, with our own rule
                continue
            name, line = where(getattr(error, "source", None))
            problems.append(
                Refused(
                    f"{name}:{line}",
                    "beancount:error",
                    f"{name}, line {line}: " + str(getattr(error, "message", error)).splitlines()[0][:300],
                )
            )
        rows: list[dict] = []
        refused: list[Refused] = []
        for entry in entries:
            if isinstance(entry, data.Balance) and entry.amount is not None:
                journal, line = where(entry.meta)
                amount = f"{entry.amount.number} {entry.amount.currency}"
                stated.add(journal, book, line, None, entry.date.isoformat(), entry.account, amount)
            if not isinstance(entry, data.Transaction):
                continue
            journal, line = where(entry.meta)
            transaction = Transaction(
                line if isinstance(line, int) else 0, entry.date.isoformat(), entry.payee or entry.narration or ""
            )
            try:
                transaction.postings = [_beancount_posting(entry, p) for p in entry.postings]
                rows += balance_rows(transaction, journal, None, book)
            except Unreadable as error:
                refused += _refuse_transaction(transaction, journal, error, book)
    return rows, refused, problems


def _is_balance_error(error: object) -> bool:
    return "does not balance" in str(getattr(error, "message", ""))


def _beancount_posting(entry: Any, posting: Any) -> Posting:
    units = posting.units
    if units is None or not isinstance(units.number, Decimal):
        raise Unreadable("posting:amount_unreadable", f"posting to {posting.account} has no amount")
    text = f"{units.number} {units.currency}"
    if posting.cost is not None and isinstance(getattr(posting.cost, "number", None), Decimal):
        text += f" @ {posting.cost.number} {posting.cost.currency}"
    elif posting.price is not None:
        text += f" @ {posting.price.number} {posting.price.currency}"
    line = (posting.meta or {}).get("lineno", entry.meta.get("lineno", 0))
    return Posting(line, posting.account, text, False, True)
