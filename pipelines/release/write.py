"""Write a release: data files, documents, SHA256SUMS, signed descriptor; then switch it in atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.alerts import feed
from pipelines.release import layout
from pipelines.release.changes import release_changes
from pipelines.release.datacard import render_readme
from pipelines.release.descriptor import build_descriptor, dataset_resources, dump_json
from pipelines.release.hashing import format_sha256sums, sha256_bytes, sha256_file
from pipelines.release.lineage import lineage_csv, lineage_resource
from pipelines.release.recompute import check_rule_shape
from pipelines.release.signing import SigningKeyConfig
from pipelines.release.tables import connect, write_dataset
from pipelines.settings import DEFAULT_STALE_AFTER_DAYS

QUALITY_STATUSES = {"passed", "failed"}


def check_inputs(
    tables: Mapping[str, pa.Table],
    dataset_docs: Mapping[str, Mapping],
    metrics: list[dict],
    recompute_rules: list[dict],
    quality_report: Mapping,
) -> None:
    """Refuse to publish what the descriptor would describe wrongly: every column documented, truly."""
    for name, table in tables.items():
        if not layout.DATASET_NAME.match(name):
            raise ValueError(f"dataset name {name!r} must be lower case letters, digits and _")
        docs = dataset_docs.get(name)
        if docs is None or "description" not in docs or "primary_key" not in docs or "columns" not in docs:
            raise ValueError(f"dataset {name}: dataset_docs needs description, primary_key and columns")
        columns = table.column_names
        undocumented = [c for c in columns if c not in docs["columns"]]
        absent = [c for c in docs["columns"] if c not in columns]
        if undocumented or absent:
            raise ValueError(
                f"dataset {name}: columns without a description {undocumented}, "
                f"descriptions of columns it does not have {absent}"
            )
        for role in ("primary_key", "people_counts"):
            missing = [c for c in docs.get(role, []) if c not in columns]
            if missing:
                raise ValueError(f"dataset {name}: {role} names columns it does not have: {missing}")
    for metric in metrics:
        resource, field = metric.get("resource"), metric.get("field")
        if resource not in tables or field not in tables[resource].column_names:
            raise ValueError(f"metric {metric.get('name')!r}: {resource}.{field} is not a published column")
    fields = {name: table.column_names for name, table in tables.items()}
    for rule in recompute_rules:
        check_rule_shape(rule, fields)
    if quality_report.get("status") not in QUALITY_STATUSES:
        raise ValueError(f"quality_report['status'] must be one of {sorted(QUALITY_STATUSES)}")


def published_quality(report: Mapping) -> tuple[dict, list[str] | None]:
    """The quality report as the release publishes it, and the datasets whose earlier passed result was
    reused (`pipelines/release/quality.py`; None when the report does not say). Whether a result was
    reused depends on the runs before, not on the release's inputs, so it goes into the signed descriptor
    (which differs between runs anyway) and not into quality-report.json, whose bytes stay the same for the
    same tables, checks and engines (its content and expectations fingerprints do not depend on history)."""
    datasets = report.get("datasets")
    if not isinstance(datasets, Mapping) or not any(
        isinstance(d, Mapping) and "validated" in d for d in datasets.values()
    ):
        return dict(report), None
    published = {
        name: {key: value for key, value in result.items() if key != "validated"} for name, result in datasets.items()
    }
    reused = sorted(name for name, result in datasets.items() if result.get("validated") == "reused")
    return {**report, "datasets": published}, reused


def _previous_link(releases_dir: Path) -> tuple[Path | None, dict | None, str | None]:
    """The `latest` release, the link to it, and the id of the key that signed it."""
    previous = layout.latest_release(releases_dir)
    if previous is None:
        return None, None, None
    descriptor_path = previous / layout.DESCRIPTOR
    descriptor = json.loads(descriptor_path.read_bytes())
    link = {"id": descriptor["id"], "descriptor_sha256": sha256_file(descriptor_path)}
    return previous, link, (descriptor.get("togetheros:signing") or {}).get("key_id")


def promote_release(releases_dir: Path, candidate: Path) -> Path:
    """Publish a release written with promote=False: its hidden candidate folder takes the release's name,
    then `latest` points at it (each step one rename); returns the published folder."""
    release_id = candidate.name.removeprefix(layout.CANDIDATE_PREFIX)
    final = releases_dir / release_id
    if candidate != final:
        if final.exists():
            raise FileExistsError(f"release {release_id} already exists in {releases_dir}")
        os.rename(candidate, final)
    switch_latest(releases_dir, release_id)
    return final


def switch_latest(releases_dir: Path, release_id: str) -> None:
    """Point `latest` at release_id in one rename: readers see the old or the new release, never neither."""
    temporary = releases_dir / f".latest-{uuid.uuid4().hex}"
    os.symlink(release_id, temporary)
    os.replace(temporary, releases_dir / layout.LATEST)


@dataclass(frozen=True)
class _Inputs:
    """Everything write_release was given, checked and put in a stable order."""

    tables: Mapping[str, pa.Table]
    dataset_docs: Mapping[str, Mapping]
    metrics: list[dict]
    lineage: list[dict]
    quality_report: Mapping
    quality_reused: list[str] | None
    recompute_rules: list[dict]
    signing_key: SigningKeyConfig
    code_commit: str
    engine_versions: dict
    data_as_of: str
    dataset_as_of: Mapping[str, str]
    min_count: int
    created: datetime
    license_id: str
    stale_after_days: int
    dashboard_url: str


def write_release(
    tables: dict[str, pa.Table],
    *,
    releases_dir: Path,
    dataset_docs: dict[str, dict],
    metrics: list[dict],
    lineage: list[dict],
    quality_report: dict,
    recompute_rules: list[dict],
    signing_key: SigningKeyConfig,
    code_commit: str,
    engine_versions: dict,
    data_as_of: str,
    min_count: int,
    dataset_as_of: Mapping[str, str] | None = None,
    created: datetime | None = None,
    license: str = "ODbL-1.0",
    promote: bool = True,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    dashboard_url: str = "",
) -> Path:
    """Write a verified release of the public datasets and make it `latest`; returns its folder.

    With promote=False the release is written as a hidden candidate (`.candidate-<id>`, which neither
    readers nor the verifier take for a release) and `latest` is left alone, so checks can run on it
    before readers see it; `promote_release` publishes it then."""
    check_inputs(tables, dataset_docs, metrics, recompute_rules, quality_report)
    published_report, quality_reused = published_quality(quality_report)
    inputs = _Inputs(
        tables=tables,
        dataset_docs={name: dataset_docs[name] for name in tables},
        metrics=sorted(metrics, key=lambda m: m["name"]),
        lineage=sorted(lineage, key=lambda f: (f.get("source", ""), f.get("file_name", ""), f["sha256"])),
        quality_report=published_report,
        quality_reused=quality_reused,
        recompute_rules=recompute_rules,
        signing_key=signing_key,
        code_commit=code_commit,
        engine_versions={**engine_versions, "release_writer": f"duckdb {duckdb.__version__}"},
        data_as_of=data_as_of,
        # each dataset's own last-data date (descriptor `togetheros:data_as_of` per resource)
        dataset_as_of={name: (dataset_as_of or {}).get(name) or data_as_of for name in tables},
        min_count=min_count,
        created=(created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        license_id=license,
        stale_after_days=stale_after_days,
        dashboard_url=dashboard_url,
    )
    releases_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-release-", dir=releases_dir))
    try:
        release_id = _fill_release(staging, releases_dir, inputs)
        if (releases_dir / release_id).exists():
            raise FileExistsError(f"release {release_id} already exists in {releases_dir}")
        final = releases_dir / (release_id if promote else f"{layout.CANDIDATE_PREFIX}{release_id}")
        staging.chmod(0o755)  # mkdtemp makes it private; a release is public
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if promote:
        switch_latest(releases_dir, release_id)
    return final


def _write_datasets(staging: Path, releases_dir: Path, inputs: _Inputs) -> tuple[list[dict], dict, dict | None]:
    """Data files and their resources; the changes against `latest`; the link to `latest`."""
    con = connect()
    try:
        resources, row_counts = [], {}
        for name in sorted(inputs.tables):
            docs = inputs.dataset_docs[name]
            data = staging / layout.DATA_DIR
            written = write_dataset(
                con,
                inputs.tables[name],
                list(docs["primary_key"]),
                data / f"{name}.parquet",
                data / f"{name}.csv",
            )
            row_counts[name] = written.rows
            resources += [
                {**resource, "togetheros:data_as_of": inputs.dataset_as_of[name]}
                for resource in dataset_resources(staging, name, written, docs)
            ]
        previous_dir, previous, previous_key_id = _previous_link(releases_dir)
        primary_keys = {name: list(docs["primary_key"]) for name, docs in inputs.dataset_docs.items()}
        changes = release_changes(con, staging, previous_dir, previous and previous["id"], primary_keys)
    finally:
        con.close()
    return resources, {"rows": row_counts, "changes": changes, "previous_key_id": previous_key_id}, previous


def _alert_documents(releases_dir: Path, inputs: _Inputs) -> dict[str, bytes]:
    """alerts/: what became overdue, stalled or stale since `latest` (pipelines/alerts/feed.py)."""
    previous_initiatives, announced = feed.previous_state(layout.latest_release(releases_dir))
    area_as_of = {
        docs["area"]: inputs.dataset_as_of[name]
        for name, docs in sorted(inputs.dataset_docs.items())
        if docs.get("area") not in (None, "core")
    }
    created = inputs.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts = feed.new_alerts(
        inputs.tables.get(feed.INITIATIVES, pa.table({})),
        previous_initiatives,
        area_as_of,
        {alert["id"] for alert in announced},
        inputs.created.date(),
        inputs.stale_after_days,
    )
    groups = inputs.tables.get("groups")
    group_ids = groups.column("group_id").to_pylist() if groups is not None else []
    files = feed.alert_files(alerts, announced, group_ids, created, inputs.dashboard_url)
    return {f"{feed.ALERTS_DIR}/{name}": content for name, content in files.items()}


def _fill_release(staging: Path, releases_dir: Path, inputs: _Inputs) -> str:
    """Write every file of the release into staging; return the release id."""
    (staging / layout.DATA_DIR).mkdir()
    resources, facts, previous = _write_datasets(staging, releases_dir, inputs)
    key = inputs.signing_key
    rotation = key.rotation_after(previous, facts["previous_key_id"])
    documents = {
        layout.QUALITY_REPORT: dump_json(inputs.quality_report),
        layout.CHANGES: dump_json(facts["changes"]),
        layout.README: render_readme(
            dataset_docs=inputs.dataset_docs,
            row_counts=facts["rows"],
            metrics=inputs.metrics,
            min_count=inputs.min_count,
            license_id=inputs.license_id,
            data_as_of=inputs.data_as_of,
            code_commit=inputs.code_commit,
            development_key=key.development,
            key_id=key.key_id,
            quality_status=inputs.quality_report["status"],
            previous_id=previous and previous["id"],
            lineage_files=len(inputs.lineage),
        ).encode(),
        layout.LINEAGE: lineage_csv(inputs.lineage),
    }
    documents.update(_alert_documents(releases_dir, inputs))
    (staging / feed.ALERTS_DIR).mkdir()
    for file_name, content in documents.items():
        (staging / file_name).write_bytes(content)

    covered = {f"{layout.DATA_DIR}/{p.name}": sha256_file(p) for p in (staging / layout.DATA_DIR).iterdir()}
    covered.update({file_name: sha256_bytes(content) for file_name, content in documents.items()})
    sums = format_sha256sums(covered).encode()
    (staging / layout.SHA256SUMS).write_bytes(sums)
    release_id = f"{inputs.created:%Y%m%dT%H%M%SZ}-{sha256_bytes(sums)[:12]}"

    descriptor = build_descriptor(
        release_id=release_id,
        created=inputs.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        resources=[
            *resources,
            {**lineage_resource(staging, inputs.lineage), "togetheros:data_as_of": inputs.data_as_of},
        ],
        license_id=inputs.license_id,
        metrics=inputs.metrics,
        min_count=inputs.min_count,
        lineage_files=len(inputs.lineage),
        previous=previous,
        code_commit=inputs.code_commit,
        engine_versions=inputs.engine_versions,
        data_as_of=inputs.data_as_of,
        quality_status=inputs.quality_report["status"],
        quality_reused=inputs.quality_reused,
        recompute_rules=inputs.recompute_rules,
        signing=key.descriptor_block(rotation),
    )
    descriptor_bytes = dump_json(descriptor)
    (staging / layout.DESCRIPTOR).write_bytes(descriptor_bytes)
    key.write_proof_files(staging, descriptor_bytes, rotation)
    return release_id
