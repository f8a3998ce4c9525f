"""API tests for actors, actor relations and offices: the generic suite plus actor-specific behaviour."""

import datetime

import pytest

from apps.actors.models import ActorKind, RelationKind
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import ActorRelationFactory, GroupingFactory, OfficeFactory, PersonFactory, StateFactory


def _state_and_person():
    return StateFactory(), PersonFactory()


def _person_pair():
    return PersonFactory(), PersonFactory()


def _grouping_with_member():
    member = StateFactory()
    grouping = GroupingFactory()
    grouping.members.add(member)
    return grouping, GroupingFactory()


def _member_and_other():
    grouping, _ = _grouping_with_member()
    return grouping.members.get(), StateFactory()


class TestActorAPI(APIResourceTests):
    basename = "actor"
    factory = StateFactory
    lookup = "slug"
    actor_param = "country"
    update_data = {"name_en": "Renamed state"}
    invalid_data = {"iso3": "J1"}
    filters = [
        Narrows("kind", lambda a: a.kind, _state_and_person),
        Narrows("iso3", lambda a: a.iso3.lower()),
        Narrows("country", lambda p: p.country.slug, _person_pair),
        Narrows("member", lambda g: g.members.get().slug, _grouping_with_member),
        Narrows("member_of", lambda a: a.groupings.get().slug, _member_and_other),
        Narrows("q", lambda a: a.name_en),
        Narrows("slug", lambda a: a.slug),
    ]

    def create_data(self):
        return {
            "slug": "new-state",
            "kind": ActorKind.STATE,
            "name_en": "New state",
            "name_ru": "Новое государство",
            "iso3": "NSX",
        }


def _relation_pair():
    return ActorRelationFactory(kind=RelationKind.PARTNER), ActorRelationFactory(kind=RelationKind.COMPETITOR)


class TestActorRelationAPI(APIResourceTests):
    basename = "actor-relation"
    factory = ActorRelationFactory
    actor_param = "subject"
    update_data = {"qualifier": "quiet competitor"}
    invalid_data = {"end_date": "2020-01-01"}
    filters = [
        Narrows("subject", lambda r: r.subject.slug),
        Narrows("object", lambda r: r.object.slug),
        Narrows("actor", lambda r: r.object.slug),
        Narrows("kind", lambda r: r.kind, _relation_pair),
    ]

    def create_data(self):
        return {
            "subject": StateFactory().slug,
            "object": StateFactory().slug,
            "kind": RelationKind.COMPETITOR,
            "start_date": "2024-01-01",
            "start_date_precision": "year",
        }


@pytest.mark.django_db
def test_actor_detail_by_slug_and_nested_country(api_client):
    person = PersonFactory(slug="shigeru-example")
    body = api_client.get("/api/v1/actors/shigeru-example/").json()
    assert body["country"] == {"slug": person.country.slug, "name": person.country.name_en, "kind": "state"}


@pytest.mark.django_db
def test_actor_model_rule_enforced_through_api(editor_client):
    """Actor.clean(): only a state has an ISO3 code; the API refuses with a per-field error."""
    response = editor_client.post(
        "/api/v1/actors/",
        {"slug": "p", "kind": "person", "name_en": "P", "name_ru": "П", "iso3": "PPP"},
        format="json",
    )
    assert_status(response, 400)
    assert "iso3" in response.json()


@pytest.mark.django_db
def test_partial_dates_rendered_as_known(api_client):
    relation = ActorRelationFactory(start_date="2025-12-01", start_date_precision="month")
    body = api_client.get(f"/api/v1/actor-relations/{relation.pk}/").json()
    assert body["start_date"] == "2025-12-01"
    assert body["start_date_precision"] == "month"
    assert body["start_date_display"] == "2025-12"
    assert body["end_date_display"] is None


def _two_offices_in_time():
    early = OfficeFactory(
        start_date=datetime.date(2010, 1, 1),
        start_date_precision="day",
        end_date=datetime.date(2015, 1, 1),
        end_date_precision="day",
    )
    late = OfficeFactory(start_date=datetime.date(2020, 1, 1), start_date_precision="day")
    return early, late


class TestOfficeAPI(APIResourceTests):
    basename = "office"
    factory = OfficeFactory
    actor_param = "person"
    update_data = {"role_ru": "президент"}
    invalid_data = {"end_date": "2000-01-01"}  # before the start below: refused, naming end_date
    filters = [
        Narrows("person", lambda o: o.person.slug),
        Narrows("organization", lambda o: o.organization.slug),
        Narrows("held_on", lambda o: "2012-06-01", _two_offices_in_time),
        Narrows("start_date_after", lambda o: "2019-01-01", lambda: tuple(reversed(_two_offices_in_time()))),
    ]

    def make(self):
        return OfficeFactory(start_date=datetime.date(2025, 1, 1), start_date_precision="day")

    def create_data(self):
        return {
            "person": PersonFactory().slug,
            "organization": StateFactory().slug,
            "role_en": "President",
            "start_date": "2025-01-01",
            "start_date_precision": "day",
        }
