"""A large change set's revert runs in batches of REVERT_BATCH_ROWS rows, each its own transaction (issue 26:
reverting a 200,000-row import blocked every write on the site for 4.5 minutes and kept running after the
client left). A request works at most REVERT_REQUEST_SECONDS, then answers 202 with how far it got; the next
request continues and never reverts a row twice; a partial revert says so; the stale check still holds
between batches; other writers get in between batches (PostgreSQL, real threads)."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse

from apps.core.models import ChangeEvent, ChangeSetRevert
from apps.core.reverts import revert_changeset
from apps.investments.models import Pledge
from tests.core.test_change_feed import assert_mirror_is_exact, replay
from tests.factories import PledgeFactory, StateFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 7


@pytest.fixture
def staff_editor(editor):
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return editor


@pytest.fixture
def small_batches(settings):
    settings.REVERT_BATCH_ROWS = 3
    settings.REVERT_REQUEST_SECONDS = 0  # one batch a request


def one_change_set(rows=ROWS):
    """`rows` pledges created in one transaction (as an import writes them): (change set, pledges)."""
    donor = StateFactory(slug="japan")
    with transaction.atomic():
        pledges = [PledgeFactory(donor=donor, description_en=f"pledge {n}") for n in range(rows)]
    (changeset,) = set(
        ChangeEvent.objects.filter(resource="investments.pledge", object_id__in=[str(p.pk) for p in pledges])
        .values_list("changeset", flat=True)
        .distinct()
    )
    return changeset, pledges


def revert(client, changeset, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"/api/v1/changes/{changeset}/revert/{'?' + query if query else ''}")


def test_each_request_reverts_a_batch_says_how_far_it_got_and_the_next_continues(
    editor_client, staff_editor, small_batches
):
    changeset, pledges = one_change_set()
    first = revert(editor_client, changeset)
    assert first.status_code == 202, first.content
    body = first.json()
    assert (body["state"], body["rows"], body["rows_total"]) == ("partial", 3, ROWS)
    assert body["next"].endswith(f"/api/v1/changes/{changeset}/revert/")
    assert Pledge.objects.filter(pk__in=[p.pk for p in pledges]).count() == ROWS - 3  # visible, committed
    progress = ChangeSetRevert.objects.get(changeset=changeset)
    assert (progress.state, progress.rows, progress.user) == ("partial", 3, staff_editor.username)

    second = revert(editor_client, changeset)
    assert second.status_code == 202 and second.json()["rows"] == 6
    third = revert(editor_client, changeset)
    assert third.status_code == 200, third.content
    assert third.json() | {"reverted_by": None} == {
        "changeset": changeset,
        "reverted_by": None,
        "state": "done",
        "rows": ROWS,
        "rows_total": ROWS,
        "next": None,
    }
    reverted_by = body["reverted_by"]
    assert second.json()["reverted_by"] == third.json()["reverted_by"] == reverted_by
    assert not Pledge.objects.filter(pk__in=[p.pk for p in pledges]).exists()
    # Each row reverted once, and every batch's events carry the revert's one change set.
    deletes = ChangeEvent.objects.filter(resource="investments.pledge", action="delete")
    assert sorted(deletes.values_list("object_id", flat=True)) == sorted(str(p.pk) for p in pledges)
    assert set(deletes.values_list("changeset", flat=True)) == {reverted_by}
    assert ChangeEvent.objects.filter(changeset=reverted_by).count() == ROWS
    assert revert(editor_client, changeset).status_code == 409  # done: its rows were changed since (by the revert)
    assert_mirror_is_exact(replay(editor_client))

    # The revert is one change set: reverting it (in batches too) redoes the change.
    statuses = [revert(editor_client, reverted_by).status_code for _ in range(3)]
    assert statuses == [202, 202, 200]
    assert sorted(Pledge.objects.values_list("description_en", flat=True)) == [f"pledge {n}" for n in range(ROWS)]
    assert_mirror_is_exact(replay(editor_client))


def test_a_row_changed_between_batches_stops_the_revert_which_says_it_is_partial_until_forced(
    editor_client, staff_editor, small_batches
):
    changeset, pledges = one_change_set()
    assert revert(editor_client, changeset).status_code == 202
    remaining = Pledge.objects.order_by("pk").first()
    assert editor_client.patch(f"/api/v1/pledges/{remaining.pk}/", {"description_en": "edited"}).status_code == 200
    later = ChangeEvent.objects.order_by("id").last()

    refused = revert(editor_client, changeset)
    assert refused.status_code == 409, refused.content
    assert refused.json()["rows"] == [
        {"resource": "investments.pledge", "object_id": str(remaining.pk), "cursor": later.id}
    ]
    assert refused.json()["revert"]["state"] == "partial" and refused.json()["revert"]["rows"] == 3
    assert Pledge.objects.count() == ROWS - 3  # the refused request wrote nothing

    while (response := revert(editor_client, changeset, force="true")).status_code == 202:
        pass
    assert response.status_code == 200 and response.json()["rows"] == ROWS
    assert not Pledge.objects.exists()
    assert_mirror_is_exact(replay(editor_client))


def test_the_admin_action_and_the_command_continue_a_partial_revert(admin_client, small_batches):
    changeset, pledges = one_change_set()
    event = ChangeEvent.objects.filter(changeset=changeset).first()
    changelist = reverse("admin:core_changeevent_changelist")
    page = admin_client.post(changelist, {"action": "revert_change_sets", "_selected_action": [event.pk]}, follow=True)
    assert f"Change set {changeset}: 3 of {ROWS} rows reverted so far" in page.content.decode()
    progress = admin_client.get(reverse("admin:core_changesetrevert_changelist"))
    assert progress.status_code == 200 and "partial" in progress.content.decode()
    record = ChangeSetRevert.objects.get(changeset=changeset)
    page = admin_client.get(reverse("admin:core_changesetrevert_change", args=[record.pk]))
    assert page.status_code == 200 and str(record.reverted_by) in page.content.decode()

    out = []
    call_command("revert_changeset", str(changeset), stdout=type("Out", (), {"write": out.append, "flush": None})())
    assert out[:2] == [f"6 of {ROWS} rows reverted\n", f"{ROWS} of {ROWS} rows reverted\n"]
    assert not Pledge.objects.filter(pk__in=[p.pk for p in pledges]).exists()
    assert ChangeSetRevert.objects.get(changeset=changeset).state == "done"


@pytest.mark.postgres_only
def test_another_writer_gets_in_while_a_large_revert_runs(settings):
    """Thread R reverts ROWS_LARGE rows in batches of 5; once its first batch has committed, this thread
    updates an unrelated pledge (the same table). Its write must commit before the revert's last batch: its
    feed event falls between the revert's events. Before, the revert was one transaction holding the feed's
    lock, so the write waited for the whole revert."""
    settings.REVERT_BATCH_ROWS = 5
    rows_large = 200
    unrelated = PledgeFactory(description_en="unrelated")
    changeset, pledges = one_change_set(rows_large)
    ids = [p.pk for p in pledges]
    errors, results, finished = [], [], threading.Event()

    def revert_all():
        try:
            results.append(revert_changeset(changeset))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            finished.set()
            connections.close_all()

    thread = threading.Thread(target=revert_all)
    thread.start()
    deadline = time.monotonic() + 60
    while not finished.is_set() and Pledge.objects.filter(pk__in=ids).count() == rows_large:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    started = time.monotonic()
    with transaction.atomic():
        Pledge.objects.filter(pk=unrelated.pk).update(description_en="written meanwhile")
    waited = time.monotonic() - started
    revert_still_running = not finished.is_set()
    thread.join(120)
    assert errors == []
    assert not Pledge.objects.filter(pk__in=ids).exists()
    write = ChangeEvent.objects.filter(resource="investments.pledge", object_id=str(unrelated.pk)).latest("id")
    reverted_by = results[0].reverted_by
    revert_events = ChangeEvent.objects.filter(changeset=reverted_by)
    assert revert_events.count() == rows_large
    assert revert_events.earliest("id").id < write.id < revert_events.latest("id").id, (
        f"the write waited {waited:.2f} s; revert still running after it: {revert_still_running}"
    )
