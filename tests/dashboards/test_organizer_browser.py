"""Organizers in headless Chromium, at desktop (1400 px) and phone (390 px) width: from the list of
initiatives (most urgent first, paged, searchable) to an initiative's page by a click, and from there to
the item in the system it came from; screenshots under tests/artifacts/screenshots/."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

from tests.dashboards import expectations as expect
from tests.dashboards.browser import CHROMIUM, full_page_screenshot, launch_browser, open_page, serve_dashboard
from tests.dashboards.release_fixture import write_release
from tests.dashboards.test_browser import SCREENSHOTS
from tests.dashboards.test_organizer import urgency

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]
LIST = "/initiatives?group=city-lyon&from=2025-01&to=2025-06"
WIDTHS = [({"width": 1400, "height": 900}, ""), ({"width": 390, "height": 844}, "-phone")]
LINKS = '[data-testid="stMain"] [data-testid="stPageLink-NavLink"]'


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    releases_dir = tmp_path_factory.mktemp("releases")
    release = write_release(releases_dir, extra_initiatives=45)  # three pages of Lyon's initiatives
    ours = sorted(expect.initiatives_under_way(release, "city-lyon", "2025-01", "2025-06"), key=urgency)
    with serve_dashboard(releases_dir) as base_url, launch_browser() as browser:
        # the first run of a fresh server imports and caches everything: let it take its time once
        open_page(browser.new_page(), base_url + LIST, "Initiatives & milestones", timeout_ms=90_000)
        yield release, ours, base_url, browser


def item_links(page) -> list[str]:
    """The ids the list links to, in order (the back link and others are not initiatives)."""
    hrefs = [a.evaluate("a => a.href") for a in page.locator(LINKS).all()]  # resolved against the page
    return [parse_qs(urlparse(h).query)["id"][0] for h in hrefs if "/initiative?" in h]


def no_sideways_scroll(page, what: str) -> None:
    overflow = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{what} is {overflow}px wider than the viewport"


@pytest.mark.parametrize(("viewport", "suffix"), WIDTHS, ids=["desktop", "phone"])
def test_from_the_list_to_an_initiative_and_to_where_it_came_from(served, viewport, suffix):
    release, ours, base_url, browser = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    open_page(page, base_url + LIST, "Initiatives & milestones")
    assert item_links(page) == [r["initiative_id"] for r in ours[:20]], "most urgent first, 20 a page"
    no_sideways_scroll(page, "the list")
    full_page_screenshot(page, SCREENSHOTS / f"initiatives-list{suffix}.png")

    most_urgent = ours[0]
    assert f"Overdue {most_urgent['days_overdue']} days" in page.locator('[data-testid="stMain"]').inner_text()
    page.locator(LINKS).filter(has_text=most_urgent["initiative_id"]).first.click()
    page.get_by_role("heading", name="Initiative Lyon", exact=False).first.wait_for()
    open_page(page, page.url, page.get_by_role("heading", level=1).first.inner_text())
    assert parse_qs(urlparse(page.url).query)["id"] == [most_urgent["initiative_id"]]
    main = page.locator('[data-testid="stMain"]')
    assert f"{most_urgent['days_overdue']}" in main.get_by_test_id("stMetric").nth(1).inner_text()
    source = page.get_by_role("link", name="Open in TogetherOS")
    assert source.get_attribute("href") == most_urgent["source_url"]
    assert "/profiles/" not in source.get_attribute("href")
    assert "Decision taken" in main.inner_text() and "History" in main.inner_text()
    no_sideways_scroll(page, "the initiative's page")
    full_page_screenshot(page, SCREENSHOTS / f"initiative{suffix}.png")


def test_the_list_pages_and_searches(served):
    release, ours, base_url, browser = served
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    open_page(page, base_url + LIST, "Initiatives & milestones")
    page.get_by_role("combobox", name="Page").click()
    page.get_by_role("option", name="3 of 3").click()
    page.wait_for_function("() => location.search.includes('page=3')")
    open_page(page, page.url, "Initiatives & milestones")
    assert item_links(page) == [r["initiative_id"] for r in ours[40:]]

    search = page.get_by_role("textbox", name="Find an initiative")
    search.fill("extra-04")
    search.press("Enter")
    page.wait_for_function("() => location.search.includes('q=extra-04')")
    open_page(page, page.url, "Initiatives & milestones")
    assert sorted(item_links(page)) == [f"ini-lyon-extra-04{n}" for n in range(5)]
    # a shared link reopens the search
    open_page(page, f"{base_url}{LIST}&q=extra-04", "Initiatives & milestones")
    assert len(item_links(page)) == 5


def test_a_chart_row_opens_its_initiative(served):
    release, ours, base_url, browser = served
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    open_page(page, base_url + LIST, "Initiatives & milestones")
    label = page.locator('[data-testid="stPlotlyChart"] .ytick a').first
    label.scroll_into_view_if_needed()
    # a real mouse click where the label is drawn (Plotly's svg container lies over it, passing clicks on)
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/initiative?id=*")
    open_page(page, page.url, page.get_by_role("heading", level=1).first.inner_text())
    assert parse_qs(urlparse(page.url).query)["id"] == [ours[0]["initiative_id"]]


def test_the_decidim_result_links_to_its_page_and_the_decision_page_back(served):
    release, ours, base_url, browser = served
    page = browser.new_page(viewport={"width": 390, "height": 844})
    open_page(page, f"{base_url}/initiative?id=decidim-result-81", "Initiative Barcelona · result 81")
    row = next(r for r in release.tables["delivery_initiatives"] if r["initiative_id"] == "decidim-result-81")
    assert page.get_by_role("link", name="Open in Decidim").get_attribute("href") == row["source_url"]
    page.locator(LINKS).filter(has_text="Decision").first.click()
    page.get_by_role("heading", name=f"Decision {row['proposal_id']}").wait_for()
    open_page(page, page.url, f"Decision {row['proposal_id']}")
    assert item_links(page) == ["decidim-result-81"]
    assert row["deadline"] > date(2025, 6, 30)
    full_page_screenshot(page, SCREENSHOTS / "decision-phone.png")
