"""Who is in the inputs: the names, handles, emails and phones each source's files hold.

Read from the inbox or, better, from the landing (API pages land there too, under their original
names in `meta/*.json`). Also collects the names that are public by design (groups, cities, the
collectives themselves) so the scanner does not mistake them for people.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.landing import LandedFile
from pipelines.sources.base import decode_text, sniff_separator
from pipelines.sources.timeoverflow import REPORT_HEADERS

MAX_INPUT_BYTES = 512 * 1024 * 1024  # the largest file the sources accept; beyond it we read nothing
MAX_ZIP_MEMBER_BYTES = 512 * 1024 * 1024

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


@dataclass(frozen=True)
class InputFile:
    source: str
    name: str  # the original file name (inbox path or API page name)
    path: Path  # where its bytes are


@dataclass
class People:
    personal: set[str] = field(default_factory=set)  # as found, not yet normalised
    public: set[str] = field(default_factory=set)  # group, city and collective names

    def add(self, *values: Any) -> None:
        self.personal.update(str(v) for v in values if v not in (None, ""))

    def add_public(self, *values: Any) -> None:
        self.public.update(str(v) for v in values if v not in (None, ""))

    def update(self, other: People) -> None:
        self.personal |= other.personal
        self.public |= other.public


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


def read_people(item: InputFile) -> People:
    """The people one input file names."""
    people = People()
    reader = READERS.get(item.source)
    # beyond MAX_INPUT_BYTES the source refuses the file whole, so nothing of it can reach a release
    if reader is not None and item.path.stat().st_size <= MAX_INPUT_BYTES:
        reader(people, PurePosixPath(item.name).name, item.path.read_bytes())
    return people


def collect(folder: Path) -> People:
    people = People()
    for item in input_files(folder):
        people.update(read_people(item))
    return people


# --- file shapes ----------------------------------------------------------------------------------


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    text = decode_text(raw)
    separator = sniff_separator(text.split("\n", 1)[0])
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=separator))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _ndjson(raw: bytes) -> Iterator[dict]:
    for line in decode_text(raw).splitlines():
        record = _json(line.encode()) if line.strip() else None
        if isinstance(record, dict):
            yield record


def _objects(data: Any) -> Iterator[dict]:
    """Every JSON object nested anywhere in `data`."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _pick(row: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((row[n] for n in names if row.get(n)), None)


# --- one reader per source ------------------------------------------------------------------------


def _discourse(people: People, name: str, raw: bytes) -> None:
    for obj in _objects(_json(raw)):
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
            for info in archive.infolist():
                if info.filename.endswith(".csv") and info.file_size <= MAX_ZIP_MEMBER_BYTES:
                    with archive.open(info) as member:  # read no more than the header promised
                        _decidim_csv(people, info.filename, member.read(info.file_size + 1))
    except zipfile.BadZipFile:
        return  # refused whole by the source: nothing of it is loaded


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


def _togetheros(people: People, name: str, raw: bytes) -> None:
    if name == "users.ndjson":
        for user in _ndjson(raw):
            people.add(*(user.get(f) for f in TOGETHEROS_USER_FIELDS))
            people.add_public(user.get("geocoded_city"))
    elif name == "groups.ndjson":
        for group in _ndjson(raw):
            people.add_public(group.get("name"), group.get("handle"))


READERS = {
    "discourse": _discourse,
    "decidim": _decidim,
    "opencollective": _opencollective,
    "timeoverflow": _timeoverflow,
    "togetheros": _togetheros,
}
