"""The verify command line: a line per check, a clear message per mismatch, non-zero exit on any."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.release.verify import main
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
