"""The verify command line: a line per check, a clear message per mismatch, non-zero exit on any."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipelines.release.trust import TrustFile
from pipelines.release.verify import Accepted, main
from tests.release.conftest import OTHER_KEY, TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


def test_main_verifies_a_good_release(release: Path, capsys):
    assert main([str(release), "--chain"]) == 0
    out = capsys.readouterr().out
    assert "ok   signature:" in out and f"VERIFIED {release}" in out


def test_main_fails_on_a_damaged_release(release: Path, capsys):
    (release / "data/groups.csv").write_text("group_id\nX\n")
    assert main([str(release)]) == 1
    out = capsys.readouterr().out
    assert "FAIL SHA256SUMS: data/groups.csv: sha256 is" in out and "NOT VERIFIED" in out


def test_main_with_a_trusted_key_file(release: Path, tmp_path: Path, capsys):
    good, bad = tmp_path / "good.pub", tmp_path / "bad.pub"
    good.write_text(TEST_KEY.public_key_file_text())
    bad.write_text(OTHER_KEY.public_key_file_text())
    assert main([str(release), "--key", str(good), "--no-trust-file"]) == 0
    assert "signed by the pinned key" in capsys.readouterr().out
    assert main([str(release), "--key", str(bad), "--no-trust-file"]) == 1
    assert "FAIL pinned key" in capsys.readouterr().out


def test_runs_as_a_module(release: Path):
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.release.verify", str(release / "datapackage.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED" in result.stdout


def test_the_verify_path_does_not_import_dagster_or_great_expectations():
    code = (
        "import sys, pipelines.release, pipelines.release.verify; "
        "print(sorted(m for m in ('dagster', 'great_expectations', 'pipelines.release.quality') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_a_pinned_key_it_says_integrity_only(release: Path, capsys):
    assert main([str(release)]) == 0
    out = capsys.readouterr().out
    assert "WARN who signed: NO PINNED KEY: this checked integrity, not who signed" in out
    assert "VERIFIED" in out and "INTEGRITY ONLY, not who signed" in out


def test_the_trust_file_pins_the_key_and_remembers_the_release(release: Path, tmp_path: Path, trust_file, capsys):
    good = tmp_path / "good.pub"
    good.write_text(TEST_KEY.public_key_file_text())
    assert main([str(release), "--key", str(good), "--community", "riverside"]) == 0
    entry = json.loads(trust_file.read_text())["communities"]["riverside"]
    assert entry["key_id"] == TEST_KEY.key_id and entry["last_release"]["id"] == release.name
    capsys.readouterr()
    assert main([str(release)]) == 0  # no --key: the trust file pins it
    out = capsys.readouterr().out
    assert "pinned by" in out and "signed by the pinned key" in out
    bad = tmp_path / "bad.pub"
    bad.write_text(OTHER_KEY.public_key_file_text())
    assert main([str(release), "--key", str(bad)]) == 1
    assert f"the key you gave ({OTHER_KEY.key_id}) is not the key" in capsys.readouterr().out


def test_several_communities_need_a_name(release: Path, trust_file, capsys):
    trust = TrustFile.load(trust_file)
    for name in ("a", "b"):
        trust.communities[name] = Accepted("x", "00", "2020-01-01T00:00:00Z", OTHER_KEY.public_key)
    trust.save()
    assert main([str(release)]) == 1
    assert "holds 2 communities (a, b) and none has the key this release names" in capsys.readouterr().out
    assert main([str(release), "--no-trust-file"]) == 0


def test_a_wrong_path_suggests_the_right_one(release: Path, capsys):
    releases = release.parent
    assert main([str(releases)]) == 1
    assert f"is not a release folder (it has no datapackage.json): did you mean {releases / 'latest'}?" in (
        capsys.readouterr().out
    )
    data = releases.parent
    assert main([str(data)]) == 1
    assert f"did you mean {data / 'releases' / 'latest'}?" in capsys.readouterr().out
    assert main([str(releases / release.name[:-1])]) == 1  # a mistyped release id
    out = capsys.readouterr().out
    assert "does not exist: did you mean" in out and str(release) in out


def test_a_file_inside_a_release_suggests_its_folder(release: Path, capsys):
    latest = release.parent / "latest"
    for inside in (latest / "data" / "treasury_monthly.csv", latest / "SHA256SUMS", latest / "data"):
        assert inside.exists()
        assert main([str(inside)]) == 1
        out = capsys.readouterr().out
        assert f"did you mean {latest}?" in out, (inside, out)
    assert "is a file, not a release folder" in out or "is not a release folder" in out
    assert main([str(release / "data" / "no_such_dataset.csv")]) == 1  # a mistyped file: still its release
    assert f"does not exist: did you mean {release}?" in capsys.readouterr().out
