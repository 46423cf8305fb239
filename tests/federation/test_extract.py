"""The private federation extract: sealing and opening hand-built extracts, and the file server serving
one beside its release. The federation tests (three cities built by the real pipeline, some people in two
or three of them, a hub with its box key: exact distinct people, each refusal, nothing of an extract in
the hub's public release) are in test_hub.py, which builds that federation once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from dashboards import files
from pipelines.federation import extract
from pipelines.release.hashing import sha256_file
from pipelines.release.signing import SigningKeyConfig


def _release(tmp_path: Path, release_id: str = "2026-04-01T000000Z") -> Path:
    folder = tmp_path / "releases" / release_id
    folder.mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps({"id": release_id}))
    return folder


FIGURES = {extract.ACTIVE_MEMBERS: [{"group_id": "g", "month": "2026-01-01", "people": ["a1", "b2"]}]}


def test_an_extract_opens_only_for_the_hub_signed_by_the_city_and_bound_to_its_release(tmp_path):
    release = _release(tmp_path)
    city = SigningKeyConfig(b"\1" * 32, development=True)
    hub = PrivateKey.generate()
    payload = extract.extract_payload(release, city, FIGURES)
    assert payload == extract.extract_payload(release, city, FIGURES)  # deterministic bytes
    sealed = extract.seal(payload, city, bytes(hub.public_key))
    path = extract.write_extract(release, sealed)
    assert path == tmp_path / "releases" / f"{release.name}.extract" and not (release / path.name).exists()
    descriptor = sha256_file(release / "datapackage.json")
    opened, document = extract.open_extract(path.read_bytes(), hub, city.public_key, release.name, descriptor)
    assert opened == payload and document["figures"] == FIGURES

    def refusal(sealed_bytes, key=city.public_key, release_id=release.name):
        with pytest.raises(extract.ExtractRefused) as caught:
            extract.open_extract(sealed_bytes, hub, key, release_id, descriptor)
        return caught.value.refusal

    tampered = bytearray(sealed)
    tampered[len(tampered) // 2] ^= 1
    assert refusal(bytes(tampered)) == "extract seal"
    assert refusal(extract.seal(payload, city, bytes(PrivateKey.generate().public_key))) == "extract seal"
    other = SigningKeyConfig(b"\2" * 32, development=True)
    assert refusal(extract.seal(payload, other, bytes(hub.public_key))) == "extract signature"
    assert refusal(sealed, release_id="2026-05-01T000000Z") == "extract binding"


def test_the_file_server_serves_the_extract_beside_the_release(tmp_path):
    release = _release(tmp_path)
    (release.parent / "latest").symlink_to(release.name)
    extract.write_extract(release, b"sealed bytes")
    for name in (release.name, "latest"):
        body, _, file_name = files.resolve(release.parent, f"/releases/{name}.extract")
        assert body == b"sealed bytes" and file_name == f"{release.name}.extract"
    assert files.resolve(release.parent, "/releases/2020-01-01T000000Z.extract") is None
