"""Hub mode in Dagster, in process: the member intake partitions and the hub release, over member
releases written here; `defs` switches to hub mode when the community folder has federation.yaml; the
Data & audit page lists a hub's members."""

from __future__ import annotations

import dagster as dg
import duckdb
import yaml

from pipelines.assets.federation import hub_release, member_partitions, member_release, members_sensor
from pipelines.assets.resources import DataDir, Disclosure, Signing
from pipelines.federation.config import load_config
from pipelines.federation.hub import refresh_hub
from pipelines.release.signing import SigningKeyConfig
from pipelines.release.verify import verify_release
from pipelines.settings import Paths
from tests.dashboards.test_app import run_app, texts
from tests.release.conftest import OTHER_KEY, TEST_KEY, make_release


def _hub(tmp_path):
    for name, key in (("east", TEST_KEY), ("west", OTHER_KEY)):
        make_release(tmp_path / name / "releases", signing_key=key)
    community = tmp_path / "hub" / "inbox" / "community"
    community.mkdir(parents=True)
    members = [
        {
            "name": "east",
            "releases": str(tmp_path / "east" / "releases"),
            "group": "hub",
            "public_key": TEST_KEY.public_key_file_text(),
        },
        # pinned to the wrong key: refused, and the hub publishes east alone
        {
            "name": "west",
            "releases": str(tmp_path / "west" / "releases"),
            "group": "hub",
            "public_key": TEST_KEY.public_key_file_text(),
        },
    ]
    document = {"hub": {"name": "Hub"}, "groups": [{"id": "hub", "name": "Hub", "level": "global"}], "members": members}
    (community / "federation.yaml").write_text(yaml.safe_dump(document))
    return tmp_path / "hub"


def test_member_partitions_then_the_hub_release(tmp_path):
    hub = _hub(tmp_path)
    resources = {"data_dir": DataDir(path=str(hub)), "disclosure": Disclosure(min_count=5), "signing": Signing()}
    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(instance=instance, resources=resources)
    result = members_sensor(context)
    assert sorted(r.partition_key for r in result.run_requests) == ["east", "west"]
    instance.add_dynamic_partitions(member_partitions.name, ["east", "west"])
    outcomes = {}
    for name in ("east", "west"):
        run = dg.materialize([member_release], partition_key=name, resources=resources, instance=instance)
        assert run.success
        materialization = run.asset_materializations_for_node("federation__member_release")[0]
        outcomes[name] = (materialization.metadata["outcome"].value, materialization.metadata["refusal"].value)
    assert outcomes == {"east": ("accepted", ""), "west": ("refused", "pinned key")}
    run = dg.materialize([hub_release], resources=resources, instance=instance)
    assert run.success
    release = (hub / "releases" / "latest").resolve()
    assert verify_release(release).ok
    members = duckdb.sql(f"select member, status, last_refusal from '{release}/data/federation_members.parquet'")
    # east's sample data ends 2025-02-28, past its default max age of 45 days: shown, marked stale
    assert sorted(members.fetchall()) == [("east", "stale", None), ("west", "none", "pinned key")]


def test_defs_is_a_hub_when_the_community_folder_has_federation_yaml(tmp_path, monkeypatch):
    from pipelines.definitions import defs

    monkeypatch.setenv("TOGETHEROS_DATA_DIR", str(tmp_path / "city"))
    assert "federation/hub_release" not in {
        k.to_user_string() for k in defs().resolve_asset_graph().get_all_asset_keys()
    }
    monkeypatch.setenv("TOGETHEROS_DATA_DIR", str(_hub(tmp_path)))
    hub = defs()
    keys = {k.to_user_string() for k in hub.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {"federation/member_release", "federation/hub_release"}
    assert [s.name for s in hub.sensors] == ["members_sensor"]


def test_the_data_audit_page_lists_the_members(tmp_path, monkeypatch):
    paths = Paths(_hub(tmp_path))
    config = load_config(paths.inbox / "community" / "federation.yaml")
    refresh_hub(config, paths, SigningKeyConfig.from_env({}, paths.data), 5)
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(paths.releases))
    app = run_app(page="data_audit")
    assert "Members" in texts(app)
    table = next(frame.value for frame in app.dataframe if "Member" in frame.value.columns)
    assert table["Member"].tolist() == ["east", "west"] and table["Last refusal"].tolist()[1] == "pinned key"
