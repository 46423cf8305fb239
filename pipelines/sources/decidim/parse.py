"""Decidim, landing → raw: the open-data ZIP export (0.27 to 0.30 column names) and GraphQL proposal
pages (as `fetch` saves them).

Inbox files: `<host>-open-data.zip` (members `<host>-open-data-<entity>.csv`), a loose member CSV,
and `graphql_proposals_<N>.json` as the fetcher saves them. Only the entities below are read;
other members (debates, README.md, ...) are not in scope.

Files are recognised by content where their name does not say: any ZIP, any GraphQL answer or API
dump holding proposals connections, any CSV whose header is one of the exports below (an admin
download `proposals-2024-03-05.csv`, a renamed member). What is none of them is refused with a reason:
a CSV with other columns (a legacy download: `file:columns_unrecognised`, naming the columns each
export needs), an export of an entity we do not read (`file:not_read`), a spreadsheet workbook
(`file:spreadsheet`: export it as CSV).
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import starmap
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pipelines.sources import limits
from pipelines.sources.contracts import Checked, TableContract, load_contract
from pipelines.sources.csv_files import read_csv, sniff_separator
from pipelines.sources.formats import SPREADSHEET_RULE, head, is_zip, spreadsheet
from pipelines.sources.money import to_minor
from pipelines.sources.quarantine import Refused, check_rows, combine, rows_frame
from pipelines.sources.text import decode_text

SOURCE = "decidim"

# members' sizes and counts: pipelines/sources/limits.py (11,953 proposals in 23 languages made a few hundred MB)
MAX_RATIO = 200  # CSV compresses ~10x; a far higher ratio is a zip bomb
MAX_JSON_BYTES = 64 * 1024 * 1024
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
DEFAULT_CURRENCY = "EUR"  # Decidim.currency_unit defaults to "€"; the export has no currency column


# contract column -> the export's column names, newest first (0.30, then 0.27 and earlier)
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "proposals": {
        "proposal_id": ("id",),
        "component_id": ("component/id",),
        "author_id": ("author/id",),
        "author_name": ("author/name",),
        "state": ("state",),
        "published_at": ("published_at",),
        "withdrawn": ("withdrawn",),
        "votes": ("votes", "supports"),
        "likes_count": ("likes/total_count", "endorsements/total_count", "endorsements"),
        "comments_count": ("comments", "comments_count"),
        "reference": ("reference",),
        "answered_at": ("answered_at",),
        "url": ("url",),
        "created_at": ("created_at",),
        "updated_at": ("updated_at",),
    },
    "proposal_comments": {
        "comment_id": ("id",),
        "commentable_id": ("commentable_id",),
        "commentable_type": ("commentable_type",),
        "author_id": ("author/id",),
        "author_name": ("author/name",),
        "created_at": ("created_at",),
        "alignment": ("alignment",),
        "depth": ("depth",),
    },
    "results": {
        "result_id": ("id",),
        "parent_id": ("parent/id",),
        "component_id": ("component/id",),
        "status_key": ("status/key",),
        "progress": ("progress",),
        "start_date": ("start_date",),
        "end_date": ("end_date",),
        "url": ("url",),
        "created_at": ("created_at",),
        "updated_at": ("updated_at",),
    },
    "meetings": {
        "meeting_id": ("id",),
        "component_id": ("component/id", "component"),
        "start_time": ("start_time",),
        "end_time": ("end_time",),
        "attendees_count": ("attendees_count", "attendees"),
        "published": ("published",),
        "private_meeting": ("private_meeting",),
        "withdrawn_at": ("withdrawn_at",),
        "closed_at": ("closed_at",),
        "created_at": ("created_at",),
    },
    "projects": {
        "project_id": ("id",),
        "component_id": ("component/id",),
        "budget_id": ("budget/id",),
        "confirmed_votes": ("confirmed_votes",),
        "selected_at": ("selected_at",),
        "created_at": ("created_at",),
    },
    "users": {"user_id": ("id",), "name": ("name",), "nickname": ("nickname",), "deleted": ("deleted",)},
}
ENTITIES = tuple(COLUMNS)
MEMBER = re.compile(r".*-open-data-(" + "|".join(ENTITIES) + r")\.csv")
ANY_MEMBER = re.compile(r".*-open-data-([a-z_]+)\.csv")  # debates, posts, moderations, …: not read
# what a header needs to be recognised as an export, in words for the refusal of one that is none
EXPECTED_COLUMNS = {
    "proposals": "id, state and votes (or supports)",
    "proposal_comments": "id and commentable_id",
    "results": "id and progress (or status/key)",
    "meetings": "id, start_time and end_time (and no instructions/*, which debates have)",
    "projects": "id and budget_amount",
    "users": "id and nickname",
}
PROPOSAL_URL_ID = re.compile(r"/proposals/(\d+)/?$")
RESULT_URL_ID = re.compile(r"/results/(\d+)/?$")


def _contract(entity: str) -> TableContract:
    return load_contract(SOURCE)[entity]


_budget_currency = DEFAULT_CURRENCY


def valid_currency(code: str | None) -> str:
    """An ISO 4217 code (three letters, any case; empty means DEFAULT_CURRENCY), upper-cased."""
    code = (code or DEFAULT_CURRENCY).strip().upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise ValueError(
            f"DECIDIM_CURRENCY={code!r}: Decidim's budget currency is a three-letter ISO 4217 code, like EUR"
        )
    return code


@contextmanager
def budget_currency(code: str) -> Iterator[str]:
    """Decidim budgets parsed inside are in `code` (the export has no currency column): the raw load
    hands over the `Sources` resource's `decidim_currency`; a parser reads no environment."""
    global _budget_currency
    previous, _budget_currency = _budget_currency, valid_currency(code)
    try:
        yield _budget_currency
    finally:
        _budget_currency = previous


def _currency() -> str:
    return _budget_currency


def _pick(values: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in values:
            return values[name]
    return None


def _own_page(
    values: dict[str, str], row: dict[str, Any], record: str, id_in_path: re.Pattern, id_column: str, what: str
) -> Refused | None:
    """The row's `url`, published as its link: only an http(s) address of this very proposal or result."""
    url = (values.get("url") or "").strip()
    page = urlsplit(url)
    match = id_in_path.search(page.path)
    if url and (page.scheme not in ("http", "https") or not match or match.group(1) != str(row.get(id_column))):
        return Refused(record, "url:format", f"url is not the http(s) address of this {what}'s page", url, "url")
    row["url"] = url or None
    return None


def _derived(entity: str, values: dict[str, str], row: dict[str, Any], record: str) -> Refused | None:
    """Columns computed from others; a value that cannot be computed refuses the row."""
    if entity == "proposals" and not (row.get("withdrawn") or "").strip():
        # 0.27 marks withdrawal only by state or withdrawn_at
        row["withdrawn"] = str(row.get("state") == "withdrawn" or bool(values.get("withdrawn_at")))
    if entity == "proposals":
        refused = _own_page(values, row, record, PROPOSAL_URL_ID, "proposal_id", "proposal")
        if refused:
            return refused
    if entity == "results":
        urls = [u.strip() for u in (values.get("proposal_urls") or "").split(",") if u.strip()]
        ids = [PROPOSAL_URL_ID.search(urlsplit(u).path) for u in urls]
        if not all(ids):
            return Refused(
                record,
                "proposal_ids:format",
                "a proposal_urls entry is not a proposal URL",
                values.get("proposal_urls"),
                "proposal_ids",
            )
        row["proposal_ids"] = ",".join(m.group(1) for m in ids) or None
        refused = _own_page(values, row, record, RESULT_URL_ID, "result_id", "result")
        if refused:
            return refused
    if entity == "projects":
        amount, currency = (values.get("budget_amount") or "").strip(), _currency()
        minor = to_minor(amount, currency) if amount else None
        # an amount that is not a whole number of minor units stays as text so the integer rule names it
        row["budget_amount_minor"] = amount if amount and minor is None else minor
        row["currency"] = currency
    return None


def entity_of_header(header: list[str]) -> str | None:
    """The export a CSV header is (EXPECTED_COLUMNS), whatever the file is called, or None."""
    columns = {c.strip().lower() for c in header}
    if "id" not in columns:
        return None
    if "commentable_id" in columns:
        return "proposal_comments"
    if "budget_amount" in columns:
        return "projects"
    if "progress" in columns or "status/key" in columns:
        return "results"
    if "nickname" in columns:
        return "users"
    if {"start_time", "end_time"} <= columns and not any(c.startswith("instructions") for c in columns):
        return "meetings"
    if "state" in columns and columns & {"votes", "supports"}:
        return "proposals"
    return None


def _header(path: Path) -> list[str]:
    first = decode_text(head(path, 256 * 1024)).split("\n", 1)[0].strip()
    return [c.strip().strip('"') for c in first.split(sniff_separator(first, ";,"))]


def _columns_unrecognised(header: list[str]) -> str:
    expected = "; ".join(f"{entity}: {columns}" for entity, columns in EXPECTED_COLUMNS.items())
    return (
        "a file whose columns are none of the Decidim open-data exports this pipeline reads (a legacy or "
        f"admin download with other columns?). Each export needs: {expected}. Found: {header[:12]}. "
        "Download the open-data ZIP (/open-data/download) of Decidim 0.27 or later instead"
    )


def _not_read(entity: str) -> str:
    return f"Decidim {entity} are not read by this pipeline (it reads {', '.join(ENTITIES)})"


def _check_csv(entity: str, path: Path, landing_sha256: str, file_name: str) -> Checked:
    contract = _contract(entity)
    csv_rows = read_csv(path, separators=";,")
    rows, refused = [], list(csv_rows.refused)
    key_names = COLUMNS[entity][contract.key[0]]
    if csv_rows.rows and not any(name in csv_rows.header for name in key_names):
        # a renamed key column or a foreign separator: say so once per row rather than "required"
        detail = (
            f"the header has no {'/'.join(key_names)} column (separator {csv_rows.separator!r}, "
            f"header starts {csv_rows.header[:3]})"
        )
        refused += [Refused(record, "header:missing_key", detail) for record, _ in csv_rows.rows]
        csv_rows.rows = []
    for values in csv_rows.records():
        record = values["_record"]
        row = {column: _pick(values, names) for column, names in COLUMNS[entity].items()}
        problem = _derived(entity, values, row, record)
        if problem:
            refused.append(problem)
        else:
            rows.append(row | {"_record": record})
    frame = rows_frame(rows, [c.name for c in contract.columns])
    return check_rows(contract, frame, landing_sha256, file_name, refused)


def _file_refused(entity: str, landing_sha256: str, file_name: str, record: str, rule: str, problem: str) -> Checked:
    """A whole file, or one ZIP member (record = member name), refused unread."""
    contract = _contract(entity)
    empty = rows_frame([], [c.name for c in contract.columns])
    return check_rows(contract, empty, landing_sha256, file_name, [Refused(record, rule, problem)])


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(re.match(r"^[A-Za-z]:", name))


def _zip_problem(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    if _unsafe_name(info.filename):
        return "zip:unsafe_name", "member name escapes the archive folder (zip slip)"
    limit = limits.current().archive_member_bytes
    if info.file_size > limit:
        return "zip:member_too_large", (
            f"{info.file_size} bytes, more than {limit} (TOGETHEROS_LIMIT_ARCHIVE_MEMBER_BYTES)"
        )
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "zip:compression_ratio", f"expands {info.file_size / max(info.compress_size, 1):.0f} times"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy a member out, never past the size it declared (a lying header cannot blow up the disk)."""
    with archive.open(info) as source, target.open("wb") as out:
        remaining = info.file_size + 1
        while chunk := source.read(min(1024 * 1024, remaining)):
            remaining -= len(chunk)
            if remaining <= 0:
                raise zipfile.BadZipFile("member is larger than its header says")
            out.write(chunk)


def _member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scratch: Path, landing_sha256: str, file_name: str
) -> tuple[str, Checked | tuple[str, Path, str, str]] | None:
    """A ZIP member's entity and its refusal, or the `_check_csv` arguments of its CSV extracted as
    `scratch`.csv; None for a member we do not read (other entities, README.md, LICENSE.md)."""
    base = PurePosixPath(info.filename.replace("\\", "/")).name
    match = MEMBER.fullmatch(base)
    problem = _zip_problem(info)
    if problem is None and match is None and (ANY_MEMBER.fullmatch(base) or not base.lower().endswith(".csv")):
        return None
    entity = match.group(1) if match else "proposals"
    if problem:
        return entity, _file_refused(entity, landing_sha256, file_name, info.filename, *problem)
    target = scratch.with_suffix(".csv")
    try:
        _read_member(archive, info, target)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
        return entity, _file_refused(entity, landing_sha256, file_name, info.filename, "file:unreadable", str(error))
    if match is None:  # a CSV under another name: what its header says it is
        entity = entity_of_header(_header(target))
        if entity is None:
            problem = ("file:columns_unrecognised", _columns_unrecognised(_header(target)))
            return "proposals", _file_refused("proposals", landing_sha256, file_name, info.filename, *problem)
    return entity, (entity, target, landing_sha256, f"{file_name}!{info.filename}")


def _parse_zip(path: Path, landing_sha256: str, file_name: str, map_in_order=None) -> dict[str, Checked]:
    """Every entity the export's members hold; each member read is checked by `_check_csv` through
    `map_in_order` (`parse_slices`), here by default."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        return {
            "proposals": _file_refused(
                "proposals",
                landing_sha256,
                file_name,
                "file",
                "file:unreadable",
                f"not a ZIP archive ({error})",
            )
        }
    with archive, tempfile.TemporaryDirectory() as scratch:
        members = archive.infolist()
        total = sum(i.file_size for i in members)
        most = limits.current().archive_members
        if len(members) > most:
            problem = f"{len(members)} members, more than {most} (TOGETHEROS_LIMIT_ARCHIVE_MEMBERS)"
            return {
                "proposals": _file_refused(
                    "proposals", landing_sha256, file_name, "file", "zip:too_many_members", problem
                )
            }
        if total > limits.current().archive_bytes:
            problem = (
                f"{total} bytes uncompressed, more than {limits.current().archive_bytes} "
                "(TOGETHEROS_LIMIT_ARCHIVE_BYTES)"
            )
            return {
                "proposals": _file_refused("proposals", landing_sha256, file_name, "file", "zip:too_large", problem)
            }
        # (entity, its refusal, or None where the next member checked goes), in the members' order
        order: list[tuple[str, Checked | None]] = []

        def to_check() -> Iterator[tuple[str, Path, str, str]]:
            """The `_check_csv` arguments of each member to read, extracted as they are asked for."""
            for index, info in enumerate(members):
                read = _member(archive, info, Path(scratch) / str(index), landing_sha256, file_name)
                if read is not None:
                    entity, outcome = read
                    order.append((entity, outcome if isinstance(outcome, Checked) else None))
                    if not isinstance(outcome, Checked):
                        yield outcome

        results = iter(list((map_in_order or starmap)(_check_csv, to_check())))
    parts: dict[str, list[Checked]] = {}
    for entity, refusal in order:
        parts.setdefault(entity, []).append(next(results) if refusal is None else refusal)
    if not parts:
        found = [i.filename for i in members][:12]
        problem = f"a ZIP holding none of the Decidim open-data CSVs this pipeline reads (members: {found})"
        return {"proposals": _file_refused("proposals", landing_sha256, file_name, "file", "zip:no_export", problem)}
    return {entity: combine(checked) for entity, checked in parts.items()}


def _proposal_connections(data: Any) -> Iterator[tuple[Any, list]]:
    """(component id, edges) of every `proposals` connection anywhere in a GraphQL answer."""
    if isinstance(data, dict):
        connection = data.get("proposals")
        if isinstance(connection, dict) and isinstance(connection.get("edges"), list):
            yield data.get("id"), connection["edges"]
        elif isinstance(connection, dict) and isinstance(connection.get("nodes"), list):
            yield data.get("id"), [{"node": node} for node in connection["nodes"]]
        elif isinstance(connection, list):  # a dump that flattened the connection to its nodes
            yield data.get("id"), [{"node": node} for node in connection]
        for key, value in data.items():
            if key != "proposals":
                yield from _proposal_connections(value)
    elif isinstance(data, list):
        for item in data:
            yield from _proposal_connections(item)


def _graphql_proposal(node: dict, component_id: Any) -> dict[str, Any]:
    author = node.get("author") if isinstance(node.get("author"), dict) else {}
    text = {k: v if not isinstance(v, dict | list) else json.dumps(v) for k, v in node.items()}
    return {
        "proposal_id": text.get("id"),
        "component_id": component_id,
        "author_id": author.get("id"),
        "author_name": author.get("name"),
        "state": text.get("state"),
        "published_at": text.get("publishedAt"),
        "withdrawn": str(bool(node.get("withdrawnAt")) or node.get("state") == "withdrawn"),
        "votes": text.get("voteCount"),
        "likes_count": text.get("endorsementsCount"),
        "comments_count": text.get("totalCommentsCount"),
        "reference": text.get("reference"),
        "answered_at": text.get("answeredAt"),
        "created_at": text.get("createdAt"),
        "updated_at": text.get("updatedAt"),
    }


def _parse_graphql(path: Path, landing_sha256: str, file_name: str) -> dict[str, Checked]:
    contract = _contract("proposals")
    if path.stat().st_size > MAX_JSON_BYTES:
        return {
            "proposals": _file_refused(
                "proposals",
                landing_sha256,
                file_name,
                "file",
                "file:too_large",
                f"more than {MAX_JSON_BYTES} bytes",
            )
        }
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        return {
            "proposals": _file_refused(
                "proposals", landing_sha256, file_name, "file", "file:unreadable", f"not JSON ({error})"
            )
        }
    # a GraphQL answer ({"data": …}) or a dump of what it holds (the API's objects without the wrapper)
    answer = data.get("data") if isinstance(data, dict) and "data" in data else data
    connections = list(_proposal_connections(answer))
    if not connections:
        return {
            "proposals": _file_refused(
                "proposals",
                landing_sha256,
                file_name,
                "file",
                "file:shape",
                "JSON without proposals in it (a GraphQL answer or API dump with "
                "…proposals { edges { node } } or { nodes }): save the answer of a proposals query",
            )
        }
    rows, refused = [], []
    for number, (component_id, edges) in enumerate(connections):
        for index, edge in enumerate(edges):
            record = f"$.data..proposals[{number}].edges[{index}]"
            node = edge.get("node") if isinstance(edge, dict) else None
            if isinstance(node, dict):
                rows.append(_graphql_proposal(node, component_id) | {"_record": record})
            else:
                refused.append(
                    Refused(record, "record:not_object", "edge without a node object", json.dumps(edge)[:200])
                )
    frame = rows_frame(rows, [c.name for c in contract.columns])
    return {"proposals": check_rows(contract, frame, landing_sha256, file_name, refused)}


def parse(path: Path, file_name: str, landing_sha256: str, map_in_order=None) -> dict[str, Checked]:
    """Every entity one Decidim file holds, recognised by name or content; anything else is refused
    whole with the reason (never ignored). A ZIP's members are checked through `map_in_order`."""
    name = Path(file_name).name
    if problem := spreadsheet(path, file_name):
        return {"proposals": _file_refused("proposals", landing_sha256, file_name, "file", SPREADSHEET_RULE, problem)}
    if name.endswith(".zip") or is_zip(path):
        return _parse_zip(path, landing_sha256, file_name, map_in_order)
    match = MEMBER.fullmatch(name)
    if match is None and head(path, 64).lstrip()[:1] in (b"{", b"["):
        return _parse_graphql(path, landing_sha256, file_name)
    if match is None and (other := ANY_MEMBER.fullmatch(name)):
        return {
            "proposals": _file_refused(
                "proposals", landing_sha256, file_name, "file", "file:not_read", _not_read(other.group(1))
            )
        }
    entity = match.group(1) if match else entity_of_header(_header(path))
    if entity is None:
        problem = _columns_unrecognised(_header(path))
        return {
            "proposals": _file_refused(
                "proposals", landing_sha256, file_name, "file", "file:columns_unrecognised", problem
            )
        }
    if path.stat().st_size > limits.current().archive_member_bytes:
        too_large = f"more than {limits.current().archive_member_bytes} bytes"
        return {entity: _file_refused(entity, landing_sha256, file_name, "file", "file:too_large", too_large)}
    return {entity: _check_csv(entity, path, landing_sha256, file_name)}


def parsed_bytes(path: Path, size: int) -> int:
    """What parsing the file (of `size` bytes) reads: a ZIP export's members uncompressed (the 10M bench's
    26 MB export holds 231 MB of CSV), any other file's bytes."""
    try:
        if is_zip(path):
            with zipfile.ZipFile(path) as archive:
                return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        pass  # refused when it is parsed
    return size


def in_slices(file_name: str) -> bool:
    """A ZIP export is read by `parse_slices`, so that its members are checked on both cores; any other
    file by `parse` (read ahead whole by the raw load's workers)."""
    return file_name.lower().endswith(".zip")


def parse_slices(path: Path, file_name: str, landing_sha256: str, map_in_order=None) -> Iterator[dict[str, Checked]]:
    """`parse`, each ZIP member extracted here and checked through `map_in_order` (the raw load's workers:
    the 10M bench's export holds a 110 MB and a 90 MB member)."""
    yield parse(path, file_name, landing_sha256, map_in_order)
