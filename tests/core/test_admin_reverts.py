"""The admin's history reads the change feed (every write, however made), and its revert page goes through
catrack's row revert (stale-form check, rules, many-to-many values, the feed naming who and why); the change feed's
admin reverts whole change sets."""

import pytest
from django.urls import reverse

from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from tests.factories import PledgeFactory, StateFactory, history_events

# Transactional: each admin save commits on its own, as a change set of its own.
pytestmark = pytest.mark.django_db(transaction=True)


def history_url(pledge, version):
    return reverse("admin:investments_pledge_history_entry", args=[pledge.pk, version])


def test_the_admins_history_lists_every_write_however_made(admin_client):
    """Before, the admin's history (django-simple-history's) saw save() only: a QuerySet.update() was missing."""
    pledge = PledgeFactory(description_en="saved")
    Pledge.objects.filter(pk=pledge.pk).update(description_en="bulk-updated")
    page = admin_client.get(reverse("admin:investments_pledge_history", args=[pledge.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "saved → bulk-updated" in text
    update = history_events(pledge).last()
    assert history_url(pledge, update.id) in text  # each entry links to its revert page


def test_the_admins_revert_to_a_version_goes_through_catracks_revert(admin_client, admin_user):
    kazakhstan, uzbekistan = StateFactory(slug="kazakhstan"), StateFactory(slug="uzbekistan")
    pledge = PledgeFactory(description_en="original")
    pledge.recipients.set([kazakhstan])  # a write of its own: the entry reverted to
    original = ChangeEvent.objects.filter(resource="investments.pledge_recipients").last().id
    pledge.description_en = "vandalised"
    pledge.save()
    pledge.recipients.set([uzbekistan])

    page = admin_client.get(history_url(pledge, original))
    assert page.status_code == 200
    assert admin_client.get(history_url(pledge, 999999999)).status_code == 404
    loaded = page.context["row_version"]
    assert loaded == Pledge.objects.get(pk=pledge.pk).row_version  # the row's version now, not the old entry's

    # Someone saves after the page was loaded: the revert is refused, nothing changes.
    Pledge.objects.get(pk=pledge.pk).save()
    refused = admin_client.post(history_url(pledge, original), {"row_version": loaded}, follow=True)
    assert "Not reverted" in refused.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).description_en == "vandalised"

    current = Pledge.objects.get(pk=pledge.pk).row_version
    done = admin_client.post(history_url(pledge, original), {"row_version": current, "description_en": "typed"})
    assert done.status_code == 302
    pledge.refresh_from_db()
    assert pledge.description_en == "original"  # the version, not whatever the form was given
    assert list(pledge.recipients.values_list("slug", flat=True)) == ["kazakhstan"]
    event = history_events(pledge).last()
    assert event.row["description_en"] == "original"
    assert (event.reason, event.user) == (f"revert to history entry {original}", admin_user.username)  # SQLite too


def test_a_user_without_the_change_permission_cannot_revert_in_the_admin(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_pledge"))
    client.force_login(viewer)
    pledge = PledgeFactory(description_en="original")
    original = history_events(pledge).last().id
    pledge.description_en = "changed"
    pledge.save()
    assert client.post(history_url(pledge, original), {}).status_code == 403
    assert Pledge.objects.get(pk=pledge.pk).description_en == "changed"


def test_the_change_feeds_admin_reverts_a_whole_change_set(admin_client):
    pledge = PledgeFactory(description_en="before")
    pledge.description_en = "after"
    pledge.save()  # one change set (autocommit save)
    event = ChangeEvent.objects.filter(resource="investments.pledge").last()
    changelist = reverse("admin:core_changeevent_changelist")
    done = admin_client.post(changelist, {"action": "revert_change_sets", "_selected_action": [event.pk]}, follow=True)
    assert f"Change set {event.changeset} reverted" in done.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).description_en == "before"
    again = admin_client.post(changelist, {"action": "revert_change_sets", "_selected_action": [event.pk]}, follow=True)
    assert "not reverted" in again.content.decode()  # its rows changed since: the first revert


def test_the_change_feeds_admin_lists_and_searches_events(admin_client):
    pledge = PledgeFactory(description_en="listed")
    event = ChangeEvent.objects.filter(resource="investments.pledge", object_id=str(pledge.pk)).last()
    changelist = reverse("admin:core_changeevent_changelist")
    for term in (str(event.changeset), "not-a-number", str(pledge.pk)):
        response = admin_client.get(changelist, {"q": term})
        assert response.status_code == 200, term
    assert admin_client.get(reverse("admin:core_changeevent_change", args=[event.pk])).status_code == 200
    assert admin_client.get(reverse("admin:core_changeevent_add")).status_code == 403
