"""The public pages in a real browser (Debian's Chromium driven by Playwright) against a live server.

With the seed loaded: each page renders, its charts are drawn (SVG with marks), every link on it
answers 200, the browser asks nothing of any host but 127.0.0.1, the console stays clean, and axe-core
(injected from the axe-playwright-python package, not a CDN) finds no serious or critical violation.
Screenshots of each page go to artifacts/site-*.png."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from apps.investments.models import Pledge
from apps.site.views import donor_comparison
from apps.summits.models import SummitFormat
from apps.trade.models import FlowCode
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.seed_copy import load_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres_only,  # see test_admin_browser: the live server's threads need their own connections
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]

SEEDED_PAGES = {
    "home": "/",
    "timeline": "/summits/",
    "summit": "/summits/central-asia-plus-japan-1/",
    "document": "/documents/tokyo-declaration/",
    "actor-state": "/actors/japan/",
    "actor-person": "/actors/xi-jinping/",
    "pledges": "/pledges/",
    "sources": "/sources/",
    "source": "/sources/velizade-japanese-move/",
    "search": "/search/?q=Japan",
    "api-docs": "/api/docs/",
    "api-browsable": "/api/v1/pledges/",
}
# Pages whose charts the seed has data for (the seed has no dated summit and no trade flow).
SEEDED_CHARTS = {"pledges"}


def chart_marks(page):
    """How many drawn shapes (bars, dots, lines) the page's charts hold: 0 when none is drawn."""
    return page.evaluate("""() => [...document.querySelectorAll('main svg')]
        .filter(svg => svg.getBoundingClientRect().width > 100)
        .reduce((n, svg) => n + svg.querySelectorAll('rect.rect, path.line, circle, rect.reactive').length, 0)""")


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_links_resolve(page, live_server, checked):
    """Every same-site link on the page answers 200 (each path once per test)."""
    # getAttribute: an SVG link's `href` is an object (SVGAnimatedString), not the URL.
    hrefs = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
    )
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(live_server.url).netloc:
            continue
        target = parts._replace(fragment="").geturl()
        if target in checked:
            continue
        checked.add(target)
        response = page.request.get(target)
        assert response.status == 200, f"{href} on {page.url}: {response.status}"


def test_every_page_renders_the_seed_offline_clean_and_accessible(page, live_server, db):
    load_seed()
    checked = set()
    for name, path in SEEDED_PAGES.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if name.startswith("api-"):  # Swagger UI (drf-spectacular-sidecar) and DRF's browsable API: own static files
            page.wait_for_selector(".swagger-ui .opblock" if name == "api-docs" else ".response-info")
            page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"))
            continue
        page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"), full_page=True)
        assert page.locator("main h1").count() == 1, name
        if name in SEEDED_CHARTS:
            assert chart_marks(page) > 0, f"no chart drawn on {name}"
        assert serious_violations(page) == [], name
        assert_links_resolve(page, live_server, checked)
    assert page.errors == [], page.errors
    foreign = [
        url
        for url in page.requested
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", None) and not url.startswith(("data:", "blob:"))
    ]
    assert foreign == []
    assert len(checked) > 20  # the pages link to each other, to the API's JSON/CSV and to each fact


def test_the_source_text_is_annotated_when_catrack_holds_it(page, live_server, db):
    from apps.site.source_texts import source_text

    if source_text("velizade-japanese-move") is None:
        pytest.skip("the seed article's text is not beside the checkout (../shared/seed/)")
    load_seed()
    page.goto(f"{live_server.url}/sources/velizade-japanese-move/#p8")
    page.screenshot(path=str(ARTIFACTS / "site-source-text.png"))  # the annotated text, as a reader sees it
    marks = page.locator(".annotated mark a")
    assert marks.count() > 50
    first = marks.first
    first.click()
    anchor = urlsplit(page.url).fragment
    assert anchor.startswith("fact-") and page.locator(f"#{anchor} q").count() >= 1


def test_timeline_and_trade_charts_draw(page, live_server, db):
    """Charts the seed has no data for yet, drawn from clearly synthetic rows (not screenshotted)."""
    region = factories.GroupingFactory(slug="test-region", name_en="Test region")
    state_a = factories.StateFactory(slug="test-state-a", name_en="Test state A", iso3="TSA")
    state_b = factories.StateFactory(slug="test-state-b", name_en="Test state B", iso3="TSB")
    summit_format = factories.SummitFormatFactory(slug="test-format", region=region, partner=state_a)
    factories.SummitFactory(format=summit_format, slug="test-summit-dated", title_en="Dated test summit")
    factories.SummitFactory(
        format=summit_format,
        slug="test-summit-undated",
        title_en="Undated test summit",
        date=None,
        date_precision="unknown",
    )
    for year in (2021, 2022):
        factories.TradeFlowFactory(
            reporter=state_a, partner=state_b, year=year, flow=FlowCode.EXPORT, value_usd=Decimal(5e9)
        )
        factories.TradeFlowFactory(
            reporter=state_b, partner=state_a, year=year, flow=FlowCode.IMPORT, value_usd=Decimal(6e9)
        )
    page.goto(f"{live_server.url}/summits/")
    assert (
        page.locator("svg.timeline circle.hit").count() == 1
    )  # one dot (its touch target); the undated one is listed, not placed
    assert "Undated test summit" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/actors/test-state-a/")
    assert chart_marks(page) > 0
    assert "6,000,000,000" in page.locator("main").inner_text()  # state B's mirror figure
    assert SummitFormat.objects.count() == 1
    assert page.errors == []


def test_pages_read_with_javascript_off(page, live_server, db):
    """Server-rendered: text, tables and even the SVG charts are there without any script running."""
    load_seed()
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        reader = context.new_page()
        reader.goto(f"{live_server.url}/pledges/")
        # The seed's figures, from the same selector the page renders (the seed grows; the test must not pin it).
        totals = donor_comparison(Pledge.objects.all())
        japan = next(row for row in totals if row["donor"].slug == "japan")
        table = reader.locator("main table").inner_text()
        assert f"{japan['qualifier']} {japan['total_usd']:,.0f}".strip() in table
        with_usd = [row for row in totals if row["total_usd"]]
        assert len(with_usd) > 1
        assert reader.locator("main figure svg rect.rect").count() == len(with_usd)  # a bar per donor with USD
        reader.goto(f"{live_server.url}/summits/central-asia-plus-japan-1/")
        assert "Tokyo" in reader.locator("main").inner_text()
    finally:
        context.close()
