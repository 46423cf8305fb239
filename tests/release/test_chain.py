"""Each release records its predecessor's descriptor hash; --chain walks back and catches rewrites."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from pipelines.release import verify_release
from pipelines.release.hashing import sha256_file
from tests.release.conftest import CREATED, TEST_KEY, make_release, sample_tables


def three_releases(releases: Path) -> list[Path]:
    tables = sample_tables()
    paths = [make_release(releases)]
    for step in (1, 2):
        tables["groups"] = tables["groups"].slice(step)
        paths.append(make_release(releases, dict(tables), created=CREATED + timedelta(days=step)))
    return paths


def test_the_chain_walks_back_to_the_first_release(tmp_path: Path):
    first, second, third = three_releases(tmp_path / "releases")
    previous = json.loads((third / "datapackage.json").read_text())["togetheros:previous"]
    assert previous == {"id": second.name, "descriptor_sha256": sha256_file(second / "datapackage.json")}
    report = verify_release(third, walk_chain=True)
    assert report.ok, report.messages()
    assert "2 earlier release(s) link back" in [c.message for c in report.checks if c.name == "chain"][-1]


def test_a_rewritten_earlier_descriptor_breaks_the_chain_even_if_re_signed(tmp_path: Path):
    first, second, third = three_releases(tmp_path / "releases")
    path = first / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["togetheros:data_as_of"] = "2020-01-01"  # history rewritten by someone holding the key
    data = (json.dumps(descriptor, indent=2) + "\n").encode()
    path.write_bytes(data)
    (first / "datapackage.json.sig").write_text(TEST_KEY.sign(data) + "\n")
    assert verify_release(third).ok  # without --chain only the release itself is checked
    messages = "\n".join(verify_release(third, walk_chain=True).messages())
    assert f"{first.name}/datapackage.json has sha256" in messages
    assert f"but {second.name} recorded" in messages and "the earlier release was rewritten" in messages


def test_a_missing_earlier_release_breaks_the_chain(tmp_path: Path):
    first, second, third = three_releases(tmp_path / "releases")
    (first / "datapackage.json").rename(first / "moved.json")
    messages = "\n".join(verify_release(third, walk_chain=True).messages())
    assert f"previous release {first.name} is not next to this release" in messages
