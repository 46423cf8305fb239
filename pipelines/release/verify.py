"""Verify a release independently: signature, hashes, file set, schemas, row counts, Frictionless, recompute
rules, who signed it (a pinned key followed along the chain through rotation statements), and optionally
every earlier release.

    togetheros verify PATH [--key PUBKEY_FILE] [--chain] [--trust-file FILE] [--community NAME]
    python -m pipelines.release.verify PATH ...

Needs only duckdb, pynacl and frictionless. `verify_release` is the library entry point; the trust file
(last release accepted per community) is pipelines.release.trust.
"""

from __future__ import annotations

import base64
import csv
import difflib
import json
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipelines.release import layout
from pipelines.release.descriptor import resource_rows
from pipelines.release.hashing import parse_sha256sums, sha256_bytes, sha256_file
from pipelines.release.lineage import RESOURCE
from pipelines.release.quarantine import unpublished_reason
from pipelines.release.recompute import RuleError, recompute_problems, rule_name
from pipelines.release.signing import (
    SSHSIG_NAMESPACE,
    Rotation,
    key_id,
    parse_public_key,
    parse_rotation,
    signature_is_valid,
    sshsig_verify,
)
from pipelines.release.tables import (
    connect,
    count_rows,
    parquet_columns,
    quote_identifier,
    quote_literal,
    table_schema_type,
)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "pass", "warn" or "fail"
    message: str


@dataclass(frozen=True)
class Accepted:
    """The last release a verifier accepted from a community: what a trust file or a federation hub keeps."""

    release_id: str
    descriptor_sha256: str
    created: str
    public_key: bytes  # the key in effect at that release (after any rotation it carried)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


@dataclass
class VerifyReport:
    release: Path
    checks: list[Check] = field(default_factory=list)
    release_id: str | None = None
    descriptor_sha256: str | None = None
    created: str | None = None
    # The key that signed the release as followed from the pin (or, unpinned, from the oldest release read).
    signer_key: bytes | None = None
    pinned: bool = False  # True when signer_key was checked against a pinned key or a last accepted release

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if check.status == "fail"]

    def passed(self, name: str, message: str) -> None:
        self.checks.append(Check(name, "pass", message))

    def warn(self, name: str, message: str) -> None:
        self.checks.append(Check(name, "warn", message))

    def fail(self, name: str, message: str) -> None:
        self.checks.append(Check(name, "fail", message))

    def messages(self) -> list[str]:
        return [f"{check.name}: {check.message}" for check in self.problems]

    def accepted(self) -> Accepted | None:
        """What to record as the last accepted release, if this one verified against a pin."""
        if not (self.ok and self.pinned and self.signer_key and self.release_id and self.descriptor_sha256):
            return None
        return Accepted(self.release_id, self.descriptor_sha256, self.created or "", self.signer_key)


@dataclass
class Release:
    """What every check reads: the folder, the descriptor bytes and their parse, the SHA256SUMS entries."""

    path: Path
    descriptor_bytes: bytes
    descriptor: dict
    sums_bytes: bytes | None
    sums: dict[str, str]
    sums_problems: list[str] = field(default_factory=list)

    def resources(self, file_format: str | None = None) -> list[dict]:
        return [r for r in self.descriptor.get("resources", []) if file_format in (None, r.get("format"))]

    @property
    def id(self) -> str:
        return str(self.descriptor.get("id", ""))

    @property
    def created(self) -> str:
        return str(self.descriptor.get("created", ""))

    @property
    def descriptor_sha256(self) -> str:
        return sha256_bytes(self.descriptor_bytes)

    @property
    def signing(self) -> dict:
        return self.descriptor.get("togetheros:signing") or {}

    @property
    def previous(self) -> dict | None:
        return self.descriptor.get("togetheros:previous")

    def published_key(self) -> bytes | None:
        """The key in the release's own signing-key.pub (anyone who changed the release could change it too)."""
        try:
            return parse_public_key((self.path / layout.PUBLIC_KEY).read_text(), layout.PUBLIC_KEY)
        except (OSError, ValueError):
            return None

    def signature(self) -> str:
        try:
            return (self.path / layout.SIGNATURE).read_text()
        except OSError:
            return ""

    def signed_by(self, public_key: bytes) -> bool:
        return signature_is_valid(self.descriptor_bytes, self.signature(), public_key)


def _is_safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def check_signature(report: VerifyReport, release: Release) -> None:
    """The release is consistent with the key it ships (who that key belongs to is check_signer's job)."""
    name = "signature"
    try:
        published = parse_public_key((release.path / layout.PUBLIC_KEY).read_text(), layout.PUBLIC_KEY)
        signature = (release.path / layout.SIGNATURE).read_text()
    except (OSError, ValueError) as error:
        report.fail(name, f"cannot read the signature or the published key: {error}")
        return
    if not signature_is_valid(release.descriptor_bytes, signature, published):
        report.fail(
            name,
            f"{layout.SIGNATURE} does not verify {layout.DESCRIPTOR} with {layout.PUBLIC_KEY} "
            f"(key id {key_id(published)}): the descriptor or the signature was changed",
        )
    else:
        report.passed(name, f"{layout.DESCRIPTOR} is signed by the key it ships, {key_id(published)}")
    signing = release.signing
    if signing.get("key_id") != key_id(published):
        report.fail(
            "signing key id",
            f"the descriptor names key {signing.get('key_id')} but {layout.PUBLIC_KEY} holds key {key_id(published)}",
        )
    if "public_key" in signing and signing["public_key"] != base64.b64encode(published).decode("ascii"):
        report.fail("signing key id", f"the descriptor's public_key is not the key in {layout.PUBLIC_KEY}")
    if signing.get("development_key"):
        report.warn(
            "signing key",
            "signed with a DEVELOPMENT key: the signature proves integrity, not who published the release",
        )
    _check_sshsig(report, release, published)


def _check_sshsig(report: VerifyReport, release: Release, published: bytes) -> None:
    """The OpenSSH copy of the signature (what `ssh-keygen -Y verify` checks) says the same."""
    name = "OpenSSH signature"
    declared = release.signing.get("sshsig")
    if not declared:
        report.warn(name, f"no {layout.SSH_SIGNATURE}: this release predates OpenSSH signatures")
        return
    if declared.get("file") != layout.SSH_SIGNATURE or declared.get("namespace") != SSHSIG_NAMESPACE:
        report.fail(name, f"the descriptor declares an unknown OpenSSH signature: {declared}")
        return
    try:
        signer = sshsig_verify((release.path / layout.SSH_SIGNATURE).read_text(), release.descriptor_bytes)
    except (OSError, ValueError) as error:
        report.fail(name, f"{layout.SSH_SIGNATURE}: {error}")
        return
    if signer != published:
        report.fail(name, f"{layout.SSH_SIGNATURE} is signed by key {key_id(signer)}, not {key_id(published)}")
        return
    allowed = release.path / layout.ALLOWED_SIGNERS
    try:
        allowed_key = base64.b64decode(allowed.read_text().split()[-1])[-32:]
    except (OSError, ValueError, IndexError):
        allowed_key = b""
    if allowed_key != published:
        report.fail(name, f"{layout.ALLOWED_SIGNERS} does not hold the release key {key_id(published)}")
        return
    report.passed(name, f"{layout.SSH_SIGNATURE} (namespace {SSHSIG_NAMESPACE}) verifies with the same key")


def read_rotation(release: Release) -> Rotation:
    """The release's rotation statement, checked against its descriptor; ValueError saying what is wrong."""
    declared = release.signing.get("rotation") or {}
    try:
        data = (release.path / layout.ROTATION).read_bytes()
        signature = (release.path / layout.ROTATION_SIGNATURE).read_text()
    except OSError as error:
        raise ValueError(f"the descriptor names a rotation statement but it cannot be read: {error}") from None
    if sha256_bytes(data) != declared.get("sha256"):
        raise ValueError(
            f"{layout.ROTATION} has sha256 {sha256_bytes(data)}, the descriptor says {declared.get('sha256')}"
        )
    rotation = parse_rotation(data, signature)
    previous = release.previous or {}
    if (rotation.previous_id, rotation.previous_descriptor_sha256) != (
        previous.get("id"),
        previous.get("descriptor_sha256"),
    ):
        raise ValueError(
            f"the statement hands the key over after release {rotation.previous_id}, but this release follows "
            f"{previous.get('id')}"
        )
    if rotation.new_public_key != release.published_key():
        raise ValueError(f"the statement hands over to key {rotation.new_key_id}, not to this release's key")
    return rotation


def check_rotation(report: VerifyReport, release: Release) -> None:
    if not release.signing.get("rotation"):
        return
    try:
        rotation = read_rotation(release)
    except ValueError as error:
        report.fail("key rotation", str(error))
        return
    report.passed(
        "key rotation",
        f"{layout.ROTATION}: key {rotation.old_key_id} hands over to {rotation.new_key_id} after release "
        f"{rotation.previous_id}, signed by {rotation.old_key_id}",
    )


_SPECIAL = {stat.S_IFIFO: "named pipe", stat.S_IFSOCK: "socket", stat.S_IFCHR: "device", stat.S_IFBLK: "device"}


def tree_entries(release_dir: Path) -> tuple[set[str], list[str]]:
    """Regular files (POSIX paths) of a release, and a message for every symlink, special file, empty folder."""
    files: set[str] = set()
    problems: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
        if not entries and prefix:
            problems.append(f"empty folder: {prefix.rstrip('/')}/ (a release holds no empty folders)")
        for entry in entries:
            relative = prefix + entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                problems.append(
                    f"symlink: {relative} -> {os.readlink(entry.path)} (a release holds only regular files "
                    "and folders; a link can point anywhere)"
                )
            elif stat.S_ISDIR(mode):
                walk(Path(entry.path), relative + "/")
            elif stat.S_ISREG(mode):
                files.add(relative)
            else:
                problems.append(f"special file: {relative} is a {_SPECIAL.get(stat.S_IFMT(mode), 'special file')}")

    walk(release_dir, "")
    return files, problems


def check_tree(report: VerifyReport, release: Release) -> None:
    _files, problems = tree_entries(release.path)
    for problem in problems:
        report.fail("file tree", problem)
    if not problems:
        report.passed("file tree", "only regular files and folders: no symlinks, special files or empty folders")


def check_folder_name(report: VerifyReport, release: Release) -> None:
    """Among other releases (a releases folder), a folder carries its release's id: `latest` and the chain
    find releases by folder name. A download renamed on its own is only noted."""
    if release.path.name == release.id:
        return
    parent = release.path.parent
    among_releases = os.path.lexists(parent / layout.LATEST) or any(
        (other / layout.DESCRIPTOR).is_file() for other in parent.iterdir() if other != release.path and other.is_dir()
    )
    message = f"the folder is named {release.path.name} but holds release {release.id!r}"
    if among_releases:
        report.fail("release folder", f"{message}: a release copied or moved under another release's name")
    else:
        report.warn("release folder", f"{message} (a renamed download? next to other releases this fails)")


def check_sums(report: VerifyReport, release: Release, sums_problems: list[str]) -> None:
    if release.sums_bytes is None:
        report.fail("SHA256SUMS", f"{layout.SHA256SUMS} is missing")
        return
    failures = len(report.problems)
    for problem in sums_problems:
        report.fail("SHA256SUMS", problem)
    for path, expected in sorted(release.sums.items()):
        target = release.path / path
        if not _is_safe_relative(path):
            report.fail("SHA256SUMS", f"{path!r} is not a path inside the release")
        elif not target.is_file():
            report.fail("missing file", f"{path} is listed in {layout.SHA256SUMS} but is not in the release")
        elif (actual := sha256_file(target)) != expected:
            report.fail("SHA256SUMS", f"{path}: sha256 is {actual}, {layout.SHA256SUMS} says {expected}")
    if len(report.problems) == failures:
        report.passed("SHA256SUMS", f"{len(release.sums)} files match {layout.SHA256SUMS}")


def _proof_files(release: Release) -> set[str]:
    """The files that prove the others: always four, plus those the descriptor's signing block declares."""
    proof = set(layout.PROOF_FILES)
    if release.signing.get("sshsig"):
        proof |= {layout.SSH_SIGNATURE, layout.ALLOWED_SIGNERS}
    if release.signing.get("rotation"):
        proof |= {layout.ROTATION, layout.ROTATION_SIGNATURE}
    return proof


def check_file_set(report: VerifyReport, release: Release) -> None:
    proof = _proof_files(release)
    on_disk = tree_entries(release.path)[0] - proof
    listed = set(release.sums)
    resource_paths = {r.get("path") for r in release.resources()}
    problems = [
        f"unlisted file: {path} is in the release but not in {layout.SHA256SUMS}" for path in sorted(on_disk - listed)
    ]
    problems += [f"missing proof file: {name}" for name in sorted(proof) if not (release.path / name).is_file()]
    problems += [
        f"{name} is not covered by {layout.SHA256SUMS}" for name in layout.DOCUMENT_FILES if name not in listed
    ]
    problems += [
        f"{path} is listed in {layout.SHA256SUMS} but is not a resource of {layout.DESCRIPTOR}"
        for path in sorted(listed)
        if path.startswith(f"{layout.DATA_DIR}/") and path not in resource_paths
    ]
    problems += [f"resource {path} is not covered by {layout.SHA256SUMS}" for path in sorted(resource_paths - listed)]
    for problem in problems:
        report.fail("file set", problem)
    if not problems:
        report.passed("file set", f"{len(on_disk)} files, each listed once, none extra, none missing")


def check_resources(report: VerifyReport, release: Release) -> None:
    failures = 0
    for resource in release.resources():
        path = resource.get("path", "")
        target = release.path / path
        if not _is_safe_relative(path) or not target.is_file():
            failures += 1
            report.fail("resource", f"resource {resource.get('name')}: {path!r} is not a file in the release")
            continue
        actual_bytes, actual_hash = target.stat().st_size, f"sha256:{sha256_file(target)}"
        if resource.get("bytes") != actual_bytes:
            failures += 1
            report.fail("resource", f"{path}: {actual_bytes} bytes, the descriptor says {resource.get('bytes')}")
        if resource.get("hash") != actual_hash:
            failures += 1
            report.fail("resource", f"{path}: hash {actual_hash}, the descriptor says {resource.get('hash')}")
        if path in release.sums and f"sha256:{release.sums[path]}" != resource.get("hash"):
            failures += 1
            report.fail("resource", f"{path}: the descriptor and {layout.SHA256SUMS} disagree on its hash")
    if not failures:
        report.passed("resources", f"{len(release.resources())} resources match their bytes and sha256")


def check_lineage(report: VerifyReport, release: Release) -> None:
    """The descriptor's lineage points at the `lineage` resource, hashed and counted like the datasets."""
    pointer = release.descriptor.get("togetheros:lineage")
    wanted = {"resource": RESOURCE, "path": layout.LINEAGE}
    resource = next((r for r in release.resources() if r.get("name") == RESOURCE), None)
    if not isinstance(pointer, dict) or {k: pointer.get(k) for k in wanted} != wanted:
        report.fail("lineage", f"togetheros:lineage must point at the {RESOURCE!r} resource ({layout.LINEAGE})")
    elif resource is None or resource.get("path") != layout.LINEAGE:
        report.fail("lineage", f"{layout.DESCRIPTOR} has no {RESOURCE!r} resource at {layout.LINEAGE}")
    elif resource_rows(resource) != pointer.get("files"):
        report.fail(
            "lineage",
            f"togetheros:lineage counts {pointer.get('files')} file(s), the {RESOURCE!r} resource "
            f"{resource_rows(resource)} row(s)",
        )
    else:
        report.passed("lineage", f"{layout.LINEAGE}: {pointer['files']} input file(s), hashed as a resource")


def check_release_id(report: VerifyReport, release: Release) -> None:
    if release.sums_bytes is None:
        return
    release_id, expected = str(release.descriptor.get("id", "")), sha256_bytes(release.sums_bytes)[:12]
    if not release_id.endswith(f"-{expected}"):
        report.fail(
            "release id",
            f"id {release_id!r} does not end with the SHA-256 of {layout.SHA256SUMS} ({expected})",
        )
    else:
        report.passed("release id", f"{release_id} names this {layout.SHA256SUMS}")


def _csv_header_and_rows(path: Path, encoding: str) -> tuple[list[str], int]:
    with path.open(newline="", encoding=encoding) as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        return header, sum(1 for _ in reader)


def check_tables(report: VerifyReport, release: Release) -> None:
    con = connect()
    try:
        for resource in release.resources():
            path, fields = resource.get("path", ""), (resource.get("schema") or {}).get("fields", [])
            target = release.path / path
            if not _is_safe_relative(path) or not target.is_file():
                continue
            declared = [(f.get("name"), f.get("type")) for f in fields]
            expected_rows = resource_rows(resource)
            try:
                if resource.get("format") == "parquet":
                    actual = [(name, table_schema_type(kind)) for name, kind in parquet_columns(con, target)]
                    rows = count_rows(con, f"read_parquet({quote_literal(str(target))})")
                    _check_primary_key(report, con, target, resource)
                elif resource.get("format") == "csv":
                    # The header names are checked here; frictionless checks every cell against its type.
                    header, rows = _csv_header_and_rows(target, resource.get("encoding", "utf-8"))
                    actual, declared = header, [name for name, _ in declared]
                else:
                    report.fail("schema", f"{path}: unknown format {resource.get('format')!r}")
                    continue
            except Exception as error:  # a damaged file: say so and go on with the others
                report.fail("schema", f"{path}: cannot be read: {error}")
                continue
            if actual != declared:
                report.fail("schema", f"{path}: the file has columns {actual}, the Table Schema says {declared}")
            else:
                report.passed("schema", f"{path}: {len(declared)} fields match the Table Schema")
            if rows != expected_rows:
                report.fail("row count", f"{path}: {rows} rows in the file, the descriptor says {expected_rows}")
            else:
                report.passed("row count", f"{path}: {rows} rows")
    finally:
        con.close()


def _check_primary_key(report: VerifyReport, con, target: Path, resource: dict) -> None:
    key = (resource.get("schema") or {}).get("primaryKey") or []
    if not key:
        return
    columns = ", ".join(quote_identifier(k) for k in key)
    null_test = " OR ".join(f"{quote_identifier(k)} IS NULL" for k in key)
    source = f"read_parquet({quote_literal(str(target))})"
    duplicates, nulls = con.execute(
        f"SELECT count(*) - count(DISTINCT ({columns})), count(*) FILTER (WHERE {null_test}) FROM {source}"
    ).fetchall()[0]
    if duplicates or nulls:
        report.fail(
            "primary key",
            f"{resource['path']}: primary key {key} has {duplicates} duplicate(s) and {nulls} null(s)",
        )


def check_quality(report: VerifyReport, release: Release) -> None:
    declared = (release.descriptor.get("togetheros:quality") or {}).get("status")
    try:
        actual = json.loads((release.path / layout.QUALITY_REPORT).read_bytes()).get("status")
    except (OSError, ValueError) as error:
        report.fail("quality", f"cannot read {layout.QUALITY_REPORT}: {error}")
        return
    if declared != actual:
        report.fail("quality", f"the descriptor says quality {declared!r}, {layout.QUALITY_REPORT} says {actual!r}")
    elif actual != "passed":
        report.warn("quality", f"the data-quality checks of this release {actual}: see {layout.QUALITY_REPORT}")
    else:
        report.passed("quality", "the data-quality checks passed")


def check_frictionless(report: VerifyReport, release: Release) -> None:
    from frictionless import Package  # imported here: only this check needs it

    result = Package(str(release.path / layout.DESCRIPTOR)).validate()
    errors = [f"{error.type}: {error.note or error.message}" for error in result.errors]
    for task in result.tasks:
        errors += [f"{task.name}: {error.type}: {error.note or error.message}" for error in task.errors]
    for error in errors:
        report.fail("frictionless", error)
    if not errors:
        report.passed("frictionless", "the package is a valid Data Package (frictionless validate)")


def check_recompute(report: VerifyReport, release: Release) -> None:
    parquet = {
        r["name"]: release.path / r["path"]
        for r in release.resources("parquet")
        if _is_safe_relative(r.get("path", "")) and (release.path / r["path"]).is_file()
    }
    fields = {
        r["name"]: [f["name"] for f in (r.get("schema") or {}).get("fields", [])] for r in release.resources("parquet")
    }
    con = connect()
    try:
        for rule in release.descriptor.get("togetheros:recompute") or []:
            name = f"recompute {rule_name(rule)}"
            try:
                problems = recompute_problems(con, rule, parquet, fields)
            except RuleError as error:
                report.fail(name, f"the rule is not valid: {error}")
                continue
            except Exception as error:  # unreadable Parquet: reported by the other checks too
                report.fail(name, f"cannot recompute: {error}")
                continue
            for problem in problems:
                report.fail(name, problem)
            if not problems:
                report.passed(name, f"every unsuppressed row of {rule['aggregate']} recomputes from {rule['from']}")
    finally:
        con.close()


def _load(path: Path) -> tuple[Release | None, list[str]]:
    descriptor_path = path / layout.DESCRIPTOR
    if not descriptor_path.is_file():
        return None, [f"{descriptor_path} is missing"]
    descriptor_bytes = descriptor_path.read_bytes()
    try:
        descriptor = json.loads(descriptor_bytes)
    except ValueError as error:
        return None, [f"{layout.DESCRIPTOR} is not valid JSON: {error}"]
    if not isinstance(descriptor, dict):
        return None, [f"{layout.DESCRIPTOR} is not a JSON object"]
    sums_path = path / layout.SHA256SUMS
    sums_bytes = sums_path.read_bytes() if sums_path.is_file() else None
    sums, sums_problems = parse_sha256sums(sums_bytes.decode("utf-8", "replace")) if sums_bytes else ({}, [])
    return Release(path, descriptor_bytes, descriptor, sums_bytes, sums, sums_problems), sums_problems


def _is_release_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".") and name != layout.LATEST


def _walk_back(report: VerifyReport, release: Release, until: Callable[[Release], bool], required: bool):
    """[oldest, ..., release] following togetheros:previous through sibling folders until `until` holds,
    each descriptor checked against the hash its successor recorded; and why the walk ended:
    "stop", "genesis", "missing" (a predecessor is not next to it) or "broken" (reported)."""
    chain, seen, current = [release], {release.id}, release
    while not until(current):
        previous = current.previous
        if previous is None:
            return chain[::-1], "genesis"
        previous_id = str(previous.get("id", "")) if isinstance(previous, dict) else ""
        if not _is_release_name(previous_id) or previous_id in seen:
            report.fail("chain", f"{current.id}: previous id {previous_id!r} is not a release name or repeats")
            return chain[::-1], "broken"
        folder = release.path.parent / previous_id
        loaded, _ = _load(folder)
        if loaded is None:
            if required:
                report.fail("chain", f"previous release {previous_id} is not next to this release in {folder.parent}")
            return chain[::-1], "missing"
        if loaded.descriptor_sha256 != previous.get("descriptor_sha256"):
            report.fail(
                "chain",
                f"{previous_id}/{layout.DESCRIPTOR} has sha256 {loaded.descriptor_sha256} but {current.id} "
                f"recorded {previous.get('descriptor_sha256')}: the earlier release was rewritten or replaced",
            )
            return chain[::-1], "broken"
        seen.add(previous_id)
        chain.append(loaded)
        current = loaded
    return chain[::-1], "stop"


def _keys_along(report: VerifyReport, chain: list[Release], start_key: bytes) -> dict[str, bytes] | None:
    """The key in effect at each release, from start_key at the oldest: a release is signed by its
    predecessor's key unless it carries a rotation statement signed by that key. None (reported) if not."""
    keys: dict[str, bytes] = {}
    key = start_key
    for index, release in enumerate(chain):
        if index and release.signing.get("rotation"):
            try:
                rotation = read_rotation(release)
            except ValueError as error:
                report.fail("key rotation", f"{release.id}: {error}")
                return None
            if rotation.old_public_key != key:
                report.fail(
                    "key rotation",
                    f"{release.id}: its rotation statement is signed by key {rotation.old_key_id}, but the key in "
                    f"effect after {chain[index - 1].id} is {key_id(key)}: refused",
                )
                return None
            key = rotation.new_public_key
        if not release.signed_by(key):
            published = release.published_key()
            if index == 0:
                report.fail("signer", f"{release.id}: its descriptor signature does not verify with key {key_id(key)}")
            else:
                report.fail(
                    "key change",
                    f"{release.id} is signed by key {key_id(published) if published else 'unknown'}, but its "
                    f"predecessor {chain[index - 1].id} by key {key_id(key)}, and it carries no rotation "
                    f"statement signed by {key_id(key)}: a key that changes midway is refused",
                )
            return None
        keys[release.id] = key
    return keys


def check_signer(
    report: VerifyReport,
    release: Release,
    trusted_key: bytes | None,
    last_accepted: Accepted | None,
    walk_chain: bool,
) -> list[Release]:
    """Who signed: the pinned key (or the key of the last accepted release) followed forward through
    rotation statements; refuses rollbacks, forks and key changes without a statement. Returns the chain read."""
    if last_accepted is not None:
        if release.id == last_accepted.release_id and release.descriptor_sha256 != last_accepted.descriptor_sha256:
            report.fail(
                "rewritten",
                f"{release.id} is not the release you accepted under that id: its descriptor has sha256 "
                f"{release.descriptor_sha256}, the accepted one {last_accepted.descriptor_sha256}",
            )
            return [release]
        until, required = (lambda r: r.id == last_accepted.release_id), False  # missing: judged below
    elif trusted_key is not None:
        until, required = (lambda r: r.published_key() == trusted_key), True
    else:  # unpinned: still compare with the predecessor if it is next to the release
        until, required = (lambda r: r is not release), False
    if walk_chain:
        until, required = (lambda r: False), True
    chain, end = _walk_back(report, release, until, required)
    if end == "broken" or (end == "missing" and required):
        return chain
    ids = {r.id: r for r in chain}
    if last_accepted is not None and last_accepted.release_id not in ids:
        accepted = f"{last_accepted.release_id}, the last release accepted from this community"
        if release.created < last_accepted.created:
            report.fail(
                "rollback",
                f"{release.id} (created {release.created}) is older than {last_accepted.release_id} (created "
                f"{last_accepted.created}), the last release accepted from this community: refused",
            )
        elif end == "missing":
            report.fail(
                "descent",
                f"cannot show that {release.id} descends from {accepted}: {chain[0].previous.get('id')}, the "
                f"predecessor of {chain[0].id}, is not next to it (put the releases in between beside it)",
            )
        else:
            report.fail(
                "fork",
                f"{release.id} does not descend from {accepted}: its chain goes back to {chain[0].id} without "
                "passing it (a fork, or another history): refused",
            )
        return chain
    oldest = chain[0]
    anchored = last_accepted is not None and oldest.id == last_accepted.release_id
    start_key = last_accepted.public_key if anchored else oldest.published_key()
    if start_key is None:
        report.fail("signer", f"{oldest.id}: cannot read {layout.PUBLIC_KEY}")
        return chain
    keys = _keys_along(report, chain, start_key)
    if keys is None:
        return chain
    signer = keys[release.id]
    report.signer_key = signer
    rotations = sum(1 for r in chain[1:] if r.signing.get("rotation"))
    if last_accepted is not None:
        if keys[last_accepted.release_id] != last_accepted.public_key:
            report.fail(
                "signer",
                f"{last_accepted.release_id} was accepted with key {last_accepted.key_id}, but the chain has key "
                f"{key_id(keys[last_accepted.release_id])} there",
            )
            return chain
        report.pinned = True
        steps = len(chain) - 1 - chain.index(ids[last_accepted.release_id])
        report.passed(
            "signer",
            f"signed by key {key_id(signer)}, descending from {last_accepted.release_id} (the last release "
            f"accepted, key {last_accepted.key_id}) through {steps} release(s) and {rotations} key rotation(s)",
        )
    elif trusted_key is not None:
        if trusted_key not in keys.values():
            report.fail(
                "pinned key",
                f"{release.id} is signed by key {key_id(signer)}; no release of its chain read here is signed by "
                f"the pinned key {key_id(trusted_key)} (keys change only through a rotation statement signed by "
                "the old key)",
            )
            return chain
        report.pinned = True
        how = (
            "the pinned key" if signer == trusted_key else f"a key the pinned key {key_id(trusted_key)} handed over to"
        )
        report.passed("signer", f"signed by key {key_id(signer)}, {how} ({rotations} key rotation(s) followed)")
    else:
        if walk_chain:
            report.passed(
                "signer",
                f"every release of the chain is signed by the first release's key {key_id(start_key)} or a key it "
                f"handed over to ({rotations} key rotation(s))",
            )
        elif len(chain) > 1:
            how = "a key its predecessor's key handed over to" if rotations else "the same key as its predecessor"
            report.passed("signer", f"signed by {how}, {chain[-2].id}")
        report.warn(
            "who signed",
            "NO PINNED KEY: this checked integrity, not who signed. The release is signed by key "
            f"{key_id(signer)}, which ships inside it: anyone can make a release that passes this. Pin the "
            "community's key with --key (or a trust file) to check who signed.",
        )
    return chain


def check_chain(report: VerifyReport, chain: list[Release]) -> None:
    """Every earlier release's own files, as fully as the release itself (--chain)."""
    earlier = chain[:-1]
    if chain and chain[0].previous is not None:
        return  # the walk stopped early; check_signer reported why
    for release in earlier:
        sub = VerifyReport(release.path)
        _content_checks(sub, release)
        for check in sub.checks:
            if check.status != "pass":
                sub_name = f"chain {release.id} {check.name}"
                (report.fail if check.status == "fail" else report.warn)(sub_name, check.message)
        if sub.ok:
            report.passed("chain", f"{release.id}: its {len(sub.checks)} checks pass (files, schemas, figures)")
    report.passed("chain", f"{len(earlier)} earlier release(s) link back by descriptor hash to the first")


def _siblings(releases_dir: Path) -> dict[str, tuple[str, str | None]]:
    """Folder name -> (release id, previous id) for every release folder next to this one."""
    found: dict[str, tuple[str, str | None]] = {}
    try:
        entries = list(os.scandir(releases_dir))
    except OSError:
        return found
    for entry in entries:
        if not _is_release_name(entry.name) or not entry.is_dir():
            continue
        try:
            descriptor = json.loads((Path(entry.path) / layout.DESCRIPTOR).read_bytes())
            previous = descriptor.get("togetheros:previous") or {}
            found[entry.name] = (str(descriptor.get("id", "")), previous.get("id"))
        except (OSError, ValueError, AttributeError):
            continue
    return found


def check_neighbours(report: VerifyReport, release: Release, via_latest: bool) -> None:
    """Forks among the releases next to this one, and `latest` against the newest release it knows."""
    releases_dir = release.path.parent
    siblings = _siblings(releases_dir)
    previous_of = {rid: prev for rid, prev in siblings.values()}
    ancestry, current = set(), release.id
    while current and current not in ancestry:
        ancestry.add(current)
        current = previous_of.get(current)
    children: dict[str, list[str]] = {}
    for rid, prev in sorted(set(siblings.values())):
        if prev:
            children.setdefault(prev, []).append(rid)
    for parent, kids in sorted(children.items()):
        if len(kids) > 1:
            message = (
                f"releases {', '.join(kids)} all claim {parent} as their predecessor: two histories of one "
                "community (a fork). A release left behind by a failed run looks the same: remove it"
            )
            (report.fail if ancestry & set(kids) else report.warn)("fork", message)
    link = releases_dir / layout.LATEST
    if not link.is_symlink() and not link.exists():
        return
    problems = []
    if not link.is_symlink():
        problems.append(f"{layout.LATEST} is not a pointer (symlink) to a release folder next to it")
    else:
        target = os.readlink(link)
        if not _is_release_name(target):
            problems.append(f"{layout.LATEST} points at {target!r}, not at a release folder next to it")
        elif (releases_dir / target).is_symlink() or not (releases_dir / target).is_dir():
            problems.append(f"{layout.LATEST} points at {target}, which is not a release folder")
        else:
            target_id = siblings.get(target, (None, None))[0]
            newer = sorted(rid for rid, prev in siblings.values() if target_id and prev == target_id)
            if newer:
                problems.append(
                    f"{layout.LATEST} points at {target}, but {', '.join(newer)} next to it is newer and names "
                    f"{target} as its predecessor: `latest` was moved back"
                )
            elif via_latest and target != release.path.name:
                problems.append(f"{layout.LATEST} points at {target}, not at {release.path.name}")
    for problem in problems:
        (report.fail if via_latest else report.warn)("latest", problem)
    if via_latest and not problems:
        report.passed("latest", f"{layout.LATEST} points at the newest release next to it, {release.path.name}")


def suggest_paths(given: Path) -> list[Path]:
    """Release folders the user probably meant when `given` holds no release."""
    base = given.parent if given.name == layout.DESCRIPTOR else given
    # a file or folder inside a release (data/<dataset>.csv, SHA256SUMS): the release folder above it
    candidates = list(base.parents)[:2]
    candidates += [base / layout.LATEST, base / "releases" / layout.LATEST, base / "data" / "releases" / layout.LATEST]
    candidates.append(Path("data") / "releases" / layout.LATEST)
    if base.parent.is_dir():
        names = [n for n in _siblings(base.parent)]
        candidates += [base.parent / n for n in difflib.get_close_matches(base.name, names, n=3, cutoff=0.6)]
        if (base.parent / layout.LATEST).exists():
            candidates.append(base.parent / layout.LATEST)
    seen, found = set(), []
    for candidate in candidates:
        if (candidate / layout.DESCRIPTOR).is_file() and str(candidate) not in seen and candidate != base:
            seen.add(str(candidate))
            found.append(candidate)
    return found


def _content_checks(report: VerifyReport, release: Release) -> None:
    """Everything one release's own files can show (the signer is checked along the chain separately)."""
    steps: list[Callable[[], None]] = [
        lambda: check_signature(report, release),
        lambda: check_rotation(report, release),
        lambda: check_tree(report, release),
        lambda: check_folder_name(report, release),
        lambda: check_sums(report, release, release.sums_problems),
        lambda: check_file_set(report, release),
        lambda: check_resources(report, release),
        lambda: check_lineage(report, release),
        lambda: check_release_id(report, release),
        lambda: check_tables(report, release),
        lambda: check_quality(report, release),
        lambda: check_frictionless(report, release),
        lambda: check_recompute(report, release),
    ]
    for step in steps:
        try:
            step()
        except Exception as error:  # one broken check must not hide the others' results
            report.fail("verifier", f"a check stopped unexpectedly: {type(error).__name__}: {error}")


def verify_release(
    path: Path,
    *,
    trusted_key: bytes | None = None,
    walk_chain: bool = False,
    last_accepted: Accepted | None = None,
) -> VerifyReport:
    """Check a release folder (or its datapackage.json, or a `latest` link to it); the report lists every
    check and every mismatch.

    trusted_key pins the community's key; last_accepted (a trust file's or a hub's record) pins the key in
    effect at that release and refuses anything older or not descending from it. walk_chain verifies every
    earlier release's files too and follows the keys from the first release."""
    path = Path(path)
    given = path.parent if path.name == layout.DESCRIPTOR else path
    via_latest = given.is_symlink() and given.name == layout.LATEST
    release_dir = given.resolve()
    report = VerifyReport(release_dir)
    unpublished = unpublished_reason(release_dir)
    if unpublished is not None:  # quarantined: it failed a blocking check or was never promoted
        report.fail("published", f"UNPUBLISHED: this release was never published ({unpublished})")
    release, load_problems = _load(release_dir)
    if release is None:
        suggestions = suggest_paths(given)
        hint = f": did you mean {' or '.join(str(s) for s in suggestions)}?" if suggestions else ""
        if not release_dir.exists():
            report.fail("descriptor", f"{given} does not exist{hint}")
        elif release_dir.is_file():
            report.fail("descriptor", f"{given} is a file, not a release folder{hint}")
        elif not (release_dir / layout.DESCRIPTOR).exists():
            report.fail("descriptor", f"{given} is not a release folder (it has no {layout.DESCRIPTOR}){hint}")
        else:
            for problem in load_problems:
                report.fail("descriptor", problem)
        return report
    report.release_id, report.descriptor_sha256, report.created = release.id, release.descriptor_sha256, release.created
    _content_checks(report, release)
    steps: list[Callable[[], object]] = []
    chain: list[Release] = [release]

    def signer() -> None:
        chain[:] = check_signer(report, release, trusted_key, last_accepted, walk_chain)

    steps.append(signer)
    if walk_chain:
        steps.append(lambda: check_chain(report, chain))
    steps.append(lambda: check_neighbours(report, release, via_latest))
    for step in steps:
        try:
            step()
        except Exception as error:  # one broken check must not hide the others' results
            report.fail("verifier", f"a check stopped unexpectedly: {type(error).__name__}: {error}")
    return report


def print_report(report: VerifyReport) -> None:
    labels = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL"}
    for check in report.checks:
        print(f"{labels[check.status]} {check.name}: {check.message}")
    if not report.ok:
        print(f"NOT VERIFIED {report.release}: {len(report.problems)} problem(s)")
    elif report.pinned:
        print(f"VERIFIED {report.release}: signed by the pinned key {key_id(report.signer_key)} (or its rotation)")
    else:
        print(
            f"VERIFIED {report.release}: INTEGRITY ONLY, not who signed "
            "(no pinned key: give --key or keep a trust file)"
        )


def main(argv: list[str] | None = None) -> int:
    from pipelines.release.trust import main as trust_main  # the trust file and its options

    return trust_main(argv)


if __name__ == "__main__":
    sys.exit(main())
