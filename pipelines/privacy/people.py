"""Who is in the inputs: the names, handles, emails and phones each source's files hold.

Read from the inbox or, better, from the landing (API pages land there too, under their original
names in `meta/*.json`). Also collects the names that are public by design (groups, cities, the
collectives themselves, the bookkeeping categories a release may show) so the scanner does not
mistake them for people.

Files are read with the sources' own limits (sizes, ZIP members, CSV fields) and parsers where they
have one (ledger journals); a file that still cannot be read is reported in `People.unreadable`,
never raised, so one file cannot stop the gate.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.landing import LandedFile
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.sources.csv_files import sniff_separator
from pipelines.sources.text import decode_text
from pipelines.sources.timeoverflow import REPORT_HEADERS
from pipelines.sources.togetheros.parse import STREAMED_SUFFIXES, line_slices

# Above this a file is not read whole: TogetherOS tables are streamed as raw streams them; any other
# file this large (only if its source's limit was raised past it) is reported unreadable, never skipped.
MAX_INPUT_BYTES = 512 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 512 * 1024 * 1024  # as pipelines/sources/decidim.py: larger members are refused
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200  # a member expanding more than this (beyond 1 MB) is a zip bomb, refused by the source

# Open Collective kinds whose opposite account is a contributor or payee (often an individual), not
# the host, the platform or a payment processor.
OC_PEOPLE_KINDS = {"CONTRIBUTION", "EXPENSE", "ADDED_FUNDS", "BALANCE_TRANSFER", "PREPAID_PAYMENT_METHOD"}
OC_COLUMNS = {  # ours -> (key header, human header)
    "kind": ("kind", "Kind"),
    "opposite_slug": ("oppositeAccountSlug", "Opposite Account Handle"),
    "opposite_name": ("oppositeAccountName", "Opposite Account Name"),
    "account_name": ("accountName", "Account Name"),
    "account_slug": ("accountSlug", "Account Handle"),
}
TIMEOVERFLOW_USER_COLUMNS = ("username", "email", "phone", "alt_phone", "name")
TOGETHEROS_USER_FIELDS = ("display_name", "handle", "email")
META_GLOB = "*/meta/*.json"  # a landing folder: <source>/meta/<sha256>.json per landed file
# ledger accounts: the roots, and the second levels staging may publish (the same seed dbt reads)
LEDGER_ROOTS = frozenset({"assets", "liabilities", "equity", "income", "revenue", "expenses", "expense"})
LEDGER_CATEGORIES_SEED = DBT_PROJECT_DIR / "seeds" / "ledger_account_categories.csv"
JOURNAL_SUFFIXES = (".journal", ".ledger", ".dat", ".hledger")


class UnreadableInputs(ValueError):
    """Input files the raw layer accepted but the gate could not read: their people are unknown."""

    def __init__(self, files: list[str]):
        super().__init__(f"{len(files)} input file(s) could not be read for names: {'; '.join(files[:10])}")
        self.files = files


@dataclass(frozen=True)
class InputFile:
    source: str
    name: str  # the original file name (inbox path or API page name)
    path: Path  # where its bytes are


@dataclass
class People:
    personal: set[str] = field(default_factory=set)  # as found, not yet normalised
    public: set[str] = field(default_factory=set)  # group, city and collective names
    unreadable: set[str] = field(default_factory=set)  # "<source>/<file>: why", files we could not read
    # the books' free text: payees, narrations and withheld account levels, as found. Each may name a
    # person, or be a bookkeeping word ("Opening Balance", "Checks"): see `scan.forbidden_terms`
    ledger: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        self.personal.update(str(v) for v in values if v not in (None, ""))

    def add_ledger(self, *values: Any) -> None:
        self.ledger.update(str(v) for v in values if v not in (None, ""))

    def add_public(self, *values: Any) -> None:
        self.public.update(str(v) for v in values if v not in (None, ""))

    def update(self, other: People) -> None:
        self.personal |= other.personal
        self.public |= other.public
        self.unreadable |= other.unreadable
        self.ledger |= other.ledger


def landed_input(folder: Path, meta_path: Path) -> InputFile | None:
    """The landed file a meta describes, if its bytes are still there."""
    landed = LandedFile(**json.loads(meta_path.read_text()))
    path = landed.path(folder)
    return InputFile(landed.source, landed.file_name, path) if path.is_file() else None


def is_landing(folder: Path) -> bool:
    return any(folder.glob(META_GLOB))


def input_files(folder: Path) -> Iterator[InputFile]:
    """Every file of a landing folder (every version, by its meta) or, failing that, of an inbox."""
    metas = sorted(folder.glob(META_GLOB))
    if metas:
        yield from filter(None, (landed_input(folder, meta_path) for meta_path in metas))
        return
    for path in sorted(p for p in folder.glob("*/**/*") if p.is_file() and not p.name.startswith(".")):
        source = path.relative_to(folder).parts[0]
        yield InputFile(source, path.relative_to(folder / source).as_posix(), path)


def book_names(folder: Path) -> set[str]:
    """The books' own names: each ledger file's path under inbox/ledger/, every landed version's. Chosen
    by the operator and mapped in community/space_groups.csv, they are published by construction (the
    first part of every account in the treasury datasets, and file_outcomes)."""
    ledger = folder / "ledger"
    if (ledger / "meta").is_dir():  # a landing folder
        return {json.loads(meta.read_text())["file_name"] for meta in sorted((ledger / "meta").glob("*.json"))}
    if not ledger.is_dir():
        return set()
    return {p.relative_to(ledger).as_posix() for p in ledger.rglob("*") if p.is_file() and not p.name.startswith(".")}


def read_people(item: InputFile) -> People:
    """The people one input file names; a file that cannot be read is named in `unreadable`."""
    people = People()
    reader = READERS.get(item.source)
    if reader is None:
        return people
    name = PurePosixPath(item.name).name
    try:
        if item.source == "togetheros" and name.endswith(STREAMED_SUFFIXES):
            _togetheros(people, name, (line for _, lines in line_slices(item.path) for line in lines))
        elif item.path.stat().st_size > MAX_INPUT_BYTES:
            people.unreadable.add(
                f"{item.source}/{item.name}: larger than the gate reads whole ({MAX_INPUT_BYTES:,} bytes)"
            )
        else:
            reader(people, name, item.path.read_bytes())
    except Exception as error:  # noqa: BLE001 - one file must never stop the gate; it is reported instead
        people.unreadable.add(f"{item.source}/{item.name}: {type(error).__name__}: {str(error)[:200]}")
    return people


def collect(folder: Path) -> People:
    people = People()
    for item in input_files(folder):
        people.update(read_people(item))
    return people


# --- file shapes ----------------------------------------------------------------------------------


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    """Rows as the sources read them: a row with a field beyond the CSV field limit (which the source
    refuses) is skipped, not raised."""
    text = decode_text(raw)
    separator = sniff_separator(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header, rows = None, []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            continue  # refused by the source (field:too_large), so nothing of it is loaded
        if header is None:
            header = fields
        else:
            rows.append(dict(zip(header, fields, strict=False)))
    return rows


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _ndjson(lines: Iterable[str]) -> Iterator[dict]:
    for line in lines:
        record = _json(line.encode("utf-8", "surrogateescape")) if line.strip() else None
        if isinstance(record, dict):
            yield record


def _objects(data: Any) -> Iterator[dict]:
    """Every JSON object nested anywhere in `data`."""
    stack = [data]
    while stack:
        item = stack.pop()
        kind = type(item)  # exact types, as json.loads makes them: a third faster than isinstance
        if kind is dict:
            yield item
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)


def _pick(row: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((row[n] for n in names if row.get(n)), None)


# --- one reader per source ------------------------------------------------------------------------


def _discourse(people: People, name: str, raw: bytes) -> None:
    _discourse_parsed(people, _json(raw))


def _discourse_parsed(people: People, data: Any) -> None:
    for obj in _objects(data):
        if "username" in obj:  # a user, a poster or a post: each names its person
            people.add(obj.get("username"), obj.get("name"), obj.get("email"), obj.get("display_username"))


def _decidim_csv(people: People, member: str, raw: bytes) -> None:
    is_users = member.endswith("-users.csv")
    for row in _csv_rows(raw):
        people.add(row.get("author/name"), row.get("author/nickname"))
        if is_users:
            people.add(row.get("name"), row.get("nickname"))


def _decidim(people: People, name: str, raw: bytes) -> None:
    if name.endswith(".json"):  # GraphQL pages: authors carry name and nickname
        for obj in _objects(_json(raw)):
            if "nickname" in obj:
                people.add(obj.get("name"), obj.get("nickname"))
        return
    if not name.endswith(".zip"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if sum(i.file_size for i in members) > MAX_ZIP_TOTAL_BYTES:
                return  # refused whole by the source
            for info in members:
                if info.filename.endswith(".csv") and not _zip_member_refused(info):
                    with archive.open(info) as member:  # read no more than the header promised
                        _decidim_csv(people, info.filename, member.read(info.file_size + 1))
    except zipfile.BadZipFile:
        return  # refused whole by the source: nothing of it is loaded


def _zip_member_refused(info: zipfile.ZipInfo) -> bool:
    """The source's limits: members too large, or expanding like a zip bomb, are never loaded."""
    bomb = info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)
    return info.file_size > MAX_ZIP_MEMBER_BYTES or bomb


def _opencollective(people: People, name: str, raw: bytes) -> None:
    if name.endswith(".json"):  # GraphQL pages
        for obj in _objects(_json(raw)):
            opposite = obj.get("oppositeAccount")
            if isinstance(opposite, dict) and (
                obj.get("kind") in OC_PEOPLE_KINDS or opposite.get("type") == "INDIVIDUAL"
            ):
                people.add(opposite.get("slug"), opposite.get("name"))
            account = obj.get("account")
            if isinstance(account, dict):
                people.add_public(account.get("slug"), account.get("name"))
        return
    for row in _csv_rows(raw):
        values = {ours: _pick(row, headers) for ours, headers in OC_COLUMNS.items()}
        people.add_public(values["account_name"], values["account_slug"])
        if values["kind"] in OC_PEOPLE_KINDS:
            people.add(values["opposite_slug"], values["opposite_name"])


def _timeoverflow(people: People, name: str, raw: bytes) -> None:
    lowered = name.lower()
    rows = _csv_rows(raw) if lowered.endswith(".csv") else []
    if lowered == "users.csv":
        for row in rows:
            people.add(*(row.get(c) for c in TIMEOVERFLOW_USER_COLUMNS))
    elif lowered == "organizations.csv":
        for row in rows:
            people.add_public(row.get("name"))
    elif lowered.startswith("hours_"):
        for row in rows:
            people.add(row.get("provider"), row.get("receiver"))
    elif "transfer" in lowered:  # the report, with localized headers for its From and To columns
        aliases = REPORT_HEADERS["from"] | REPORT_HEADERS["to"]
        for row in rows:
            people.add(*(v for k, v in row.items() if k and k.strip().lower() in aliases))


def _togetheros(people: People, name: str, raw: bytes | Iterable[str]) -> None:
    lines = decode_text(raw).splitlines() if isinstance(raw, bytes) else raw
    if name == "users.ndjson":
        for user in _ndjson(lines):
            people.add(*(user.get(f) for f in TOGETHEROS_USER_FIELDS))
            people.add_public(user.get("geocoded_city"))
    elif name == "groups.ndjson":
        for group in _ndjson(lines):
            people.add_public(group.get("name"), group.get("handle"))


@functools.cache
def ledger_categories() -> frozenset[str]:
    """The second-level account names staging may publish (dbt seed ledger_account_categories)."""
    with LEDGER_CATEGORIES_SEED.open(newline="") as handle:
        return frozenset(row["category"].strip().lower() for row in csv.DictReader(handle))


def _ledger_account(people: People, account: str) -> None:
    """Every level of an account that staging withholds may name a person: each is a term. The levels it
    publishes (a root, a listed category) are public."""
    for level in (part.strip() for part in account.strip("()[]").split(":")):
        if level.lower() in LEDGER_ROOTS or level.lower() in ledger_categories():
            people.add_public(level)
        else:
            people.add_ledger(level)


def _ledger_text(people: People, text: str | None) -> None:
    """A payee or narration: a name unless it is one of the published categories (payee "Bank Fees")."""
    if text and text.strip().lower() not in ledger_categories():
        people.add_ledger(text.strip())


def _ledger(people: People, name: str, raw: bytes) -> None:
    from pipelines.sources.ledger import parse as source  # the source's own parser, so both read alike

    lowered = name.lower()
    if lowered.endswith(JOURNAL_SUFFIXES):
        transactions, _, _ = source.read_journal(decode_text(raw))
        for transaction in transactions:
            _ledger_text(people, transaction.payee)
            for posting in transaction.postings:
                _ledger_account(people, posting.account)
    elif lowered.endswith(".beancount"):
        text = decode_text(raw)
        if any(source.UNSAFE_BEANCOUNT.match(line) for line in text.splitlines()):
            return  # the source refuses the file whole (include / plugin directives)
        from beancount import loader
        from beancount.core import data

        entries, _, _ = loader.load_string(text)
        for entry in entries:
            if isinstance(entry, data.Transaction):
                _ledger_text(people, entry.payee)
                _ledger_text(people, entry.narration)
                for posting in entry.postings:
                    _ledger_account(people, posting.account)
            elif isinstance(entry, data.Open):
                _ledger_account(people, entry.account)


READERS = {
    "discourse": _discourse,
    "decidim": _decidim,
    "opencollective": _opencollective,
    "timeoverflow": _timeoverflow,
    "togetheros": _togetheros,
    "ledger": _ledger,
}

# Sources whose parser hands the raw load each file's data as it parsed it (`seen`, pipelines/sources):
# their people are read from that data, in the load's reader processes, instead of from the file again.
PARSED_READERS = {"discourse": _discourse_parsed}


def read_parsed(source: str, data: Any) -> People:
    """What `read_people` finds in a file of `source` whose data its parser read (`PARSED_READERS`)."""
    people = People()
    PARSED_READERS[source](people, data)
    return people
