"""A PATCH or PUT that gives every field the value it already has is no change: no history entry, no
change-feed event, and the row keeps its version (ETag)."""

from decimal import Decimal

import pytest

from apps.core.models import ChangeEvent
from tests.factories import PledgeFactory, StateFactory, history_events

pytestmark = pytest.mark.django_db


def test_a_patch_with_the_same_values_writes_nothing_and_keeps_the_etag(editor_client):
    kazakhstan = StateFactory(slug="kazakhstan")
    pledge = PledgeFactory(description_en="as it is", amount=Decimal("100.00"))
    pledge.recipients.set([kazakhstan])
    url = f"/api/v1/pledges/{pledge.pk}/"
    before = editor_client.get(url)
    entries, events = history_events(pledge).count(), ChangeEvent.objects.count()

    same = editor_client.patch(
        url,
        {"description_en": "as it is", "amount": "100", "recipients": ["kazakhstan"]},
        format="json",
        HTTP_IF_MATCH=before["ETag"],
    )
    assert same.status_code == 200, same.content
    assert same["ETag"] == before["ETag"]
    assert same.json() == before.json()
    assert history_events(pledge).count() == entries
    assert ChangeEvent.objects.count() == events

    body = {**before.json(), "donor": pledge.donor.slug, "recipients": ["kazakhstan"]}
    put = editor_client.put(url, body, format="json", HTTP_IF_MATCH=before["ETag"])
    assert put.status_code == 200, put.content
    assert put["ETag"] == before["ETag"]
    assert history_events(pledge).count() == entries and ChangeEvent.objects.count() == events

    changed = editor_client.patch(url, {"description_en": "changed"}, format="json", HTTP_IF_MATCH=before["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != before["ETag"]
    assert history_events(pledge).count() == entries + 1
