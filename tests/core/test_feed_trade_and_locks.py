"""Trade flows are in the change feed (an import is one change set; an unchanged re-import writes no event),
SourceText never is, and the feed's lock cannot deadlock a bulk delete against another write (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections, transaction

from apps.core.change_capture import captured_models, lock_change_feed, start_change
from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.core.test_change_feed import assert_mirror_is_exact, replay
from tests.factories import PledgeFactory, StateFactory, TradeFlowFactory
from tests.trade.test_comtrade_import import ROWS, write


@pytest.fixture
def states(db):
    return {code: StateFactory(iso3=code, slug=f"test-{code.lower()}") for code in ("KAZ", "CHN", "JPN")}


@pytest.mark.django_db(transaction=True)
def test_an_import_is_one_change_set_in_the_feed_and_an_unchanged_reimport_writes_none(tmp_path, states, editor_client):
    path = write(tmp_path, ROWS)
    before = ChangeEvent.objects.count()
    comtrade_import(paths=[path])
    flows = ChangeEvent.objects.filter(resource="trade.tradeflow")
    assert flows.filter(action="create").count() == TradeFlow.objects.count() == 4
    (changeset,) = set(ChangeEvent.objects.filter(resource="trade.tradeflow").values_list("changeset", flat=True))
    assert ChangeEvent.objects.filter(changeset=changeset).count() == ChangeEvent.objects.count() - before

    written = ChangeEvent.objects.count()
    last = ChangeEvent.objects.order_by("id").last().id
    assert comtrade_import(paths=[path]).unchanged == 4
    assert ChangeEvent.objects.count() == written  # nothing changed: nothing in the feed

    revised = [ROWS[0].replace('"1234567.5"', '"7654321"'), *ROWS[1:]]
    assert comtrade_import(paths=[write(tmp_path, revised, name="revised.csv")]).updated == 1
    (update,) = ChangeEvent.objects.filter(id__gt=last)
    assert (update.resource, update.action) == ("trade.tradeflow", "update")
    assert_mirror_is_exact(replay(editor_client, page_size=3))

    # The whole import can be reverted as a change set.
    from apps.core.reverts import revert_changeset

    revert_changeset(update.changeset)
    assert TradeFlow.objects.filter(value_usd="1234567.50").exists()
    revert_changeset(changeset, force=True)  # force: the revision and its revert came after
    assert not TradeFlow.objects.exists()
    assert_mirror_is_exact(replay(editor_client))


def test_every_event_of_a_bulk_write_of_flows_names_who_why_and_its_change_set(states, editor_client):
    """Trade flows are captured per statement on PostgreSQL (who, why and the change set read once a statement),
    per row on SQLite: each event of an insert, update and delete of many rows carries them, on both."""
    with transaction.atomic():
        start_change("analyst", lock=False, reason="comtrade 2024")
        last = ChangeEvent.objects.order_by("id").last()
        last = last.id if last else 0
        flows = TradeFlow.objects.bulk_create(
            [
                TradeFlowFactory.build(reporter=states["KAZ"], partner=partner, year=2024, commodity_code=code)
                for partner in (states["CHN"], states["JPN"])
                for code in ("TOTAL", "2612")
            ]
        )
        TradeFlow.objects.filter(partner=states["CHN"]).update(value_usd=5)
        TradeFlow.objects.filter(partner=states["JPN"], commodity_code="2612").delete()
        TradeFlow.objects.filter(year=1999).delete()  # no row: no event
    events = ChangeEvent.objects.filter(id__gt=last, resource="trade.tradeflow")
    assert sorted(events.values_list("action", flat=True)) == ["create"] * 4 + ["delete"] + ["update"] * 2
    assert set(events.values_list("user", "reason")) == {("analyst", "comtrade 2024")}
    (changeset,) = set(events.values_list("changeset", flat=True))
    assert changeset is not None
    assert {event.object_id for event in events} == {str(flow.id) for flow in flows}
    assert_mirror_is_exact(replay(editor_client))


def test_source_texts_are_never_in_the_feed():
    assert "sources.sourcetext" not in {label for _model, label in captured_models()}
    assert "trade.tradeflow" in {label for _model, label in captured_models()}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_bulk_delete_and_a_locked_write_of_the_same_row_do_not_deadlock():
    """Thread A takes the feed's lock (as every API/admin update does first), then waits; thread B bulk-deletes
    pledges without start_change (the admin's "delete selected", a script); then A locks and updates one of
    those pledges. Before the statement-level lock trigger, B locked the rows and then waited for the feed's
    lock that A held while A waited for B's row: a deadlock, one of them aborted."""
    pledges = [PledgeFactory() for _ in range(3)]
    target = pledges[0].pk
    errors, a_holds_lock, b_started = [], threading.Event(), threading.Event()

    def writer_a():
        try:
            with transaction.atomic():
                lock_change_feed()
                a_holds_lock.set()
                b_started.wait(10)
                _wait_for_a_lock_wait()
                Pledge.objects.select_for_update().filter(pk=target).update(description_en="A was here")
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(("A", error))
        finally:
            connections.close_all()

    def bulk_delete_b():
        try:
            a_holds_lock.wait(10)
            b_started.set()
            Pledge.objects.filter(pk__in=[p.pk for p in pledges]).delete()
        except Exception as error:  # noqa: BLE001
            errors.append(("B", error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=bulk_delete_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert not Pledge.objects.exists()  # B deleted them after A's update committed


def _wait_for_a_lock_wait(timeout=10.0):
    # Until another backend waits on a lock (B, on the feed's lock or a row), or the timeout.
    import time

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
