"""Serve the real dashboard and drive it in headless Chromium; reusable against any releases folder.

with serve_dashboard(releases_dir) as base_url, launch_browser() as browser:
    page = browser.new_page()
    page.goto(f"{base_url}/treasury?group=fed")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]  # fmt: skip
STARTUP_TIMEOUT_S = 45


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve_dashboard(releases_dir: Path) -> Iterator[str]:
    """Run `streamlit run dashboards/app.py` on a free port over releases_dir; yield its base URL."""
    port = free_port()
    env = os.environ | {"TOGETHEROS_RELEASES_DIR": str(releases_dir)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(base_url: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited with {server.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not answer {base_url}/_stcore/health within {STARTUP_TIMEOUT_S} s")


@contextmanager
def launch_browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(page: Page, url: str, heading: str, timeout_ms: int = 20_000) -> None:
    """Go to url and wait until Streamlit has finished the run that renders `heading`."""
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=timeout_ms)
    wait_for_idle(page, timeout_ms)


def wait_for_idle(page: Page, timeout_ms: int = 20_000) -> None:
    """Wait until the script run has finished, lazily loaded elements (skeletons) have replaced their
    placeholders, and every Plotly chart has drawn."""
    page.wait_for_function(
        "() => !['initial', 'running', undefined].includes("
        "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState)"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout_ms,
    )
    for chart in page.locator('[data-testid="stPlotlyChart"]').all():
        chart.locator(".main-svg").first.wait_for(timeout=timeout_ms)


def metric_values(page: Page) -> dict[str, str]:
    """Label -> value of every st.metric on the page, as the visitor reads them."""
    values = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


def full_page_screenshot(page: Page, path: Path) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main block, not the document, so the
    viewport is grown to the content's height for the shot (and restored after)."""
    viewport = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    wait_for_idle(page)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(viewport)
