"""Two analysts saving the same slug at once: the second gets the form back with an error, not a 500,
and nothing of the failed save (row, inlines, history, log entry) is left in the database."""

import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse

from apps.summits.models import Summit, SummitParticipant
from tests import factories
from tests.factories import history_events


def summit_form(summit_format, participant, slug="tokyo-2025", **overrides):
    return {
        "slug": slug,
        "format": summit_format.pk,
        "title_en": "Tokyo summit",
        "level": "heads_of_state",
        "date": "2025-12-20",
        "date_precision": "day",
        "status": "held",
        "mode": "in_person",
        "host": summit_format.partner.pk,
        "ordinal": "",
        "participations-TOTAL_FORMS": "1",
        "participations-INITIAL_FORMS": "0",
        "participations-0-actor": participant.pk,
        "participations-0-role": "participant",
        "sources-citation-content_type-object_id-TOTAL_FORMS": "0",
        "sources-citation-content_type-object_id-INITIAL_FORMS": "0",
        **overrides,
    }


@pytest.mark.django_db
def test_a_conflicting_insert_after_validation_gives_a_form_error_and_writes_nothing(admin_client):
    summit_format, kazakhstan = factories.SummitFormatFactory(), factories.StateFactory()
    other = {}

    def another_analyst_saves_first(sender, instance, **kwargs):
        # Between the admin's validation and its INSERT, a row with the same slug appears.
        if instance.slug == "tokyo-2025" and not other:
            other["summit"] = None  # set first: the factory's own save passes through here too
            other["summit"] = factories.SummitFactory(slug="tokyo-2025")

    pre_save.connect(another_analyst_saves_first, sender=Summit)
    try:
        response = admin_client.post(reverse("admin:summits_summit_add"), summit_form(summit_format, kazakhstan))
    finally:
        pre_save.disconnect(another_analyst_saves_first, sender=Summit)

    assert other["summit"] is not None  # the conflict really happened
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any("A row with this slug already exists." in message for message in errors["slug"]), errors
    assert "nothing of yours was saved" in response.content.decode()
    # The analyst's input is still in the form.
    assert response.context["adminform"].form["title_en"].value() == "Tokyo summit"
    # The savepoint took everything with it: no summit, participant, history or log entry.
    assert Summit.objects.count() == 0
    assert SummitParticipant.objects.count() == 0
    assert history_events(Summit).count() == 0
    assert LogEntry.objects.count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_analysts_racing_on_the_same_slug_one_wins_the_other_sees_an_error(admin_user):
    """A real race on PostgreSQL: two requests on two connections, both past validation, then both INSERT."""
    summit_format, kazakhstan = factories.SummitFormatFactory(), factories.StateFactory()
    both_validated = threading.Barrier(2, timeout=20)
    waited = set()

    def wait_for_the_other_analyst(sender, instance, **kwargs):
        if instance.slug == "race" and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_validated.wait()

    responses = []

    def analyst(title):
        try:
            client = Client()
            client.force_login(admin_user)
            form = summit_form(summit_format, kazakhstan, slug="race", title_en=title)
            responses.append((title, client.post(reverse("admin:summits_summit_add"), form)))
        finally:
            connection.close()

    pre_save.connect(wait_for_the_other_analyst, sender=Summit)
    try:
        threads = [threading.Thread(target=analyst, args=(title,)) for title in ("Analyst A", "Analyst B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        pre_save.disconnect(wait_for_the_other_analyst, sender=Summit)

    assert len(waited) == 2, "both saves should have passed validation before either inserted"
    statuses = sorted(response.status_code for _, response in responses)
    assert statuses == [200, 302], statuses
    ((loser_title, loser),) = [(t, r) for t, r in responses if r.status_code == 200]
    assert "nothing of yours was saved" in loser.content.decode()
    assert "slug" in loser.context["adminform"].form.errors

    winner = Summit.objects.get(slug="race")
    assert winner.title_en != loser_title
    assert Summit.objects.count() == 1
    assert SummitParticipant.objects.count() == 1
    assert history_events(Summit).count() == 1
    assert LogEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_admin_url, factory, form",
    [
        ("admin:summits_topic_add", factories.TopicFactory, lambda: {"slug": "rare-earths", "name_en": "Rare earths"}),
        (
            "admin:sources_source_add",
            factories.SourceFactory,
            lambda: {
                "slug": "rare-earths",
                "kind": "article",
                "title": "Rare earths",
                "language": "en",
                "published_on_precision": "unknown",
                "rights": "cite_only",
            },
        ),  # rights: a required choice since issue 24
    ],
)
def test_admins_outside_fact_admin_also_turn_a_conflict_into_a_form_error(admin_client, model_admin_url, factory, form):
    model = factory._meta.model
    other = {}

    def another_analyst_saves_first(sender, instance, **kwargs):
        if instance.slug == "rare-earths" and not other:
            other["row"] = None
            other["row"] = factory(slug="rare-earths")

    pre_save.connect(another_analyst_saves_first, sender=model)
    try:
        response = admin_client.post(reverse(model_admin_url), form())
    finally:
        pre_save.disconnect(another_analyst_saves_first, sender=model)

    assert other["row"] is not None
    assert response.status_code == 200, response.content[:500]
    assert "nothing of yours was saved" in response.content.decode()
    # Same connection in this test, so the savepoint took the "other" row too: nothing is left half-written.
    assert model.objects.count() == 0


def pledge_change_form(pledge, row_version, **overrides):
    return {
        "donor": pledge.donor.pk,
        "description_en": pledge.description_en,
        "status": pledge.status,
        "amount": str(pledge.amount),
        "currency": pledge.currency,
        "amount_qualifier": pledge.amount_qualifier,
        "amount_usd": str(pledge.amount_usd),
        "amount_usd_qualifier": pledge.amount_usd_qualifier,
        "usd_basis": pledge.usd_basis,
        "period_start_precision": "unknown",
        "period_end_precision": "unknown",
        "instrument": pledge.instrument,
        "counts_in_totals": "on",
        "row_version": row_version,
        "sources-citation-content_type-object_id-TOTAL_FORMS": "0",
        "sources-citation-content_type-object_id-INITIAL_FORMS": "0",
        **overrides,
    }


@pytest.mark.django_db
def test_a_save_from_a_form_loaded_before_another_save_is_refused_with_a_readable_error(admin_client):
    from apps.investments.models import Pledge

    pledge = factories.PledgeFactory(description_en="as seeded")
    change_url = reverse("admin:investments_pledge_change", args=[pledge.pk])
    opened_by_a = admin_client.get(change_url)
    opened_by_b = admin_client.get(change_url)
    loaded = opened_by_a.context["adminform"].form["row_version"].value()
    assert loaded == pledge.row_version
    assert f'name="row_version" value="{loaded}"' in opened_by_a.content.decode()  # really in the page

    saved_by_b = admin_client.post(
        change_url,
        pledge_change_form(
            pledge, opened_by_b.context["adminform"].form["row_version"].value(), description_en="B's correction"
        ),
    )
    assert saved_by_b.status_code == 302

    refused = admin_client.post(change_url, pledge_change_form(pledge, loaded, description_en="A's correction"))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Someone else saved this pledge" in page and "nothing of yours was saved" in page
    assert refused.context["adminform"].form["description_en"].value() == "A's correction"  # A's input kept
    assert Pledge.objects.get(pk=pledge.pk).description_en == "B's correction"

    reopened = admin_client.get(change_url).context["adminform"].form["row_version"].value()
    saved_by_a = admin_client.post(change_url, pledge_change_form(pledge, reopened, description_en="A's correction"))
    assert saved_by_a.status_code == 302
    assert Pledge.objects.get(pk=pledge.pk).description_en == "A's correction"
