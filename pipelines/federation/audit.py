"""An auditor's check of a hub release (`togetheros verify HUB_RELEASE --federation --member NAME=PLACE ...`,
also `togetheros federation verify`): the hub release itself verifies; every member release it cites is
fetched (PLACE: the member's releases URL, its releases folder, or the release folder itself), is the
cited one (descriptor sha256), verifies and is signed by the cited key; and the hub's rolled-up figures
recompute exactly from those member releases with the hub's own roll-up rules. The hub's hierarchy is
read from its `groups` dataset (its own groups, and the hub group each member's root groups hang under),
so no hub configuration is needed."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import duckdb

from pipelines.federation.config import FederationConfig, HubGroup, Member
from pipelines.federation.intake import Offline, Refused, fetcher
from pipelines.federation.rollup import ROLLUPS, build_hub_tables
from pipelines.release import layout
from pipelines.release.archive import unpack_release_zip
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


def cited_release(name: str, place: str, release_id: str, work_dir: Path) -> Path:
    """The folder of member name's release release_id at place: fetched from a releases URL (unpacked
    under work_dir), or in a releases folder, or place itself; Offline/Refused/ValueError if not there."""
    if not place.startswith(("http://", "https://")):
        folder = Path(place)
        return folder if (folder / layout.DESCRIPTOR).is_file() else folder / release_id
    download, origin = fetcher(Member(name, place.rstrip("/"), "", b"", 1), work_dir)(release_id)
    try:
        return unpack_release_zip(download, work_dir / name, origin)
    finally:
        download.unlink(missing_ok=True)


def verify_federation(hub_release: Path, member_releases: dict[str, Path | str], min_count: int) -> list[str]:
    """Every problem found (empty: the hub's figures are what its cited member releases say)."""
    with tempfile.TemporaryDirectory(prefix="togetheros-federation-") as work_dir:
        return _verify_federation(Path(hub_release).resolve(), member_releases, min_count, Path(work_dir))


def _verify_federation(hub_release: Path, member_releases: dict, min_count: int, work_dir: Path) -> list[str]:
    report = verify_release(hub_release)
    problems = [f"hub release: {message}" for message in report.messages()]
    if not report.ok:
        return problems
    cited = {e["source"].split("/", 1)[1]: e for e in read_lineage(hub_release) if "/" in e["source"]}
    folders = {}
    for name, entry in sorted(cited.items()):
        place = member_releases.get(name)
        if place is None:
            problems.append(f"{name}: the hub cites release {entry['file_name']}; give where it is (--member)")
            continue
        try:
            folder = cited_release(name, str(place), entry["file_name"], work_dir).resolve()
        except (Offline, Refused, ValueError) as error:
            problems.append(f"{name}: cannot fetch the cited release {entry['file_name']}: {error}")
            continue
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
        differing = _differing_rows(con, dataset, table.column_names, path)
        if differing:
            problems.append(f"{dataset}: {differing} row(s) differ from the roll-up of the cited member releases")
        con.unregister("expected")
    return problems


def _differing_rows(con: duckdb.DuckDBPyConnection, dataset: str, columns: list[str], path: Path) -> int:
    """Rows of the published dataset that the roll-up (table `expected`) does not give. A hub row whose
    people count is exact, or whose statistics (Gini, median, turnout) were computed, came from private
    extracts no auditor has: everything of it but those (and what depends on them) must recompute, and an
    exact count may not be below the public lower bound."""

    def compare(names: list[str], where: str) -> int:
        cols = ", ".join(f'"{c}"' for c in names)
        published = f"select {cols} from read_parquet('{path}') as p where {where}"
        expected = f"select {cols} from expected as p where {where}"
        return con.sql(
            f"select count(*) from (({expected} except all {published}) union all ({published} except all {expected}))"
        ).fetchall()[0][0]

    spec = next((s for s in ROLLUPS if s.dataset == dataset), None)
    if spec is None or not (spec.figures or spec.carried):
        return compare(columns, "true")
    key = ", ".join(f'"{c}"' for c in ("group_id", *spec.keys))
    # the hub rows that extracts reached: those counted exactly, or (no people counted) every hub row
    reached = "member is null" + (" and count_method = 'exact'" if "count_method" in columns else "")
    exact = f"({key}) in (select ({key}) from read_parquet('{path}') where {reached})"
    masked = {
        *spec.exact_people,
        *spec.same_as,
        *spec.carried,
        "count_method",
        "suppressed_cells",
        spec.suppressed_flag,
    }
    below_bound = sum(
        con.sql(
            f"select count(*) from read_parquet('{path}') as p inner join expected as e using ({key}) "
            f'where p.member is null and p.count_method = \'exact\' and p."{m}" < e."{m}"'
        ).fetchall()[0][0]
        for m in spec.exact_people
    )
    return compare(columns, f"not {exact}") + compare([c for c in columns if c not in masked], exact) + below_bound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="togetheros verify --federation", description=__doc__.splitlines()[0])
    parser.add_argument("hub_release", type=Path)
    parser.add_argument(
        "--member",
        action="append",
        default=[],
        metavar="NAME=PLACE",
        help="where a cited member's release is: its releases URL or folder, or the release folder",
    )
    args = parser.parse_args(argv)
    members = dict(item.split("=", 1) for item in args.member)
    hub = Path(args.hub_release).resolve()
    min_count = json.loads((hub / layout.DESCRIPTOR).read_bytes()).get("togetheros:suppression", {}).get("min_count", 5)
    problems = verify_federation(hub, members, int(min_count))
    for problem in problems:
        print(f"FAIL {problem}")
    print(
        f"{'NOT VERIFIED' if problems else 'VERIFIED'} {hub}: {len(members)} member release(s) re-verified"
        + ("" if problems else ", every rolled-up figure recomputes")
    )
    return 1 if problems else 0
