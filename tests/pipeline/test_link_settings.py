"""TOGETHEROS_URL (issue 14): the TogetherOS instance's public address reaches dbt, which links each
published TogetherOS initiative to <address>/initiatives/<id>; an address that is not http(s) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.assets.resources import configured_resources, dbt_vars


def test_the_togetheros_address_reaches_dbt_without_a_trailing_slash():
    resources = configured_resources({"TOGETHEROS_URL": "https://togetheros.example.org/"})
    settings = json.loads(
        dbt_vars(Path("/data"), resources["warehouse"], resources["disclosure"], resources["sources"])
    )
    assert settings["togetheros_url"] == "https://togetheros.example.org"
    unset = configured_resources({})
    assert (
        json.loads(dbt_vars(Path("/data"), unset["warehouse"], unset["disclosure"], unset["sources"]))["togetheros_url"]
        == ""
    )  # no link rather than a made-up one


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(Exception, match="starts with http:// or https://"):
        configured_resources({"TOGETHEROS_URL": "javascript:alert(1)"})
