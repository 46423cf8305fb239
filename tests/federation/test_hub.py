"""A federation end to end: three city instances built by the real pipeline from disjoint demo communities
(two written by `togetheros demo --federation`, the first the session's demo pipeline run), served over
local HTTP by the file server; a hub takes them in and publishes its own signed release. Figures at the
hub are the cities' sums for additive facts, lower bounds for people, and no suppressed city cell can be
recovered from them; a member that goes offline keeps its last figures; the hub's dashboard cites them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from dashboards import files
from dashboards.ui import day_label
from pipelines.federation.audit import verify_federation
from pipelines.federation.cli import main as federation_main
from pipelines.federation.config import load_config
from pipelines.federation.extract import HUB_BOX_PRIVATE_FILE
from pipelines.federation.hub import refresh_hub
from pipelines.federation.rollup import MEMBER_SEPARATOR, ROLLUPS
from pipelines.release.lineage import read_lineage
from pipelines.release.signing import SigningKeyConfig
from pipelines.release.verify import verify_release
from pipelines.settings import Paths
from tests.dashboards.browser import CHROMIUM, launch_browser, open_page, serve_dashboard
from tests.federation.cities import build_federation

pytestmark = pytest.mark.slow
K = 5


@pytest.fixture(scope="module")
def federation(tmp_path_factory, pipeline_run):
    assert pipeline_run.success
    root = tmp_path_factory.mktemp("federation")
    cities = build_federation(root, pipeline_run.data_dir)  # aurora: the session's demo run, built anyway
    servers = {city: files.start(data_dir / "releases", "127.0.0.1", 0) for city, data_dir in cities.items()}
    config_file = root / "hub" / "inbox" / "community" / "federation.yaml"
    document = yaml.safe_load(config_file.read_text())
    for member in document["members"]:  # the hub fetches over HTTP, as from another machine
        member["releases"] = f"http://127.0.0.1:{servers[member['name']].server_address[1]}/releases"
    config_file.write_text(yaml.safe_dump(document))
    paths = Paths(root / "hub")
    # the public-release rules alone: without its box key the hub takes no private extract (test_extract.py)
    (paths.keys / HUB_BOX_PRIVATE_FILE).unlink()
    hub_key = SigningKeyConfig.from_env({}, paths.data)
    refresh = refresh_hub(load_config(config_file), paths, hub_key, K, code_commit="test")
    yield {"root": root, "cities": cities, "servers": servers, "paths": paths, "key": hub_key, "refresh": refresh}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _rows(release: Path, dataset: str, where: str = "true") -> list[dict]:
    con = duckdb.connect()
    relation = con.sql(f"select * from read_parquet('{release}/data/{dataset}.parquet') where {where}")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def _city_roots(city_release: Path) -> set[str]:
    return {r["group_id"] for r in _rows(city_release, "groups", "parent_id is null")}


def test_every_city_accepted_and_the_hub_release_verifies(federation):
    refresh = federation["refresh"]
    assert [(r.member, r.outcome) for r in refresh.intake] == [
        ("aurora", "accepted"),
        ("borealis", "accepted"),
        ("cascadia", "accepted"),
    ]
    report = verify_release(refresh.release, trusted_key=federation["key"].public_key)
    assert report.ok, report.messages()
    lineage = {entry["source"]: entry for entry in read_lineage(refresh.release)}
    for city, data_dir in federation["cities"].items():
        city_release = (data_dir / "releases" / "latest").resolve()
        cited = lineage[f"federation/{city}"]
        assert cited["file_name"] == city_release.name  # the hub cites the city release it used
        assert cited["sha256"] == hashlib.sha256((city_release / "datapackage.json").read_bytes()).hexdigest()


def test_an_auditor_recomputes_the_hub_from_the_cited_city_releases(federation):
    cities = {city: (d / "releases" / "latest").resolve() for city, d in federation["cities"].items()}
    assert verify_federation(federation["refresh"].release, cities, K) == []


@pytest.mark.parametrize("spec", [s for s in ROLLUPS if s.sums], ids=lambda s: s.dataset)
def test_additive_figures_at_the_hub_are_the_cities_sums(federation, spec):
    hub = federation["refresh"].release
    expected: dict[tuple, dict] = {}
    for data_dir in federation["cities"].values():
        city_release = (data_dir / "releases" / "latest").resolve()
        roots = _city_roots(city_release)
        for row in _rows(city_release, spec.dataset):
            if row["group_id"] in roots:
                key = tuple(row[k] for k in spec.keys)
                totals = expected.setdefault(key, dict.fromkeys(spec.sums, 0))
                for measure in spec.sums:
                    totals[measure] += row[measure] or 0
    got = {tuple(r[k] for k in spec.keys): r for r in _rows(hub, spec.dataset, "group_id = 'federation'")}
    assert expected and set(got) == set(expected)
    for key, totals in expected.items():
        assert {m: got[key][m] for m in spec.sums} == totals, key
        for ratio, (numerator, denominator) in spec.ratios.items():
            shown = got[key][ratio]
            assert shown == (round(100 * totals[numerator] / totals[denominator], 1) if totals[denominator] else None)


def test_people_are_lower_bounds_never_sums(federation):
    hub = federation["refresh"].release
    published: dict = {}
    withheld: dict = {}
    for data_dir in federation["cities"].values():
        city_release = (data_dir / "releases" / "latest").resolve()
        roots = _city_roots(city_release)
        for row in _rows(city_release, "participation_monthly"):
            if row["group_id"] in roots:
                (withheld if row["is_suppressed"] else published).setdefault(row["month"], []).append(
                    row["active_members"]
                )
    rows = {r["month"]: r for r in _rows(hub, "participation_monthly", "group_id = 'federation'")}
    assert any(len(v) > 1 for v in published.values())  # months where a sum would have been shown
    for month, row in rows.items():
        counts = published.get(month, [])
        assert row["active_members"] == (max(counts) if counts else None)
        assert row["suppressed_cells"] == len(withheld.get(month, []))


def test_no_suppressed_city_cell_can_be_recovered_by_subtraction(federation):
    """The attacker's move: a hub figure minus the published figures of its children (hub groups and the
    members' root rows). Whatever remains must be 0 (or negative, for a lower bound) or at least K: never
    a small count a city withheld. (The members' own rows are their releases' business: the hub carries
    them as published.)"""
    hub = federation["refresh"].release
    parent = {r["group_id"]: r["parent_id"] for r in _rows(hub, "groups")}
    tried = targets = 0
    for spec in (s for s in ROLLUPS if s.suppressed_flag):
        rows = _rows(hub, spec.dataset)
        targets += sum(1 for row in rows if row["member"] is not None and row["suppressed_cells"])
        children: dict[tuple, list] = {}
        for row in rows:
            children.setdefault((parent.get(row["group_id"]), *(row[k] for k in spec.keys)), []).append(row)
        for measure in spec.measures:
            for row in rows:
                kids = children.get((row["group_id"], *(row[k] for k in spec.keys)), [])
                if row["member"] is not None or row[measure] is None or not kids:
                    continue
                tried += 1
                remainder = row[measure] - sum(kid[measure] or 0 for kid in kids)
                assert not 0 < remainder < K, (spec.dataset, measure, row, kids)
    assert tried and targets  # the attack had figures to subtract from and withheld cells to aim at


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
def test_the_hub_dashboard_spans_its_members_groups_and_cites_their_releases(federation):
    """The same app over the hub's release: the group filter offers a member's own groups, and every
    figure says which member releases (and data to which day) it comes from."""
    hub = (federation["paths"].releases / "latest").resolve()
    cited = {
        r["member"]: f"{r['member']} release {r['release_id']} (data to {day_label(r['data_as_of'])})"
        for r in _rows(hub, "federation_members")
    }
    hub_ids = {r["group_id"] for r in _rows(hub, "groups", "member is null")}
    aurora_root = next(r for r in _rows(hub, "groups", "member = 'aurora'") if r["parent_id"] in hub_ids)
    with serve_dashboard(federation["paths"].releases) as base_url, launch_browser() as browser:
        page = browser.new_page()
        open_page(page, f"{base_url}/?group=federation", "Overview")
        main = page.locator('[data-testid="stMain"]')
        assert not page.locator('[data-testid="stException"]').count()
        every = "From " + ", ".join(cited[m] for m in sorted(cited)) + "."
        headlines = page.locator('[data-testid="stMetric"]').count()
        assert headlines and main.inner_text().count(every) >= headlines  # under each headline and chart
        open_page(page, f"{base_url}/?group={aurora_root['group_id']}", "Overview")
        group = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Group").input_value()
        assert aurora_root["name"] in group  # a member's group is one of the filter's groups
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert f"From {cited['aurora']}." in text and cited["borealis"] not in text


def test_a_member_offline_keeps_its_last_figures_marked_with_their_date(federation):
    servers, paths = federation["servers"], federation["paths"]
    servers["cascadia"].shutdown()
    servers["cascadia"].server_close()
    first = federation["refresh"]
    config = load_config(paths.inbox / "community" / "federation.yaml")
    later = refresh_hub(config, paths, federation["key"], K, now=datetime.now(UTC))
    outcomes = {r.member: r.outcome for r in later.intake}
    assert outcomes == {"aurora": "unchanged", "borealis": "unchanged", "cascadia": "offline"}
    members = {r["member"]: r for r in _rows(later.release, "federation_members")}
    assert members["cascadia"]["status"] == "offline" and members["cascadia"]["data_as_of"]
    assert (
        members["cascadia"]["release_id"]
        == {r["member"]: r for r in _rows(first.release, "federation_members")}["cascadia"]["release_id"]
    )
    cascadia_rows = _rows(later.release, "treasury_monthly", "member = 'cascadia'")
    assert cascadia_rows and all(r["group_id"].startswith(f"cascadia{MEMBER_SEPARATOR}") for r in cascadia_rows)
    assert verify_release(later.release, trusted_key=federation["key"].public_key).ok


def test_the_command_line_shows_each_member(federation, capsys):
    assert federation_main(["status", "--data-dir", str(federation["paths"].data)]) == 0
    out = capsys.readouterr().out
    assert "aurora: current; accepted" in out and "cascadia: offline; accepted" in out
