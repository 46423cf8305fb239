"""Auditors fetch the release at stable addresses (issue 14): `togetheros serve` serves the releases
folder as static files beside the dashboard; a plain HTTP GET gets the files, never the app's HTML."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.dashboards.browser import CHROMIUM, free_port, launch_browser, open_page
from tests.dashboards.release_fixture import write_release

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def start_serve(data: Path) -> tuple[subprocess.Popen, str, str]:
    """`togetheros serve` over data/releases; returns it, the dashboard's and the files' base URLs."""
    port, files_port = free_port(), free_port()
    env = {**os.environ, "TOGETHEROS_DATA_DIR": str(data)}
    env.pop("TOGETHEROS_RELEASES_DIR", None)
    command = [sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port), "--files-port", str(files_port)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    base, files = f"http://localhost:{port}", f"http://localhost:{files_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read().decode()
        try:
            if get(f"{base}/_stcore/health")[0] == 200 and get(f"{files}/releases/")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    return server, base, files


def stop_serve(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)  # whatever is left of its process group
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    (data / "releases").mkdir()
    release = write_release(data / "releases")
    (data / "releases" / ".candidate-x").mkdir()
    (data / "releases" / ".candidate-x" / "datapackage.json").write_text("{}")
    server, base, files = start_serve(data)
    try:
        yield release, base, files
    finally:
        stop_serve(server)


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


def test_the_how_to_verify_commands_work_verbatim_with_standard_tools(tmp_path, monkeypatch):
    """The box's commands, run as written in a shell against a signed release served by the file server:
    curl + unzip, sha256sum -c, ssh-keygen -Y verify (identity and namespace as the writer signs), then
    `togetheros verify --key`."""
    from dashboards import verify_box
    from dashboards.files import start
    from dashboards.releases import RELEASES_DIR_ENV, latest_release
    from pipelines.release.signing import SSHSIG_NAMESPACE, SSHSIG_PRINCIPAL, allowed_signers_line
    from tests.release.conftest import TEST_KEY, make_release

    releases = tmp_path / "releases"
    make_release(releases)
    monkeypatch.setenv(RELEASES_DIR_ENV, str(releases))
    server = start(releases, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        release = latest_release()
        assert verify_box.signer(release) == (SSHSIG_PRINCIPAL, SSHSIG_NAMESPACE)
        intro, commands = verify_box.steps(release, base)
        assert f"{base}/releases/latest/datapackage.json" in intro and f"{base}/docs/auditor-guide.md" in intro
        assert get(f"{base}/docs/auditor-guide.md")[2].startswith(b"# Auditor guide")
        home, work = tmp_path / "home", tmp_path / "work"
        home.mkdir(), work.mkdir()
        (home / "community.allowed_signers").write_text(allowed_signers_line(TEST_KEY.public_key) + "\n")
        (work / "community-signing-key.pub").write_text(TEST_KEY.public_key_file_text())
        script = commands.replace("community-signing-key.pub", str(work / "community-signing-key.pub"))
        env = {
            "HOME": str(home),
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "TOGETHEROS_TRUST_FILE": str(tmp_path / "trusted.json"),
        }
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "SHA256SUMS" not in run.stderr and ": OK" in run.stdout
        assert f'Good "{SSHSIG_NAMESPACE}" signature for {SSHSIG_PRINCIPAL}' in run.stdout + run.stderr
        assert "signed by the pinned key" in run.stdout and "VERIFIED" in run.stdout
    finally:
        server.shutdown()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
def test_the_how_to_verify_box_links_to_the_files_and_the_guide_in_a_browser(served):
    release, base, files = served
    with launch_browser() as browser:
        page = browser.new_page()
        open_page(page, f"{base}/data_audit", "Data & audit")
        box = page.locator(".st-key-how_to_verify")
        box.get_by_text("sha256sum -c SHA256SUMS").first.wait_for()
        hrefs = box.locator("a").evaluate_all("links => links.map(a => a.href)")
        assert f"{files}/releases/latest/datapackage.json" in hrefs and f"{files}/docs/auditor-guide.md" in hrefs
        assert f"{files}/releases/{release.release_id}.zip" in hrefs
        for href in hrefs:  # every link answers with the file, not the app's HTML
            answer = page.request.get(href)
            assert answer.ok and b"<html" not in answer.body()[:200].lower(), href
        assert "-I togetheros-release-signer -n togetheros-release" in box.inner_text()
        assert "--key" in box.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        box.screenshot(path=str(SCREENSHOTS / "how-to-verify.png"))


def test_stopping_serve_stops_the_dashboard_too(tmp_path):
    (tmp_path / "releases").mkdir()
    write_release(tmp_path / "releases")
    server, base, files = start_serve(tmp_path)
    server.terminate()  # SIGTERM to `togetheros serve` only, as a service manager sends it
    assert server.wait(timeout=20) != 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            get(f"{base}/_stcore/health")
        except OSError:
            break  # nothing listens any more
        time.sleep(0.5)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail("the dashboard outlived `togetheros serve`")
    with pytest.raises(OSError):
        get(f"{files}/releases/")
