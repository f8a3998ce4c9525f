"""The real admin: every registered model's changelist, add and change pages open for a superuser,
and a bad entry gets a message that says what is wrong."""

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from apps.summits.models import Summit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(db):
    """One row of every model, so changelists render their columns for real."""
    summit = factories.SummitFactory()
    factories.SummitParticipantFactory(summit=summit)
    document = factories.DocumentFactory(summit=summit)
    factories.DocumentSignatoryFactory(document=document)
    factories.CitationFactory(fact=summit)
    for factory in (
        factories.PersonFactory,
        factories.ActorRelationFactory,
        factories.TopicFactory,
        factories.PledgeFactory,
        factories.TradeFlowFactory,
        factories.TradeMeasureFactory,
        factories.TradeStatementFactory,
        factories.CorridorStakeFactory,
        factories.ResourceInterestFactory,
    ):
        factory()


# django-axes' login-attempt logs and the change feed (core.ChangeEvent, written by triggers) are read-only by
# design (no add page): not data entry. The feed's admin is tested in test_admin_reverts.
MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label not in ("axes", "core")), key=lambda m: m._meta.label
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_add_and_change_pages_open(admin_client, populated, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    row = model.objects.first()
    if row is not None:
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert str(row) in change.content.decode()


def test_changelist_search_finds_a_row(admin_client, populated):
    summit = factories.SummitFactory(title_en="Central Asia + Japan Tokyo summit")
    response = admin_client.get(reverse("admin:summits_summit_changelist"), {"q": "Japan Tokyo"})
    assert summit.title_en in response.content.decode()
    assert response.context["cl"].result_count == 1


def _pledge_form(donor, **overrides):
    data = {
        "donor": donor.pk,
        "status": "announced",
        "amount": "100",
        "currency": "JPY",
        "amount_qualifier": "exact",
        "amount_usd": "",
        "amount_usd_qualifier": "exact",
        "usd_basis": "none",
        "period_start_precision": "unknown",
        "period_end_precision": "unknown",
        "instrument": "grant",
        "counts_in_totals": "on",
        "sources-citation-content_type-object_id-TOTAL_FORMS": "0",
        "sources-citation-content_type-object_id-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_rejects_negative_amount_and_end_before_start_with_readable_messages(admin_client):
    donor = factories.StateFactory()
    url = reverse("admin:investments_pledge_add")
    response = admin_client.post(
        url,
        _pledge_form(
            donor,
            amount="-5",
            period_start="2026-01-01",
            period_start_precision="day",
            period_end="2025-01-01",
            period_end_precision="day",
        ),
    )
    assert response.status_code == 200  # the form comes back with errors
    errors = response.context["adminform"].form.errors
    assert "The amount cannot be negative." in errors["amount"]
    assert "The period cannot end before it starts." in errors["period_end"]
    assert Pledge.objects.count() == 0

    response = admin_client.post(url, _pledge_form(donor, period_start="2025-01-01", period_start_precision="year"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pledge.objects.get().amount == 100


def test_admin_records_history_of_a_change(admin_client):
    pledge = factories.PledgeFactory(description_en="before")
    url = reverse("admin:investments_pledge_change", args=[pledge.pk])
    form = _pledge_form(pledge.donor, description_en="after", amount="7", usd_basis="none")
    assert admin_client.post(url, form).status_code == 302
    latest = ChangeEvent.objects.filter(resource="investments.pledge", object_id=str(pledge.pk)).last()
    assert latest.row["description_en"] == "after"
    assert latest.user == "admin"  # on SQLite too (the feed names who, on every database)
    history_page = admin_client.get(reverse("admin:investments_pledge_history", args=[pledge.pk]))
    assert history_page.status_code == 200
    assert "before → after" in history_page.content.decode()


def test_admin_summit_with_participants_inline(admin_client):
    summit_format = factories.SummitFormatFactory()
    japan, kazakhstan = summit_format.partner, factories.StateFactory()
    response = admin_client.post(
        reverse("admin:summits_summit_add"),
        {
            "slug": "tokyo-2025",
            "format": summit_format.pk,
            "title_en": "Tokyo summit",
            "level": "heads_of_state",
            "date": "",
            "date_precision": "unknown",
            "status": "planned",
            "mode": "in_person",
            "host": japan.pk,
            "ordinal": "1",
            "participations-TOTAL_FORMS": "2",
            "participations-INITIAL_FORMS": "0",
            "participations-0-actor": japan.pk,
            "participations-0-role": "host",
            "participations-1-actor": kazakhstan.pk,
            "participations-1-role": "participant",
            "sources-citation-content_type-object_id-TOTAL_FORMS": "0",
            "sources-citation-content_type-object_id-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    summit = Summit.objects.get(slug="tokyo-2025")
    assert {p.actor_id: p.role for p in summit.participations.all()} == {japan.pk: "host", kazakhstan.pk: "participant"}
