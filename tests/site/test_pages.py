"""The public pages through Django's test client, on both databases, each test with rows of its own (the pages
on the seed: tests/site/test_pages_on_the_seed.py)."""

import re
from decimal import Decimal

from django.contrib.staticfiles import finders

from apps.investments.models import AmountQualifier, UsdBasis
from apps.investments.selectors import total_qualifier
from apps.site.source_texts import annotated_paragraphs
from tests import factories


def test_pledge_totals_keep_qualifiers_basis_and_count_components_once(client, db):
    donor = factories.StateFactory(slug="donor", name_en="Donor", name_ru="Донор")
    parent = factories.PledgeFactory(
        donor=donor, amount=Decimal(300), amount_usd=Decimal(100), amount_usd_qualifier=AmountQualifier.UP_TO
    )
    factories.PledgeFactory(
        donor=donor,
        parent=parent,
        counts_in_totals=False,
        amount=Decimal(120),
        amount_usd=Decimal(40),
        amount_usd_qualifier=AmountQualifier.EXACT,
    )
    factories.PledgeFactory(donor=donor, amount=Decimal(7), amount_usd=None, usd_basis=UsdBasis.NONE)
    page = client.get("/pledges/").content.decode()
    row = re.search(r"<tr><td><a href=\"/actors/donor/\">.*?</tr>", page, re.S).group(0)
    assert '<span class="qualifier">up to</span> 100' in row  # not 140: the component is in its parent
    assert "stated by the source" in row and "(1 without a USD figure)" in row
    assert "counted there, not again" in page
    assert "up to 100 USD" in page


def test_a_total_inherits_the_loosest_qualifier():
    assert total_qualifier({AmountQualifier.EXACT}) == AmountQualifier.EXACT
    assert total_qualifier({AmountQualifier.EXACT, AmountQualifier.UP_TO}) == AmountQualifier.UP_TO
    assert total_qualifier({AmountQualifier.AT_LEAST, AmountQualifier.UP_TO}) == AmountQualifier.ABOUT


def test_the_pledges_page_compares_every_donor_over_every_page_as_the_api_sums(client, db, settings):
    """Issue 25: a donor whose pledges are all past the first page, or who has no USD figure, is compared too."""
    from apps.site import views

    big = factories.StateFactory(slug="big", name_en="Big donor")
    small = factories.StateFactory(slug="small", name_en="Small donor")
    unpriced = factories.StateFactory(slug="unpriced", name_en="Unpriced donor")
    for _ in range(3):
        factories.PledgeFactory(donor=big, amount_usd=Decimal(1000), usd_basis=UsdBasis.STATED_BY_SOURCE)
    factories.PledgeFactory(donor=small, amount=Decimal(5), currency="USD", amount_usd=None, usd_basis=UsdBasis.NONE)
    factories.PledgeFactory(donor=unpriced, amount=Decimal(9), currency="KZT", amount_usd=None, usd_basis=UsdBasis.NONE)
    original, views.PLEDGES_SHOWN = views.PLEDGES_SHOWN, 2
    try:
        page = client.get("/pledges/").content.decode()
    finally:
        views.PLEDGES_SHOWN = original
    table = re.search(r'aria-label="Donors compared".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><td><a href=\"/actors/([\w-]+)/\">.*?</tr>", table, re.S)
    assert rows == ["big", "small", "unpriced"]
    big_row = re.search(r'<tr><td><a href="/actors/big/">.*?</tr>', table, re.S).group(0)
    assert "3,000" in big_row and ">3<" in big_row
    assert "amount in US dollars" in table, table
    summary = client.get("/api/v1/pledges/summary/", {"group_by": "donor"}).json()
    assert [(r["donor"], r["count"]) for r in summary] == [("big", 3), ("small", 1), ("unpriced", 1)]


def test_state_page_charts_trade_by_partner_with_mirror_figures(client, db):
    state = factories.StateFactory(slug="state-a", name_en="State A", name_ru="Государство А")
    partner = factories.StateFactory(slug="state-b", name_en="State B")
    factories.TradeFlowFactory(reporter=state, partner=partner, year=2023, flow="X", value_usd=Decimal(500))
    factories.TradeFlowFactory(reporter=partner, partner=state, year=2023, flow="M", value_usd=Decimal(560))
    page = client.get("/actors/state-a/").content.decode()
    assert "<svg" in page and "pygal-chart" in page
    assert "Mirror figures, State A to State B" in page and ">560<" in page and ">-60<" in page
    assert "/api/v1/trade-flows/mirror/?reporter=state-a&amp;partner=state-b" in page
    # The fresh-eyes review: the importer's page showed no mirror though both sides reported.
    page = client.get("/actors/state-b/").content.decode()
    assert "Mirror figures, State A to State B" in page and ">560<" in page


def test_text_is_escaped(client, db):
    factories.StateFactory(slug="x", name_en="<script>alert(1)</script>", name_ru="<b>")
    page = client.get("/actors/x/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_unknown_slug_is_an_html_404(client, db):
    response = client.get("/actors/nobody/")
    assert response.status_code == 404


def test_annotation_marks_every_cited_phrase_overlaps_included():
    class Cited:
        def __init__(self, paragraph, phrase):
            self.paragraph, self.key_phrase = paragraph, phrase

    text = "Title\n\nFirst paragraph says one two three.\nHeading\nSecond one.\n"
    a, b, elsewhere = Cited(1, "one two"), Cited(1, "two three"), Cited(2, "one two")
    first, second = annotated_paragraphs(text, [a, b, elsewhere])
    assert [(s.text, s.citations) for s in first.segments] == [
        ("First paragraph says ", ()),
        ("one ", (a,)),
        ("two", (a, b)),
        (" three", (b,)),
        (".", ()),
    ]
    assert (second.section, second.new_section, second.segments[0].citations) == ("Heading", True, ())


def test_api_docs_load_nothing_from_another_host(client, db):
    page = client.get("/api/docs/", HTTP_ACCEPT="text/html").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/") for url in assets), assets
    assert any("swagger-ui" in url for url in assets)
    for url in assets:
        if url.startswith("/static/"):  # installed, so collectstatic and the live server serve it
            assert finders.find(url.removeprefix("/static/")), url


def test_sources_count_facts_across_tables(client, db):
    """Fact ids repeat across tables (a summit and an actor may both be 7): each is still one fact."""
    source = factories.SourceFactory(slug="s", title="Статья")
    summit = factories.SummitFactory(pk=777_777)
    actor = factories.StateFactory(pk=777_777)
    for fact, phrase in [(summit, "a"), (summit, "b"), (actor, "c")]:
        factories.CitationFactory(source=source, fact=fact, key_phrase=phrase)
    page = client.get("/sources/").content.decode()
    assert re.search(r'<td class="num">3</td><td class="num">2</td>', page)


def test_actor_lists_are_bounded_and_link_to_the_full_list(client, db, monkeypatch):
    monkeypatch.setattr("apps.site.views.ACTOR_LIST_LIMIT", 2)
    donor = factories.StateFactory(slug="big-donor")
    factories.PledgeFactory.create_batch(3, donor=donor)
    page = client.get("/actors/big-donor/").content.decode()
    assert page.count('<li><h3><a href="/actors/big-donor/">') == 2
    assert 'The first 2; all of them: <a href="/api/v1/pledges/?donor=big-donor">' in page


def test_a_multi_day_summit_shows_its_last_day(client, db):
    factories.SummitFactory(slug="two-days", date="2025-12-19", date_precision="day", end_date="2025-12-20")
    page = client.get("/summits/two-days/").content.decode()
    assert '<time datetime="2025-12-19">2025-12-19</time> to <time datetime="2025-12-20">2025-12-20</time>' in page


def test_a_source_without_citations_supports_no_fact(client, db):
    factories.SourceFactory(slug="uncited", title="Uncited")
    page = client.get("/sources/").content.decode()
    row = re.search(r'<tr>\s*<td><a href="/sources/uncited/">.*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == ["0", "0"], row


def test_site_search_escapes_what_it_found(client, db):
    factories.SummitFactory(slug="x", title_en="<b>Bold summit</b>")
    page = client.get("/search/", {"q": "Bold"}).content.decode()
    assert "<b>Bold" not in page and "&lt;b&gt;" in page


def test_a_fact_page_of_no_fact_kind_or_row_is_a_404(client, db):
    assert client.get("/facts/auth.user/1/").status_code == 404
    assert client.get("/facts/nope.nope/1/").status_code == 404
    assert client.get("/facts/summitsdocument/1/").status_code == 404  # no app label
    assert client.get("/facts/geoeconomics.corridor/987654/").status_code == 404


def test_the_timeline_draws_each_status_its_own_shape_with_a_legend_and_says_what_comes_next(client, db):
    """Issue 25: held, planned, postponed and cancelled meetings are told apart without colour; an announced
    meeting whose date passed says no cited source reports it held; what comes next is listed first."""
    import datetime

    from django.utils import timezone

    today = timezone.now().date()
    partner = factories.StateFactory(slug="partner-p", name_en="Partner P")
    summit_format = factories.SummitFormatFactory(partner=partner)
    held = factories.SummitFactory(format=summit_format, slug="p-1", title_en="First P", date=datetime.date(2023, 5, 1))
    factories.SummitFactory(
        format=summit_format,
        slug="p-2",
        title_en="Second P",
        status="planned",
        date=today + datetime.timedelta(days=120),
    )
    factories.SummitFactory(
        format=summit_format,
        slug="p-0",
        title_en="Overdue P",
        status="planned",
        date=datetime.date(2022, 3, 1),
        date_precision="month",
    )
    factories.SummitFactory(
        format=summit_format,
        slug="p-1b",
        title_en="Postponed P",
        status="postponed",
        date=datetime.date(2023, 3, 1),
        replaced_by=held,
    )
    factories.SummitFactory(
        format=summit_format,
        slug="p-x",
        title_en="Cancelled P",
        status="cancelled",
        date=datetime.date(2021, 9, 1),
        mode="virtual",
        city_en="",
        city_ru="",
    )
    page = client.get("/summits/").content.decode()
    svg = re.search(r"<svg role=\"group\".*?</svg>", page, re.S).group(0)
    for mark in ('class="mark held"', 'class="mark planned"', 'class="mark postponed"', 'class="mark cancelled"'):
        assert mark in svg
    legend = re.search(r'<ul class="legend".*?</ul>', page, re.S).group(0)
    for words in (
        "Held</strong> (filled circle)",
        "Planned</strong> (open circle)",
        "Postponed</strong> (open diamond)",
        "Cancelled</strong> (cross)",
    ):
        assert words in legend
    upcoming = re.search(r'<ol class="summits upcoming">.*?</ol>', page, re.S).group(0)
    assert "Second P" in upcoming and "Overdue P" not in upcoming and "First P" not in upcoming
    overdue = re.search(r'<h2 id="next-h">.*?</section>', page, re.S).group(0)
    assert 'no cited source reports it held (<a href="/summits/p-0/">Overdue P</a>)' in overdue
    assert 'replaced by <a href="/summits/p-1/">First P</a>' in page
    assert '<span class="mode">virtual</span>' in page
    only_planned = client.get("/summits/", {"status": "planned"}).content.decode()
    assert "Second P" in only_planned and "Cancelled P" not in only_planned


def test_the_summit_page_shows_status_mode_and_the_replacing_meeting(client, db):
    import datetime

    later = factories.SummitFactory(slug="later", title_en="Later summit", date=datetime.date(2024, 10, 1))
    factories.SummitFactory(
        slug="earlier",
        title_en="Earlier summit",
        status="postponed",
        date=datetime.date(2024, 4, 1),
        date_precision="month",
        replaced_by=later,
        mode="hybrid",
    )
    page = client.get("/summits/earlier/").content.decode()
    assert "Postponed</span> — the date below is the one it was planned for" in page
    assert '<dt>Replaced by</dt><dd><a href="/summits/later/">' in page
    assert "<dt>Mode</dt><dd>Hybrid</dd>" in page
    page = client.get("/summits/later/").content.decode()
    assert "<dt>In place of</dt>" in page and "planned for 2024-04" in page
    overdue = factories.SummitFactory(
        slug="overdue", status="planned", date=datetime.date(2020, 1, 1), date_precision="year"
    )
    page = client.get(f"/summits/{overdue.slug}/").content.decode()
    assert "its date has passed, but no cited source reports it held" in page


def test_an_actor_page_shows_stated_trade_figures_with_their_sources_beside_comtrade(client, db):
    state = factories.StateFactory(slug="kz-s", name_en="State K")
    partner = factories.StateFactory(slug="jp-s", name_en="State J")
    source = factories.SourceFactory(title_en="Presidency press release")
    figure = factories.StatedTradeFigureFactory(
        reporter=state,
        partner=partner,
        value=Decimal("2400000000"),
        value_qualifier=AmountQualifier.ABOUT,
        currency="USD",
    )
    factories.CitationFactory(fact=figure, source=source, key_phrase="товарооборот составил")
    factories.TradeFlowFactory(reporter=state, partner=partner, year=2023, flow="X", value_usd=Decimal(500))
    for slug in ("kz-s", "jp-s"):
        page = client.get(f"/actors/{slug}/").content.decode()
        section = re.search(r'<h2 id="stated-trade-h">.*?</section>', page, re.S).group(0)
        assert "2,400,000,000" in section and "USD" in section and '<span class="qualifier">about</span>' in section
        assert "товарооборот составил" in section and "Presidency press release" in section
    assert "Trade reported to UN Comtrade" in client.get("/actors/kz-s/").content.decode()
