"""Every public page at a phone's width (390 px) and a desktop's (1280 px), in Chromium, on the seed.

At each width: the document never scrolls sideways (a wide table or chart scrolls inside its own box),
chart and timeline text is drawn at 11 px or more, every control and chart link is a touch target of at
least 24 × 24 px, no table column holding sentences is squeezed under 120 px, and axe-core finds no serious or critical violation. Screenshots of every page at
both widths go to artifacts/site-<page>-<width>.png."""

from decimal import Decimal

import pytest

from apps.trade.models import FlowCode
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.browser.test_site_browser import serious_violations
from tests.seed_copy import load_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres_only,  # the live server's threads need their own connections (see test_admin_browser)
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]

# Every public page, with the seed (and two synthetic states' trade and a dated summit, for the charts).
PUBLIC_PAGES = {
    "home": "/",
    "timeline": "/summits/",
    "summits-filtered": "/summits/?partner=japan",
    "summit": "/summits/central-asia-plus-japan-1/",
    "documents": "/documents/",
    "document": "/documents/tokyo-declaration/",
    "actors": "/actors/",
    "actor-state": "/actors/japan/",
    "actor-person": "/actors/xi-jinping/",
    "actor-trade": "/actors/layout-state-a/",
    "formats": "/formats/",
    "trade": "/trade/",
    "pledges": "/pledges/",
    "sources": "/sources/",
    "source": "/sources/velizade-japanese-move/",
    "fact": "/facts/geoeconomics.corridor/{corridor}/",
    "search": "/search/?q=Japan",
    "not-found": "/no-such-page/",
}
WIDTHS = (390, 1280)
MIN_TEXT_PX = 11
MIN_TARGET_PX = 24
MIN_COLUMN_PX = 120  # a table cell holding a sentence is at least this wide (about 15 characters)

# Controls a finger must hit: the site's header, forms, pagers, sort and facet links, chart links.
# Links inside running text are exempt (WCAG 2.5.8 "inline").
TARGETS = (
    "header a, button, input:not([type=hidden]), select, main svg a, .pager a, th a, .facets a, .counts a, .formats a"
)


def layout_faults(page):
    """What does not fit: sideways scrolling of the document, chart text under 11 px, targets under 24 px, table
    columns squeezed under 120 px around a sentence, a cell out of view that makes its row taller than the window,
    an icon drawn at more than twice its declared width."""
    return page.evaluate(
        """([minText, minTarget, targets, minColumn]) => {
        const faults = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > window.innerWidth + 1)
            faults.push(`document is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
        for (const text of document.querySelectorAll('main svg text')) {
            const box = text.getBoundingClientRect();
            if (!box.width || !text.textContent.trim()) continue;
            const scale = text.getScreenCTM() ? text.getScreenCTM().a : 1;
            const size = parseFloat(getComputedStyle(text).fontSize) * scale;
            if (size < minText - 0.01)
                faults.push(`chart text "${text.textContent.trim().slice(0, 30)}" drawn at ${size.toFixed(1)}px`);
        }
        for (const el of document.querySelectorAll(targets)) {
            const box = el.getBoundingClientRect();
            if (!box.width && !box.height) continue;  // not shown
            if (box.width < minTarget - 0.01 || box.height < minTarget - 0.01)
                faults.push(`target ${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" is ${box.width.toFixed(0)}x${box.height.toFixed(0)}px`);
        }
        // A table column squeezed to a sliver (long text broken a few letters a line, rows thousands of px tall):
        // the table's box scrolls sideways instead, so a cell with a sentence in it keeps room for words.
        for (const cell of document.querySelectorAll('main td')) {
            const box = cell.getBoundingClientRect();
            if (cell.textContent.trim().length > 40 && box.width && box.width < minColumn)
                faults.push(`table cell "${cell.textContent.trim().slice(0, 30)}" squeezed to ${box.width.toFixed(0)}px wide, ${box.height.toFixed(0)}px tall`);
        }
        // An icon (an svg sized by its width attribute, e.g. the timeline legend's marks) blown up by a chart's
        // width rules: the legend's 20 px dot was drawn 400 px wide at 1280 px.
        for (const icon of document.querySelectorAll('main svg[width]')) {
            const wanted = parseFloat(icon.getAttribute('width'));
            const box = icon.getBoundingClientRect();
            if (wanted <= 32 && box.width > 2 * wanted)
                faults.push(`icon svg of width ${wanted} drawn ${box.width.toFixed(0)}x${box.height.toFixed(0)}px`);
        }
        // A cell out of view (scrolled to the right of its table's box) that makes its row taller than the window:
        // the reader sees a screen of blank beside the first columns.
        for (const cell of document.querySelectorAll('main .table-scroll td')) {
            const box = cell.getBoundingClientRect();
            const scroller = cell.closest('.table-scroll').getBoundingClientRect();
            if (box.left >= scroller.right - 1 && box.height > window.innerHeight)
                faults.push(`table cell "${cell.textContent.trim().slice(0, 30)}" out of view makes its row ${box.height.toFixed(0)}px tall`);
        }
        return faults;
    }""",
        [MIN_TEXT_PX, MIN_TARGET_PX, TARGETS, MIN_COLUMN_PX],
    )


def synthetic_chart_rows():
    """A dated summit (for the timeline's dots) and two states' trade (for the actor chart): the seed has none."""
    region = factories.GroupingFactory(slug="layout-region", name_en="Layout test region")
    state_a = factories.StateFactory(slug="layout-state-a", name_en="Layout test state A", iso3="LTA")
    state_b = factories.StateFactory(slug="layout-state-b", name_en="Layout test state B", iso3="LTB")
    summit_format = factories.SummitFormatFactory(slug="layout-format", region=region, partner=state_a)
    factories.SummitFactory(format=summit_format, slug="layout-summit", title_en="Layout test summit")
    for year in (2021, 2022, 2023):
        factories.TradeFlowFactory(
            reporter=state_a, partner=state_b, year=year, flow=FlowCode.EXPORT, value_usd=Decimal(5e9)
        )
        factories.TradeFlowFactory(
            reporter=state_b, partner=state_a, year=year, flow=FlowCode.IMPORT, value_usd=Decimal(6e9)
        )


def test_every_public_page_fits_a_phone_and_a_desktop(page, live_server, db):
    from apps.geoeconomics.models import Corridor

    load_seed()
    synthetic_chart_rows()
    corridor = Corridor.objects.order_by("id").first()
    faults = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in PUBLIC_PAGES.items():
            response = page.goto(f"{live_server.url}{path.format(corridor=corridor.pk)}")
            if response.status != (404 if name == "not-found" else 200):
                faults[f"{name} at {width}px"] = [f"answered {response.status}"]
                continue
            page.screenshot(path=str(ARTIFACTS / f"site-{name}-{width}.png"), full_page=True)
            found = layout_faults(page)
            if width == WIDTHS[0]:  # axe once per page (the rules do not depend on the width)
                found += [f"axe: {violation}" for violation in serious_violations(page)]
            if found:
                faults[f"{name} at {width}px"] = found
    page.errors = [error for error in page.errors if "/no-such-page/" not in error]
    assert faults == {}
    assert page.errors == []
