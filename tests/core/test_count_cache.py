"""A list's exact count is kept while the change feed has not moved (apps.core.api.counts), and never served stale.

On PostgreSQL the kept count is proved used by a write that escapes the feed (an insert with the capture triggers
off, `session_replication_role = replica`): the next page still says the old count, which only a count not taken
can say. Every write through catrack (the API, the admin, QuerySet.update(), an import, raw SQL) moves the feed and
the next page counts afresh. Transactional tests: the cache is for committed data, as requests see it.
"""

import threading
import types

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from apps.core.api import counts
from apps.core.api.counts import ExactCount, clear_count_cache, count_statement, exact_count
from apps.core.models import ChangeEvent
from apps.summits.models import Summit
from apps.trade.api.views import TradeFlowViewSet
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.factories import StateFactory, TradeFlowFactory
from tests.trade.test_comtrade_import import ROWS, write

LIST = "/api/v1/trade-flows/"
EXPORTS = {"reporter": "kazakhstan", "flow": "X", "year_min": "2001", "ordering": "-year", "page_size": "2"}


@pytest.fixture(autouse=True)
def no_counts_kept():
    clear_count_cache()  # what other tests' databases left (a flush empties the feed: an escaping write)
    yield
    clear_count_cache()


@pytest.fixture
def flows(transactional_db):
    kazakhstan, japan = StateFactory(slug="kazakhstan"), StateFactory(slug="japan")
    return [TradeFlowFactory(reporter=kazakhstan, partner=japan, year=2000 + n, flow="X") for n in range(7)]


def escaping_insert(like):
    """A trade flow written with the capture triggers off: a write the feed does not see (the position stays)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        code = f"{TradeFlow.objects.filter(year=2024).count() + 1:02}"  # a new natural key each time
        TradeFlowFactory(reporter=like.reporter, partner=like.partner, year=2024, flow="X", commodity_code=code)


def count_of(client, path=LIST, **params):
    response = client.get(path, {**EXPORTS, **params})
    assert response.status_code == 200, response.content
    return response.json()["count"]


@pytest.mark.postgres_only
def test_a_second_identical_page_takes_the_kept_count_in_the_same_statement(api_client, flows):
    with CaptureQueriesContext(connection) as first:
        assert count_of(api_client) == 6
    escaping_insert(flows[0])
    with CaptureQueriesContext(connection) as second:
        assert count_of(api_client) == 6  # kept: the feed has not moved, so the count was not taken again
    assert len(second.captured_queries) == len(first.captured_queries)  # one statement for count and page, as before
    assert count_of(api_client, count="estimated") == 7  # count=estimated always counts (bounded_count)
    clear_count_cache()
    assert count_of(api_client) == 7


@pytest.mark.postgres_only
def test_the_orm_paths_count_is_kept_too(api_client, flows, monkeypatch):
    monkeypatch.setattr(TradeFlowViewSet, "sql_pages", False)  # Django's Paginator.count
    assert count_of(api_client) == 6
    escaping_insert(flows[0])
    assert count_of(api_client) == 6
    assert count_of(api_client, page="last") == 6
    TradeFlow.objects.filter(pk=flows[1].pk).update(flow="M")  # moves the feed
    assert count_of(api_client) == 6  # 7 rows, one now an import: counted afresh
    assert count_of(api_client, page="last") == 6


@pytest.mark.postgres_only
def test_page_last_on_the_sql_path_shares_the_kept_count(api_client, flows):
    first = api_client.get(LIST, {**EXPORTS, "page": "last"})
    assert first.json()["count"] == 6
    escaping_insert(flows[0])
    assert count_of(api_client) == 6  # page 1 takes the count page=last kept (one key for both)
    assert count_of(api_client, page="last") == 6


@pytest.mark.postgres_only
@pytest.mark.parametrize("sql_pages", [True, False])
def test_every_kind_of_write_makes_the_next_count_fresh(
    api_client, editor_client, admin_client, flows, tmp_path, monkeypatch, sql_pages
):
    monkeypatch.setattr(TradeFlowViewSet, "sql_pages", sql_pages)
    expected = TradeFlow.objects.filter(reporter__slug="kazakhstan", flow="X", year__gte=2001)
    assert count_of(api_client) == expected.count() == 6

    assert editor_client.delete(f"{LIST}{flows[1].pk}/").status_code == 204  # the API
    assert count_of(api_client) == expected.count() == 5

    response = admin_client.post(f"/admin/trade/tradeflow/{flows[2].pk}/delete/", {"post": "yes"})  # the admin
    assert response.status_code == 302
    assert count_of(api_client) == expected.count() == 4

    TradeFlow.objects.filter(pk=flows[3].pk).update(flow="M")  # a bulk update
    assert count_of(api_client) == expected.count() == 3

    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE trade_tradeflow SET flow = 'M' WHERE id = %s", [flows[4].pk])
    assert count_of(api_client) == expected.count() == 2

    StateFactory(iso3="KAZ", slug="test-kaz"), StateFactory(iso3="CHN"), StateFactory(iso3="JPN")
    assert count_of(api_client, reporter="test-kaz", year_min="2000") == 0
    comtrade_import(paths=[write(tmp_path, ROWS)])  # an import (INSERT ... SELECT, captured per statement)
    assert count_of(api_client, reporter="test-kaz", year_min="2000") == 3
    assert count_of(api_client) == expected.count() == 2


@pytest.mark.postgres_only
def test_an_uncommitted_write_does_not_poison_the_kept_count(api_client, flows):
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                TradeFlowFactory(reporter=flows[0].reporter, partner=flows[0].partner, year=2030, flow="X")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(10)
        assert count_of(api_client) == 6  # the writer's row is not committed: not seen, not counted
    finally:
        release.set()
        thread.join(10)
    assert done.is_set()
    assert count_of(api_client) == 7  # committed: its events moved the feed


@pytest.mark.postgres_only
def test_nothing_is_kept_inside_a_transaction_that_has_written(flows):
    rows = TradeFlow.objects.filter(flow="X")
    with transaction.atomic():
        TradeFlowFactory(reporter=flows[0].reporter, partner=flows[0].partner, year=2030, flow="X")
        assert exact_count(rows) == 8  # its own row
        transaction.set_rollback(True)
    assert len(counts._cache) == 0
    escaping_insert(flows[0])
    assert exact_count(rows) == 8  # 7 and the escaping row: the 8 above (rolled back) was not kept
    escaping_insert(flows[0])
    assert exact_count(rows) == 8  # now kept


@pytest.mark.postgres_only
def test_a_read_in_a_transaction_of_its_own_may_be_planned_for_parallel_workers(api_client, flows):
    """Outside a transaction block a statement follows no write of its own transaction: it reads the feed's position
    without pg_current_xact_id_if_assigned(), a parallel-unsafe function that kept the whole statement in one process
    (a search's bitmap scan over 100k documents). A block opened by hand (BEGIN) still guards: its own write's count
    is not kept."""
    with CaptureQueriesContext(connection) as queries:
        assert count_of(api_client) == 6
    [statement] = [query["sql"] for query in queries.captured_queries if "core_changeevent" in query["sql"]]
    assert "pg_current_xact_id_if_assigned" not in statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT proparallel FROM pg_proc WHERE proname = 'pg_current_xact_id_if_assigned'")
        assert cursor.fetchone() == ("u",)  # why it is left out where it is not needed
    clear_count_cache()
    rows = TradeFlow.objects.filter(flow="X")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            TradeFlowFactory(reporter=flows[0].reporter, partner=flows[0].partner, year=2030, flow="X")
            assert exact_count(rows) == 8  # its own row
        finally:
            cursor.execute("ROLLBACK")
    assert len(counts._cache) == 0


@pytest.mark.postgres_only
@override_settings(COUNT_CACHE_SECONDS=0)
def test_count_cache_seconds_0_keeps_nothing(api_client, flows):
    assert count_of(api_client) == 6
    escaping_insert(flows[0])
    assert count_of(api_client) == 7


@pytest.mark.postgres_only
@pytest.mark.parametrize("sql_pages", [True, False])
@override_settings(COUNT_CACHE_SECONDS=30)
def test_a_kept_count_read_often_is_still_counted_again_after_count_cache_seconds(
    api_client, flows, monkeypatch, sql_pages
):
    # COUNT_CACHE_SECONDS bounds how long a write that escapes the feed goes unseen from when the count was taken,
    # however often the kept count is read meanwhile (a hit does not make it younger).
    clock = [1000.0]
    monkeypatch.setattr(counts, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(TradeFlowViewSet, "sql_pages", sql_pages)
    assert count_of(api_client) == 6
    escaping_insert(flows[0])
    for clock[0] in (1010.0, 1020.0, 1029.0):
        assert count_of(api_client) == 6  # kept: counted less than 30 s ago
    clock[0] = 1031.0
    assert count_of(api_client) == 7  # counted 31 s ago: counted again


@pytest.mark.postgres_only
def test_the_kept_pages_are_byte_for_byte_the_counted_ones(api_client, flows):
    with override_settings(COUNT_CACHE_SECONDS=0):
        counted = [api_client.get(LIST, {**EXPORTS, "page": page}).content for page in ("1", "2", "last")]
    kept = [[api_client.get(LIST, {**EXPORTS, "page": page}).content for page in ("1", "2", "last")] for _ in "ab"]
    assert kept[0] == kept[1] == counted


@pytest.mark.postgres_only
def test_only_statements_that_read_captured_tables_alone_are_kept(flows):
    def kept(queryset):
        return ExactCount(connection, *count_statement(queryset)).key is not None

    assert kept(TradeFlow.objects.filter(reporter__slug="kazakhstan", flow="X"))
    assert kept(Summit.objects.filter(participants__slug="japan").distinct())
    assert not kept(ChangeEvent.objects.all())  # the feed itself is not captured
    assert not kept(TradeFlow.objects.filter(source__held_text__isnull=False))  # source texts are not captured
    from django.db.models.functions import Now

    assert not kept(TradeFlow.objects.filter(created_at__lte=Now()))  # the clock moves without a write
    assert count_statement(TradeFlow.objects.none()) is None


def test_sqlite_counts_every_time(api_client, db):
    """SQLite: its AUTOINCREMENT counter rolls back with a transaction, so event ids are given again after a
    rollback and a position does not name one state: nothing is kept there."""
    TradeFlowFactory(), TradeFlowFactory()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(LIST).json()["count"] == 2
        if connection.vendor == "sqlite":
            assert ExactCount(connection, *count_statement(TradeFlow.objects.all())).key is None
            assert any(query["sql"].startswith("SELECT COUNT(*)") for query in queries.captured_queries)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_replicas_count_is_kept_under_its_own_alias_at_its_own_position(api_client, flows, settings):
    settings.DATABASE_ROUTERS = ["apps.core.replicas.ReplicaRouter"]  # the replica: a TEST MIRROR of default
    try:
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert count_of(api_client) == 6
        (statement,) = [query["sql"] for query in on_replica.captured_queries if "core_changeevent" in query["sql"]]
        assert "count(*)" in statement  # the position is read on the connection that counts, in its statement
        assert {key[0] for key in counts._cache._entries} == {"replica"}
        escaping_insert(flows[0])
        assert count_of(api_client) == 6  # kept for the replica
        settings.DATABASE_ROUTERS = []
        assert count_of(api_client) == 7  # default's count is its own
    finally:
        connections["replica"].close()


@pytest.mark.postgres_only
def test_a_list_that_counts_with_its_page_keeps_that_count(api_client, transactional_db):
    """The pledges (WindowCountPagination) count with the page, the matching rows the page is read from: their claims
    filters then run once, not once more for the count (apps.core.api.sql.SQLPage). That count is kept like any
    other, and page=last, which needs it first, reads it."""
    from tests.factories import PledgeFactory

    donor = StateFactory(slug="kazakhstan")
    for _ in range(3):
        PledgeFactory(donor=donor)
    pledges = {"donor": "kazakhstan", "page_size": "2"}

    def page(**params):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get("/api/v1/pledges/", {**pledges, **params})
        assert response.status_code == 200, response.content
        statements = [query["sql"] for query in queries.captured_queries if "investments_pledge" in query["sql"]]
        return response.json()["count"], any("count(*) FROM matching" in statement for statement in statements)

    assert page() == (3, True)
    with transaction.atomic(), connection.cursor() as cursor:  # an escaping write: the kept count stays
        cursor.execute("SET LOCAL session_replication_role = replica")
        PledgeFactory(donor=donor)
    assert page(page="last") == (3, False)  # the count kept from the first page; the last page does not count
    clear_count_cache()
    assert page(page="last") == (4, False)
    assert page() == (4, True)
