"""The documents list's SQL path (PostgreSQL counts the page and renders it: signatories, topics, briefs, citations
and what backs each document nested; apps.summits.api.page_json) answers byte for byte as DRF's serializer does,
over every document of the seed and rows the seed does not hold, under every filter, ordering, page and many
searches in Russian and English (word forms, near spellings, numbers, nothing found)."""

import datetime

import pytest

from apps.core.models import DatePrecision
from apps.summits.api.views import DocumentViewSet
from apps.summits.filters import DocumentFilterSet
from apps.summits.models import Document, DocumentKind
from tests.api.helpers import sql_and_orm_paths, took_sql_path
from tests.factories import (
    CitationFactory,
    DocumentFactory,
    DocumentSignatoryFactory,
    PersonFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.usefixtures("seeded_once")]

LIST = "/api/v1/documents/"


def both_paths(client, params=None, **headers):
    return sql_and_orm_paths(DocumentViewSet, client, LIST, params, **headers)


def document_edge_rows():
    """Documents whose values the seed does not cover: adoption dates at each precision, summits dated at each
    precision or not at all, a document implementing another, signatories of one name (the id breaks the tie) with
    and without who signed, topics of one name, citations that dispute a field (an official source and a repost),
    an inferred one, quotes, backslashes and line separators in the text, whole-second timestamps."""
    twins = [StateFactory(name_en="Same Name", iso3=None), StateFactory(name_en="Same Name", iso3=None)]
    envoy = PersonFactory(slug="edge-envoy", name_en='Envoy "Ёж" \\ O\'Neil\u2028')
    topics = [TopicFactory(slug="edge-zeta", name_en="Zeta"), TopicFactory(slug="edge-same-a", name_en="Same")]
    topics.append(TopicFactory(slug="edge-same-b", name_en="Same"))
    precisions = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.UNKNOWN]
    summits = [
        SummitFactory(date=datetime.date(2025, 12, 1) if p != DatePrecision.UNKNOWN else None, date_precision=p)
        for p in precisions
    ]
    documents = []
    for n in range(8):
        precision = precisions[n % 4]
        documents.append(
            DocumentFactory(
                slug=f"edge-document-{n}",
                kind=list(DocumentKind)[n % len(DocumentKind)],
                title_en=f'Edge "energy" declaration {n}\twith\u2029a separator \\',
                title_ru=f"Декларация об энергетике {n}",
                summit=summits[n % 4] if n % 5 else None,
                adopted_on=None if precision == DatePrecision.UNKNOWN else datetime.date(2024, 3, 9),
                adopted_on_precision=precision,
                implements=documents[0] if n in (3, 6) else None,
                summary_en="Ü\tsummary" if n == 2 else "",
                url="https://example.org/a?b=c&d" if n == 1 else "",
            )
        )
    for n, document in enumerate(documents[:4]):
        for actor in twins[: 1 + n % 2]:
            DocumentSignatoryFactory(document=document, actor=actor, signed_by=envoy if n % 2 else None)
        document.topics.add(*topics[: n % 4])
    ministry = SourceFactory(slug="edge-ministry", is_official=True, author="")
    repost = SourceFactory(slug="edge-repost", origin=SourceFactory(slug="edge-origin"))
    CitationFactory(fact=documents[0], source=ministry, field="kind", value="declaration", rank="preferred")
    CitationFactory(fact=documents[0], source=repost, field="kind", value="agreement", rank="alternative")
    CitationFactory(fact=documents[1], source=repost, basis="inferred", inference='From the "annex".', paragraph=None)
    Document.objects.filter(pk=documents[2].pk).update(
        created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    return documents


@pytest.fixture
def edges(seeded):
    return document_edge_rows()


ORDERINGS = [
    None,
    *DocumentViewSet.ordering_fields,
    *(f"-{name}" for name in DocumentViewSet.ordering_fields),
    "kind,-adopted_on",
]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_every_document_alike_on_both_paths(api_client, edges, ordering):
    params = {"page_size": 500} | ({"ordering": ordering} if ordering else {})
    response = both_paths(api_client, params)
    assert took_sql_path(response)
    assert response.json()["count"] == Document.objects.count() > 8


# Searches in Russian and English: word forms, plurals, prefixes, near spellings (trigrams), names of actors (taken
# as typed), numbers, punctuation, several words, a word of the summary, nothing found.
SEARCHES = [
    "декларации",
    "декларации энергетике",
    "декларацией",
    "токийская",
    "токийской инициативы",
    "искусственный интеллект",
    "интеллектом",
    "соглашениям",
    "совместное заявление",
    "энергетика",
    "Декларация об энергетике 3",
    "declarations",
    "declaration",
    "Tokyo",
    "tokyo declaration",
    "initiatives",
    "agreements",
    "artificial intelligence",
    "joint statement",
    "energy",
    "Energy declaration 5",
    "Declaraton",
    "Tokio Declaraton",
    "Samarkand",
    "Samarkant",
    "Japan",
    "Japarov",
    "Kazakhstan",
    "2025",
    "2025–2027",
    "C5+1",
    "Xi'an",
    "summary",
    "ü",
    "a",
    "energy zzzqqq",
    "zzzqqq",
    "!!!",
]


@pytest.mark.parametrize("q", SEARCHES)
def test_searches_alike_on_both_paths(api_client, edges, q):
    response = both_paths(api_client, {"q": q, "page_size": 500})
    assert response.status_code == 200
    assert took_sql_path(response) or response.json()["count"] == 0


def test_the_searches_find_documents(api_client, edges):
    """The searches above are not all empty pages: most find some documents, in both languages."""
    found = [q for q in SEARCHES if api_client.get(LIST, {"q": q}).json()["count"]]
    assert {"декларации энергетике", "токийская", "Tokio Declaraton", "energy", "2025"} <= set(found)
    assert len(found) > 25


@pytest.mark.parametrize("q", ["декларации", "energy", "Declaraton"])
@pytest.mark.parametrize(
    "params",
    [
        {"page": "2", "page_size": "3"},
        {"page": "last", "page_size": "4"},
        {"page": "last", "page_size": "4", "ordering": "-adopted_on"},
        {"count": "estimated", "page_size": "3"},
        {"page": "99"},
        {"ordering": "kind", "page_size": "5"},
        {"kind": "declaration,agreement"},
        {"signatory": "kazakhstan"},
    ],
)
def test_search_pages_and_filters_alike(api_client, edges, q, params):
    response = both_paths(api_client, {"q": q, **params})
    assert took_sql_path(response) or response.status_code != 200 or response.json()["count"] == 0


# A value of every filter of DocumentFilterSet that matches some of the seed's or the edge rows' documents.
FILTER_SAMPLES = {
    "adopted_on_max": "2024-12-31",
    "adopted_on_min": "2024-03-01",
    "adopted_on_precision": "month",
    "basis": "inferred",
    "cited": "true",
    "created_since": "2020-01-01T00:00:00Z",
    "disputed": "true",
    "implements": "edge-document-0",
    "kind": "declaration",
    "modified_since": "2020-01-01T00:00:00Z",
    "official_source": "true",
    "q": "declaration",
    "signatory": "kazakhstan",
    "slug": "tokyo-declaration",
    "source": "edge-ministry",
    "sources_min": "2",
    "summit": "central-asia-plus-japan-1",
    "topic": "edge-zeta",
    "url": "https://example.org/a?b=c&d",
    "via_groupings": "true",
    "year": "2024",
}


def test_every_filter_has_a_sample():
    """A filter added to DocumentFilterSet is held to both paths here too."""
    assert set(FILTER_SAMPLES) == set(DocumentFilterSet.base_filters)


@pytest.mark.parametrize("name", sorted(FILTER_SAMPLES))
def test_each_filter_filters_alike_on_both_paths(api_client, edges, name):
    params = {name: FILTER_SAMPLES[name], "page_size": 500}
    if name == "via_groupings":
        params["signatory"] = "kazakhstan"  # the groupings of an actor filter's actor
    response = both_paths(api_client, params)
    assert response.status_code == 200
    assert took_sql_path(response)
    assert response.json()["count"] > 0, name


@pytest.mark.parametrize(
    "params",
    [
        {"page": "2", "page_size": "5"},
        {"page": "last", "page_size": "7"},
        {"page": "last", "page_size": "7", "ordering": "kind"},
        {"count": "estimated", "page_size": "3"},
        {"count": "estimated", "page": "last", "page_size": "4"},
        {"page": "99"},
        {"page": "0"},
        {"signatory": "nobody"},
        {"signatory": "edge-envoy"},  # a real actor that signed nothing: count 0, empty page
        {"ordering": "bogus"},
        {"adopted_on_min": "soon"},
    ],
)
def test_pages_orderings_and_errors_alike(api_client, edges, params):
    response = both_paths(api_client, params)
    assert took_sql_path(response) or response.status_code != 200 or response.json()["count"] == 0


def test_indented_json_alike(api_client, edges):
    assert took_sql_path(both_paths(api_client, {"page_size": 3}, HTTP_ACCEPT="application/json; indent=4"))


def test_a_search_page_is_one_statement_with_the_search_once(api_client, edges):
    """The page and its count read the matching rows once (apps.core.api.sql.SQLPage): one statement, the search's
    words bound once, not again for the count."""
    response = both_paths(api_client, {"q": "декларации энергетике"})
    [statement] = response.queries
    # In three configurations each: the words together, then each word, and each word as an actor's name (known_name).
    assert statement.count("энергетике:*") == statement.count("декларации:*") == 9
    document = next(d for d in response.json()["results"] if d["slug"] == "edge-document-0")
    assert document["disputed_fields"] == ["kind"] and document["topics"] == []
    assert [c["source"]["slug"] for c in document["citations"]] == ["edge-ministry", "edge-repost"]


def test_exports_and_the_browsable_api_take_drfs_path(api_client, edges):
    from tests.api.helpers import csv_rows

    rows = csv_rows(api_client.get(LIST, {"format": "csv", "q": "energy"}))
    assert len(rows) >= 8
    html = api_client.get(LIST, {"format": "api", "page_size": 2}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"<html" in html.content
