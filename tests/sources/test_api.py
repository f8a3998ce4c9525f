"""API tests for sources and citations."""
import pytest

from apps.sources.models import SourceKind
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import CitationFactory, PledgeFactory, SourceFactory, SummitFactory


def _dataset_and_article():
    return SourceFactory(kind=SourceKind.DATASET), SourceFactory(kind=SourceKind.ARTICLE)


class TestSourceAPI(APIResourceTests):
    basename = "source"
    factory = SourceFactory
    lookup = "slug"
    update_data = {"title_en": "Japan returns to Central Asia"}
    invalid_data = {"published_on_precision": "year", "published_on": "2025-12-19"}
    filters = [
        Narrows("kind", lambda s: s.kind, _dataset_and_article),
        Narrows("language", lambda s: s.language, lambda: (SourceFactory(language="ja"), SourceFactory(language="ru"))),
        Narrows("q", lambda s: s.title_en),
        Narrows("published_after", lambda s: "2025-01-01", lambda: (
            SourceFactory(published_on="2025-12-19", published_on_precision="day"), SourceFactory())),
    ]

    def create_data(self):
        return {"slug": "new-source", "kind": "article", "title": "Япония и Центральная Азия", "language": "ru",
                "published_on": "2025-12-01", "published_on_precision": "month"}


def _two_citations():
    return CitationFactory(), CitationFactory()


def _summit_and_pledge_citations():
    return CitationFactory(fact=SummitFactory()), CitationFactory(fact=PledgeFactory())


class TestCitationAPI(APIResourceTests):
    basename = "citation"
    factory = CitationFactory
    update_data = {"key_phrase": "три триллиона иен"}
    invalid_data = {"key_phrase": "x" * 121}
    filters = [
        Narrows("source", lambda c: c.source.slug),
        Narrows("fact_type", lambda c: "summits.summit", _summit_and_pledge_citations),
        Narrows("fact_id", lambda c: c.object_id),
        Narrows("q", lambda c: c.key_phrase),
    ]

    def create_data(self):
        return {"source": SourceFactory().slug, "fact_type": "summits.summit", "fact_id": SummitFactory().pk,
                "section": "Lead", "paragraph": 3, "key_phrase": "первый саммит"}


@pytest.mark.django_db
def test_citation_of_missing_fact_is_400(editor_client):
    response = editor_client.post("/api/v1/citations/", {
        "source": SourceFactory().slug, "fact_type": "summits.summit", "fact_id": 999999, "key_phrase": "x"},
        format="json")
    assert_status(response, 400)
    assert "fact_id" in response.json()


@pytest.mark.django_db
def test_bad_fact_type_filter_is_400(api_client):
    response = api_client.get("/api/v1/citations/", {"fact_type": "auth.user"})
    assert_status(response, 400)
    assert "fact_type" in response.json()
