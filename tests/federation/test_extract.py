"""The private federation extract: exact distinct people at the hub. Unit tests seal and open hand-built
extracts; the federation tests build three small cities with the real pipeline, where some people (the
same emails, planted in the cities' exports) take part in two or three cities, serve them over local HTTP,
and check the hub's exact figures against the distinct people counted from the cities' own inputs, each
refusal (the member's release stays accepted, the figure falls back to the lower bound), that nothing of
an extract reaches the hub's public release, and that no withheld cell is recoverable by subtraction."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml
from nacl.public import PrivateKey, SealedBox

from dashboards import files
from pipelines.dbt_plugins.pseudonym import demo_key_file, load_key, pseudonym
from pipelines.federation import extract
from pipelines.federation.audit import verify_federation
from pipelines.federation.cli import status_lines
from pipelines.federation.config import load_config
from pipelines.federation.hub import refresh_hub
from pipelines.federation.state import HubState
from pipelines.release.hashing import sha256_file
from pipelines.release.signing import SigningKeyConfig
from pipelines.settings import Paths
from tests.federation.cities import build_federation

K = 5
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


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


# --- a federation with people in two or three cities ---


def _plant_shared_people(cities: dict[str, Path]) -> None:
    """Borealis's first 40 platform users take aurora's first 40 emails, cascadia's first 20 take aurora's
    emails 20-39 (in every export of the city, whatever the case): the same people in several cities."""

    def emails(city: str) -> list[str]:
        lines = (cities[city] / "inbox" / "togetheros" / "users.ndjson").read_text().splitlines()
        return [json.loads(line)["email"] for line in lines if line.strip()]

    aurora = emails("aurora")
    for city, shared in (("borealis", aurora[:40]), ("cascadia", aurora[20:40])):
        replaced = dict(zip(emails(city)[: len(shared)], shared, strict=True))
        by_lower = {old.lower(): new for old, new in replaced.items()}
        pattern = re.compile("|".join(re.escape(e) for e in replaced), re.IGNORECASE)
        for path in (cities[city] / "inbox").rglob("*"):
            if path.suffix in (".ndjson", ".csv", ".json"):
                text = path.read_text(encoding="utf-8")
                changed = pattern.sub(lambda m, by_lower=by_lower: by_lower[m[0].lower()], text)
                if changed != text:
                    path.write_text(changed, encoding="utf-8")


def _hub(root: Path, servers: dict, name: str) -> Paths:
    """A fresh hub under root/<name> (its own state) with the demo hub's configuration and keys, over HTTP."""
    shutil.copytree(root / "hub" / "inbox", root / name / "inbox")
    shutil.copytree(root / "hub" / "keys", root / name / "keys")
    config_file = root / name / "inbox" / "community" / "federation.yaml"
    document = yaml.safe_load(config_file.read_text())
    for member in document["members"]:
        member["releases"] = f"http://127.0.0.1:{servers[member['name']].server_address[1]}/releases"
    config_file.write_text(yaml.safe_dump(document))
    return Paths(root / name)


def _refresh(paths: Paths):
    config = load_config(paths.inbox / "community" / "federation.yaml")
    return refresh_hub(config, paths, SigningKeyConfig.from_env({}, paths.data), K, code_commit="test")


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    root = tmp_path_factory.mktemp("federation-extract")
    cities = build_federation(root, prepare=_plant_shared_people)
    servers = {city: files.start(d / "releases", "127.0.0.1", 0) for city, d in cities.items()}
    paths = _hub(root, servers, "hub-exact")
    refresh = _refresh(paths)
    yield {"root": root, "cities": cities, "servers": servers, "paths": paths, "refresh": refresh}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _rows(release: Path, dataset: str, where: str = "true") -> list[dict]:
    relation = duckdb.connect().sql(f"select * from read_parquet('{release}/data/{dataset}.parquet') where {where}")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def _true_people(cities: dict[str, Path]) -> tuple[dict, dict]:
    """Per month: the distinct people active in any city's root group (a person known by an email in the
    city's exports is that email; anyone else is their city's own), and the sum of the cities' counts."""
    people: dict = {}
    summed: dict = {}
    for city, data_dir in cities.items():
        paths = Paths(data_dir)
        key = load_key(None, demo_key_file(paths))
        emails = {
            e.strip().lower()
            for path in (data_dir / "inbox").rglob("*")
            if path.suffix in (".ndjson", ".csv", ".json")
            for e in EMAIL.findall(path.read_text(encoding="utf-8"))
        }
        by_member = {"m_" + pseudonym(key, e)[:20]: e for e in emails}
        release = (data_dir / "releases" / "latest").resolve()
        roots = [r["group_id"] for r in _rows(release, "groups", "parent_id is null")]
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            rows = con.execute(
                "select month, actor_id from marts.fct_member_months where group_id = any(?)", [roots]
            ).fetchall()
        for month, actor in rows:
            people.setdefault(month, set()).add(by_member.get(actor, f"{city}:{actor}"))
            summed[month] = summed.get(month, 0) + 1
    return people, summed


def test_the_hub_counts_people_in_several_cities_once(federation):
    refresh = federation["refresh"]
    assert [(r.member, r.outcome) for r in refresh.intake] == [(c, "accepted") for c in federation["cities"]]
    state = HubState.load(federation["paths"].data / "federation")
    assert {n: state.member(n).extract["outcome"] for n in federation["cities"]} == dict.fromkeys(
        federation["cities"], "accepted"
    )
    people, summed = _true_people(federation["cities"])
    hub_rows = _rows(refresh.release, "participation_monthly", "group_id = 'federation'")
    assert hub_rows and all(r["count_method"] == "exact" for r in hub_rows)
    published = [r for r in hub_rows if r["active_members"] is not None]
    assert published
    for row in published:
        assert row["active_members"] == len(people[row["month"]]), row
    assert any(r["active_members"] < summed[r["month"]] for r in published)  # a sum would overstate
    lines = "\n".join(status_lines(federation["paths"], datetime.now(UTC)))
    assert "extract of" in lines and ": accepted" in lines


def test_an_auditor_recomputes_everything_but_the_exact_counts(federation):
    cities = {city: (d / "releases" / "latest").resolve() for city, d in federation["cities"].items()}
    assert verify_federation(federation["refresh"].release, cities, K) == []


def test_nothing_of_an_extract_reaches_the_hubs_public_release(federation):
    hub_dir = federation["paths"].data / "federation" / "members"
    pseudonyms = set()
    for opened in hub_dir.glob("*/extracts/*.json"):
        for entries in json.loads(opened.read_bytes())["figures"].values():
            for entry in entries:
                pseudonyms.update(entry["people"])
    assert len(pseudonyms) > 100
    sealed = [p.read_bytes() for d in federation["cities"].values() for p in (d / "releases").glob("*.extract")]
    assert sealed
    release = federation["refresh"].release
    for path in (p for p in release.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not path.name.endswith(".extract") and b"togetheros-federation-extract" not in content
        assert not any(p.encode() in content for p in pseudonyms), path
        assert not any(s[:48] in content for s in sealed), path
    for data_dir in federation["cities"].values():  # nor a city's own release
        city_release = (data_dir / "releases" / "latest").resolve()
        for path in (p for p in city_release.rglob("*") if p.is_file()):
            assert not any(p.encode() in path.read_bytes() for p in list(pseudonyms)[:200]), path


def test_no_withheld_cell_is_recoverable_from_the_exact_figures(federation):
    """A hub figure minus its published children (hub groups and members' roots): what remains must be 0
    or at least K either way; for exact people a negative remainder is the people counted twice."""
    hub = federation["refresh"].release
    parent = {r["group_id"]: r["parent_id"] for r in _rows(hub, "groups")}
    tried = 0
    for dataset, measure in (("participation_monthly", "active_members"), ("governance_support_points", "allocators")):
        rows = _rows(hub, dataset)
        children: dict = {}
        for row in rows:
            children.setdefault((parent.get(row["group_id"]), row["month"]), []).append(row)
        for row in rows:
            kids = children.get((row["group_id"], row["month"]), [])
            if row["member"] is not None or row[measure] is None or not kids or row["count_method"] != "exact":
                continue
            tried += 1
            remainder = row[measure] - sum(kid[measure] or 0 for kid in kids)
            assert not 0 < abs(remainder) < K, (dataset, row, kids)
        assert all(r[measure] is None or r[measure] >= K for r in rows if r["member"] is None)
    assert tried


@contextlib.contextmanager
def _served_extract(city_dir: Path, sealed: bytes):
    path = next((city_dir / "releases").glob("*.extract"))
    original = path.read_bytes()
    path.write_bytes(sealed)
    try:
        yield
    finally:
        path.write_bytes(original)


def _cases(federation) -> dict[str, tuple[str, bytes]]:
    city = federation["cities"]["borealis"]
    box = extract.hub_box_key(federation["paths"].keys)
    original = next((city / "releases").glob("*.extract")).read_bytes()
    signed = SealedBox(box).decrypt(original)
    payload = signed[extract.SIGNATURE_BYTES :]
    city_key = SigningKeyConfig.from_env({}, city)
    document = json.loads(payload)
    document["release"]["id"] = "2020-01-01T000000Z"
    other_release = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 1
    return {
        "tampered": ("extract seal", bytes(tampered)),
        "another box key": ("extract seal", SealedBox(PrivateKey.generate().public_key).encrypt(signed)),
        "another signing key": (
            "extract signature",
            extract.seal(payload, SigningKeyConfig(b"\3" * 32, development=True), bytes(box.public_key)),
        ),
        "another release": ("extract binding", extract.seal(other_release, city_key, bytes(box.public_key))),
    }


@pytest.mark.parametrize("case", ["tampered", "another box key", "another signing key", "another release"])
def test_a_bad_extract_is_refused_and_the_figure_falls_back_to_the_lower_bound(federation, case):
    refusal, sealed = _cases(federation)[case]
    with _served_extract(federation["cities"]["borealis"], sealed):
        paths = _hub(federation["root"], federation["servers"], f"hub-{case.replace(' ', '-')}")
        refresh = _refresh(paths)
    assert {r.member: r.outcome for r in refresh.intake}["borealis"] == "accepted"  # the release stays
    record = HubState.load(paths.data / "federation").member("borealis").extract
    assert (record["outcome"], record["refusal"]) == ("refused", refusal) and record["reason"]
    assert f"extract of {record['release_id']}: refused" in "\n".join(status_lines(paths, datetime.now(UTC)))
    rows = {(r["group_id"], r["month"]): r for r in _rows(refresh.release, "participation_monthly")}
    roots = {}
    for (group_id, month), row in rows.items():
        if row["member"] is not None and group_id.count("/") == 1 and _is_root(refresh.release, group_id):
            roots.setdefault(month, []).append(row["active_members"])
    for (group_id, month), row in rows.items():
        if group_id in ("federation", "north"):
            assert row["count_method"] == "at_least"
        if group_id == "federation":
            published = [c for c in roots.get(month, []) if c is not None]
            assert row["active_members"] == (max(published) if published else None)
        if group_id == "south":  # cascadia alone: its extract was accepted
            assert row["count_method"] == "exact"


def _is_root(release: Path, group_id: str) -> bool:
    hub_ids = {r["group_id"] for r in _rows(release, "groups", "member is null")}
    return any(r["parent_id"] in hub_ids for r in _rows(release, "groups", f"group_id = '{group_id}'"))
