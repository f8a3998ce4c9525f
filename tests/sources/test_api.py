"""API tests for sources, citations and assessments."""

import pytest
from django.urls import reverse

from apps.investments.models import Pledge
from apps.sources.models import Citation, SourceKind
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    CitationFactory,
    PledgeFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    history_events,
)


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
        Narrows(
            "published_after",
            lambda s: "2025-01-01",
            lambda: (SourceFactory(published_on="2025-12-19", published_on_precision="day"), SourceFactory()),
        ),
    ]

    def create_data(self):
        return {
            "slug": "new-source",
            "kind": "article",
            "title": "Япония и Центральная Азия",
            "language": "ru",
            "published_on": "2025-12-01",
            "published_on_precision": "month",
        }


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
        # fact_id: only with fact_type (test_fact_id_needs_fact_type)
        Narrows("q", lambda c: c.key_phrase),
    ]

    def create_data(self):
        return {
            "source": SourceFactory().slug,
            "fact_type": "summits.summit",
            "fact_id": SummitFactory().pk,
            "section": "Lead",
            "paragraph": 3,
            "key_phrase": "первый саммит",
        }


@pytest.mark.django_db
def test_citation_of_missing_fact_is_400(editor_client):
    response = editor_client.post(
        "/api/v1/citations/",
        {"source": SourceFactory().slug, "fact_type": "summits.summit", "fact_id": 999999, "key_phrase": "x"},
        format="json",
    )
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
    response = editor_client.patch(
        reverse("citation-detail", kwargs={"pk": stated.pk}), {"basis": "inferred"}, format="json"
    )
    assert_status(response, 400)
    assert "inference" in response.json()


@pytest.mark.django_db
def test_fact_id_needs_fact_type_so_unrelated_facts_sharing_an_id_are_not_mixed(api_client):
    summit, pledge = SummitFactory(), PledgeFactory()
    on_summit = CitationFactory(fact=summit)
    CitationFactory(fact=pledge)
    Pledge.objects.filter(pk=pledge.pk).update(id=summit.pk)  # same id, another model
    Citation.objects.filter(content_type__model="pledge").update(object_id=summit.pk)

    response = api_client.get("/api/v1/citations/", {"fact_id": summit.pk})
    assert_status(response, 400)
    assert "fact_type" in response.json()["fact_id"]
    response = api_client.get("/api/v1/citations/", {"fact_id": summit.pk, "fact_type": "summits.summit"})
    assert_status(response, 200)
    assert [row["id"] for row in response.json()["results"]] == [on_summit.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("fact_type", ["core.changeevent", "actors.historicalactor", "sources.citation"])
def test_a_citation_points_only_at_a_fact_model_not_at_a_history_row(editor_client, fact_type):
    actor = ActorFactory()
    history_id = history_events(actor).get().id  # a feed event; historicalactor: the retired simple-history table
    response = editor_client.post(
        "/api/v1/citations/",
        {"source": SourceFactory().slug, "fact_type": fact_type, "fact_id": history_id, "key_phrase": "x"},
        format="json",
    )
    assert_status(response, 400)
    assert "fact_type" in response.json()
    assert not Citation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource, factory", [("summits", SummitFactory), ("pledges", PledgeFactory), ("actors", ActorFactory)]
)
def test_cited_false_lists_the_facts_without_any_citation(api_client, resource, factory):
    cited, uncited = factory(), factory()
    CitationFactory(fact=cited)
    for value, expected in (("false", uncited), ("true", cited)):
        response = api_client.get(f"/api/v1/{resource}/", {"cited": value, "page_size": 500})
        assert_status(response, 200)
        ids = {row["id"] for row in response.json()["results"]}
        assert expected.pk in ids and ({cited.pk, uncited.pk} - {expected.pk}).isdisjoint(ids)


@pytest.mark.django_db
def test_cited_is_not_offered_where_rows_are_not_facts(api_client):
    assert_status(api_client.get("/api/v1/sources/", {"cited": "false"}), 400)
