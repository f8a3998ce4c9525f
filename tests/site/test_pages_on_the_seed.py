"""The public pages on the seed, through Django's test client, on both databases: what they show, from how few
queries. The seed is loaded once for the module (tests/conftest.py `seeded_once`)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import fact_models
from apps.geoeconomics.models import Corridor
from apps.site import views
from apps.sources.models import Citation
from apps.summits.models import Summit
from tests import factories

pytestmark = pytest.mark.usefixtures("seeded_once")

LIST_PAGES = ["/", "/summits/", "/pledges/", "/sources/", "/actors/", "/documents/", "/formats/", "/trade/"]
# Queries per list page: its rows (and what they link, and the count of a paged list), plus one per facet.
QUERY_BUDGET = {
    "/": 4,
    "/summits/": 1 + len(views.SUMMIT_FACETS),
    # The page's pledges, then every donor compared over all of them (donor_comparison: the summary, its
    # donors, their USD bases); the citations' notes in names (apps.site.prose: the rows their slugs name, then
    # those without a name column: the pledges the notes mention).
    "/pledges/": 4 + len(views.PLEDGE_FACETS) + 3 + 2,
    "/sources/": 2 + len(views.SOURCE_FACETS),
    "/actors/": 2 + len(views.ACTOR_FACETS),
    "/documents/": 2 + len(views.DOCUMENT_FACETS),
    "/formats/": 2 + len(views.FORMAT_FACETS),
    "/trade/": 1 + len(views.TRADE_FACETS),  # no flow in the seed: the count says so, no page query
}


def selects(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH", "("))]


def test_the_root_is_the_site_not_a_redirect_to_the_api(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    assert "Diplomacy around Central Asia" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/summits/",
        "/summits/central-asia-plus-japan-1/",
        "/actors/japan/",
        "/actors/kazakhstan/",
        "/actors/xi-jinping/",
        "/actors/central-asia/",
        "/pledges/",
        "/sources/",
        "/sources/velizade-japanese-move/",
        "/sources/iso-3166-1/",
        "/search/?q=Japan",
        "/search/?q=Токио",
        "/search/",
    ],
)
def test_every_page_renders_with_the_seed(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_answer_in_a_query_per_list_and_facet(client, seeded, path):
    client.get(path)  # content types cached, as in a running server
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert len(selects(queries.captured_queries)) <= QUERY_BUDGET[path], selects(queries.captured_queries)


def test_search_answers_in_two_queries_plus_one_per_kind_found(client, seeded):
    # The hits counted per kind; as the API's search, the page's ranked hits, then each kind's rows on the page
    # (with their snippets).
    client.get("/search/?q=Japan")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/search/?q=Japan").content.decode()
    kinds = set(re.findall(r'<li><span class="muted">([a-z ]+)</span>', page))
    assert kinds and len(selects(queries.captured_queries)) <= 2 + len(kinds), selects(queries.captured_queries)


def test_names_are_english_with_the_russian_beside(client, seeded):
    page = client.get("/summits/central-asia-plus-japan-1/").content.decode()
    assert "Japan" in page and '<span lang="ru" class="ru">(Япония)</span>' in page
    assert "Tokyo" in page and "(Токио)" in page


def test_citations_show_key_phrase_section_and_paragraph(client, seeded):
    citation = (
        Citation.objects.filter(source__slug="velizade-japanese-move", paragraph__isnull=False)
        .exclude(section="")
        .order_by("id")
        .first()
    )
    page = client.get("/sources/velizade-japanese-move/").content.decode()
    assert f'<q lang="ru">{citation.key_phrase}</q>' in page
    assert f"«{citation.section}»" in page and f"¶{citation.paragraph}" in page


def test_undated_summits_are_listed_apart_never_placed_on_the_axis(client, seeded):
    page = client.get("/summits/").content.decode()
    chart = re.search(r'<svg role="group".*?</svg>', page, re.S).group(0)  # the axis, not the legend below it
    marks = len(re.findall(r'class="mark (?:held|planned|postponed|cancelled)"', chart))  # one shape per status
    assert marks == Summit.objects.filter(date__isnull=False).count() > 0  # every dated summit is on the axis
    held = chart.count('<circle class="mark held"')  # a held meeting's dot (inside its transparent touch target)
    assert held == Summit.objects.filter(date__isnull=False, status="held").count() > 0
    # the seed's undated summits (planned ones no source dates yet) are listed apart, off the axis
    in_seed = Summit.objects.filter(date__isnull=True).count()
    assert in_seed >= 1 and page.count("(date not given by the sources)") == in_seed
    undated = factories.SummitFactory(
        slug="undated-one", title_en="An undated summit", date=None, date_precision="unknown"
    )
    page = client.get("/summits/").content.decode()
    chart = re.search(r'<svg role="group".*?</svg>', page, re.S).group(0)
    assert len(re.findall(r'class="mark (?:held|planned|postponed|cancelled)"', chart)) == marks
    assert page.count("(date not given by the sources)") == in_seed + 1
    assert f'href="/summits/{undated.slug}/"' in page


def test_every_json_and_csv_link_answers(client, seeded):
    for path in [
        "/summits/",
        "/pledges/",
        "/sources/",
        "/actors/japan/",
        "/sources/velizade-japanese-move/",
        "/documents/tokyo-declaration/",
    ]:
        page = client.get(path).content.decode()
        links = re.findall(r'href="(/api/v1/[^"]+)"', page)
        assert links, path
        for link in set(links):
            response = client.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, (path, link)
            response.getvalue()  # read a CSV stream to its end, which frees its export slot


def test_the_source_page_says_when_it_does_not_hold_the_text(client, seeded, settings):
    settings.SOURCE_TEXTS = {}
    page = client.get("/sources/velizade-japanese-move/").content.decode()
    assert "does not hold this source's text" in page and "<mark>" not in page


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


def test_site_search_is_the_apis_search_across_every_kind(client, seeded):
    page = client.get("/search/", {"q": "Транскаспийский"}).content.decode()
    corridor = Corridor.objects.get(slug="trans-caspian-international-transport-route")
    assert "corridor" in page and f'href="/facts/geoeconomics.corridor/{corridor.pk}/"' in page
    assert 'href="/api/v1/search/?q=' in page  # every match, paged, in the API
    page = client.get("/search/", {"q": "x" * 201}).content.decode()
    assert 'role="alert"' in page and "200" in page  # the API's limit, said on the page


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


def test_site_search_links_citations_to_their_place_in_the_source(client, seeded):
    page = client.get("/search/", {"q": "Japarov"}).content.decode()
    links = re.findall(r'<a href="([^"]+)"', page.split('<main id="main">')[1].split("</main>")[0])
    assert links and not [link for link in links if link.startswith("/api/") and "?q=" not in link], links
    citation = Citation.objects.filter(paragraph__isnull=False).select_related("source").first()
    response = client.get(f"/citations/{citation.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/sources/{citation.source.slug}/#p{citation.paragraph}"
