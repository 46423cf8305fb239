"""One hub refresh: intake every member, roll up what was accepted, publish the hub's own signed
release (a normal release: `togetheros verify` accepts it). Its lineage cites each member release used
(id, descriptor sha256, key id), so an auditor can walk from a hub figure down to a city's signed bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from pipelines.federation.config import FederationConfig
from pipelines.federation.extract import hub_box_key
from pipelines.federation.intake import IntakeResult, MemberIntake, accepted_extract, accepted_release
from pipelines.federation.rollup import build_hub_tables, dataset_docs
from pipelines.federation.state import HubState, utc_text
from pipelines.release import layout
from pipelines.release.signing import SigningKeyConfig
from pipelines.release.write import write_release
from pipelines.settings import Paths

MEMBERS_DATASET = "federation_members"
MEMBERS_DOCS = {
    "description": "The member instances this hub rolls up: the release used from each, how old its data is, "
    "and the last refusal (the reason is in the hub's state file and on the Data & audit page).",
    "primary_key": ["member"],
    "people_counts": [],
    "columns": {
        "member": "The member's name at this hub.",
        "group_id": "The hub group it belongs under.",
        "key_id": "The key its accepted release is signed by (first 16 hex of the key's SHA-256).",
        "release_id": "The member release the hub's figures come from (empty: none accepted yet).",
        "descriptor_sha256": "SHA-256 of that release's datapackage.json.",
        "data_as_of": "The last date that release has data for (UTC).",
        "status": "current, stale (older than the hub's max age), offline (the last fetch failed) or none.",
        "last_check": "When the hub last fetched from the member (UTC).",
        "last_outcome": "accepted, unchanged, refused or offline.",
        "last_refusal": "The check that refused the member's newest release, if it was refused.",
    },
}


def hub_dir(paths: Paths) -> Path:
    return paths.data / "federation"


@dataclass(frozen=True)
class HubRefresh:
    intake: list[IntakeResult]
    release: Path | None  # None when no member release was ever accepted


def members_table(config: FederationConfig, state: HubState, now: datetime) -> pa.Table:
    rows = []
    for member in config.members:
        entry = state.member(member.name)
        accepted = entry.accepted
        check = entry.last_check
        rows.append(
            {
                "member": member.name,
                "group_id": member.group,
                "key_id": accepted.key_id if accepted else member.key_id,
                "release_id": accepted.release_id if accepted else None,
                "descriptor_sha256": accepted.descriptor_sha256 if accepted else None,
                "data_as_of": entry.data_as_of or None,
                "status": entry.status(now, member.max_age_days),
                "last_check": check.get("at"),
                "last_outcome": check.get("outcome"),
                "last_refusal": check.get("refusal") if check.get("outcome") == "refused" else None,
            }
        )
    return pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in MEMBERS_DOCS["columns"]]))


def _member_column_docs(releases: dict[str, Path]) -> dict[str, dict]:
    """The members' own dataset and column descriptions (from their descriptors), for the hub's docs."""
    docs: dict[str, dict] = {}
    for release in releases.values():
        descriptor = json.loads((release / layout.DESCRIPTOR).read_bytes())
        for resource in descriptor.get("resources", []):
            fields = (resource.get("schema") or {}).get("fields", [])
            docs.setdefault(
                resource["name"],
                {
                    "description": resource.get("description", ""),
                    "columns": {f["name"]: f.get("description", "") for f in fields},
                },
            )
    return docs


def intake_member(
    config: FederationConfig, paths: Paths, name: str, fetch=None, now: datetime | None = None
) -> IntakeResult:
    """One member's intake (a Dagster partition, or a step of `refresh_hub`); with the hub's box key
    (keys/federation-box.key), also the member's private extract."""
    folder = hub_dir(paths)
    intake = MemberIntake(config.member(name), folder, paths.landing, HubState.load(folder), hub_box_key(paths.keys))
    return intake.run(fetch, now)


def publish_hub(
    config: FederationConfig,
    paths: Paths,
    signing_key: SigningKeyConfig,
    min_count: int,
    *,
    code_commit: str = "unknown",
    now: datetime | None = None,
) -> Path | None:
    """The hub's release from every member's last accepted release; None if none was ever accepted."""
    now = now or datetime.now(UTC)
    folder = hub_dir(paths)
    state = HubState.load(folder)
    releases = {
        m.name: accepted_release(folder, m.name, state.member(m.name).accepted)
        for m in config.members
        if state.member(m.name).accepted is not None
    }
    if not releases:
        return None
    extracts = {name: accepted_extract(folder, name, state.member(name)) for name in releases}
    tables = build_hub_tables(config, releases, min_count, {n: e for n, e in extracts.items() if e is not None})
    docs = dataset_docs(tables, _member_column_docs(releases))
    tables[MEMBERS_DATASET] = members_table(config, state, now)
    docs[MEMBERS_DATASET] = MEMBERS_DOCS
    lineage = []
    for name in sorted(releases):
        entry = state.member(name)
        lineage.append(
            {
                "source": f"federation/{name}",
                "file_name": entry.accepted.release_id,
                "sha256": entry.accepted.descriptor_sha256,
                "key_id": entry.accepted.key_id,
                "data_as_of": entry.data_as_of,
            }
        )
    data_as_of = max((state.member(n).data_as_of for n in releases), default="") or utc_text(now)
    # outcomes only: a refusal's reason can name the hub's own paths, it stays in the state files
    outcomes = [
        {"member": m.name, "outcome": state.member(m.name).last_check.get("outcome"), "refusal": None}
        for m in config.members
    ]
    for outcome in outcomes:
        if outcome["outcome"] == "refused":
            outcome["refusal"] = state.member(outcome["member"]).last_check.get("refusal")
    return write_release(
        tables,
        releases_dir=paths.releases,
        dataset_docs=docs,
        metrics=[],
        lineage=lineage,
        quality_report={"status": "passed", "federation": outcomes},
        recompute_rules=[],
        signing_key=signing_key,
        code_commit=code_commit,
        engine_versions={},
        data_as_of=data_as_of,
        min_count=min_count,
        created=now,
    )


def refresh_hub(
    config: FederationConfig,
    paths: Paths,
    signing_key: SigningKeyConfig,
    min_count: int,
    *,
    code_commit: str = "unknown",
    fetchers: dict | None = None,
    now: datetime | None = None,
) -> HubRefresh:
    """Intake every member (fetchers: member name -> fetch function; default its configured place),
    then publish the hub's release from every member's last accepted release."""
    now = now or datetime.now(UTC)
    results = [intake_member(config, paths, m.name, (fetchers or {}).get(m.name), now) for m in config.members]
    release = publish_hub(config, paths, signing_key, min_count, code_commit=code_commit, now=now)
    return HubRefresh(results, release)
