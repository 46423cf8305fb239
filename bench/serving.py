"""Serving under load: concurrent dashboard sessions over every page while `latest` is promoted.

`python -m bench.serving [--sessions 20] [--loops 2] [--client websocket|browser] [--release DIR]`
serves the real dashboard (`streamlit run dashboards/app.py` on loopback) over a releases folder
holding two releases whose figures differ (A: the given release, or the dashboard tests' fixture; B: a
copy of A with every count and amount changed), renders each page once per release alone (the
reference), then runs `--sessions` concurrent sessions, each visiting every page `--loops` times in its
own order, while `latest` is switched between A and B by the pipeline's own promotion (`switch_latest`,
one rename) every `--interval` seconds. Every visit must show one release and exactly that release's
figures (a mix is a page naming one release with another's figures, or naming both), and no error.
Sessions are websocket clients by default (bench/streamlit_client.py: the server's whole work, every
element compared with the reference), or headless-Chromium tabs (`--client browser`: metrics compared;
on two cores twenty tabs starve the server they measure). Results go to bench/results/serving.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.timing import percentile
from dashboards.navigation import HEADINGS as PAGES

REPO_ROOT = Path(__file__).resolve().parents[1]
IDLE_JS = (
    "() => !['initial', 'running', undefined].includes("
    "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState)"
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)
KEEP = (
    "_id",
    "_days",
    "depth",
    "year",
    "level",
    "index",
    "rank",
    "position",
)  # integer columns that are keys or structure, not figures


def variant(release_dir: Path, releases_dir: Path, release_id: str) -> Path:
    """A copy of a release under another id whose counts and amounts all differ (x2 + 1), so a page
    showing one release's figures under the other's name would be seen."""
    target = releases_dir / release_id
    shutil.copytree(release_dir, target)
    descriptor_path = target / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text())
    descriptor["id"] = release_id
    descriptor_path.write_text(json.dumps(descriptor, indent=1))
    for path in (target / "data").glob("*.parquet"):
        if path.stem == "groups":
            continue
        table = pq.read_table(path)
        for index, column in enumerate(table.schema):
            if pa.types.is_integer(column.type) and not column.name.endswith(KEEP) and column.name not in KEEP:
                doubled = pc.add(pc.multiply(table.column(index), 2), 1).cast(column.type)
                table = table.set_column(index, column.name, doubled)
        pq.write_table(table, path)
    return target


async def _visit(page, base_url: str, url_path: str, group: str, known: list[str], timeout_ms: int) -> dict:
    started = time.perf_counter()
    outcome = {"page": url_path or "overview", "error": None}
    try:
        await page.goto(f"{base_url}/{url_path}?group={group}", timeout=timeout_ms)
        await page.get_by_role("heading", name=PAGES[url_path], exact=True).first.wait_for(timeout=timeout_ms)
        await page.wait_for_function(IDLE_JS, timeout=timeout_ms)
        main = await page.locator('[data-testid="stMain"]').inner_text()
        metrics = {}
        for metric in await page.locator('[data-testid="stMetric"]').all():
            label = (await metric.locator('[data-testid="stMetricLabel"]').inner_text()).strip()
            metrics[label] = (await metric.locator('[data-testid="stMetricValue"]').inner_text()).strip()
        outcome["releases_shown"] = sorted(r for r in known if r in main)
        outcome["metrics"] = metrics
        if await page.locator('[data-testid="stException"]').count():
            outcome["error"] = "exception shown"
        elif "cannot be read" in main or "No release yet" in main:
            outcome["error"] = "release unavailable shown"
    except Exception as error:  # noqa: BLE001 - a visit that fails is counted, not raised
        outcome["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    outcome["seconds"] = time.perf_counter() - started
    return outcome


def _page_orders(sessions: int, loops: int, seed: int, reference_only: bool) -> list[list[str]]:
    """Each session's visits: every page `loops` times, in the session's own shuffled order."""
    orders = []
    for number in range(sessions):
        visits = []
        for _ in range(loops):
            order = list(PAGES)
            if not reference_only:
                random.Random(seed * 1000 + number + len(visits)).shuffle(order)
            visits += order
        orders.append(visits)
    return orders


async def _browser_sessions(base_url, group, known, orders, timeout_ms):
    from playwright.async_api import async_playwright

    from tests.dashboards.browser import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:

            async def session(order: list[str]) -> list[dict]:
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                page = await context.new_page()
                visits = [await _visit(page, base_url, url_path, group, known, timeout_ms) for url_path in order]
                await context.close()
                return visits

            return await asyncio.gather(*(session(order) for order in orders))
        finally:
            await browser.close()


async def _websocket_visit(session, url_path: str, group: str, known: list[str], timeout_ms: int) -> dict:
    started = time.perf_counter()
    outcome = {"page": url_path or "overview", "error": None}
    try:
        run = await session.run(url_path, f"group={group}", timeout_ms / 1000)
        text = "\n".join(run.texts)
        outcome.update(releases_shown=sorted(r for r in known if r in text), metrics=run.metrics, content=run.digest)
        if run.exceptions:
            outcome["error"] = f"exception shown: {run.exceptions[0][:200]}"
        elif run.finished != "FINISHED_SUCCESSFULLY":
            outcome["error"] = f"run ended {run.finished}"
        elif PAGES[url_path] not in run.texts:
            outcome["error"] = "page heading missing"
        elif "cannot be read" in text or "No release yet" in text:
            outcome["error"] = "release unavailable shown"
    except Exception as error:  # noqa: BLE001 - a visit that fails is counted, not raised
        outcome["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    outcome["seconds"] = time.perf_counter() - started
    return outcome


async def _websocket_sessions(base_url, group, known, orders, timeout_ms):
    from bench.streamlit_client import Session

    async def session(order: list[str]) -> list[dict]:
        async with Session(base_url) as client:
            return [await _websocket_visit(client, url_path, group, known, timeout_ms) for url_path in order]

    return await asyncio.gather(*(session(order) for order in orders))


CLIENTS = {"websocket": _websocket_sessions, "browser": _browser_sessions}


def _sessions(client, base_url, group, known, sessions, loops, seed, timeout_ms, reference_only=False):
    orders = _page_orders(sessions, loops, seed, reference_only)
    results = asyncio.run(CLIENTS[client](base_url, group, known, orders, timeout_ms))
    return [visit for visits in results for visit in visits]


def _figures(visit: dict) -> tuple:
    """What must match the release's own render: the metrics, and with the websocket client a digest
    of every element of the page (charts and tables included)."""
    return visit["metrics"], visit.get("content")


class Promoter(threading.Thread):
    """Switches `latest` between releases with the pipeline's promotion, every `interval` seconds."""

    def __init__(self, releases_dir: Path, ids: list[str], interval: float):
        super().__init__(daemon=True)
        self.releases_dir, self.ids, self.interval = releases_dir, ids, interval
        self.stop, self.promotions = threading.Event(), 0

    def run(self) -> None:
        from pipelines.release import switch_latest

        while not self.stop.wait(self.interval):
            self.promotions += 1
            switch_latest(self.releases_dir, self.ids[self.promotions % len(self.ids)])


def measure(
    releases_dir: Path,
    ids: list[str],
    group: str,
    sessions: int,
    loops: int,
    interval: float,
    seed: int = 1,
    timeout_ms: int = 120_000,
    client: str = "websocket",
) -> dict:
    """Reference renders per release, then the sessions under promotion; the judged outcome."""
    from pipelines.release import switch_latest
    from tests.dashboards.browser import serve_dashboard

    with serve_dashboard(releases_dir) as base_url:
        reference = {}
        for release_id in ids:
            switch_latest(releases_dir, release_id)
            visits = _sessions(client, base_url, group, ids, 1, 1, seed, timeout_ms, reference_only=True)
            reference[release_id] = {v["page"]: v for v in visits}
            broken = [v for v in visits if v["error"] or v.get("releases_shown") != [release_id]]
            if broken:
                raise RuntimeError(f"reference render of {release_id} failed: {broken}")
        same = [p for p in reference[ids[0]] if _figures(reference[ids[0]][p]) == _figures(reference[ids[1]][p])]
        promoter = Promoter(releases_dir, ids, interval)
        started = time.perf_counter()
        promoter.start()
        try:
            visits = _sessions(client, base_url, group, ids, sessions, loops, seed, timeout_ms)
        finally:
            promoter.stop.set()
            promoter.join()
        wall = time.perf_counter() - started
    mixes, errors, seen = [], [], {release_id: 0 for release_id in ids}
    for visit in visits:
        if visit["error"]:
            errors.append(visit)
            continue
        shown = visit["releases_shown"]
        if len(shown) != 1 or _figures(visit) != _figures(reference[shown[0]][visit["page"]]):
            mixes.append(visit)
        else:
            seen[shown[0]] += 1
    by_page = {}
    for url_path in PAGES:
        name = url_path or "overview"
        seconds = [v["seconds"] for v in visits if v["page"] == name]
        by_page[name] = {
            "visits": len(seconds),
            "p50_s": round(percentile(seconds, 0.5), 2),
            "p95_s": round(percentile(seconds, 0.95), 2),
            "max_s": round(max(seconds), 2),
        }
    return {
        "client": client,
        "sessions": sessions,
        "loops": loops,
        "pages": len(PAGES),
        "visits": len(visits),
        "promotions": promoter.promotions,
        "promotion_interval_s": interval,
        "wall_s": round(wall, 1),
        "visits_per_release": seen,
        "mixes": len(mixes),
        "errors": len(errors),
        "pages_with_equal_metrics_in_both_releases": same,
        "first_problems": [*mixes[:5], *errors[:5]],
        "latency_by_page": by_page,
        "alone_first_render_s": {page: round(visit["seconds"], 2) for page, visit in reference[ids[0]].items()},
    }


def prepare(work_dir: Path, release: Path | None) -> tuple[Path, list[str], str]:
    """A releases folder with release A and its variant B; returns (folder, ids, group to show)."""
    releases_dir = work_dir / "releases"
    releases_dir.mkdir(parents=True)
    if release is None:
        from tests.dashboards.release_fixture import write_release

        first = write_release(releases_dir, link=False).release_dir
        group = "fed"
    else:
        first = releases_dir / release.resolve().name
        shutil.copytree(release.resolve(), first)
        groups = pq.read_table(first / "data" / "groups.parquet").to_pylist()
        group = next(g["group_id"] for g in groups if g.get("parent_id") is None)
    second = variant(first, releases_dir, f"{first.name.rsplit('-', 1)[0]}-{'b' * 12}")
    return releases_dir, [first.name, second.name], group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--loops", type=int, default=2, help="passes over every page per session")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between promotions")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="websocket", help="session kind (see docstring)")
    parser.add_argument("--release", type=Path, default=None, help="release A (default: the test fixture)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "bench" / "work" / "serving")
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "bench" / "results" / "serving.json")
    args = parser.parse_args(argv)
    if args.work_dir.exists():
        shutil.rmtree(args.work_dir)
    releases_dir, ids, group = prepare(args.work_dir, args.release)
    result = measure(releases_dir, ids, group, args.sessions, args.loops, args.interval, client=args.client)
    result["release"] = str(args.release) if args.release else "tests/dashboards/release_fixture.py"
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "first_problems"}, indent=1))
    return 0 if result["mixes"] == 0 and result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
