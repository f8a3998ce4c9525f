"""Many analysts at once, on real PostgreSQL: threads with their own connections write pledges and summits
through the admin at the same time. Nothing is lost, every constraint holds, no natural key is duplicated,
and a race on one slug has exactly one winner while the others get a clean form error."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse

from apps.investments.models import Pledge
from apps.summits.models import Summit, SummitParticipant
from tests import factories
from tests.factories import history_events

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ANALYSTS = 6
PLEDGES_EACH = 5
EDITS_EACH = 3
CITATIONS = {
    "sources-citation-content_type-object_id-TOTAL_FORMS": "0",
    "sources-citation-content_type-object_id-INITIAL_FORMS": "0",
}


def run_in_threads(work, count):
    """Run work(i) in `count` threads at once, each on its own database connection."""

    def job(i):
        try:
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(job, range(count)))


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def pledge_form(donor, recipient, description):
    return {
        "donor": donor.pk,
        "recipients": [recipient.pk],
        "description_en": description,
        "status": "announced",
        "amount": "1000",
        "currency": "JPY",
        "amount_qualifier": "exact",
        "amount_usd": "",
        "amount_usd_qualifier": "exact",
        "usd_basis": "none",
        "period_start_precision": "unknown",
        "period_end_precision": "unknown",
        "instrument": "grant",
        "counts_in_totals": "on",
        **CITATIONS,
    }


def summit_form(summit, summary):
    return {
        "slug": summit.slug,
        "format": summit.format_id,
        "title_en": summit.title_en,
        "level": summit.level,
        "date": "",
        "date_precision": "unknown",
        "status": "planned",
        "mode": "in_person",
        "ordinal": summit.ordinal or "",
        "summary_en": summary,
        "participations-TOTAL_FORMS": "0",
        "participations-INITIAL_FORMS": "0",
        **CITATIONS,
    }


def test_parallel_admin_writes_lose_nothing_and_break_no_rule(admin_user):
    donor = factories.StateFactory()
    recipients = [factories.StateFactory() for _ in range(ANALYSTS)]
    shared = factories.SummitFactory(slug="shared-summit")
    own_summits = [factories.SummitFactory(format=shared.format) for _ in range(ANALYSTS)]
    participants = [factories.StateFactory() for _ in range(ANALYSTS)]

    def analyst(i):
        client = logged_in(admin_user)
        statuses = []
        for n in range(PLEDGES_EACH):
            form = pledge_form(donor, recipients[i], f"analyst {i} pledge {n}")
            statuses.append(client.post(reverse("admin:investments_pledge_add"), form).status_code)
        # Everyone adds a participant to the same summit at the same time.
        statuses.append(
            client.post(
                reverse("admin:summits_summitparticipant_add"),
                {
                    "summit": shared.pk,
                    "actor": participants[i].pk,
                    "role": "participant",
                    **CITATIONS,
                },
            ).status_code
        )
        for edit in range(1, EDITS_EACH + 1):
            url = reverse("admin:summits_summit_change", args=[own_summits[i].pk])
            statuses.append(client.post(url, summit_form(own_summits[i], f"edit {edit}")).status_code)
        return statuses

    results = run_in_threads(analyst, ANALYSTS)
    assert all(status == 302 for statuses in results for status in statuses), results

    pledges = Pledge.objects.prefetch_related("recipients")
    assert {p.description_en for p in pledges} == {
        f"analyst {i} pledge {n}" for i in range(ANALYSTS) for n in range(PLEDGES_EACH)
    }
    for pledge in pledges:
        i = int(pledge.description_en.split()[1])
        assert list(pledge.recipients.all()) == [recipients[i]]
        pledge.validate_constraints()  # every database rule also holds as Django reads it
    assert history_events(Pledge, action="create").count() == ANALYSTS * PLEDGES_EACH

    assert set(shared.participations.values_list("actor_id", flat=True)) == {p.pk for p in participants}
    for summit in Summit.objects.filter(pk__in=[s.pk for s in own_summits]):
        assert summit.summary_en == f"edit {EDITS_EACH}"
        assert history_events(summit).count() == 1 + EDITS_EACH  # created, then every edit recorded
        summit.validate_constraints()
    assert Summit.objects.values("slug").distinct().count() == Summit.objects.count()


def test_many_analysts_creating_the_same_slug_exactly_one_wins(admin_user):
    summit_format = factories.SummitFormatFactory()
    all_validated = threading.Barrier(ANALYSTS, timeout=30)
    passed_validation = set()

    def wait_for_everyone(sender, instance, **kwargs):
        if instance.slug == "astana-2026" and threading.get_ident() not in passed_validation:
            passed_validation.add(threading.get_ident())
            all_validated.wait()  # every request has validated; now they all INSERT together

    def analyst(i):
        response = logged_in(admin_user).post(
            reverse("admin:summits_summit_add"),
            {
                "slug": "astana-2026",
                "format": summit_format.pk,
                "title_en": f"Astana summit by analyst {i}",
                "level": "heads_of_state",
                "date": "",
                "date_precision": "unknown",
                "status": "planned",
                "mode": "in_person",
                "participations-TOTAL_FORMS": "0",
                "participations-INITIAL_FORMS": "0",
                **CITATIONS,
            },
        )
        errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
        return response.status_code, errors

    pre_save.connect(wait_for_everyone, sender=Summit)
    try:
        results = run_in_threads(analyst, ANALYSTS)
    finally:
        pre_save.disconnect(wait_for_everyone, sender=Summit)

    assert len(passed_validation) == ANALYSTS
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (ANALYSTS - 1) + [302]
    for status, errors in results:
        if status == 200:
            assert "slug" in errors and any("already exists" in message for message in errors["slug"]), errors
    assert Summit.objects.filter(slug="astana-2026").count() == 1
    assert history_events(Summit).count() == 1
    assert SummitParticipant.objects.count() == 0


def test_many_api_clients_creating_the_same_slug_one_gets_201_the_others_409(editor):
    """The same race through the API: the losers get a 409 naming the field, never a 500."""
    from rest_framework.test import APIClient

    summit_format = factories.SummitFormatFactory()
    all_validated = threading.Barrier(ANALYSTS, timeout=30)
    passed_validation = set()

    def wait_for_everyone(sender, instance, **kwargs):
        if instance.slug == "bishkek-2027" and threading.get_ident() not in passed_validation:
            passed_validation.add(threading.get_ident())
            all_validated.wait()

    def client(i):
        api = APIClient()
        api.force_authenticate(editor)
        response = api.post(
            "/api/v1/summits/",
            {
                "slug": "bishkek-2027",
                "format": summit_format.slug,
                "title_en": f"Bishkek summit by client {i}",
                "date": None,
                "date_precision": "unknown",
                "status": "planned",
            },
            format="json",
        )
        return response.status_code, response.json()

    pre_save.connect(wait_for_everyone, sender=Summit)
    try:
        results = run_in_threads(client, ANALYSTS)
    finally:
        pre_save.disconnect(wait_for_everyone, sender=Summit)

    assert len(passed_validation) == ANALYSTS
    assert sorted(status for status, _ in results) == [201] + [409] * (ANALYSTS - 1), results
    for status, body in results:
        if status == 409:
            assert body == {"slug": ["A row with this slug already exists."]}
    assert Summit.objects.filter(slug="bishkek-2027").count() == 1
    assert history_events(Summit).count() == 1
