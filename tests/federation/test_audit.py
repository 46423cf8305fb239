"""`togetheros federation verify`: a hub release whose figures are its cited members' roll-up verifies; a
member release that is not the cited one, or a hub that signed a figure its members do not add up to, not."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from dashboards import files
from pipelines.cli import main as togetheros
from pipelines.federation import hub as hub_module
from pipelines.federation.audit import verify_federation
from pipelines.federation.cli import main as federation_main
from pipelines.federation.config import load_config
from pipelines.federation.hub import refresh_hub
from pipelines.release import SigningKeyConfig
from pipelines.settings import Paths
from tests.release.conftest import CREATED, OTHER_KEY, TEST_KEY, make_release


def _federation(tmp_path):
    members, releases = [], {}
    for name, key in (("east", TEST_KEY), ("west", OTHER_KEY)):
        releases[name] = make_release(tmp_path / name / "releases", signing_key=key)
        members.append(
            {
                "name": name,
                "releases": str(tmp_path / name / "releases"),
                "group": "hub",
                "public_key": key.public_key_file_text(),
            }
        )
    community = tmp_path / "hub" / "inbox" / "community"
    community.mkdir(parents=True)
    document = {"hub": {"name": "Hub"}, "groups": [{"id": "hub", "name": "Hub", "level": "global"}], "members": members}
    (community / "federation.yaml").write_text(yaml.safe_dump(document))
    paths = Paths(tmp_path / "hub")
    return load_config(community / "federation.yaml"), paths, releases


def test_a_hub_release_recomputes_from_its_cited_members(tmp_path, capsys):
    config, paths, releases = _federation(tmp_path)
    refresh = refresh_hub(config, paths, SigningKeyConfig.from_env({}, paths.data), 5)
    assert verify_federation(refresh.release, releases, 5) == []
    arguments = [f"--member={name}={folder}" for name, folder in releases.items()]
    assert federation_main(["verify", str(refresh.release), *arguments]) == 0
    assert "every rolled-up figure recomputes" in capsys.readouterr().out
    # a valid release of east's, a day later: not the cited one
    other = make_release(tmp_path / "elsewhere", signing_key=TEST_KEY, created=CREATED + timedelta(days=1))
    problems = verify_federation(refresh.release, {**releases, "east": other}, 5)
    assert problems and "is not the cited release" in problems[0]
    shutil.rmtree(other)
    assert "give where it is" in verify_federation(refresh.release, {"west": releases["west"]}, 5)[0]


def test_a_hub_that_signs_a_wrong_sum_is_caught(tmp_path, monkeypatch):
    config, paths, releases = _federation(tmp_path)
    honest = hub_module.build_hub_tables

    def inflated(*args, **kwargs):
        tables = honest(*args, **kwargs)
        treasury = tables["treasury_monthly"]
        column = treasury.column_names.index("inflow_minor")
        tables["treasury_monthly"] = treasury.set_column(
            column, "inflow_minor", pc.add(treasury["inflow_minor"], pa.scalar(1, pa.int64()))
        )
        return tables

    monkeypatch.setattr(hub_module, "build_hub_tables", inflated)
    refresh = refresh_hub(config, paths, SigningKeyConfig.from_env({}, paths.data), 5)
    problems = verify_federation(refresh.release, releases, 5)
    assert problems and problems[0].startswith("treasury_monthly:") and "differ from the roll-up" in problems[0]


def test_togetheros_verify_federation_fetches_cited_members_over_http(tmp_path, capsys):
    config, paths, releases = _federation(tmp_path)
    refresh = refresh_hub(config, paths, SigningKeyConfig.from_env({}, paths.data), 5)
    server = files.start(releases["east"].parent, "127.0.0.1", 0)
    try:
        east = f"http://127.0.0.1:{server.server_address[1]}/releases"
        west = releases["west"].parent  # a releases folder: the cited release is found in it by id
        argv = ["verify", str(refresh.release), "--federation", f"--member=east={east}", f"--member=west={west}"]
        assert togetheros(argv) == 0
        assert "VERIFIED" in capsys.readouterr().out
        (releases["west"] / "data" / "groups.csv").write_text("group_id,name,level,parent_id\nx,Forged,local,\n")
        assert togetheros(argv) == 1
        assert "FAIL west:" in capsys.readouterr().out
        server.shutdown()
        server.server_close()  # refused at once (a bound socket nobody accepts on waits out the timeout)
        problems = verify_federation(refresh.release, {"east": east, "west": west}, 5)
        assert problems[0].startswith("east: cannot fetch the cited release"), problems
    finally:
        server.server_close()
