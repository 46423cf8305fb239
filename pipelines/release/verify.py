"""Verify a release independently: signature, hashes, file set, schemas, row counts, Frictionless, recompute
rules and (optionally) the chain of earlier releases.

    togetheros verify PATH [--key PUBKEY_FILE] [--chain]
    python -m pipelines.release.verify PATH [--key PUBKEY_FILE] [--chain]

Needs only duckdb, pynacl and frictionless.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipelines.release import layout
from pipelines.release.descriptor import resource_rows
from pipelines.release.hashing import parse_sha256sums, sha256_bytes, sha256_file
from pipelines.release.quarantine import unpublished_reason
from pipelines.release.recompute import RuleError, recompute_problems, rule_name
from pipelines.release.signing import key_id, parse_public_key, signature_is_valid
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


@dataclass
class VerifyReport:
    release: Path
    checks: list[Check] = field(default_factory=list)

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


@dataclass(frozen=True)
class Release:
    """What every check reads: the folder, the descriptor bytes and their parse, the SHA256SUMS entries."""

    path: Path
    descriptor_bytes: bytes
    descriptor: dict
    sums_bytes: bytes | None
    sums: dict[str, str]

    def resources(self, file_format: str | None = None) -> list[dict]:
        return [r for r in self.descriptor.get("resources", []) if file_format in (None, r.get("format"))]


def _is_safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def check_signature(report: VerifyReport, release: Release, trusted_key: bytes | None) -> None:
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
        report.passed(name, f"{layout.DESCRIPTOR} is signed by the published key {key_id(published)}")
    signing = release.descriptor.get("togetheros:signing") or {}
    if signing.get("key_id") != key_id(published):
        report.fail(
            "signing key id",
            f"the descriptor names key {signing.get('key_id')} but {layout.PUBLIC_KEY} holds key {key_id(published)}",
        )
    if trusted_key is not None:
        if trusted_key != published:
            report.fail(
                "trusted key",
                f"the release is published with key {key_id(published)}, not with the "
                f"trusted key {key_id(trusted_key)}",
            )
        if not signature_is_valid(release.descriptor_bytes, signature, trusted_key):
            report.fail("trusted key", f"the signature does not verify with the trusted key {key_id(trusted_key)}")
        else:
            report.passed("trusted key", f"the signature verifies with the trusted key {key_id(trusted_key)}")
    if signing.get("development_key"):
        report.warn(
            "signing key",
            "signed with a DEVELOPMENT key: the signature proves integrity, not who published the release",
        )


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


def check_file_set(report: VerifyReport, release: Release) -> None:
    on_disk = layout.release_files(release.path) - layout.PROOF_FILES
    listed = set(release.sums)
    resource_paths = {r.get("path") for r in release.resources()}
    problems = [
        f"unlisted file: {path} is in the release but not in {layout.SHA256SUMS}" for path in sorted(on_disk - listed)
    ]
    problems += [
        f"missing proof file: {name}" for name in sorted(layout.PROOF_FILES) if not (release.path / name).is_file()
    ]
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


def check_chain(report: VerifyReport, release: Release) -> None:
    """Follow togetheros:previous through sibling folders, checking each descriptor hash and signature."""
    current, seen, steps = release.descriptor, {release.descriptor.get("id")}, 0
    while (previous := current.get("togetheros:previous")) is not None:
        previous_id = str(previous.get("id", ""))
        folder = release.path.parent / previous_id
        if not previous_id or "/" in previous_id or previous_id.startswith(".") or previous_id in seen:
            report.fail("chain", f"previous id {previous_id!r} is not a release name or repeats")
            return
        descriptor_path = folder / layout.DESCRIPTOR
        if not descriptor_path.is_file():
            report.fail("chain", f"previous release {previous_id} is not next to this release in {folder.parent}")
            return
        descriptor_bytes = descriptor_path.read_bytes()
        if sha256_bytes(descriptor_bytes) != previous.get("descriptor_sha256"):
            report.fail(
                "chain",
                f"{previous_id}/{layout.DESCRIPTOR} has sha256 {sha256_bytes(descriptor_bytes)} "
                f"but {current.get('id')} recorded {previous.get('descriptor_sha256')}: the "
                "earlier release was rewritten",
            )
            return
        try:
            published = parse_public_key((folder / layout.PUBLIC_KEY).read_text(), f"{previous_id}/{layout.PUBLIC_KEY}")
            signed = signature_is_valid(descriptor_bytes, (folder / layout.SIGNATURE).read_text(), published)
        except (OSError, ValueError) as error:
            signed, published = False, None
            report.fail("chain", f"{previous_id}: cannot read its signature or key: {error}")
        if not signed:
            report.fail("chain", f"{previous_id}: its descriptor signature does not verify")
            return
        seen.add(previous_id)
        current, steps = json.loads(descriptor_bytes), steps + 1
    report.passed("chain", f"{steps} earlier release(s) link back by descriptor hash, each signed")


def _load(path: Path) -> tuple[Release | None, list[str]]:
    descriptor_path = path / layout.DESCRIPTOR
    if not descriptor_path.is_file():
        return None, [f"{descriptor_path} is missing"]
    descriptor_bytes = descriptor_path.read_bytes()
    try:
        descriptor = json.loads(descriptor_bytes)
    except ValueError as error:
        return None, [f"{layout.DESCRIPTOR} is not valid JSON: {error}"]
    sums_path = path / layout.SHA256SUMS
    sums_bytes = sums_path.read_bytes() if sums_path.is_file() else None
    sums, sums_problems = parse_sha256sums(sums_bytes.decode("utf-8", "replace")) if sums_bytes else ({}, [])
    return Release(path, descriptor_bytes, descriptor, sums_bytes, sums), sums_problems


def verify_release(path: Path, *, trusted_key: bytes | None = None, walk_chain: bool = False) -> VerifyReport:
    """Check a release folder (or its datapackage.json); the report lists every check and every mismatch."""
    path = Path(path)
    release_dir = (path.parent if path.name == layout.DESCRIPTOR else path).resolve()
    report = VerifyReport(release_dir)
    unpublished = unpublished_reason(release_dir)
    if unpublished is not None:  # quarantined: it failed a blocking check or was never promoted
        report.fail("published", f"UNPUBLISHED: this release was never published ({unpublished})")
    release, sums_problems = _load(release_dir)
    if release is None:
        for problem in sums_problems:
            report.fail("descriptor", problem)
        return report
    steps: list[Callable[[], None]] = [
        lambda: check_signature(report, release, trusted_key),
        lambda: check_sums(report, release, sums_problems),
        lambda: check_file_set(report, release),
        lambda: check_resources(report, release),
        lambda: check_release_id(report, release),
        lambda: check_tables(report, release),
        lambda: check_quality(report, release),
        lambda: check_frictionless(report, release),
        lambda: check_recompute(report, release),
    ]
    if walk_chain:
        steps.append(lambda: check_chain(report, release))
    for step in steps:
        try:
            step()
        except Exception as error:  # one broken check must not hide the others' results
            report.fail("verifier", f"a check stopped unexpectedly: {type(error).__name__}: {error}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="togetheros verify", description="Verify a TogetherOS data release.")
    parser.add_argument("path", type=Path, help="the release folder (or its datapackage.json)")
    parser.add_argument("--key", type=Path, help="the community's published public key file to trust")
    parser.add_argument("--chain", action="store_true", help="also check every earlier release it links to")
    args = parser.parse_args(argv)
    trusted_key = None
    if args.key:
        try:
            trusted_key = parse_public_key(args.key.read_text(), str(args.key))
        except (OSError, ValueError) as error:
            print(f"cannot use the key file: {error}", file=sys.stderr)
            return 2
    report = verify_release(args.path, trusted_key=trusted_key, walk_chain=args.chain)
    labels = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL"}
    for check in report.checks:
        print(f"{labels[check.status]} {check.name}: {check.message}")
    if report.ok:
        print(f"VERIFIED {report.release}")
        return 0
    print(f"NOT VERIFIED {report.release}: {len(report.problems)} problem(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
