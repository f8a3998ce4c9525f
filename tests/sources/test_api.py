"""API tests for sources, citations and assessments."""
import pytest
from django.urls import reverse

from apps.sources.models import SourceKind
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import AssessmentFactory, CitationFactory, PledgeFactory, SourceFactory, StateFactory, SummitFactory


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


def _assessment_about_pair():
    first, second = AssessmentFactory(), AssessmentFactory()
    first.about.add(StateFactory())
    second.about.add(StateFactory())
    return first, second


class TestAssessmentAPI(APIResourceTests):
    basename = "assessment"
    factory = AssessmentFactory
    lookup = "slug"
    actor_param = "about"
    update_data = {"statement_en": "Reworded."}
    invalid_data = {"statement_en": ""}
    filters = [
        Narrows("about", lambda a: a.about.get().slug, _assessment_about_pair),
        Narrows("slug", lambda a: a.slug),
        Narrows("q", lambda a: a.statement_en),
    ]

    def create_data(self):
        return {"slug": "an-assessment", "statement_en": "An author's judgement.", "about": [StateFactory().slug]}


def test_citation_basis_is_filterable_and_an_inferred_citation_needs_its_inference(api_client, editor_client):
    stated = CitationFactory()
    inferred = CitationFactory(basis="inferred", inference="Read from the sentence before.")
    response = api_client.get(reverse("citation-list"), {"basis": "inferred"})
    assert [row["id"] for row in response.json()["results"]] == [inferred.id]
    assert response.json()["results"][0]["inference"] == "Read from the sentence before."
    response = editor_client.patch(reverse("citation-detail", kwargs={"pk": stated.pk}), {"basis": "inferred"}, format="json")
    assert_status(response, 400)
    assert "inference" in response.json()
