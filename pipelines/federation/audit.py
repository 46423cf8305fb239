"""An auditor's check of a hub release (`togetheros federation verify HUB_RELEASE --member NAME=FOLDER ...`):
the hub release itself verifies; every member release it cites is there, is the cited one (descriptor
sha256), verifies and is signed by the cited key; and the hub's rolled-up figures recompute exactly from
those member releases with the hub's own roll-up rules. The hub's hierarchy is read from its `groups`
dataset (its own groups, and the hub group each member's root groups hang under), so no hub
configuration is needed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

from pipelines.federation.config import FederationConfig, HubGroup, Member
from pipelines.federation.rollup import build_hub_tables
from pipelines.release import layout
from pipelines.release.hashing import sha256_file
from pipelines.release.lineage import read_lineage
from pipelines.release.verify import verify_release


def _hub_config(hub_release: Path) -> FederationConfig:
    con = duckdb.connect()
    rows = con.sql(
        f"select group_id, name, level, parent_id, member from read_parquet('{hub_release}/data/groups.parquet')"
    ).fetchall()
    groups = tuple(HubGroup(g, n, lv, p) for g, n, lv, p, m in rows if m is None)
    hub_ids = {g.group_id for g in groups}
    members = {m: p for g, n, lv, p, m in rows if m is not None and p in hub_ids}
    return FederationConfig(
        hub_release / "groups.parquet",
        "",
        groups,
        tuple(Member(name, "", parent, b"", 1) for name, parent in sorted(members.items())),
    )


def verify_federation(hub_release: Path, member_releases: dict[str, Path], min_count: int) -> list[str]:
    """Every problem found (empty: the hub's figures are what its cited member releases say)."""
    hub_release = Path(hub_release).resolve()
    report = verify_release(hub_release)
    problems = [f"hub release: {message}" for message in report.messages()]
    if not report.ok:
        return problems
    cited = {e["source"].split("/", 1)[1]: e for e in read_lineage(hub_release) if "/" in e["source"]}
    folders = {}
    for name, entry in sorted(cited.items()):
        folder = member_releases.get(name)
        if folder is None:
            problems.append(f"{name}: the hub cites release {entry['file_name']}; give its folder (--member)")
            continue
        folder = Path(folder).resolve()
        if not (folder / layout.DESCRIPTOR).is_file() or sha256_file(folder / layout.DESCRIPTOR) != entry["sha256"]:
            problems.append(f"{name}: {folder} is not the cited release {entry['file_name']} (descriptor sha256)")
            continue
        member = verify_release(folder)
        if not member.ok:
            problems += [f"{name}: {message}" for message in member.messages()]
            continue
        signing = json.loads((folder / layout.DESCRIPTOR).read_bytes()).get("togetheros:signing", {})
        if signing.get("key_id") != entry["key_id"]:
            problems.append(f"{name}: signed by key {signing.get('key_id')}, the hub cites key {entry['key_id']}")
            continue
        folders[name] = folder
    if problems:
        return problems
    config = _hub_config(hub_release)
    expected = build_hub_tables(config, folders, min_count)
    con = duckdb.connect()
    for dataset, table in expected.items():
        path = hub_release / "data" / f"{dataset}.parquet"
        if not path.is_file():
            problems.append(f"{dataset}: the member releases give it, the hub release lacks it")
            continue
        con.register("expected", table)
        columns = ", ".join(f'"{c}"' for c in table.column_names)
        published = f"select {columns} from read_parquet('{path}')"
        differing = con.sql(
            f"select count(*) from ((select * from expected except all {published}) "
            f"union all ({published} except all select * from expected))"
        ).fetchall()[0][0]
        if differing:
            problems.append(f"{dataset}: {differing} row(s) differ from the roll-up of the cited member releases")
        con.unregister("expected")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="togetheros federation verify", description=__doc__.splitlines()[0])
    parser.add_argument("hub_release", type=Path)
    parser.add_argument("--member", action="append", default=[], metavar="NAME=FOLDER", help="a cited member release")
    args = parser.parse_args(argv)
    members = dict(item.split("=", 1) for item in args.member)
    hub = Path(args.hub_release).resolve()
    min_count = json.loads((hub / layout.DESCRIPTOR).read_bytes()).get("togetheros:suppression", {}).get("min_count", 5)
    problems = verify_federation(hub, {k: Path(v) for k, v in members.items()}, int(min_count))
    for problem in problems:
        print(f"FAIL {problem}")
    print(
        f"{'NOT VERIFIED' if problems else 'VERIFIED'} {hub}: {len(members)} member release(s) re-verified"
        + ("" if problems else ", every rolled-up figure recomputes")
    )
    return 1 if problems else 0
