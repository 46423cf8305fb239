"""The served dashboard in headless Chromium: every page, the headline figures, a shared link, downloads."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from babel.messages.pofile import read_po

from dashboards import i18n
from dashboards.navigation import HEADINGS as PAGES
from tests.dashboards import axe
from tests.dashboards import expectations as expect
from tests.dashboards.browser import (
    CHROMIUM,
    full_page_screenshot,
    launch_browser,
    metric_values,
    open_page,
    serve_dashboard,
    wait_for_idle,
)
from tests.dashboards.release_fixture import SUPPRESSED_CELL, write_release

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    releases_dir = tmp_path_factory.mktemp("releases")
    release = write_release(releases_dir)
    with serve_dashboard(releases_dir) as base_url, launch_browser() as browser:
        yield release, base_url, browser


@pytest.mark.parametrize(
    ("viewport", "suffix"),
    [({"width": 1400, "height": 900}, ""), ({"width": 390, "height": 844}, "-phone")],
    ids=["desktop", "phone"],
)
def test_every_page_renders_accessibly_from_its_own_host_and_is_captured(served, viewport, suffix):
    release, base_url, browser = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    reports = {}
    for url_path, heading in PAGES.items():
        open_page(page, f"{base_url}/{url_path}?group=city-lyon", heading)
        main = page.locator('[data-testid="stMain"]')
        assert not page.locator('[data-testid="stException"]').count(), f"{heading} raised"
        if url_path not in ("data_audit",):
            charts = page.locator('[data-testid="stPlotlyChart"]').count()
            assert charts, f"{heading} draws charts"
            assert main.inner_text().count("Data as of") == 1, f"{heading} shows its data-as-of once"
            # every chart is followed by its text summary (what a screen reader reads instead)
            assert main.inner_text().count("Chart summary:") >= charts, f"{heading}: a chart has no summary"
            assert not page.locator(".modebar").count(), f"{heading} shows Plotly's toolbar over a title"
        assert "No published definition" not in main.inner_text(), heading
        assert_fits(page, heading)
        found = axe.violations(page)
        reports[heading] = found
        full_page_screenshot(page, SCREENSHOTS / f"{url_path or 'overview'}{suffix}.png")
        assert not axe.blocking(found), (heading, axe.blocking(found))
    (SCREENSHOTS / f"axe{suffix}.json").write_text(json.dumps(reports, indent=1))
    own = urlparse(base_url).netloc
    elsewhere = [
        u for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != own
    ]
    assert requested and not elsewhere, elsewhere


def test_time_bank_and_initiatives_read_the_fixture(served):
    release, base_url, browser = served
    page = browser.new_page()
    open_page(page, f"{base_url}/time_bank?group=city-lyon&from=2025-01&to=2025-06", "Time bank")
    seconds = sum(
        r["seconds_exchanged"]
        for r in expect.rows(release, "timebank_hours_monthly", group_id="city-lyon")
        if expect.within(r["month"], "2025-01", "2025-06")
    )
    assert metric_values(page)["Hours exchanged, Jan 2025 – Jun 2025"] == f"{seconds / 3600:,.1f} h"
    # The fair-exchange chart writes withheld bands as "fewer than 5" on the chart itself.
    bands = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="fair-exchange band")
    assert "fewer than 5" in bands.inner_text()

    open_page(page, f"{base_url}/initiatives?group=fed&show=overdue", "Initiatives & milestones")
    overdue = [r for r in release.tables["delivery_initiatives"] if r["is_overdue"]]
    shown = metric_values(page)
    assert shown["Overdue now"] == str(len(overdue))
    assert "show=overdue" in page.url


def test_overview_headlines_match_the_fixture(served):
    release, base_url, browser = served
    page = browser.new_page()
    open_page(page, base_url, "Overview")
    shown = metric_values(page)
    end, start = expect.last_month(release), expect.first_month(release)
    assert shown.get("Active members, Jun 2025") == expect.active_members_text(release, "fed", end), shown
    assert shown["Proposals decided"] == f"{expect.proposals(release, 'fed', 'decided'):,}"
    assert shown["Proposals in delivery"] == f"{expect.proposals(release, 'fed', 'delivery'):,}"
    for currency, (inflow, outflow) in expect.treasury_totals(release, "fed", start, end).items():
        assert expect.reads_as(shown[f"Inflow ({currency}), Jul 2024 – Jun 2025"], inflow, currency)
        assert expect.reads_as(shown[f"Outflow ({currency}), Jul 2024 – Jun 2025"], outflow, currency)
        # the headline fits its box: nothing is cut off with an ellipsis
        net = shown[f"Net ({currency}), Jul 2024 – Jun 2025"]
        assert expect.reads_as(net, inflow - outflow, currency) and "…" not in net
    # The address bar carries the filters, so the view can be shared as is.
    assert parse_qs(urlparse(page.url).query) == {"group": ["fed"], "from": ["2024-07"], "to": ["2025-06"]}


def test_a_shared_link_reopens_the_same_view(served):
    release, base_url, browser = served
    group_id, month = SUPPRESSED_CELL
    page = browser.new_page()
    open_page(page, f"{base_url}/?group={group_id}&from=2025-01&to={month:%Y-%m}", "Overview")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Grenoble" in sidebar.get_by_role("combobox", name="Group").input_value()
    assert sidebar.get_by_role("combobox", name="From").input_value() == "Jan 2025"
    shown = metric_values(page)
    assert shown["Active members, Jun 2025"] == "fewer than 5"
    totals = expect.treasury_totals(release, group_id, "2025-01", f"{month:%Y-%m}")
    assert expect.reads_as(shown["Inflow (EUR), Jan 2025 – Jun 2025"], totals["EUR"][0], "EUR")

    # Moving to another page keeps the filters, in the view and in the address bar.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Treasury", exact=True).click()
    page.get_by_role("heading", name="Treasury", exact=True).wait_for()
    wait_for_idle(page)
    assert "Grenoble" in page.locator('[data-testid="stMain"]').inner_text()
    page.wait_for_function("() => location.search.includes('group=city-grenoble')")
    assert parse_qs(urlparse(page.url).query)["from"] == ["2025-01"]


def test_the_whole_release_downloads_as_a_zip(served):
    release, base_url, browser = served
    page = browser.new_page()
    open_page(page, f"{base_url}/data_audit", "Data & audit")
    with page.expect_download() as download:
        page.get_by_role("button", name="Whole release (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert f"{release.release_id}/SHA256SUMS" in archive.namelist()
    assert f"{release.release_id}/data/participation_monthly.parquet" in archive.namelist()


def assert_fits(page, heading: str) -> None:
    """Headline figures are not cut off, and nothing is wider than the screen (no sideways scroll)."""
    cut = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"] div')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"
    )
    assert not cut, f"{heading}: headline figures cut off: {cut}"
    overflow = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{heading} is {overflow}px wider than the viewport"


def translated(code: str, message: str) -> str:
    i18n.set_language(code)
    try:
        return i18n._(message)
    finally:
        i18n.set_language(i18n.DEFAULT)


def english_sentences(code: str, release) -> list[str]:
    """The catalog's English sentences (three words or more, no placeholder) that read otherwise in `code`:
    none of them may be left on a page shown in that language. The release's own words (its metrics'
    labels and definitions, published in English) are data, not the dashboard's text."""
    with i18n.catalog_path(code).open("rb") as handle:
        messages = read_po(handle, locale=code)
    published = (release.release_dir / "datapackage.json").read_text(encoding="utf-8")
    return [
        m.id for m in messages
        if isinstance(m.id, str) and "{" not in m.id and len(m.id.split()) >= 3 and m.string and m.string != m.id
        and m.id not in published
    ]  # fmt: skip


def assert_reads_in(page, code: str, heading: str, english: list[str]) -> None:
    main = page.locator('[data-testid="stMain"]').inner_text()
    left = [sentence for sentence in english if sentence in main]
    assert not left, f"{heading} ({code}) shows English: {left}"
    assert page.evaluate("() => document.documentElement.lang") == code, heading
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert all(translated(code, title) in nav for title in PAGES.values()), nav


def test_every_page_reads_in_spanish_and_passes_the_accessibility_check(served):
    release, base_url, browser = served
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    english = english_sentences("es", release)
    reports = {}
    for url_path, heading in PAGES.items():
        title = translated("es", heading)
        assert title != heading
        open_page(page, f"{base_url}/{url_path}?group=city-lyon&lang=es", title)
        assert not page.locator('[data-testid="stException"]').count(), f"{title} raised"
        assert_reads_in(page, "es", title, english)
        if url_path != "data_audit":
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert main.count("Datos a ") == 1 and "Resumen del gráfico:" in main, title
        reports[title] = axe.violations(page)
        full_page_screenshot(page, SCREENSHOTS / f"{url_path or 'overview'}-es.png")
        assert not axe.blocking(reports[title]), (title, axe.blocking(reports[title]))
    (SCREENSHOTS / "axe-es.json").write_text(json.dumps(reports, indent=1, ensure_ascii=False))


def test_the_language_switch_is_kept_across_pages_and_links(served):
    release, base_url, browser = served
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    english = english_sentences("pt", release)
    open_page(page, f"{base_url}/?group=city-lyon&lang=es", "Resumen")
    # the switcher in the sidebar: Portuguese, in the address bar too
    page.get_by_role("combobox", name="Idioma").click()
    page.get_by_role("option", name="Português").click()
    page.get_by_role("heading", name="Visão geral", exact=True).wait_for()
    page.wait_for_function("() => location.search.includes('lang=pt')")
    wait_for_idle(page)
    assert_reads_in(page, "pt", "Visão geral", english)
    assert metric_values(page).get("Membros ativos, jun. 2025"), metric_values(page)

    # the menu's links drop the address' parameters; the language comes back like the filters
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Iniciativas e marcos", exact=True).click()
    page.get_by_role("heading", name="Iniciativas e marcos", exact=True).wait_for()
    page.wait_for_function("() => location.search.includes('lang=pt')")
    wait_for_idle(page)
    assert_reads_in(page, "pt", "Iniciativas e marcos", english)
    # an initiative's link opens its page in the same language
    link = page.locator('[data-testid="stPageLink"] a[href*="initiative?"]').first
    assert "lang=pt" in link.get_attribute("href")
    link.click()
    page.get_by_role("heading", name=re.compile(r"^Iniciativa ")).first.wait_for()
    wait_for_idle(page)
    assert_reads_in(page, "pt", "Iniciativa", english)
    assert not axe.blocking(axe.violations(page))

    # on a phone, long Spanish and Portuguese words fit: nothing cut, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    for code, url_path, heading in (
        ("es", "", "Resumen"), ("pt", "", "Visão geral"), ("pt", "initiatives", "Iniciativas e marcos"),
        ("es", "treasury", "Tesorería"),
    ):  # fmt: skip
        open_page(page, f"{base_url}/{url_path}?group=city-lyon&lang={code}", heading)
        assert_fits(page, heading)
        # section headings clearly smaller than the page's title (they were nearly as large on a phone)
        title, section = page.evaluate(
            "() => ['h1', 'h2'].map(tag => parseFloat(getComputedStyle("
            'document.querySelector(`[data-testid="stMain"] ${tag}`) || document.body).fontSize))'
        )
        assert section <= 0.6 * title, (heading, title, section)
        full_page_screenshot(page, SCREENSHOTS / f"{url_path or 'overview'}-{code}-phone.png")
