"""A federation end to end: three city instances built by the real pipeline from disjoint demo communities
(two written by `togetheros demo --federation`, the first the session's demo pipeline run) in which some
people (the same emails, planted in the two others' exports) take part in two or three cities, served over
local HTTP by the file server. Two hubs take them in and publish their own signed releases:

- one without its box key (the public-release rules alone): figures at the hub are the cities' sums for
  additive facts, lower bounds for people, and no suppressed city cell can be recovered from them; a
  member that goes offline keeps its last figures; the hub's dashboard cites them;
- one with its box key, which takes the cities' private extracts (pipelines.federation.extract): exact
  distinct people, checked against the people counted from the cities' own inputs; each refusal (the
  member's release stays accepted, the figure falls back to the lower bound); nothing of an extract in the
  hub's public release; no withheld cell recoverable by subtraction.

Every test that needs the built federation is in this module, so that `--dist loadfile` builds it once
(the extract's unit tests are in test_extract.py)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import statistics
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
import yaml
from nacl.public import PrivateKey, SealedBox

from dashboards import files
from dashboards.ui import day_label
from pipelines.dbt_plugins.pseudonym import demo_key_file, load_key, pseudonym
from pipelines.federation import extract
from pipelines.federation.audit import verify_federation
from pipelines.federation.cli import main as federation_main
from pipelines.federation.cli import status_lines
from pipelines.federation.config import load_config
from pipelines.federation.extract import HUB_BOX_PRIVATE_FILE
from pipelines.federation.hub import refresh_hub
from pipelines.federation.rollup import MEMBER_SEPARATOR, ROLLUPS
from pipelines.federation.state import HubState
from pipelines.release.lineage import read_lineage
from pipelines.release.signing import SigningKeyConfig
from pipelines.release.verify import verify_release
from pipelines.settings import Paths
from tests.dashboards.browser import CHROMIUM, launch_browser, open_page, serve_dashboard
from tests.dashboards.test_app import PAGES, run_app
from tests.federation.cities import build_federation

pytestmark = pytest.mark.slow
K = 5
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _plant_shared_people(cities: dict[str, Path]) -> None:
    """Borealis's first 40 platform users take aurora's first 40 emails, cascadia's first 20 take aurora's
    emails 20-39 (in every export of the city, whatever the case): the same people in several cities. Aurora's
    inbox (the demo run's) is only read."""

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
    """A fresh hub under root/<name> (its own state) with the demo hub's configuration and keys, fetching
    from the cities over HTTP, as from another machine."""
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
def federation(tmp_path_factory, pipeline_run):
    assert pipeline_run.success
    root = tmp_path_factory.mktemp("federation")
    # aurora: the session's demo run, built anyway (copied in, its extract written with the federation's
    # keys); borealis and cascadia run their pipelines with some of aurora's people planted
    cities = build_federation(root, pipeline_run.data_dir, prepare=_plant_shared_people)
    servers = {city: files.start(data_dir / "releases", "127.0.0.1", 0) for city, data_dir in cities.items()}
    paths = _hub(root, servers, "hub-lower")
    # the public-release rules alone: without its box key the hub takes no private extract
    (paths.keys / HUB_BOX_PRIVATE_FILE).unlink()
    hub_key = SigningKeyConfig.from_env({}, paths.data)
    refresh = _refresh(paths)
    # the same cities, a hub with its box key: exact people from the private extracts
    exact_paths = _hub(root, servers, "hub-exact")
    exact_refresh = _refresh(exact_paths)
    yield {
        "root": root,
        "cities": cities,
        "servers": servers,
        "paths": paths,
        "key": hub_key,
        "refresh": refresh,
        "exact_paths": exact_paths,
        "exact_refresh": exact_refresh,
    }
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


# --- exact people: the hub with its box key opens the cities' private extracts ---


def _city_truth(cities: dict[str, Path]):
    """Each city's own inputs, read from its warehouse's facts, its people named as the hub should see
    them (a person known by an email in the city's exports is that email; anyone else is their city's
    own): yields (city, contributions: (month, person, contributions), voters: (month, person), days to
    delivery: (decision month, days)), all of the city's root groups."""
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

        def person(actor, city=city, by_member=by_member):
            return by_member.get(actor, f"{city}:{actor}")

        release = (data_dir / "releases" / "latest").resolve()
        roots = [r["group_id"] for r in _rows(release, "groups", "parent_id is null")]
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            contributions = con.execute(
                "select month, actor_id, contributions from marts.fct_member_months where group_id = any(?)", [roots]
            ).fetchall()
            voters = con.execute(
                "select distinct date_trunc('month', e.ts)::date, e.actor_id from intermediate.int_activity_events e "
                "inner join intermediate.int_groups g on e.context = g.group_id "
                "where e.verb = 'proposal.voted' and g.ancestor_id = any(?)",
                [roots],
            ).fetchall()
            delivered = con.execute(
                "select d.decision_month, d.decided_on, d.delivered_on from marts.fct_approved_decisions d "
                "inner join intermediate.int_groups g on d.group_id = g.group_id "
                "where d.is_delivered and g.ancestor_id = any(?)",
                [roots],
            ).fetchall()
        yield (
            city,
            [(month, person(actor), n) for month, actor, n in contributions],
            [(month, person(actor)) for month, actor in voters],
            [(month, (delivered_on - decided_on).days) for month, decided_on, delivered_on in delivered],
        )


def _true_people(cities: dict[str, Path]) -> tuple[dict, dict]:
    """Per month: the distinct people active in any city's root group, and the sum of the cities' counts."""
    people: dict = {}
    summed: dict = {}
    for _, contributions, _, _ in _city_truth(cities):
        for month, person, _ in contributions:
            people.setdefault(month, set()).add(person)
            summed[month] = summed.get(month, 0) + 1
    return people, summed


def _half_up(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def test_turnout_gini_and_median_at_the_hub_are_those_of_all_its_cities_together(federation):
    """Counted here from the cities' facts, with other formulas than the hub's (Gini as the mean absolute
    difference, the median by the standard library): each person's contributions in every city added up,
    each voter once, every delivered decision of every city."""
    contributions: dict = {}  # month -> person -> contributions
    voters: dict = {}
    days: dict = {}
    for _, city_contributions, city_voters, city_days in _city_truth(federation["cities"]):
        for month, person, n in city_contributions:
            contributions.setdefault(month, {}).setdefault(person, 0)
            contributions[month][person] += n
        for month, person in city_voters:
            voters.setdefault(month, set()).add(person)
        for month, d in city_days:
            days.setdefault(month, []).append(d)
    hub = federation["exact_refresh"].release
    compared = Counter()
    for row in _rows(hub, "governance_turnout", "group_id = 'federation'"):
        assert row["count_method"] == "exact"
        if row["voters"] is not None:
            active = len(contributions[row["month"]])
            assert (row["voters"], row["active_members"]) == (len(voters[row["month"]]), active), row
            assert row["turnout_pct"] == _half_up(Fraction(100 * row["voters"], active), 1), row
            compared["turnout"] += 1
    for row in _rows(hub, "participation_inequality", "group_id = 'federation'"):
        values = list(contributions[row["month"]].values())
        n, total = len(values), sum(values)
        assert row["contributions"] == total
        if row["gini"] is not None:
            mean_difference = Fraction(sum(abs(x - y) for x in values for y in values), n * n)
            assert row["gini"] == _half_up(mean_difference / (2 * Fraction(total, n)), 3), row
            top = sorted(values, reverse=True)
            assert row["absence_factor"] == next(i for i in range(1, n + 1) if 2 * sum(top[:i]) >= total), row
            compared["gini"] += 1
    for row in _rows(hub, "delivery_rates", "group_id = 'federation'"):
        if row["decisions_delivered"]:
            expected = _half_up(Fraction(statistics.median(days[row["decision_month"]])).limit_denominator(2), 1)
            assert row["median_days_to_delivery"] == expected, row
            compared["median"] += 1
    assert compared["turnout"] and compared["gini"] and compared["median"], compared
    # from the public releases alone the hub has none of them: a ratio of lower bounds, a median of medians
    # and a Gini of Ginis would be wrong figures
    lower = federation["refresh"].release
    assert all(r["turnout_pct"] is None for r in _rows(lower, "governance_turnout", "group_id = 'federation'"))
    assert all(r["gini"] is None for r in _rows(lower, "participation_inequality", "group_id = 'federation'"))
    assert all(r["median_days_to_delivery"] is None for r in _rows(lower, "delivery_rates", "group_id = 'federation'"))


def test_the_hub_counts_people_in_several_cities_once(federation):
    refresh = federation["exact_refresh"]
    assert [(r.member, r.outcome) for r in refresh.intake] == [(c, "accepted") for c in federation["cities"]]
    state = HubState.load(federation["exact_paths"].data / "federation")
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
    lines = "\n".join(status_lines(federation["exact_paths"], datetime.now(UTC)))
    assert "extract of" in lines and ": accepted" in lines


@pytest.mark.parametrize("hub", ["paths", "exact_paths"])
def test_every_page_opens_over_a_hubs_release(federation, hub, monkeypatch):
    """The hub's datasets are the members' with fewer columns and datasets: no page may fail on them (the
    decisions page did, reading overdue initiatives the hub did not roll up)."""
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(federation[hub].releases))
    app = run_app({"group": "federation", "from": "2026-01", "to": "2026-03"})
    for page in PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, (page, [e.message for e in app.exception])


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
def test_the_exact_hubs_pages_chart_turnout_and_inequality_across_its_members(federation):
    hub = (federation["exact_paths"].releases / "latest").resolve()
    assert any(r["turnout_pct"] is not None for r in _rows(hub, "governance_turnout", "group_id = 'federation'"))
    with serve_dashboard(federation["exact_paths"].releases) as base_url, launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path, heading, what, chart in (
            ("decisions", "Decisions & delivery", "Vote turnout", "Vote turnout per month"),
            ("participation", "Participation", "Participation inequality", "How evenly contributions spread"),
        ):
            open_page(page, f"{base_url}/{path}?group=federation&from=2026-01&to=2026-03", heading)
            assert not page.locator('[data-testid="stException"]').count(), path
            assert chart in page.locator(".js-plotly-plot .gtitle").all_text_contents(), path
            assert f"{what} is not in this release" not in page.locator('[data-testid="stMain"]').inner_text()


def test_an_auditor_recomputes_everything_but_the_exact_counts(federation):
    cities = {city: (d / "releases" / "latest").resolve() for city, d in federation["cities"].items()}
    assert verify_federation(federation["exact_refresh"].release, cities, K) == []


def test_nothing_of_an_extract_reaches_the_hubs_public_release(federation):
    hub_dir = federation["exact_paths"].data / "federation" / "members"
    pseudonyms = set()
    for opened in hub_dir.glob("*/extracts/*.json"):
        for entries in json.loads(opened.read_bytes())["figures"].values():
            for entry in entries:
                pseudonyms.update(entry.get("people", ()))  # days to delivery name no one
    assert len(pseudonyms) > 100
    sealed = [p.read_bytes() for d in federation["cities"].values() for p in (d / "releases").glob("*.extract")]
    assert sealed
    release = federation["exact_refresh"].release
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
    hub = federation["exact_refresh"].release
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
    box = extract.hub_box_key(federation["exact_paths"].keys)
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


# --- last: these take cascadia offline ---


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
