"""The private federation extract (docs/federation.md, "The private federation extract"): what lets a hub
publish exact distinct people across its members, which public releases cannot give.

At the city, beside each release (never inside it): for every group and month, the sorted federation
pseudonyms of the people counted, signed by the city's release key and sealed (PyNaCl SealedBox) to the
hub's box key, so only that hub can read it. A federation pseudonym is a keyed HMAC of the normalised
email under a key the members of a federation share: the same email in two cities is the same pseudonym,
so the hub counts that person once. (A person with different emails in two cities is counted twice; one
known by no email is counted once per city.)

File: `<releases>/<release id>.extract` = SealedBox(signature (64 bytes, ed25519) || payload), where the
payload is sorted, compact JSON (the same release and data give the same bytes; only the sealing, which
uses a fresh ephemeral key, differs between two writes):

    {"format": "togetheros-federation-extract/1",
     "release": {"id": "<release id>", "descriptor_sha256": "<hex>"},
     "key_id": "<the release key's id>",
     "figures": {"participation_monthly.active_members": [{"group_id", "month", "people": [sorted]}, ...],
                 "governance_support_points.allocators": [...],
                 "governance_turnout.voters": [...],
                 "participation_inequality.contributions":
                     [{"group_id", "month", "people": [sorted], "contributions": [each one's, same order]}, ...],
                 "delivery_rates.days_to_delivery":
                     [{"group_id", "month": <decision month>, "days": [ascending], "decisions": [how many]}, ...]}}

A hub reads the figures it knows and ignores others; a figure an extract lacks is not exact at the hub.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import VerifyKey

from pipelines.federation import exact
from pipelines.release import layout
from pipelines.release.hashing import sha256_file
from pipelines.release.signing import SigningKeyConfig, key_id

FORMAT = "togetheros-federation-extract/1"
SUFFIX = ".extract"
FEDERATION_KEY_ENV = "TOGETHEROS_FEDERATION_PSEUDONYM_KEY"
HUB_BOX_PUBLIC_KEY_ENV = "TOGETHEROS_HUB_BOX_PUBLIC_KEY"
# under a data dir's keys/: the demo's wiring when the variables are unset (togetheros demo --federation)
FEDERATION_KEY_FILE = "federation-pseudonym.key"
HUB_BOX_PUBLIC_FILE = "hub-box.pub"
HUB_BOX_PRIVATE_FILE = "federation-box.key"  # the hub's own private key (never leaves the hub)
PSEUDONYM_HEX = 32  # 128 bits: no collision among any federation's people
SIGNATURE_BYTES = 64
MAX_EXTRACT_BYTES = 1 << 30

ACTIVE_MEMBERS = "participation_monthly.active_members"
ALLOCATORS = "governance_support_points.allocators"
VOTERS = "governance_turnout.voters"
CONTRIBUTIONS = "participation_inequality.contributions"
DELIVERY_DAYS = "delivery_rates.days_to_delivery"
# The two parallel lists of each entry of these figures: a person's or a number of days' entry, and its count.
CONTRIBUTIONS_FIELDS = ("people", "contributions")
DELIVERY_DAYS_FIELDS = ("days", "decisions")
# each figure's people per (group, month), with the mart whose count it must equal (same definition)
FIGURE_QUERIES = {
    ACTIVE_MEMBERS: (
        "select group_id, month, actor_id as person from marts.fct_member_months",
        "select group_id, month, active_members as people from marts.mart_active_members_monthly",
    ),
    ALLOCATORS: (
        # as marts.mart_support_points_monthly counts its allocators
        """select groups.ancestor_id as group_id, cast(date_trunc('month', a.created_at) as date) as month,
               coalesce(members.member_id, a.member_id) as person
           from staging.stg_togetheros__support_points_allocations as a
           inner join intermediate.int_groups as groups on a.group_id = groups.group_id
           left join intermediate.int_members as members
               on members.source = 'togetheros' and a.member_id = members.source_user_id
           where a.status = 'active'""",
        "select group_id, month, allocators as people from marts.mart_support_points_monthly",
    ),
    VOTERS: (
        # as marts.mart_vote_turnout counts its voters: in the months the group had active members
        """select groups.ancestor_id as group_id, cast(date_trunc('month', events.ts) as date) as month,
               events.actor_id as person
           from intermediate.int_activity_events as events
           inner join intermediate.int_groups as groups on events.context = groups.group_id
           inner join marts.mart_active_members_monthly as active
               on groups.ancestor_id = active.group_id and cast(date_trunc('month', events.ts) as date) = active.month
           where events.verb = 'proposal.voted' and events.actor_id is not null""",
        "select group_id, month, voters as people from marts.mart_vote_turnout",
    ),
}
CONTRIBUTIONS_QUERIES = (
    "select group_id, month, actor_id as person, contributions from marts.fct_member_months",
    "select group_id, month, active_members, contributions, gini, absence_factor "
    "from marts.mart_contribution_inequality",
)
DELIVERY_DAYS_QUERIES = (
    # as marts.mart_delivery_by_cohort finds its median days to delivery
    """select groups.ancestor_id as group_id, decisions.decision_month as month,
           date_diff('day', decisions.decided_on, decisions.delivered_on) as days, count(*) as decisions
       from marts.fct_approved_decisions as decisions
       inner join intermediate.int_groups as groups on decisions.group_id = groups.group_id
       where decisions.is_delivered
       group by all""",
    "select group_id, decision_month, decisions_delivered, median_days_to_delivery from marts.mart_delivery_by_cohort "
    "where decisions_delivered > 0",
)
# where a source keeps emails (normalised as macros/person_key.sql does): raw table, email column, account id
# column, int_members' source; the time bank's hours name people by email, the account itself (its pseudonym)
EMAIL_ACCOUNTS = (
    ("togetheros__users", "email", "user_id", "togetheros"),
    ("discourse__users", "email", "user_id", "discourse"),
    ("timeoverflow__users", "email", "user_id", "timeoverflow"),
)
HOURS_TABLE, HOURS_COLUMNS, HOURS_SOURCE = "timeoverflow__hours", ("provider", "receiver"), "timebank_hours"


class ExtractRefused(Exception):
    def __init__(self, refusal: str, reason: str):
        super().__init__(reason)
        self.refusal, self.reason = refusal, reason


def _key(text: str, origin: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise ValueError(f"{origin} is not valid base64: {error}") from None
    if len(raw) != size:
        raise ValueError(f"{origin} must be the base64 of a {size}-byte key, got {len(raw)} bytes")
    return raw


def _setting(env: Mapping[str, str], name: str, keys_dir: Path, file_name: str) -> str:
    value = env.get(name, "").strip()
    path = keys_dir / file_name
    return value or (path.read_text().strip() if path.is_file() else "")


@dataclass(frozen=True)
class CityExtractKeys:
    """What a city needs to write an extract: the federation's shared pseudonym key and the hub's box key."""

    federation_key: bytes
    hub_box_public: bytes

    @classmethod
    def from_env(cls, env: Mapping[str, str], keys_dir: Path) -> CityExtractKeys | None:
        """From the variables, else the demo's files under keys_dir; None (no extract) unless both are set."""
        federation = _setting(env, FEDERATION_KEY_ENV, keys_dir, FEDERATION_KEY_FILE)
        box = _setting(env, HUB_BOX_PUBLIC_KEY_ENV, keys_dir, HUB_BOX_PUBLIC_FILE)
        if not federation or not box:
            return None
        return cls(federation.encode(), parse_box_public_key(box))


def parse_box_public_key(text: str, origin: str = HUB_BOX_PUBLIC_KEY_ENV) -> bytes:
    return _key(text, origin, 32)


def federation_pseudonym(federation_key: bytes, value: str) -> str:
    return hmac.new(federation_key, value.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = ?", [schema])
    return {name for (name,) in rows.fetchall()}


def person_pseudonyms(con: duckdb.DuckDBPyConnection, instance_key: bytes, federation_key: bytes) -> dict[str, str]:
    """member id -> federation pseudonym for every person with an email in the raw tables: each account's
    email, and its member id as int_members resolved it (identity links included). A member with several
    emails takes the least of their pseudonyms, so the same emails give the same one in every city."""
    from pipelines.dbt_plugins.pseudonym import pseudonym

    present = _tables(con, "raw")
    members = {
        (source, account): member
        for source, account, member in con.sql(
            "select source, source_user_id, member_id from intermediate.int_members"
        ).fetchall()
    }
    accounts: list[tuple[str, str, str]] = []  # (source, account id, normalised email)
    for table, email, account, source in EMAIL_ACCOUNTS:
        if table in present:
            rows = con.sql(
                f"select distinct cast({account} as string), nullif(lower(trim({email})), '') from raw.{table}"
            ).fetchall()
            accounts += [(source, account_id, address) for account_id, address in rows if address]
    if HOURS_TABLE in present:
        for column in HOURS_COLUMNS:
            rows = con.sql(
                f"select distinct nullif(lower(trim({column})), '') from raw.{HOURS_TABLE} where {column} like '%@%'"
            ).fetchall()
            accounts += [(HOURS_SOURCE, pseudonym(instance_key, address), address) for (address,) in rows if address]
    found: dict[str, str] = {}
    for source, account_id, address in accounts:
        member = members.get((source, account_id))
        if member is not None:
            candidate = federation_pseudonym(federation_key, address)
            found[member] = min(found.get(member, candidate), candidate)
    return found


def extract_figures(con: duckdb.DuckDBPyConnection, instance_key: bytes, federation_key: bytes) -> dict[str, list]:
    """Each figure per group and month: sorted federation pseudonyms (with each one's contributions for
    the inequality figure) or days to delivery, each checked against what the city's marts say of it.
    A person known by no email gets a pseudonym of their instance-keyed id: never the same in two cities."""
    from pipelines.dbt_plugins.pseudonym import pseudonym

    by_member = person_pseudonyms(con, instance_key, federation_key)

    def federation_person(person: str) -> str:
        return by_member.get(person) or federation_pseudonym(federation_key, "local:" + pseudonym(instance_key, person))

    figures: dict[str, list] = {}
    for figure, (people_sql, count_sql) in FIGURE_QUERIES.items():
        people: dict[tuple[str, str], set[str]] = {}
        for group_id, month, person in con.sql(people_sql).fetchall():
            people.setdefault((group_id, month.isoformat()), set()).add(federation_person(person))
        counts = {(g, m.isoformat()): n for g, m, n in con.sql(count_sql).fetchall()}
        if {key: len(names) for key, names in people.items()} != counts:
            raise ValueError(f"federation extract: {figure}: the people listed do not add up to the mart's counts")
        figures[figure] = [{"group_id": g, "month": m, "people": sorted(people[(g, m)])} for g, m in sorted(people)]
    figures[CONTRIBUTIONS] = _contributions(con, federation_person)
    figures[DELIVERY_DAYS] = _delivery_days(con)
    return figures


def _contributions(con: duckdb.DuckDBPyConnection, federation_person) -> list[dict]:
    """Each active person's contributions per group and month; refused unless the people, their sum, the
    Gini and the absence factor computed from them are the mart's (exact's arithmetic is the hub's)."""
    people_sql, mart_sql = CONTRIBUTIONS_QUERIES
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for group_id, month, person, contributions in con.sql(people_sql).fetchall():
        cell = cells.setdefault((group_id, month.isoformat()), {})
        known = federation_person(person)
        cell[known] = cell.get(known, 0) + contributions
    found = {
        key: (len(cell), sum(cell.values()), exact.gini(cell.values()), exact.absence_factor(cell.values()))
        for key, cell in cells.items()
    }
    marts = {
        (g, m.isoformat()): (n, total, gini, absence) for g, m, n, total, gini, absence in con.sql(mart_sql).fetchall()
    }
    if found != marts:
        raise ValueError(
            f"federation extract: {CONTRIBUTIONS}: the contributions listed do not give the mart's figures"
        )
    return parallel_entries(cells, *CONTRIBUTIONS_FIELDS)


def _delivery_days(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """How many decisions were delivered after how many days, per group and decision month; refused unless
    the count and the median are the mart's."""
    days_sql, mart_sql = DELIVERY_DAYS_QUERIES
    cells: dict[tuple[str, str], dict[int, int]] = {}
    for group_id, month, days, decisions in con.sql(days_sql).fetchall():
        cells.setdefault((group_id, month.isoformat()), {})[days] = decisions
    found = {key: (sum(cell.values()), exact.median_tenths(cell)) for key, cell in cells.items()}
    marts = {(g, m.isoformat()): (n, median) for g, m, n, median in con.sql(mart_sql).fetchall()}
    if found != marts:
        raise ValueError(f"federation extract: {DELIVERY_DAYS}: the days listed do not give the mart's medians")
    return parallel_entries(cells, *DELIVERY_DAYS_FIELDS)


def parallel_entries(cells: dict[tuple[str, str], dict], keys: str, values: str) -> list[dict]:
    """One entry per (group, month): its cell's keys sorted, and their values in the same order."""
    return [
        {"group_id": g, "month": m, keys: sorted(cell), values: [cell[key] for key in sorted(cell)]}
        for (g, m), cell in sorted(cells.items())
    ]


def extract_payload(release_dir: Path, signing_key: SigningKeyConfig, figures: dict[str, list]) -> bytes:
    """The payload's deterministic bytes, bound to the release (its id and descriptor sha256)."""
    document = {
        "format": FORMAT,
        "release": {"id": release_dir.name, "descriptor_sha256": sha256_file(release_dir / layout.DESCRIPTOR)},
        "key_id": signing_key.key_id,
        "figures": figures,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def seal(payload: bytes, signing_key: SigningKeyConfig, hub_box_public: bytes) -> bytes:
    """The extract file's bytes: the city's signature and the payload, sealed to the hub's box key."""
    signed = base64.b64decode(signing_key.sign(payload)) + payload
    return SealedBox(PublicKey(hub_box_public)).encrypt(signed)


def extract_path(releases_dir: Path, release_id: str) -> Path:
    return Path(releases_dir) / f"{release_id}{SUFFIX}"


def write_extract(release_dir: Path, sealed: bytes) -> Path:
    """<releases>/<id>.extract beside the release folder (temporary file, then rename)."""
    target = extract_path(release_dir.parent, release_dir.name)
    temporary = release_dir.parent / f".tmp-release-{uuid.uuid4().hex}{SUFFIX}"  # cleaned after a crash
    temporary.write_bytes(sealed)
    os.replace(temporary, target)
    return target


def write_city_extract(
    con: duckdb.DuckDBPyConnection,
    release_dir: Path,
    signing_key: SigningKeyConfig,
    keys: CityExtractKeys,
    instance_key: bytes,
) -> Path:
    figures = extract_figures(con, instance_key, keys.federation_key)
    return write_extract(
        release_dir, seal(extract_payload(release_dir, signing_key, figures), signing_key, keys.hub_box_public)
    )


# --- the hub's side ---


def hub_box_key(keys_dir: Path, create: bool = False) -> PrivateKey | None:
    """The hub's private box key (keys/federation-box.key, base64), made on request; None if absent."""
    path = Path(keys_dir) / HUB_BOX_PRIVATE_FILE
    if not path.is_file():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(bytes(PrivateKey.generate())).decode() + "\n")
        path.chmod(0o600)
    return PrivateKey(_key(path.read_text(), str(path), 32))


def public_key_text(box_key: PrivateKey) -> str:
    return base64.b64encode(bytes(box_key.public_key)).decode("ascii")


def open_extract(
    sealed: bytes, box_key: PrivateKey, member_key: bytes, release_id: str, descriptor_sha256: str
) -> tuple[bytes, dict]:
    """The verified payload (bytes and document) of a member's extract for its accepted release
    release_id; ExtractRefused naming the check otherwise."""
    try:
        signed = SealedBox(box_key).decrypt(sealed)
    except CryptoError:
        raise ExtractRefused(
            "extract seal",
            "cannot be opened with the hub's box key: its bytes were changed, or it was sealed to another key",
        ) from None
    signature, payload = signed[:SIGNATURE_BYTES], signed[SIGNATURE_BYTES:]
    try:
        VerifyKey(member_key).verify(payload, signature)
    except (BadSignatureError, ValueError):
        raise ExtractRefused(
            "extract signature", f"not signed by the member's key in effect ({key_id(member_key)})"
        ) from None
    try:
        document = json.loads(payload)
        bound = document["release"]
        figures = document["figures"]
        if document.get("format") != FORMAT or not isinstance(figures, dict):
            raise ValueError(f"its format is not {FORMAT}")
    except (ValueError, KeyError, TypeError) as error:
        raise ExtractRefused("extract format", f"not a federation extract: {error}") from None
    if bound != {"id": release_id, "descriptor_sha256": descriptor_sha256}:
        raise ExtractRefused(
            "extract binding",
            f"bound to release {bound.get('id') if isinstance(bound, dict) else bound!r}, not to the accepted "
            f"release {release_id} (descriptor {descriptor_sha256[:12]}…)",
        )
    return payload, document
