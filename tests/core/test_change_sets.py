"""Change sets: every event names the transaction that wrote it, and a whole change set can be reverted
from the API (and the admin) as a new change set; a row's revert brings back its many-to-many values."""

import pytest

from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from apps.sources.models import Citation
from apps.summits.models import Summit, SummitParticipant
from tests.core.test_change_feed import assert_mirror_is_exact, replay
from tests.factories import CitationFactory, PledgeFactory, StateFactory, SummitFactory, SummitParticipantFactory

# Transactional: each request must commit on its own to be a change set of its own.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_editor(editor):
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return editor


def last_changeset(client):
    (event,) = client.get("/api/v1/changes/", {"since": ChangeEvent.objects.order_by("id").last().id - 1}).json()[
        "results"
    ]
    return event["changeset"]


def revert(client, changeset, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"/api/v1/changes/{changeset}/revert/{'?' + query if query else ''}")


def test_one_request_is_one_change_set_and_its_revert_restores_fields_and_links(editor_client, staff_editor):
    kazakhstan = StateFactory(slug="kazakhstan")
    StateFactory(slug="uzbekistan")
    pledge = PledgeFactory(description_en="before")
    pledge.recipients.set([kazakhstan])
    url = f"/api/v1/pledges/{pledge.pk}/"
    assert (
        editor_client.patch(url, {"description_en": "after", "recipients": ["uzbekistan"]}, format="json").status_code
        == 200
    )
    changeset = last_changeset(editor_client)
    events = ChangeEvent.objects.filter(changeset=changeset)
    assert {e.resource for e in events} == {"investments.pledge", "investments.pledge_recipients"}
    assert ChangeEvent.objects.exclude(changeset=changeset).filter(changeset__isnull=True).count() == 0

    response = revert(editor_client, changeset)
    assert response.status_code == 200, response.content
    assert response.json()["changeset"] == changeset and response.json()["reverted_by"] != changeset
    body = editor_client.get(url).json()
    assert body["description_en"] == "before" and [r["slug"] for r in body["recipients"]] == ["kazakhstan"]
    latest = editor_client.get(f"{url}history/").json()
    assert any(
        r["change_reason"] == f"revert of change set {changeset}" and r["user"] == staff_editor.username for r in latest
    )
    # The revert is a change set of its own: reverting it redoes the change.
    assert revert(editor_client, response.json()["reverted_by"]).status_code == 200
    body = editor_client.get(url).json()
    assert body["description_en"] == "after" and [r["slug"] for r in body["recipients"]] == ["uzbekistan"]
    assert_mirror_is_exact(replay(editor_client))


def test_reverting_a_create_deletes_and_reverting_a_cascade_delete_recreates_with_the_same_ids(
    editor_client, staff_editor
):
    created = editor_client.post(
        "/api/v1/pledges/",
        {
            "donor": StateFactory(slug="japan").slug,
            "recipients": [StateFactory(slug="kyrgyzstan").slug],
            "amount": "5",
            "currency": "JPY",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert revert(editor_client, last_changeset(editor_client)).status_code == 200
    assert not Pledge.objects.filter(pk=created.json()["id"]).exists()

    summit = SummitFactory(slug="gone")
    participant = SummitParticipantFactory(summit=summit)
    citation = CitationFactory(fact=summit)
    created_at = summit.created_at
    assert editor_client.delete("/api/v1/summits/gone/").status_code == 204
    response = revert(editor_client, last_changeset(editor_client))
    assert response.status_code == 200, response.content
    back = Summit.objects.get(slug="gone")
    assert back.pk == summit.pk and back.created_at == created_at
    assert SummitParticipant.objects.filter(pk=participant.pk, summit=back).exists()
    assert Citation.objects.filter(pk=citation.pk, object_id=back.pk).exists()
    assert editor_client.get("/api/v1/summits/gone/history/").json()[0]["change_type"] == "created"
    assert_mirror_is_exact(replay(editor_client))


def test_a_row_changed_after_the_change_set_is_a_409_naming_it_unless_forced(editor_client, staff_editor):
    pledge = PledgeFactory(description_en="one")
    url = f"/api/v1/pledges/{pledge.pk}/"
    editor_client.patch(url, {"description_en": "two"}, format="json")
    changeset = last_changeset(editor_client)
    editor_client.patch(url, {"description_en": "three"}, format="json")
    later = ChangeEvent.objects.order_by("id").last()

    refused = revert(editor_client, changeset)
    assert refused.status_code == 409, refused.content
    assert refused.json()["rows"] == [
        {"resource": "investments.pledge", "object_id": str(pledge.pk), "cursor": later.id}
    ]
    assert editor_client.get(url).json()["description_en"] == "three"  # nothing written
    assert revert(editor_client, changeset, force="maybe").status_code == 400
    assert revert(editor_client, changeset, force="true").status_code == 200
    assert editor_client.get(url).json()["description_en"] == "one"


def test_reverting_a_create_that_newer_rows_refer_to_is_refused(editor_client, staff_editor):
    created = editor_client.post(
        "/api/v1/actors/",
        {"slug": "newland", "kind": "state", "name_en": "Newland", "name_ru": "Новая земля"},
        format="json",
    )
    assert created.status_code == 201, created.content
    changeset = last_changeset(editor_client)
    pledge = PledgeFactory(donor_id=created.json()["id"])
    refused = revert(editor_client, changeset)
    assert refused.status_code == 409, refused.content
    assert {"resource": "investments.pledge", "object_id": str(pledge.pk), "cursor": None} in refused.json()["rows"]
    assert Pledge.objects.filter(pk=pledge.pk).exists()


def test_reverting_a_change_set_needs_staff_with_the_change_permission_of_every_model(
    editor_client, editor, api_client
):
    pledge = PledgeFactory()
    editor_client.patch(f"/api/v1/pledges/{pledge.pk}/", {"description_en": "x"}, format="json")
    changeset = last_changeset(editor_client)
    assert revert(api_client, changeset).status_code in (401, 403)
    assert revert(editor_client, changeset).status_code == 403  # not staff
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    editor.user_permissions.remove(*editor.user_permissions.filter(codename="change_pledge"))
    editor_client.force_authenticate(type(editor).objects.get(pk=editor.pk))  # permissions read afresh
    denied = revert(editor_client, changeset)
    assert denied.status_code == 403 and "investments.change_pledge" in denied.json()["detail"]
    assert revert(editor_client, 999999999).status_code == 404
    assert editor_client.post("/api/v1/changes/abc/revert/").status_code == 404


def test_a_rows_revert_brings_back_its_many_to_many_values(editor_client):
    StateFactory(slug="kazakhstan")
    uzbekistan = StateFactory(slug="uzbekistan")
    created = editor_client.post(
        "/api/v1/pledges/",
        {"donor": StateFactory(slug="japan").slug, "recipients": ["kazakhstan"], "amount": "5", "currency": "JPY"},
        format="json",
    )
    url = f"/api/v1/pledges/{created.json()['id']}/"
    pledge = Pledge.objects.get(pk=created.json()["id"])
    original = editor_client.get(f"{url}history/").json()[-1]["history_id"]  # the creation (its links: the same write)
    assert pledge.pk
    editor_client.patch(url, {"recipients": ["uzbekistan", "kazakhstan"], "description_en": "more"}, format="json")
    editor_client.patch(url, {"recipients": ["uzbekistan"]}, format="json")
    response = editor_client.post(f"{url}history/{original}/revert/")
    assert response.status_code == 200, response.content
    assert [r["slug"] for r in response.json()["recipients"]] == ["kazakhstan"] and response.json()[
        "description_en"
    ] == ""
    assert sorted(pledge.recipients.values_list("slug", flat=True)) == ["kazakhstan"]
    assert_mirror_is_exact(replay(editor_client))
    assert uzbekistan.pk
