"""The call a federation hub makes (one folder, a pinned key, the last accepted release), and the trust file."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from pipelines.release import switch_latest
from pipelines.release.trust import TrustFile, default_trust_file, verify_member_release
from pipelines.release.verify import Accepted
from tests.release.conftest import CREATED, OTHER_KEY, TEST_KEY, chain_of, make_release, sample_tables


def test_a_member_release_is_accepted_with_a_record_to_keep(tmp_path: Path):
    first, second = chain_of(tmp_path / "releases", 2)
    decision = verify_member_release(first, pinned_key=TEST_KEY.public_key)
    assert decision.accepted and decision.refusal is None and decision.key_id == TEST_KEY.key_id
    later = verify_member_release(second, pinned_key=TEST_KEY.public_key, last_accepted=decision.record)
    assert later.accepted, later.reason
    assert later.record == Accepted(
        second.name,
        later.report.descriptor_sha256,
        "2025-03-02T12:00:00Z",
        TEST_KEY.public_key,
    )


def test_refusals_name_their_reason(tmp_path: Path):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    accepted = verify_member_release(second, pinned_key=TEST_KEY.public_key).record
    rollback = verify_member_release(first, pinned_key=TEST_KEY.public_key, last_accepted=accepted)
    assert (rollback.accepted, rollback.refusal) == (False, "rollback")
    assert f"is older than {second.name}" in rollback.reason and rollback.record is None

    wrong_key = verify_member_release(first, pinned_key=OTHER_KEY.public_key)
    assert (wrong_key.accepted, wrong_key.refusal) == (False, "pinned key")

    unpinned = verify_member_release(first, pinned_key=None)
    assert (unpinned.accepted, unpinned.refusal) == (False, "unpinned")

    mirror = tmp_path / "mirror"
    shutil.copytree(releases, mirror, symlinks=True)
    shutil.rmtree(mirror / second.name)
    switch_latest(mirror, first.name)
    tables = sample_tables()
    tables["groups"] = tables["groups"].slice(4)
    fork = make_release(mirror, tables, created=CREATED + timedelta(days=3))
    forked = verify_member_release(fork, pinned_key=TEST_KEY.public_key, last_accepted=accepted)
    assert (forked.accepted, forked.refusal) == (False, "fork")

    (second / "data/groups.csv").write_text("tampered\n")
    damaged = verify_member_release(second, pinned_key=TEST_KEY.public_key, last_accepted=accepted)
    assert not damaged.accepted and damaged.refusal == "SHA256SUMS"


def test_trust_file_round_trip_and_format(tmp_path: Path):
    path = tmp_path / "nested" / "trusted.json"
    trust = TrustFile.load(path)
    assert trust.communities == {}
    trust.communities["riverside"] = Accepted(
        "20250301T120000Z-abc", "ab" * 32, "2025-03-01T12:00:00Z", TEST_KEY.public_key
    )
    trust.save()
    document = json.loads(path.read_text())
    assert document["format"] == "togetheros-trust/1"
    entry = document["communities"]["riverside"]
    assert entry["key_id"] == TEST_KEY.key_id and entry["last_release"]["id"] == "20250301T120000Z-abc"
    assert TrustFile.load(path).communities == trust.communities


def test_default_trust_file_location():
    assert default_trust_file({"TOGETHEROS_TRUST_FILE": "/x/t.json"}) == Path("/x/t.json")
    assert default_trust_file({"XDG_CONFIG_HOME": "/cfg"}) == Path("/cfg/togetheros/trusted.json")
    assert default_trust_file({"HOME": "/h"}).name == "trusted.json"


def test_a_release_whose_path_back_to_the_accepted_one_is_missing_is_refused(tmp_path: Path):
    first, second, third = chain_of(tmp_path / "releases", 3)
    accepted = verify_member_release(first, pinned_key=TEST_KEY.public_key).record
    assert verify_member_release(third, pinned_key=None, last_accepted=accepted).accepted  # through second
    shutil.rmtree(second)
    missing = verify_member_release(third, pinned_key=None, last_accepted=accepted)
    assert (missing.accepted, missing.refusal) == (False, "descent")
    assert f"{second.name}, the predecessor of {third.name}, is not next to it" in missing.reason
