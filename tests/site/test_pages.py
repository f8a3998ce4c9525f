"""The public pages through Django's test client, on both databases: what they show, from how few queries."""
import re

from apps.core.models import fact_models
from apps.geoeconomics.models import Corridor
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.services import seed_load
from apps.investments.models import AmountQualifier, UsdBasis
from apps.site.source_texts import annotated_paragraphs
from apps.site.views import total_qualifier
from apps.sources.models import Citation
from apps.summits.models import Summit
from tests import factories

LIST_PAGES = ["/", "/summits/", "/pledges/", "/sources/"]


@pytest.fixture
def seeded(db):
    return seed_load()


def selects(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH", "("))]


def test_the_root_is_the_site_not_a_redirect_to_the_api(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    assert "Diplomacy around Central Asia" in response.content.decode()


@pytest.mark.parametrize("path", [
    "/", "/summits/", "/summits/central-asia-plus-japan-1/", "/actors/japan/", "/actors/kazakhstan/",
    "/actors/xi-jinping/", "/actors/central-asia/", "/pledges/", "/sources/", "/sources/velizade-japanese-move/",
    "/sources/iso-3166-1/", "/search/?q=Japan", "/search/?q=Токио", "/search/",
])
def test_every_page_renders_with_the_seed(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_answer_in_at_most_four_queries(client, seeded, path):
    client.get(path)  # content types cached, as in a running server
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert len(selects(queries.captured_queries)) <= 4, selects(queries.captured_queries)


def test_search_answers_in_one_query_plus_one_per_kind_found(client, seeded):
    # As the API's search: the ranked hits, then each kind's rows on the page (with their snippets).
    client.get("/search/?q=Japan")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/search/?q=Japan").content.decode()
    kinds = set(re.findall(r'<li><span class="muted">([a-z-]+)</span>', page))
    assert kinds and len(selects(queries.captured_queries)) <= 1 + len(kinds), selects(queries.captured_queries)


def test_names_are_english_with_the_russian_beside(client, seeded):
    page = client.get("/summits/central-asia-plus-japan-1/").content.decode()
    assert "Japan" in page and '<span lang="ru" class="ru">(Япония)</span>' in page
    assert "Tokyo" in page and "(Токио)" in page


def test_citations_show_key_phrase_section_and_paragraph(client, seeded):
    citation = (Citation.objects.filter(source__slug="velizade-japanese-move", paragraph__isnull=False)
                .exclude(section="").order_by("id").first())
    page = client.get("/sources/velizade-japanese-move/").content.decode()
    assert f"<q lang=\"ru\">{citation.key_phrase}</q>" in page
    assert f"«{citation.section}»" in page and f"¶{citation.paragraph}" in page


def test_undated_summits_are_listed_apart_never_placed_on_the_axis(client, seeded):
    page = client.get("/summits/").content.decode()
    dated = page.count("<circle")
    assert dated == Summit.objects.filter(date__isnull=False).count() > 0  # the seed's summits are dated
    assert "(date not given by the sources)" not in page
    undated = factories.SummitFactory(slug="undated-one", title_en="An undated summit", date=None,
                                      date_precision="unknown")
    page = client.get("/summits/").content.decode()
    assert page.count("<circle") == dated and page.count("(date not given by the sources)") == 1
    assert f'href="/summits/{undated.slug}/"' in page


def test_pledge_totals_keep_qualifiers_basis_and_count_components_once(client, db):
    donor = factories.StateFactory(slug="donor", name_en="Donor", name_ru="Донор")
    parent = factories.PledgeFactory(donor=donor, amount=Decimal(300), amount_usd=Decimal(100),
                                     amount_usd_qualifier=AmountQualifier.UP_TO)
    factories.PledgeFactory(donor=donor, parent=parent, counts_in_totals=False, amount=Decimal(120),
                            amount_usd=Decimal(40), amount_usd_qualifier=AmountQualifier.EXACT)
    factories.PledgeFactory(donor=donor, amount=Decimal(7), amount_usd=None, usd_basis=UsdBasis.NONE)
    page = client.get("/pledges/").content.decode()
    row = re.search(r"<tr><td><a href=\"/actors/donor/\">.*?</tr>", page, re.S).group(0)
    assert '<span class="qualifier">up to</span> 100' in row  # not 140: the component is in its parent
    assert "stated by the source" in row and "(1 without a USD figure)" in row
    assert "counted there, not again" in page
    assert "up to 100 USD" in page


def test_a_total_inherits_the_loosest_qualifier():
    assert total_qualifier({AmountQualifier.EXACT}) == ""
    assert total_qualifier({AmountQualifier.EXACT, AmountQualifier.UP_TO}) == "up to"
    assert total_qualifier({AmountQualifier.AT_LEAST, AmountQualifier.UP_TO}) == "about"


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


def test_every_json_and_csv_link_answers(client, seeded):
    for path in ["/summits/", "/pledges/", "/sources/", "/actors/japan/", "/sources/velizade-japanese-move/",
                 "/documents/tokyo-declaration/"]:
        page = client.get(path).content.decode()
        links = re.findall(r'href="(/api/v1/[^"]+)"', page)
        assert links, path
        for link in set(links):
            response = client.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, (path, link)
            response.getvalue()  # read a CSV stream to its end, which frees its export slot


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
        ("First paragraph says ", ()), ("one ", (a,)), ("two", (a, b)), (" three", (b,)), (".", ()),
    ]
    assert (second.section, second.new_section, second.segments[0].citations) == ("Heading", True, ())


def test_the_source_page_says_when_it_does_not_hold_the_text(client, seeded, settings):
    settings.SOURCE_TEXTS = {}
    page = client.get("/sources/velizade-japanese-move/").content.decode()
    assert "does not hold this source's text" in page and "<mark>" not in page


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


def test_home_lists_the_latest_changes_from_the_history(client, seeded):
    page = client.get("/").content.decode()
    assert "No edits are recorded" not in page  # the seed writes history entries (issue 14)
    factories.StateFactory(slug="newland", name_en="Newland")
    page = client.get("/").content.decode()
    assert re.search(r'Actor: <a href="/actors/newland/">Newland</a></td>\s*<td>added</td>', page)


def test_actor_pages_show_offices_held_and_their_holders(client, seeded):
    # Popolo memberships (issue 17) on the pages: the person's offices, and a state's office holders.
    page = client.get("/actors/kassym-jomart-tokayev/").content.decode()
    assert "No office recorded" not in page and "President" in page and 'href="/actors/kazakhstan/"' in page
    page = client.get("/actors/kazakhstan/").content.decode()
    assert 'href="/actors/kassym-jomart-tokayev/"' in page


def test_a_multi_day_summit_shows_its_last_day(client, db):
    factories.SummitFactory(slug="two-days", date="2025-12-19", date_precision="day", end_date="2025-12-20")
    page = client.get("/summits/two-days/").content.decode()
    assert '<time datetime="2025-12-19">2025-12-19</time> to <time datetime="2025-12-20">2025-12-20</time>' in page


def test_a_source_without_citations_supports_no_fact(client, db):
    factories.SourceFactory(slug="uncited", title="Uncited")
    page = client.get("/sources/").content.decode()
    row = re.search(r'<tr>\s*<td><a href="/sources/uncited/">.*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == ["0", "0"], row


def test_site_search_is_the_apis_search_across_every_kind(client, seeded):
    page = client.get("/search/", {"q": "Транскаспийский"}).content.decode()
    corridor = Corridor.objects.get(slug="trans-caspian-international-transport-route")
    assert "corridor" in page and f'href="/facts/geoeconomics.corridor/{corridor.pk}/"' in page
    assert 'href="/api/v1/search/?q=' in page  # every match, paged, in the API
    page = client.get("/search/", {"q": "x" * 201}).content.decode()
    assert 'role="alert"' in page and "200" in page  # the API's limit, said on the page


def test_site_search_escapes_what_it_found(client, db):
    factories.SummitFactory(slug="x", title_en="<b>Bold summit</b>")
    page = client.get("/search/", {"q": "Bold"}).content.decode()
    assert "<b>Bold" not in page and "&lt;b&gt;" in page


def test_checklist_tags_stay_in_the_data_not_on_the_pages(client, seeded):
    assert Citation.objects.filter(note__startswith="[S").exists()  # analysts' traceability, kept
    page = client.get("/summits/central-asia-plus-japan-1/").content.decode()
    assert "— [S" not in page and "([S" not in page and "fixtures/README.md" not in page


def test_a_document_has_a_page_linked_from_its_summit(client, seeded):
    summit_page = client.get("/summits/central-asia-plus-japan-1/").content.decode()
    assert 'href="/documents/tokyo-declaration/"' in summit_page
    page = client.get("/documents/tokyo-declaration/").content.decode()
    assert "Signatories" in page and "Declaration" in page
    assert 'href="/summits/central-asia-plus-japan-1/"' in page and 'class="citations"' in page


@pytest.mark.parametrize("model", fact_models(), ids=lambda model: model._meta.label_lower)
def test_every_fact_has_a_page_for_people(client, seeded, model):
    """The fresh-eyes review: documents, offices, relations, corridors… linked to the API's JSON from the pages."""
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"the seed holds no {model._meta.verbose_name}"
    response = client.get(f"/facts/{model._meta.label_lower}/{row.pk}/", follow=True)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.redirect_chain or str(row) in response.content.decode()


def test_every_page_link_answers(client, seeded):
    """Follow every link between pages from the home page, the summits and the article's page: none is broken."""
    seen, pending = set(), ["/", "/summits/", "/sources/velizade-japanese-move/"]
    while pending and len(seen) < 400:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code in (200, 302), path
        if response.status_code == 302:
            pending.append(response["Location"])
            continue
        links = re.findall(r'href="(/(?!api/|admin/|static/)[^"#?]*)', response.content.decode())
        pending += [link for link in links if link not in seen and (link.count("/") <= 4)]
    assert any(path.startswith("/facts/") for path in seen) and any(path.startswith("/documents/") for path in seen)


def test_a_source_page_links_its_facts_to_pages_not_to_json(client, seeded):
    page = client.get("/sources/velizade-japanese-move/").content.decode()
    facts = re.findall(r'<h3><span class="muted">[^<]*</span> <a href="([^"]+)"', page)
    assert facts and not [url for url in facts if url.startswith("/api/")]


def test_a_fact_page_of_no_fact_kind_or_row_is_a_404(client, db):
    assert client.get("/facts/auth.user/1/").status_code == 404
    assert client.get("/facts/nope.nope/1/").status_code == 404
    assert client.get("/facts/summitsdocument/1/").status_code == 404  # no app label
    assert client.get("/facts/geoeconomics.corridor/987654/").status_code == 404


def test_site_search_links_citations_to_their_place_in_the_source(client, seeded):
    page = client.get("/search/", {"q": "Japarov"}).content.decode()
    links = re.findall(r'<a href="([^"]+)"', page.split('<main id="main">')[1].split("</main>")[0])
    assert links and not [link for link in links if link.startswith("/api/") and "?q=" not in link], links
    citation = Citation.objects.filter(paragraph__isnull=False).select_related("source").first()
    response = client.get(f"/citations/{citation.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/sources/{citation.source.slug}/#p{citation.paragraph}"
