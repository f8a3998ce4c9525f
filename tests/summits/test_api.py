"""API tests for topics, summit formats, summits, participants, documents and signatories."""

import datetime

import pytest

from apps.summits.models import DocumentKind, SummitLevel
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import (
    CitationFactory,
    DocumentFactory,
    DocumentSignatoryFactory,
    GroupingFactory,
    PersonFactory,
    StateFactory,
    SummitFactory,
    SummitFormatFactory,
    SummitParticipantFactory,
    TopicFactory,
)


class TestTopicAPI(APIResourceTests):
    basename = "topic"
    factory = TopicFactory
    lookup = "slug"
    has_history = False
    update_data = {"name_en": "Artificial intelligence"}
    filters = [
        Narrows("parent", lambda t: t.parent.slug, lambda: (TopicFactory(parent=TopicFactory()), TopicFactory())),
        Narrows("q", lambda t: t.name_ru),
    ]

    def create_data(self):
        return {"slug": "ai", "name_en": "AI", "name_ru": "ИИ"}


class TestSummitFormatAPI(APIResourceTests):
    basename = "summit-format"
    factory = SummitFormatFactory
    lookup = "slug"
    actor_param = "partner"
    update_data = {"name_en": "Central Asia + Japan"}
    invalid_data = {"region": "no-such-actor"}
    filters = [
        Narrows("partner", lambda f: f.partner.slug),
        Narrows("region", lambda f: f.region.slug),
        Narrows("q", lambda f: f.name_en),
    ]

    def create_data(self):
        return {
            "slug": "ca-japan",
            "name_en": "CA + Japan",
            "region": GroupingFactory().slug,
            "partner": StateFactory().slug,
        }


def _summit_with_participant():
    summit = SummitFactory()
    SummitParticipantFactory(summit=summit)
    return summit, SummitFactory()


def _summits_in(year_a, year_b):
    return lambda: (SummitFactory(date=datetime.date(year_a, 12, 19)), SummitFactory(date=datetime.date(year_b, 6, 1)))


class TestSummitAPI(APIResourceTests):
    basename = "summit"
    factory = SummitFactory
    lookup = "slug"
    actor_param = "participant"
    update_data = {"title_en": "First Central Asia + Japan summit"}
    invalid_data = {"date": "2025-12-19", "date_precision": "year"}
    filters = [
        Narrows("summit_format", lambda s: s.format.slug),
        Narrows("partner", lambda s: s.format.partner.slug),
        Narrows("region", lambda s: s.format.region.slug),
        Narrows("participant", lambda s: s.participations.get().actor.slug, _summit_with_participant),
        Narrows("host", lambda s: s.host.slug),
        Narrows("level", lambda s: s.level, lambda: (SummitFactory(level=SummitLevel.MINISTERIAL), SummitFactory())),
        Narrows("year", lambda s: "2025", _summits_in(2025, 2024)),
        Narrows("date_after", lambda s: "2025-01-01", _summits_in(2025, 2024)),
        Narrows("date_before", lambda s: "2024-12-31", _summits_in(2024, 2025)),
        Narrows(
            "city", lambda s: "astana", lambda: (SummitFactory(city_en="Astana", city_ru="Астана"), SummitFactory())
        ),
        Narrows("q", lambda s: s.title_ru),
        Narrows("q", lambda s: "first tokyo", lambda: (SummitFactory(title_en="The first summit"), SummitFactory())),
    ]

    def make_rich(self):
        summit = super().make_rich()
        SummitParticipantFactory(summit=summit, represented_by=PersonFactory())
        SummitParticipantFactory(summit=summit)
        return summit

    def create_data(self):
        return {
            "slug": "ca-japan-2025",
            "format": SummitFormatFactory().slug,
            "title_en": "CA + Japan summit",
            "date": "2025-12-01",
            "date_precision": "month",
            "city_en": "Tokyo",
            "host": StateFactory().slug,
        }


@pytest.mark.django_db
def test_summit_nests_participants_with_roles_and_partial_date(api_client):
    summit = SummitFactory(date=datetime.date(2025, 12, 1), date_precision="month")
    leader = PersonFactory()
    SummitParticipantFactory(summit=summit, actor=leader.country, role="host", represented_by=leader)
    body = api_client.get(f"/api/v1/summits/{summit.slug}/").json()
    assert body["date_display"] == "2025-12"
    [participant] = body["participants"]
    assert participant["role"] == "host"
    assert participant["actor"]["slug"] == leader.country.slug
    assert participant["represented_by"]["name"] == leader.name_en
    assert body["format"]["slug"] == summit.format.slug
    assert body["host"]["kind"] == "state"


@pytest.mark.django_db
def test_scoreboard_counts_summits_per_partner_in_window(api_client):
    central_asia = GroupingFactory(slug="central-asia")
    japan, korea = StateFactory(slug="japan"), StateFactory(slug="korea")
    ca_japan = SummitFormatFactory(region=central_asia, partner=japan)
    ca_korea = SummitFormatFactory(region=central_asia, partner=korea)
    for year in (2004, 2017, 2025):
        SummitFactory(format=ca_japan, date=datetime.date(year, 6, 1))
    SummitFactory(format=ca_korea, date=datetime.date(2025, 9, 1))
    SummitFactory(date=datetime.date(2025, 1, 1))  # another region's format
    response = api_client.get(
        "/api/v1/summits/scoreboard/",
        {"date_after": "2010-01-01", "date_before": "2025-12-31", "region": "central-asia"},
    )
    assert_status(response, 200)
    assert [(row["partner"], row["summits"]) for row in response.json()] == [("japan", 2), ("korea", 1)]
    assert response.json()[0]["first_date"] == "2017-06-01"
    assert_status(api_client.get("/api/v1/summits/scoreboard/", {"date_after": "soon"}), 400)


class TestSummitParticipantAPI(APIResourceTests):
    basename = "summit-participant"
    factory = SummitParticipantFactory
    actor_param = "actor"
    update_data = {"role": "guest"}
    filters = [
        Narrows("summit", lambda p: p.summit.slug),
        Narrows("actor", lambda p: p.actor.slug),
        Narrows("role", lambda p: "host", lambda: (SummitParticipantFactory(role="host"), SummitParticipantFactory())),
        Narrows(
            "represented_by",
            lambda p: p.represented_by.slug,
            lambda: (SummitParticipantFactory(represented_by=PersonFactory()), SummitParticipantFactory()),
        ),
    ]

    def create_data(self):
        return {"summit": SummitFactory().slug, "actor": StateFactory().slug, "role": "participant"}


@pytest.mark.django_db
def test_duplicate_participant_is_400_not_500(editor_client):
    participant = SummitParticipantFactory()
    response = editor_client.post(
        "/api/v1/summit-participants/",
        {"summit": participant.summit.slug, "actor": participant.actor.slug},
        format="json",
    )
    assert_status(response, 400)


def _document_with_signatory():
    document = DocumentFactory()
    DocumentSignatoryFactory(document=document)
    return document, DocumentFactory()


def _document_with_topic():
    document = DocumentFactory()
    document.topics.add(TopicFactory())
    return document, DocumentFactory()


class TestDocumentAPI(APIResourceTests):
    basename = "document"
    factory = DocumentFactory
    lookup = "slug"
    actor_param = "signatory"
    max_list_queries = 4  # page with its total (window count), signatories, topics, citations
    update_data = {"title_en": "Tokyo Declaration"}
    invalid_data = {"adopted_on": "2025-12-19", "adopted_on_precision": "month"}
    filters = [
        Narrows("kind", lambda d: d.kind, lambda: (DocumentFactory(kind=DocumentKind.INITIATIVE), DocumentFactory())),
        Narrows("summit", lambda d: d.summit.slug),
        Narrows("signatory", lambda d: d.signatories.get().slug, _document_with_signatory),
        Narrows("topic", lambda d: d.topics.get().slug, _document_with_topic),
        Narrows("q", lambda d: d.title_ru),
    ]

    def make_rich(self):
        document = super().make_rich()
        DocumentSignatoryFactory(document=document)
        document.topics.add(TopicFactory(), TopicFactory())
        return document

    def create_data(self):
        return {
            "slug": "tokyo-declaration",
            "kind": "declaration",
            "title_en": "Tokyo declaration",
            "summit": SummitFactory().slug,
            "topics": [TopicFactory().slug],
        }


class TestDocumentSignatoryAPI(APIResourceTests):
    basename = "document-signatory"
    factory = DocumentSignatoryFactory
    actor_param = "actor"
    has_history = False
    filters = [
        Narrows("document", lambda s: s.document.slug),
        Narrows("actor", lambda s: s.actor.slug),
    ]

    def create_data(self):
        return {"document": DocumentFactory().slug, "actor": StateFactory().slug}


@pytest.mark.django_db
def test_summit_citations_nest_source(api_client):
    summit = SummitFactory()
    citation = CitationFactory(fact=summit)
    body = api_client.get("/api/v1/summits/", {"slug": summit.slug}).json()
    assert body["results"][0]["citations"][0]["source"]["slug"] == citation.source.slug


@pytest.mark.django_db
def test_summit_list_rows_equal_detail_representation(api_client):
    """The list builds nested participants and citations from plain rows; the detail view goes through
    the serializers on model instances: both must give the same JSON (keys, order and values)."""
    summits = [SummitFactory(), SummitFactory(), SummitFactory()]
    leader = PersonFactory()
    SummitParticipantFactory(summit=summits[0], actor=leader.country, role="host", represented_by=leader)
    SummitParticipantFactory(summit=summits[0], actor=StateFactory(), role="participant")
    SummitParticipantFactory(summit=summits[1], actor=GroupingFactory(), role="participant")
    CitationFactory(fact=summits[0])
    CitationFactory(fact=summits[0], paragraph=None)
    CitationFactory(fact=summits[2])
    listed = api_client.get("/api/v1/summits/").json()["results"]
    assert len(listed) == 3
    for row in listed:
        detail = api_client.get(f"/api/v1/summits/{row['slug']}/")
        assert_status(detail, 200)
        assert list(row.items()) == list(detail.json().items())
    assert sum(len(row["participants"]) for row in listed) == 3
    assert sum(len(row["citations"]) for row in listed) == 3


@pytest.mark.django_db
def test_format_is_only_the_output_format_and_summit_format_filters(api_client):
    """`format` was both the summit-format filter and the output format (`?format=csv`); the filter is
    `summit_format` now, and the old use is a 400 that names the new parameter."""
    japan = SummitFactory(format=SummitFormatFactory(slug="central-asia-japan"), title_en="CA + Japan")
    SummitFactory(format=SummitFormatFactory(slug="central-asia-china"))
    old = api_client.get("/api/v1/summits/", {"format": "central-asia-japan"})
    assert_status(old, 400)
    assert "summit_format" in old.json()["format"]
    body = api_client.get("/api/v1/summits/", {"summit_format": "central-asia-japan"}).json()
    assert [row["slug"] for row in body["results"]] == [japan.slug]
    for output in ("csv", "csv-excel"):
        response = api_client.get("/api/v1/summits/", {"summit_format": "central-asia-japan", "format": output})
        assert_status(response, 200)
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
        assert "CA + Japan" in text and text.count("\n") == 2, text  # header and the one summit
    assert_status(api_client.get("/api/v1/summits/", {"summit_format": "central-asia-japan", "format": "xlsx"}), 200)
    assert_status(api_client.get("/api/v1/summits/", {"summit_format": "central-asia-japan", "format": "json"}), 200)
    # Both uses at once were accepted before (`format=csv&format=<slug>`); now `format` takes one value.
    both = api_client.get("/api/v1/summits/?format=csv&format=central-asia-japan")
    assert_status(both, 400)
    assert b"format" in both.content


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_write_answers_with_the_topics_it_wrote(editor_client, method):
    """The viewset prefetches a document's topics as a plain list; a write must not answer with the list read
    before it (the response showed the old topics)."""
    old, new = TopicFactory(), TopicFactory()
    document = DocumentFactory()
    document.topics.add(old)
    url = f"/api/v1/documents/{document.slug}/"
    body = {"topics": [new.slug]}
    if method == "put":
        body = {**editor_client.get(url).json(), **body}
    response = getattr(editor_client, method)(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert [topic["slug"] for topic in response.json()["topics"]] == [new.slug]
    assert [topic["slug"] for topic in editor_client.get(url).json()["topics"]] == [new.slug]
