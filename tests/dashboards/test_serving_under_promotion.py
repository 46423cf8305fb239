"""Serving under load (the CI-sized `python -m bench.serving`, whose 20-session results are in
bench/results/serving.json): concurrent sessions over every page of the served dashboard, while
`latest` is promoted back and forth between two releases with different figures, each see one
release's figures under that release's name, and never an error."""

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


def test_sessions_during_promotions_see_the_old_or_the_new_release_never_a_mix(tmp_path):
    releases_dir, ids, group = prepare(tmp_path, None)
    result = measure(releases_dir, ids, group, sessions=4, loops=1, interval=0.5)
    assert result["first_problems"] == [] and result["mixes"] == 0 and result["errors"] == 0
    assert result["visits"] == 4 * len(PAGES)
    assert result["promotions"] >= 4  # latest moved while the sessions were reading
    # the two releases differ on the pages a mix would show on, and both were seen
    assert len(result["pages_with_equal_metrics_in_both_releases"]) < len(PAGES)
    assert all(count > 0 for count in result["visits_per_release"].values())
