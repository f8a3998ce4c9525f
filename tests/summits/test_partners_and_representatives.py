"""Issue 17's model rules through the API: a format's partner is a state or an organisation; an office
cannot end before it starts; a summit participant's representative holds an office in it. Plus the
source filters every fact resource shares, a source's supported facts, and the scoreboard per partner."""

import datetime

import pytest
from django.urls import reverse

from apps.actors.models import Office
from apps.summits.models import SummitParticipant
from tests.api.helpers import assert_status
from tests.factories import (
    CitationFactory,
    DocumentFactory,
    GroupingFactory,
    OfficeFactory,
    PersonFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    SummitFormatFactory,
    SummitParticipantFactory,
)

pytestmark = pytest.mark.django_db
DAY = "day"


def test_a_person_as_format_partner_is_a_400_naming_partner(editor_client):
    response = editor_client.post(
        reverse("summit-format-list"),
        {
            "slug": "central-asia-with-a-person",
            "name_en": "Central Asia with a person",
            "region": GroupingFactory().slug,
            "partner": PersonFactory().slug,
        },
        format="json",
    )
    assert_status(response, 400)
    assert "partner" in response.json()


def test_an_organisation_as_format_partner_is_accepted(editor_client):
    eu = StateFactory(kind="organisation", iso3=None)
    response = editor_client.post(
        reverse("summit-format-list"),
        {
            "slug": "eu-central-asia",
            "name_en": "EU – Central Asia",
            "region": GroupingFactory().slug,
            "partner": eu.slug,
        },
        format="json",
    )
    assert_status(response, 201)


def test_an_office_ending_before_it_starts_is_a_400_naming_end_date(editor_client):
    response = editor_client.post(
        reverse("office-list"),
        {
            "person": PersonFactory().slug,
            "organization": StateFactory().slug,
            "role_en": "President",
            "start_date": "2025-01-02",
            "start_date_precision": DAY,
            "end_date": "2025-01-01",
            "end_date_precision": DAY,
        },
        format="json",
    )
    assert_status(response, 400)
    assert "end_date" in response.json()


def test_an_office_is_held_by_a_person_in_a_state_or_organisation(editor_client):
    response = editor_client.post(
        reverse("office-list"),
        {"person": StateFactory().slug, "organization": PersonFactory().slug, "role_en": "President"},
        format="json",
    )
    assert_status(response, 400)
    assert {"person", "organization"} & set(response.json())


def _participation(summit_date=datetime.date(2025, 11, 6)):
    summit = SummitFactory(date=summit_date, date_precision=DAY)
    return summit, StateFactory(), PersonFactory()


def _post_participant(client, summit, actor, person):
    return client.post(
        reverse("summit-participant-list"),
        {"summit": summit.slug, "actor": actor.slug, "represented_by": person.slug},
        format="json",
    )


def test_a_representative_without_an_office_in_the_actor_is_a_400_naming_represented_by(editor_client):
    summit, state, person = _participation()
    OfficeFactory(person=person)  # an office elsewhere does not count
    response = _post_participant(editor_client, summit, state, person)
    assert_status(response, 400)
    assert "represented_by" in response.json()


def test_a_representative_whose_office_ended_before_the_summit_is_a_400(editor_client):
    summit, state, person = _participation()
    OfficeFactory(
        person=person,
        organization=state,
        start_date=datetime.date(2017, 1, 20),
        start_date_precision=DAY,
        end_date=datetime.date(2021, 1, 20),
        end_date_precision=DAY,
    )
    assert_status(_post_participant(editor_client, summit, state, person), 400)


def test_a_representative_in_office_on_the_summit_day_is_accepted(editor_client):
    summit, state, person = _participation()
    OfficeFactory(person=person, organization=state, start_date=datetime.date(2025, 1, 20), start_date_precision=DAY)
    assert_status(_post_participant(editor_client, summit, state, person), 201)


def test_an_undated_summit_accepts_any_office_of_the_person_in_the_actor(editor_client):
    summit = SummitFactory(date=None, date_precision="unknown")
    state, person = StateFactory(), PersonFactory()
    OfficeFactory(person=person, organization=state)
    assert_status(_post_participant(editor_client, summit, state, person), 201)


# ---------------------------------------------------------------- changing an office re-checks representations


def _represented(summit_date=datetime.date(2025, 11, 6)):
    """A summit participation represented by a person whose one office covers the summit day."""
    summit, state, person = (
        _participation(summit_date)
        if summit_date
        else (SummitFactory(date=None, date_precision="unknown"), StateFactory(), PersonFactory())
    )
    office = OfficeFactory(
        person=person, organization=state, start_date=datetime.date(2025, 1, 20), start_date_precision=DAY
    )
    SummitParticipantFactory(summit=summit, actor=state, represented_by=person)
    return summit, state, person, office


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end_date": "2025-06-30", "end_date_precision": DAY}, "end_date"),  # ends before the summit
        ({"start_date": "2025-12-01"}, "start_date"),  # starts after it
        ("other person", "person"),
        ("other state", "organization"),
    ],
)
def test_changing_the_office_a_representation_rests_on_is_a_400_naming_the_field(editor_client, change, field):
    summit, state, person, office = _represented()
    if change == "other person":
        change = {"person": PersonFactory().slug}
    elif change == "other state":
        change = {"organization": StateFactory().slug}
    response = editor_client.patch(reverse("office-detail", args=[office.pk]), change, format="json")
    assert_status(response, 400)
    assert list(response.json()) == [field]
    assert summit.slug in response.json()[field][0] and str(person) in response.json()[field][0]
    office.refresh_from_db()
    assert (office.person, office.organization, office.end_date) == (person, state, None)


def test_an_office_change_that_still_covers_the_summit_or_that_another_office_covers_is_accepted(editor_client):
    summit, state, person, office = _represented()
    response = editor_client.patch(
        reverse("office-detail", args=[office.pk]), {"end_date": "2025-12-31", "end_date_precision": DAY}, format="json"
    )
    assert_status(response, 200)
    OfficeFactory(
        person=person,
        organization=state,
        role_en="Acting",
        start_date=datetime.date(2025, 11, 1),
        start_date_precision=DAY,
    )
    response = editor_client.patch(
        reverse("office-detail", args=[office.pk]), {"end_date": "2025-02-01", "end_date_precision": DAY}, format="json"
    )
    assert_status(response, 200)


def test_deleting_the_office_a_representation_rests_on_is_a_409_and_the_office_stays(editor_client):
    summit, state, person, office = _represented()
    response = editor_client.delete(reverse("office-detail", args=[office.pk]))
    assert_status(response, 409)
    assert "summit participant" in response.json()["detail"]
    assert Office.objects.filter(pk=office.pk).exists()
    SummitParticipant.objects.filter(summit=summit).update(represented_by=None)
    assert_status(editor_client.delete(reverse("office-detail", args=[office.pk])), 204)


def test_an_undated_summit_keeps_any_office_so_only_moving_it_away_is_refused(editor_client):
    summit, state, person, office = _represented(summit_date=None)
    assert_status(
        editor_client.patch(
            reverse("office-detail", args=[office.pk]),
            {"end_date": "2025-02-01", "end_date_precision": DAY},
            format="json",
        ),
        200,
    )
    assert_status(
        editor_client.patch(
            reverse("office-detail", args=[office.pk]), {"organization": StateFactory().slug}, format="json"
        ),
        400,
    )


def test_the_admin_refuses_the_office_change_on_the_field_and_the_delete(admin_client):
    summit, state, person, office = _represented()
    url = reverse("admin:actors_office_change", args=[office.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(
        {
            "person": person.pk,
            "organization": state.pk,
            "end_date": "2025-06-30",
            "end_date_precision": DAY,
            "start_date": "2025-01-20",
            "start_date_precision": DAY,
        }
    )
    data.update({key: value for key, value in _inline_management(admin_client.get(url)).items()})
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "end_date" in response.context["adminform"].form.errors
    office.refresh_from_db()
    assert office.end_date is None

    response = admin_client.post(reverse("admin:actors_office_delete", args=[office.pk]), {"post": "yes"})
    assert Office.objects.filter(pk=office.pk).exists()
    page = response.content.decode()
    assert "Cannot delete office" in page and f"represented by {person}" in page


def _inline_management(response):
    """The management-form fields of the page's inline formsets (the citations), as the browser sends them."""
    data = {}
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


# ---------------------------------------------------------------- source filters on every fact resource


def test_source_and_sources_min_on_summits(api_client):
    article, agency = SourceFactory(), SourceFactory()
    both, one = SummitFactory(), SummitFactory()
    CitationFactory(fact=both, source=article)
    CitationFactory(fact=both, source=agency)
    CitationFactory(fact=one, source=article)
    CitationFactory(fact=one, source=article)  # a second citation of the same source is not a second source

    def slugs(**params):
        response = api_client.get(reverse("summit-list"), params)
        assert_status(response, 200)
        return {row["slug"] for row in response.json()["results"]}

    assert slugs(source=article.slug) == {both.slug, one.slug}
    assert slugs(source=agency.slug) == {both.slug}
    assert slugs(sources_min=2) == {both.slug}
    assert slugs(sources_min=1) == {both.slug, one.slug}


@pytest.mark.parametrize(
    "basename",
    ["actor", "office", "summit-format", "document", "pledge", "trade-measure", "corridor", "actor-relation"],
)
def test_every_fact_resource_takes_source_and_an_unknown_source_is_a_400(api_client, basename):
    response = api_client.get(reverse(f"{basename}-list"), {"source": "no-such-source"})
    assert_status(response, 400)
    assert "source" in response.json()
    assert_status(api_client.get(reverse(f"{basename}-list"), {"sources_min": 0}), 400)


def test_resources_without_citations_have_no_source_filter(api_client):
    assert_status(api_client.get(reverse("topic-list"), {"sources_min": 1}), 400)


def test_a_sources_detail_lists_the_facts_it_supports(api_client):
    source = SourceFactory()
    summit, document = SummitFactory(), DocumentFactory()
    CitationFactory(fact=summit, source=source)
    CitationFactory(fact=summit, source=source)
    CitationFactory(fact=document, source=source)
    CitationFactory(fact=SummitFactory())  # another source's fact
    body = api_client.get(reverse("source-detail", kwargs={"slug": source.slug})).json()
    assert body["facts_total"] == 2
    assert [(f["fact_type"], f["slug"], f["citations"]) for f in body["facts"]] == [
        ("summits.document", document.slug, 1),
        ("summits.summit", summit.slug, 2),
    ]
    assert "facts" not in api_client.get(reverse("source-list")).json()["results"][0]


# ---------------------------------------------------------------- scoreboard


def test_scoreboard_per_partner_with_dates_cities_documents_and_undated_summits(api_client):
    japan = StateFactory(slug="japan-x", name_en="Japan X")
    summit_format = SummitFormatFactory(partner=japan)
    tokyo = SummitFactory(
        format=summit_format, date=datetime.date(2025, 12, 20), date_precision=DAY, city_en="Tokyo", city_ru="Токио"
    )
    SummitFactory(format=summit_format, date=None, date_precision="unknown", status="planned")
    DocumentFactory(summit=tokyo, slug="tokyo-declaration-x", title_en="Tokyo Declaration X")
    url = reverse("summit-scoreboard")
    # An undated meeting is an announced one (never held): counted when planned meetings are asked for.
    (row,) = api_client.get(url, {"status": ["held", "planned"]}).json()
    assert (row["partner"], row["partner_kind"], row["summits"], row["dated_summits"], row["undated_summits"]) == (
        "japan-x",
        "state",
        2,
        1,
        1,
    )
    assert row["cities"] == [{"city_en": "Tokyo", "city_ru": "Токио"}]
    assert [d["slug"] for d in row["documents"]] == ["tokyo-declaration-x"]
    (row,) = api_client.get(url, {"date_after": "2025-01-01"}).json()
    assert (row["summits"], row["undated_summits"], row["first_date"]) == (1, 0, "2025-12-20")
    assert api_client.get(url, {"date_after": "2026-01-01"}).json() == []


# ---------------------------------------------------------------- groupings count for their members when asked


def test_via_groupings_matches_rows_of_the_groupings_the_actor_belongs_to_and_says_so(api_client):
    from tests.factories import PledgeFactory

    kazakhstan, central_asia = StateFactory(slug="kazakhstan-x"), GroupingFactory(slug="central-asia-x")
    central_asia.members.add(kazakhstan)
    to_region, to_state, elsewhere = PledgeFactory(), PledgeFactory(), PledgeFactory()
    to_region.recipients.add(central_asia)
    to_state.recipients.add(kazakhstan)
    elsewhere.recipients.add(StateFactory())
    url = reverse("pledge-list")

    plain = api_client.get(url, {"recipient": "kazakhstan-x"}).json()
    assert [row["id"] for row in plain["results"]] == [to_state.id]
    assert "matched_via_groupings" not in plain

    response = api_client.get(url, {"recipient": "kazakhstan-x", "via_groupings": "true"})
    assert_status(response, 200)
    body = response.json()
    assert {row["id"] for row in body["results"]} == {to_region.id, to_state.id}
    assert body["matched_via_groupings"] == {"recipient": ["central-asia-x"]}
    assert response["X-Matched-Via-Groupings"] == "recipient: central-asia-x"


def test_via_groupings_works_on_the_summit_list_and_the_scoreboard(api_client):
    kazakhstan, central_asia = StateFactory(slug="kazakhstan-y"), GroupingFactory(slug="central-asia-y")
    central_asia.members.add(kazakhstan)
    summit = SummitFactory(format=SummitFormatFactory(region=central_asia))
    plain = api_client.get(reverse("summit-list"), {"region": "kazakhstan-y"}).json()
    assert plain["results"] == []
    body = api_client.get(reverse("summit-list"), {"region": "kazakhstan-y", "via_groupings": "true"}).json()
    assert [row["slug"] for row in body["results"]] == [summit.slug]
    response = api_client.get(reverse("summit-scoreboard"), {"region": "kazakhstan-y", "via_groupings": "true"})
    assert [row["summits"] for row in response.json()] == [1]
    assert response["X-Matched-Via-Groupings"] == "region: central-asia-y"


def test_via_groupings_is_unknown_where_no_actor_filter_exists(api_client):
    response = api_client.get(reverse("topic-list"), {"via_groupings": "true"})
    assert_status(response, 400)
    assert "via_groupings" in response.json()


def test_the_database_refuses_a_person_as_format_partner_even_without_validation():
    from django.db import IntegrityError, transaction

    summit_format = SummitFormatFactory()
    summit_format.partner = PersonFactory()
    with pytest.raises(IntegrityError, match="summit_format_partner_is_state_or_organisation"), transaction.atomic():
        summit_format.save()  # .save() skips full_clean(): only the database stands in the way
    partner = SummitFormatFactory().partner
    partner.kind = "grouping"
    partner.iso3 = None
    with pytest.raises(IntegrityError, match="summit_format_partner_is_state_or_organisation"), transaction.atomic():
        partner.save()


# ---------------------------------------------------------------- the same rule from the summit's side (issue 26)


def test_moving_a_summit_to_a_day_its_representative_was_not_in_office_is_a_400_naming_date(editor_client):
    summit, _state, person, _office = _represented()  # in office from 2025-01-20; the summit is on 2025-11-06
    url = reverse("summit-detail", args=[summit.slug])
    response = editor_client.patch(url, {"date": "2022-01-25"}, format="json")
    assert_status(response, 400)
    assert list(response.json()) == ["date"]
    assert str(person) in response.json()["date"][0] and "2022-01-25" in response.json()["date"][0]
    summit.refresh_from_db()
    assert summit.date == datetime.date(2025, 11, 6)
    # A day the office covers, and a coarser date (any office of the person in the actor counts), are accepted.
    assert_status(editor_client.patch(url, {"date": "2025-12-01"}, format="json"), 200)
    assert_status(editor_client.patch(url, {"date": "2022-01-01", "date_precision": "year"}, format="json"), 200)


def _admin_add_data(admin_client, url, fields):
    """The admin add form's data as a browser sends it: its initial values, the inline formsets' management
    forms, then `fields`."""
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(_inline_management(page))
    data.update(fields)
    return data


def test_adding_a_summit_in_the_admin_with_a_representative_out_of_office_is_refused(admin_client):
    """Issue 26: Xi Jinping and Serdar Berdimuhamedov were saved for a 2022-01-25 summit from the add form."""
    state, person = StateFactory(), PersonFactory()
    OfficeFactory(person=person, organization=state, start_date=datetime.date(2025, 1, 20), start_date_precision=DAY)
    summit_format = SummitFormatFactory()
    url = reverse("admin:summits_summit_add")
    fields = {
        "slug": "added-in-the-admin",
        "format": summit_format.pk,
        "title_en": "Added in the admin",
        "date": "2022-01-25",
        "date_precision": DAY,
        "status": "held",
        "mode": "in_person",
        "level": "heads_of_state",
        "participations-TOTAL_FORMS": "1",
        "participations-INITIAL_FORMS": "0",
        "participations-0-actor": state.pk,
        "participations-0-role": "participant",
        "participations-0-represented_by": person.pk,
    }
    response = admin_client.post(url, _admin_add_data(admin_client, url, fields))
    assert response.status_code == 200, response.get("Location")  # the form again, with the error
    (formset,) = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "participations"]
    assert "represented_by" in formset.forms[0].errors
    assert "2022-01-25" in formset.forms[0].errors["represented_by"][0]
    assert not SummitParticipant.objects.exists()
    # The day the office covers: saved, with its participant.
    fields["date"] = "2025-11-06"
    response = admin_client.post(url, _admin_add_data(admin_client, url, fields))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert SummitParticipant.objects.get().represented_by == person
