"""The blocking asset check on the release: fails on a leak with redacted findings, passes when clean."""

from __future__ import annotations

import json

from pipelines.assets.privacy import privacy_checks, privacy_result
from pipelines.landing import land_inbox

PERSON = {"handle": "lucia_fdz", "display_name": "Lucía Fernández Ortega", "email": "lucia.fdz@example.org"}


def _data_dir(root, released_note: str):
    inbox = root / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    (inbox / "users.ndjson").write_text(json.dumps(PERSON) + "\n")
    land_inbox(root / "inbox", root / "landing", "togetheros")
    data = root / "releases" / "latest" / "data"
    data.mkdir(parents=True)
    (data / "groups.csv").write_text(f"group_id,name\ng1,{released_note}\n")
    return root / "releases" / "latest", root / "landing"


def test_the_check_fails_on_a_name_from_the_landed_inputs(tmp_path):
    result = privacy_result(*_data_dir(tmp_path, "thanks Lucía Fernández Ortega"))
    assert not result.passed
    assert result.metadata["findings"].value == 1
    shown = json.dumps(result.metadata["first_findings"].value)
    assert "data/groups.csv:1 [name]: term" in shown and "Fernández" not in shown


def test_the_check_passes_a_clean_release(tmp_path):
    result = privacy_result(*_data_dir(tmp_path, "TogetherOS Portland"))
    assert result.passed and result.metadata["terms_searched"].value > 0


def test_the_check_is_blocking_on_the_release():
    spec = next(iter(privacy_checks[0].check_specs))
    assert spec.asset_key.path == ["release", "release"] and spec.blocking


def test_the_check_searches_the_configured_extra_terms(tmp_path):
    from pipelines.assets.privacy import extra_terms

    terms_file = tmp_path / "privacy" / "extra-terms.txt"
    terms_file.parent.mkdir()
    terms_file.write_text("# planted\nWilhelmina Quarrington\n")
    release, landing = _data_dir(tmp_path, "thanks Wilhelmina Quarrington")
    assert privacy_result(release, landing).passed  # not a person of the inputs
    assert not privacy_result(release, landing, extra_terms(terms_file)).passed
    assert extra_terms(tmp_path / "absent.txt") == []
