"""Releases that were never published: a release failing a blocking check leaves `releases/` for the
private quarantine (and `verify` names it unpublished); what an interrupted run left is cleared before
the next run. Issue 19: such releases stayed in data/releases/ and verified as VERIFIED; killed runs
left `.tmp-release-*` folders."""

from __future__ import annotations

import json
import os

import dagster as dg

from pipelines.landing import land_inbox
from pipelines.release import promote_release, verify_release
from pipelines.release.quarantine import clean_releases, quarantine_release, unpublished_reason
from pipelines.release.verify import main as verify_main
from tests.release.conftest import make_release


def test_verify_names_a_quarantined_release_unpublished(tmp_path, capsys):
    release = make_release(tmp_path / "releases", promote=False)
    moved = quarantine_release(release, tmp_path / "quarantine", "failed release_has_no_personal_data: 1 finding")
    assert not release.exists() and unpublished_reason(moved).startswith("failed release_has_no_personal_data")
    report = verify_release(moved)
    assert not report.ok and any("UNPUBLISHED" in p.message for p in report.problems)
    assert verify_main([str(moved)]) == 1
    assert "UNPUBLISHED: this release was never published" in capsys.readouterr().out


def test_latest_keeps_verifying_while_a_candidate_waits_for_its_checks(tmp_path):
    from datetime import UTC, datetime

    releases = tmp_path / "releases"
    published = make_release(releases, created=datetime(2026, 1, 1, tzinfo=UTC))
    candidate = make_release(releases, promote=False, created=datetime(2026, 2, 1, tzinfo=UTC))
    assert candidate.name.startswith(".candidate-")  # hidden: no reader or verifier takes it for a release
    assert verify_release(releases / "latest").ok  # a visible newer release would look like a rollback
    assert (releases / "latest").resolve() == published.resolve()
    promoted = promote_release(releases, candidate)
    assert not candidate.exists() and (releases / "latest").resolve() == promoted.resolve()
    assert verify_release(releases / "latest", walk_chain=True).ok


def test_the_published_release_is_never_quarantined(tmp_path):
    release = make_release(tmp_path / "releases")
    try:
        quarantine_release(release, tmp_path / "quarantine", "no")
    except ValueError as error:
        assert "latest" in str(error)
    assert release.is_dir() and verify_release(tmp_path / "releases" / "latest").ok


def test_an_interrupted_runs_leftovers_are_cleared_and_the_chain_kept(tmp_path):
    releases = tmp_path / "releases"
    first = make_release(releases)
    (releases / ".tmp-release-abc123" / "data").mkdir(parents=True)  # killed while writing
    (releases / ".tmp-release-abc123" / "data" / "groups.parquet").write_bytes(b"PAR1")
    (releases / ".latest-0f0f").symlink_to(first.name)  # killed while promoting
    from datetime import UTC, datetime

    unpromoted = make_release(releases, promote=False, created=datetime(2030, 1, 1, tzinfo=UTC))  # killed before
    older_than_latest = releases / "20000101T000000Z-000000000000"  # not ours to judge: left alone
    older_than_latest.mkdir()
    renamed_not_linked = make_release(releases, created=datetime(2031, 1, 1, tzinfo=UTC), promote=False)
    os.rename(renamed_not_linked, releases / renamed_not_linked.name.removeprefix(".candidate-"))  # killed between

    cleaned = clean_releases(releases, tmp_path / "quarantine")

    assert sorted(cleaned.temporary) == [".latest-0f0f", ".tmp-release-abc123"]
    assert sorted(cleaned.unpromoted) == sorted([unpromoted.name, renamed_not_linked.name.removeprefix(".candidate-")])
    assert sorted(p.name for p in releases.iterdir()) == sorted([first.name, older_than_latest.name, "latest"])
    quarantined = tmp_path / "quarantine" / unpromoted.name.removeprefix(".candidate-")
    assert unpublished_reason(quarantined).startswith("never promoted")
    assert verify_release(releases / "latest").ok
    assert clean_releases(releases, tmp_path / "quarantine").unpromoted == []  # idempotent


def test_published_releases_stay(tmp_path):
    from datetime import UTC, datetime

    releases = tmp_path / "releases"
    chain = [make_release(releases, created=datetime(2026, month, 1, tzinfo=UTC)) for month in (1, 2, 3)]
    assert clean_releases(releases, tmp_path / "quarantine").unpromoted == []
    assert all(release.is_dir() for release in chain)
    assert verify_release(releases / "latest", walk_chain=True).ok


# --- the blocking check, in a real Dagster run --------------------------------------------------------


def test_a_release_failing_the_privacy_check_is_quarantined_and_never_promoted(tmp_path, monkeypatch):
    from pipelines.assets.privacy import release_has_no_personal_data
    from pipelines.assets.release import latest
    from pipelines.assets.resources import DataDir, FederationExtract, Signing, Warehouse

    inbox = tmp_path / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    (inbox / "users.ndjson").write_text(json.dumps({"handle": "h", "display_name": "Anneliese Vuorinen"}) + "\n")
    land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    releases = tmp_path / "releases"
    published = make_release(releases)

    @dg.asset(key=["release", "release"], group_name="release")
    def release() -> dg.MaterializeResult:
        """A release that names a person from the inputs, written unpromoted as the real asset does."""
        from datetime import UTC, datetime

        import pyarrow as pa

        from tests.release.conftest import sample_tables

        tables = sample_tables()
        name = next(iter(tables))
        table = tables[name]
        column = next(f.name for f in table.schema if pa.types.is_string(f.type))
        leaked = table.set_column(
            table.schema.get_field_index(column), column, pa.array(["Anneliese Vuorinen"] * table.num_rows)
        )
        path = make_release(releases, {**tables, name: leaked}, promote=False, created=datetime(2030, 1, 1, tzinfo=UTC))
        return dg.MaterializeResult(metadata={"path": str(path), "release_id": path.name})

    monkeypatch.setenv("TOGETHEROS_DATA_DIR", str(tmp_path))
    result = dg.materialize(
        [release, latest, release_has_no_personal_data],
        resources={
            "data_dir": DataDir(path=str(tmp_path)),
            "warehouse": Warehouse(),
            "signing": Signing(),
            "federation_extract": FederationExtract(),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed
    assert sorted(p.name for p in releases.iterdir()) == sorted([published.name, "latest"])
    assert (releases / "latest").resolve() == published.resolve()  # `latest` never moved
    (quarantined,) = (tmp_path / "quarantine" / "releases").iterdir()
    assert "release_has_no_personal_data" in unpublished_reason(quarantined)
    assert not verify_release(quarantined).ok
