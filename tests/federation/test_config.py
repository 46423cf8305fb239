"""federation.yaml: a valid file loads; every kind of mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.federation.config import FederationConfigError, load_config
from tests.release.conftest import OTHER_KEY, TEST_KEY


def _write(folder: Path, document: dict) -> Path:
    path = folder / "federation.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _document() -> dict:
    return {
        "hub": {"name": "TogetherOS Iberia"},
        "groups": [
            {"id": "iberia", "name": "TogetherOS Iberia", "level": "national"},
            {"id": "north", "name": "North Network", "level": "regional", "parent": "iberia"},
        ],
        "members": [
            {
                "name": "girona",
                "releases": "cities/girona/releases",
                "group": "north",
                "public_key": TEST_KEY.public_key_file_text(),
            },
            {
                "name": "porto",
                "releases": "http://127.0.0.1:9/releases/",
                "group": "iberia",
                "public_key": OTHER_KEY.public_key_file_text(),
                "max_age_days": 10,
            },
        ],
    }


def test_a_valid_file_loads(tmp_path):
    config = load_config(_write(tmp_path, _document()))
    girona, porto = config.members
    assert config.hub_name == "TogetherOS Iberia"
    assert [g.group_id for g in config.groups] == ["iberia", "north"]
    assert girona.releases == str(tmp_path / "cities" / "girona" / "releases") and not girona.is_http
    assert girona.public_key == TEST_KEY.public_key and girona.max_age_days == 45
    assert porto.is_http and porto.releases == "http://127.0.0.1:9/releases" and porto.max_age_days == 10


def _broken(edit):
    document = _document()
    edit(document)
    return document


@pytest.mark.parametrize(
    ("edit", "field", "says"),
    [
        (lambda d: d["members"][1].update(public_key="not base64!"), "members[1].public_key", "base64"),
        (lambda d: d["members"][0].update(public_key="AAAA"), "members[0].public_key", "32-byte"),
        (lambda d: d["members"][0].pop("releases"), "members[0].releases", "missing"),
        (lambda d: d["members"][1].update(group="mars"), "members[1].group", "not one of the groups"),
        (lambda d: d["members"][1].update(name="Porto City"), "members[1].name", "lower-case"),
        (lambda d: d["members"][1].update(name="girona"), "members[1].name", "used twice"),
        (lambda d: d["members"][1].update(max_age_days="ten"), "members[1].max_age_days", "must be a int"),
        (lambda d: d["members"][1].update(max_age_days=0), "members[1].max_age_days", "1 or more"),
        (lambda d: d["groups"][1].update(level="city"), "groups[1].level", "not one of"),
        (lambda d: d["groups"][1].update(parent="nowhere"), "groups[1].parent", "not a group"),
        (lambda d: d["groups"][1].pop("parent"), "groups", "exactly one group"),
        (lambda d: d.update(member=[]), "unknown field(s) member", "allowed"),
        (lambda d: d.update(members=[]), "members", "at least one member"),
    ],
)
def test_a_mistake_names_file_and_field(tmp_path, edit, field, says):
    path = _write(tmp_path, _broken(edit))
    with pytest.raises(FederationConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {field}") and says in message, message


def test_not_yaml_names_the_file(tmp_path):
    path = tmp_path / "federation.yaml"
    path.write_text("members: [unclosed\n")
    with pytest.raises(FederationConfigError, match=f"^{path}: cannot read it as YAML"):
        load_config(path)
