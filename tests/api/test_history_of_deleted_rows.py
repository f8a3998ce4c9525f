"""After a DELETE the row's history still answers, ending with the deletion: who, when, the last values."""

import pytest

from tests.factories import PledgeFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(editor):
    """The editor as staff: editors' names are shown to signed-in staff only (issue 16)."""
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return editor


@pytest.mark.parametrize(
    "resource, make, key",
    [
        ("summits", lambda: SummitFactory(slug="gone-summit"), lambda row: row.slug),
        ("pledges", lambda: PledgeFactory(description_en="gone pledge"), lambda row: row.pk),
    ],
)
def test_the_history_of_a_deleted_row_ends_with_its_deletion(editor_client, editor, resource, make, key):
    row = make()
    url = f"/api/v1/{resource}/{key(row)}/"
    assert (
        editor_client.patch(
            url, {"title_en" if resource == "summits" else "description_en": "last value"}, format="json"
        ).status_code
        == 200
    )
    assert editor_client.delete(url).status_code == 204
    assert editor_client.get(url).status_code == 404

    response = editor_client.get(f"{url}history/")
    assert response.status_code == 200, response.content
    deleted, changed, created = response.json()
    assert (deleted["change_type"], deleted["user"]) == ("deleted", editor.username)
    assert changed["change_type"] == "changed" and changed["changes"][0]["new"] == "last value"
    assert created["change_type"] == "created"


def test_history_of_a_row_that_never_existed_is_404(editor_client):
    assert editor_client.get("/api/v1/summits/never-was/history/").status_code == 404
    assert editor_client.get("/api/v1/pledges/987654/history/").status_code == 404


def test_revert_brings_a_row_back_to_a_history_entry_as_a_new_change(editor_client, editor, api_client):
    pledge = PledgeFactory(description_en="original")
    url = f"/api/v1/pledges/{pledge.pk}/"
    editor_client.patch(url, {"description_en": "vandalised"}, format="json")
    original = editor_client.get(f"{url}history/").json()[-1]["history_id"]  # the creation
    stale = editor_client.get(url)["ETag"]
    editor_client.patch(url, {"status": "committed"}, format="json")

    assert editor_client.post(f"{url}history/{original}/revert/", HTTP_IF_MATCH=stale).status_code == 412
    assert api_client.post(f"{url}history/{original}/revert/").status_code in (401, 403)
    assert editor_client.post(f"{url}history/999999999/revert/").status_code == 404

    response = editor_client.post(f"{url}history/{original}/revert/", HTTP_IF_MATCH=editor_client.get(url)["ETag"])
    assert response.status_code == 200, response.content
    assert response.json()["description_en"] == "original" and response.json()["status"] == "announced"
    assert response["ETag"] == editor_client.get(url)["ETag"]
    latest = editor_client.get(f"{url}history/").json()[0]
    assert latest["change_reason"] == f"revert to history entry {original}" and latest["user"] == editor.username
    assert {c["field"] for c in latest["changes"]} >= {"description_en", "status"}


@pytest.mark.django_db(transaction=True)  # each request its own transaction: one change set each, as served
def test_many_to_many_changes_are_in_the_history_also_when_a_linked_row_is_deleted(editor_client):
    from tests.factories import CorridorFactory, StateFactory

    pledge = PledgeFactory()
    kazakhstan, uzbekistan = StateFactory(slug="kazakhstan"), StateFactory(slug="uzbekistan")
    url = f"/api/v1/pledges/{pledge.pk}/"
    editor_client.patch(url, {"recipients": ["kazakhstan"]}, format="json")
    editor_client.patch(url, {"recipients": ["uzbekistan"]}, format="json")
    changes = [
        c
        for record in editor_client.get(f"{url}history/").json()
        for c in record["changes"]
        if c["field"] == "recipients"
    ]
    # One entry per request, the linked rows named by slug (issue 27: one entry per link, by bare id).
    assert changes == [
        {
            "field": "recipients",
            "old": [kazakhstan.slug],
            "new": [uzbekistan.slug],
            "added": [uzbekistan.slug],
            "removed": [kazakhstan.slug],
        },
        {"field": "recipients", "old": [], "new": [kazakhstan.slug], "added": [kazakhstan.slug], "removed": []},
    ]

    corridor = CorridorFactory()
    market = StateFactory(slug="gone-market")
    corridor.markets.add(market)
    market.delete()  # the corridor loses a market: traced in its history, by the slug the market had
    history = editor_client.get(f"/api/v1/corridors/{corridor.slug}/history/").json()
    assert history[0]["changes"] == [
        {"field": "markets", "old": ["gone-market"], "new": [], "added": [], "removed": ["gone-market"]}
    ]
    assert history[1]["changes"] == [
        {"field": "markets", "old": [], "new": ["gone-market"], "added": ["gone-market"], "removed": []}
    ]


@pytest.mark.django_db(transaction=True)  # each request its own transaction: one change set each, as served
@pytest.mark.parametrize("entry", ["the row's own write", "its many-to-many change"])
def test_a_revert_brings_many_to_many_values_back_with_the_fields(editor_client, editor, entry):
    """A row's revert restores its many-to-many values as they were at the entry, named by either entry of the
    write that made them (the row's own event or its link change); before the retirement of simple-history the
    entry id was a version's, now it is the feed event's."""
    from tests.factories import StateFactory

    StateFactory(slug="kazakhstan"), StateFactory(slug="uzbekistan")
    pledge = PledgeFactory(description_en="original")
    url = f"/api/v1/pledges/{pledge.pk}/"
    assert (
        editor_client.patch(url, {"description_en": "first", "recipients": ["kazakhstan"]}, format="json").status_code
        == 200
    )
    entries = editor_client.get(f"{url}history/").json()
    kept = entries[0] if entry == "its many-to-many change" else entries[1]
    assert (kept["changes"][0]["field"] == "recipients") == (entry == "its many-to-many change")
    editor_client.patch(url, {"description_en": "second", "recipients": ["uzbekistan"]}, format="json")

    response = editor_client.post(f"{url}history/{kept['history_id']}/revert/")
    assert response.status_code == 200, response.content
    assert response.json()["description_en"] == "first"
    pledge.refresh_from_db()
    assert list(pledge.recipients.values_list("slug", flat=True)) == ["kazakhstan"]
    latest = editor_client.get(f"{url}history/").json()
    assert latest[0]["changes"][0] == {
        "field": "recipients",
        "old": ["uzbekistan"],
        "new": ["kazakhstan"],
        "added": ["kazakhstan"],
        "removed": ["uzbekistan"],
    }
    assert latest[0]["change_reason"] == latest[1]["change_reason"] == f"revert to history entry {kept['history_id']}"
    assert latest[0]["user"] == latest[1]["user"] == editor.username  # on SQLite too
