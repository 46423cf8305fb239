"""Serving under load (`python -m bench.serving`, whose results are in bench/results/serving.json):
concurrent sessions over every page of the served dashboard, while `latest` is promoted back and forth
between two releases with different figures, each see one release's figures under that release's name,
and never an error. Twenty websocket sessions (the issue's load; every element of every page compared
with the release's own render), and two browser tabs (the same through Chromium's rendering)."""

from __future__ import annotations

import pytest

from bench.serving import PAGES, measure, prepare
from tests.dashboards.browser import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
    pytest.mark.timeout(1200),
]


@pytest.mark.parametrize(("client", "sessions"), [("websocket", 20), ("browser", 2)])
def test_sessions_during_promotions_see_the_old_or_the_new_release_never_a_mix(tmp_path, client, sessions):
    releases_dir, ids, group = prepare(tmp_path, None)
    result = measure(releases_dir, ids, group, sessions=sessions, loops=1, interval=0.5, client=client)
    assert result["first_problems"] == [] and result["mixes"] == 0 and result["errors"] == 0
    assert result["visits"] == sessions * len(PAGES)
    assert result["promotions"] >= 4  # latest moved while the sessions were reading
    # the two releases differ on the pages a mix would show on, and both were seen
    assert len(result["pages_with_equal_metrics_in_both_releases"]) < len(PAGES)
    assert all(count > 0 for count in result["visits_per_release"].values())
