"""Reverts in the admin: django-simple-history's "revert to this version" goes through catrack's row revert
(stale-form check, rules, many-to-many values, history entry naming who, feed event), and the change feed's
admin reverts whole change sets."""

import pytest
from django.urls import reverse

from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from tests.factories import PledgeFactory, StateFactory

# Transactional: each admin save commits on its own, as a change set of its own.
pytestmark = pytest.mark.django_db(transaction=True)


def history_url(pledge, version):
    return reverse("admin:investments_pledge_simple_history", args=[pledge.pk, version])


def test_the_admins_revert_to_a_version_goes_through_catracks_revert(admin_client, admin_user, is_postgres):
    kazakhstan, uzbekistan = StateFactory(slug="kazakhstan"), StateFactory(slug="uzbekistan")
    pledge = PledgeFactory(description_en="original")
    pledge.recipients.set([kazakhstan])
    original = pledge.history.latest("history_date").history_id
    pledge.description_en = "vandalised"
    pledge.save()
    pledge.recipients.set([uzbekistan])

    page = admin_client.get(history_url(pledge, original))
    assert page.status_code == 200
    loaded = page.context["adminform"].form["row_version"].value()
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
    entry = pledge.history.latest("history_date")
    assert entry.history_change_reason == f"revert to history entry {original}" and entry.history_user == admin_user
    event = ChangeEvent.objects.filter(resource="investments.pledge", object_id=str(pledge.pk)).last()
    assert event.row["description_en"] == "original"
    assert event.user == (admin_user.username if is_postgres else None)


def test_a_user_without_the_change_permission_cannot_revert_in_the_admin(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_pledge"))
    client.force_login(viewer)
    pledge = PledgeFactory(description_en="original")
    original = pledge.history.latest("history_date").history_id
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
