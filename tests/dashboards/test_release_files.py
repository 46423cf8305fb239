"""Auditors fetch the release at stable addresses (issue 14): `togetheros serve` serves the releases
folder as static files beside the dashboard; a plain HTTP GET gets the files, never the app's HTML."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.dashboards.browser import free_port
from tests.dashboards.release_fixture import write_release

ROOT = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    (data / "releases").mkdir()
    release = write_release(data / "releases")
    (data / "releases" / ".candidate-x").mkdir()
    (data / "releases" / ".candidate-x" / "datapackage.json").write_text("{}")
    port, files_port = free_port(), free_port()
    env = {**os.environ, "TOGETHEROS_DATA_DIR": str(data)}
    env.pop("TOGETHEROS_RELEASES_DIR", None)
    command = [sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port), "--files-port", str(files_port)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base, files = f"http://localhost:{port}", f"http://localhost:{files_port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                if get(f"{base}/_stcore/health")[0] == 200 and get(f"{files}/releases/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        yield release, base, files
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_latest_and_each_release_are_files_at_stable_addresses(served):
    release, base, files = served
    for name in ("latest", release.release_id):
        status, kind, body = get(f"{files}/releases/{name}/datapackage.json")
        assert (status, kind) == (200, "application/json")
        assert body == (release.release_dir / "datapackage.json").read_bytes()
        assert json.loads(body)["resources"]
    status, kind, body = get(f"{files}/releases/latest/SHA256SUMS")
    assert status == 200 and b"<html" not in body.lower()
    for line in body.decode().splitlines():  # every file SHA256SUMS lists is served with those bytes
        digest, name = line.split(maxsplit=1)
        status, _, file_body = get(f"{files}/releases/latest/{name.lstrip('*')}")
        assert status == 200 and hashlib.sha256(file_body).hexdigest() == digest, name
    assert get(f"{files}/releases/latest/data/groups.csv")[1].startswith("text/csv")
    assert get(f"{files}/releases/")[2].decode().split() == [release.release_id]


def test_the_zip_is_at_a_stable_address_and_the_same_each_time(served):
    release, _, files = served
    status, kind, body = get(f"{files}/releases/latest.zip")
    assert (status, kind) == (200, "application/zip")
    assert body == get(f"{files}/releases/{release.release_id}.zip")[2]
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert f"{release.release_id}/datapackage.json" in names


def test_nothing_but_published_releases_is_served(served):
    _, _, files = served
    for path in ("/releases/.candidate-x/datapackage.json", "/releases/latest/../../etc/passwd", "/", "/releases/x"):
        assert get(f"{files}{path}")[0] == 404, path


def test_the_dashboard_still_serves_the_app(served):
    _, base, _ = served
    status, _, body = get(f"{base}/")
    assert status == 200 and b"<html" in body.lower()
