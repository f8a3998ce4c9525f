"""List pages over long tables do bounded work: the count stops at EXACT_COUNT_UP_TO rows (the page then says "more
than"), and a facet whose counts take longer than FACET_TIME_LIMIT_MS is left out, the facets after it not tried."""

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL

from apps.site import listing, views
from apps.site.listing import Facet, within_time_limit
from apps.trade.models import TradeFlow
from tests.factories import StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flows():
    kazakhstan, japan = StateFactory(slug="kazakhstan"), StateFactory(slug="japan")
    for year in range(1995, 2025):  # 60 flows: more than a page of 50
        for flow in ("X", "M"):
            TradeFlowFactory(reporter=kazakhstan, partner=japan, year=year, flow=flow, value_usd=1)
    return TradeFlow.objects.count()


def test_a_long_list_says_more_than_and_pages_on_without_a_last_page(client, flows, monkeypatch):
    monkeypatch.setattr(listing, "EXACT_COUNT_UP_TO", 55)
    page = client.get("/trade/").content.decode()
    assert "More than 55 rows" in page and "60 rows" not in page
    assert "<span>Page 1</span>" in page and 'rel="next"' in page and ">Last<" not in page
    second = client.get("/trade/", {"page": 2}).content.decode()
    assert "<span>Page 2</span>" in second and 'rel="prev"' in second
    # A list the bound covers is counted exactly, as before.
    short = client.get("/trade/", {"year": 2000}).content.decode()
    assert "2 rows as" in short


def test_a_list_within_the_bound_keeps_its_count_and_last_page(client, flows):
    page = client.get("/trade/").content.decode()
    assert "60 rows" in page and "<span>Page 1 of 2</span>" in page and ">Last<" in page


@pytest.mark.postgres_only
def test_a_facet_out_of_time_is_left_out_and_the_next_ones_not_tried(client, flows, monkeypatch):
    # 60 rows × 20 ms of pg_sleep: 1.2 s, past a 100 ms limit.
    slow = RawSQL("CASE WHEN pg_sleep(0.02) IS NULL THEN NULL ELSE trade_tradeflow.flow END", [])
    monkeypatch.setattr(
        views,
        "TRADE_FACETS",
        (
            Facet("year", "Year", "year"),
            Facet("flow", "Flow", slow),
            Facet("reporter", "Reporter", "reporter__slug", "reporter__name_en"),
        ),
    )
    monkeypatch.setattr(listing, "FACET_TIME_LIMIT_MS", 100)
    response = client.get("/trade/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Too many rows to count by flow in time" in page
    assert "Too many rows to count by reporter in time" in page  # not tried after the flow facet ran out
    assert '<span class="count">2</span>' in page  # the year facet, counted in time
    with connection.cursor() as cursor:  # the page's limit did not outlive its statement
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "100ms"


@pytest.mark.postgres_only
def test_within_time_limit_answers_the_rows_or_none_and_restores_the_limit(flows):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (before,) = cursor.fetchone()
    assert len(within_time_limit(TradeFlow.objects.all(), 5_000)) == 60
    sleeping = TradeFlow.objects.annotate(pause=RawSQL("pg_sleep(0.05)::text", [])).values("pause")
    assert within_time_limit(sleeping, 100) is None
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
    assert TradeFlow.objects.count() == 60  # the connection still works after the cancelled statement


def test_sqlite_counts_facets_without_a_limit(flows):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite has no statement timeout")
    assert len(within_time_limit(TradeFlow.objects.all(), 1)) == 60
