"""`togetheros demo --federation DIR`: three city instances with their own inbox and key, and a hub whose
federation.yaml loads and pins exactly those keys."""

from __future__ import annotations

from pipelines.cli import main
from pipelines.federation import extract
from pipelines.federation.config import load_config
from pipelines.release.signing import SigningKeyConfig


def test_demo_writes_three_cities_and_a_hub_pinning_their_keys(tmp_path, capsys):
    arguments = ["--members", "50", "--events", "1000", "--start", "2026-01-01", "--end", "2026-01-31"]
    assert main(["demo", "--federation", str(tmp_path), *arguments, "--quiet"]) == 0
    assert "togetheros federation refresh --data-dir" in capsys.readouterr().out
    config = load_config(tmp_path / "hub" / "inbox" / "community" / "federation.yaml")
    assert [m.name for m in config.members] == ["aurora", "borealis", "cascadia"]
    keys = set()
    for member in config.members:
        city = tmp_path / "cities" / member.name
        assert (city / "inbox" / "togetheros").is_dir() and member.releases == str(city / "releases")
        assert member.public_key == SigningKeyConfig.from_env({}, city).public_key  # the key its releases use
        keys.add(member.public_key)
    assert len(keys) == 3  # each city its own key
    # the private extract is wired: every city has the shared federation key and the hub's box key
    box = extract.public_key_text(extract.hub_box_key(tmp_path / "hub" / "keys"))
    wired = {extract.CityExtractKeys.from_env({}, tmp_path / "cities" / m.name / "keys") for m in config.members}
    assert len(wired) == 1 and next(iter(wired)).hub_box_public == extract.parse_box_public_key(box)
    groups = {(g.group_id, g.parent_id) for g in config.groups}
    assert {m.group for m in config.members} <= {g for g, _ in groups}
