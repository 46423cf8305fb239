"""federation.yaml, the hub's configuration, in the community folder (data/inbox/community/):

    hub: {name: TogetherOS Iberia}
    groups:                      # the hub's own hierarchy; members' groups become children of these
      - {id: iberia, name: TogetherOS Iberia, level: national}
      - {id: north, name: North Network, level: regional, parent: iberia}
    members:
      - name: girona                                   # [a-z0-9-], the member's name at this hub
        releases: https://girona.example.org/releases  # or a folder (relative to this file)
        group: north                                   # the hub group it belongs under
        public_key: MCowBQYDK2VwAyEA...                # base64 ed25519, as in its signing-key.pub
        max_age_days: 45                               # older data is shown as stale (default 45)
        max_download_bytes: 2147483648                 # a bigger download is refused (default 2 GiB)

Every problem is a `FederationConfigError` naming the file and the field (members[2].public_key)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.release.signing import key_id, parse_public_key

FILE_NAME = "federation.yaml"
LEVELS = ("local", "regional", "national", "global")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DEFAULT_MAX_AGE_DAYS = 45
DEFAULT_MAX_DOWNLOAD_BYTES = 2 << 30  # as much as a release may unpack to (pipelines.release.archive)


class FederationConfigError(ValueError):
    pass


@dataclass(frozen=True)
class HubGroup:
    group_id: str
    name: str
    level: str
    parent_id: str | None


@dataclass(frozen=True)
class Member:
    name: str
    releases: str  # a folder path (absolute) or an http(s) URL of the member's releases/ folder
    group: str
    public_key: bytes
    max_age_days: int
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES

    @property
    def is_http(self) -> bool:
        return self.releases.startswith(("http://", "https://"))

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


@dataclass(frozen=True)
class FederationConfig:
    path: Path
    hub_name: str
    groups: tuple[HubGroup, ...]
    members: tuple[Member, ...]

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)


def config_path(community_dir: Path) -> Path:
    return Path(community_dir) / FILE_NAME


def _field(where: str, entry: dict, name: str, kind: type, required: bool = True, default=None):
    value = entry.get(name, default)
    if value is None and not required:
        return None
    if value is None:
        raise FederationConfigError(f"{where}.{name}: missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FederationConfigError(f"{where}.{name}: must be a {kind.__name__}, got {value!r}")
    return value


def load_config(path: Path) -> FederationConfig:
    """The hub configuration at path; FederationConfigError naming file and field if it is not one."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FederationConfigError(f"{path}: cannot read it as YAML: {error}") from None
    try:
        return _parse(path, document)
    except FederationConfigError as error:
        raise FederationConfigError(f"{path}: {error}") from None


def _parse(path: Path, document: object) -> FederationConfig:
    if not isinstance(document, dict):
        raise FederationConfigError("the file must hold a mapping with hub, groups and members")
    unknown = set(document) - {"hub", "groups", "members"}
    if unknown:
        raise FederationConfigError(f"unknown field(s) {', '.join(sorted(unknown))} (allowed: hub, groups, members)")
    hub = _field("hub", {"hub": document.get("hub")}, "hub", dict)
    hub_name = _field("hub", hub, "name", str)
    groups = []
    for index, entry in enumerate(_field("file", document, "groups", list)):
        where = f"groups[{index}]"
        if not isinstance(entry, dict):
            raise FederationConfigError(f"{where}: must be a mapping with id, name, level and parent")
        level = _field(where, entry, "level", str)
        if level not in LEVELS:
            raise FederationConfigError(f"{where}.level: {level!r} is not one of {', '.join(LEVELS)}")
        group = HubGroup(
            _field(where, entry, "id", str),
            _field(where, entry, "name", str),
            level,
            _field(where, entry, "parent", str, False),
        )
        groups.append(group)
    ids = [g.group_id for g in groups]
    for index, group in enumerate(groups):
        if ids.count(group.group_id) > 1:
            raise FederationConfigError(f"groups[{index}].id: {group.group_id!r} is used twice")
        if group.parent_id is not None and group.parent_id not in ids:
            raise FederationConfigError(f"groups[{index}].parent: {group.parent_id!r} is not a group of this file")
    if sum(g.parent_id is None for g in groups) != 1:
        raise FederationConfigError("groups: exactly one group must have no parent (the hub's root)")
    members = []
    for index, entry in enumerate(_field("file", document, "members", list)):
        where = f"members[{index}]"
        if not isinstance(entry, dict):
            raise FederationConfigError(f"{where}: must be a mapping with name, releases, group and public_key")
        name = _field(where, entry, "name", str)
        if not NAME.match(name):
            raise FederationConfigError(f"{where}.name: {name!r} must be lower-case letters, digits and '-'")
        if name in {m.name for m in members}:
            raise FederationConfigError(f"{where}.name: {name!r} is used twice")
        releases = _field(where, entry, "releases", str)
        if not releases.startswith(("http://", "https://")):
            releases = str((path.parent / releases).resolve())
        group = _field(where, entry, "group", str)
        if group not in ids:
            raise FederationConfigError(f"{where}.group: {group!r} is not one of the groups ({', '.join(ids)})")
        try:
            public_key = parse_public_key(_field(where, entry, "public_key", str), f"{where}.public_key")
        except ValueError as error:
            raise FederationConfigError(str(error)) from None
        max_age = _field(where, entry, "max_age_days", int, default=DEFAULT_MAX_AGE_DAYS)
        if max_age < 1:
            raise FederationConfigError(f"{where}.max_age_days: must be 1 or more, got {max_age}")
        max_bytes = _field(where, entry, "max_download_bytes", int, default=DEFAULT_MAX_DOWNLOAD_BYTES)
        if max_bytes < 1:
            raise FederationConfigError(f"{where}.max_download_bytes: must be 1 or more, got {max_bytes}")
        members.append(Member(name, releases.rstrip("/"), group, public_key, max_age, max_bytes))
    if not members:
        raise FederationConfigError("members: a hub needs at least one member")
    return FederationConfig(path, hub_name, tuple(groups), tuple(members))
