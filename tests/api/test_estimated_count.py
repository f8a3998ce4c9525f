"""`count=estimated`: a page's count reads at most EXACT_COUNT_UP_TO + 1 rows; above that the count is that bound,
a lower bound, and the page says `count_exact: false`. The default stays the exact count, byte for byte."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.api import pagination
from apps.trade.api.views import TradeFlowViewSet
from apps.trade.models import TradeFlow
from tests.factories import StateFactory, SummitFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db

FLOWS = "/api/v1/trade-flows/"


@pytest.fixture
def flows():
    kazakhstan, japan = StateFactory(slug="kazakhstan"), StateFactory(slug="japan")
    for year in range(1995, 2025):  # 30 flows over 30 yearly partitions
        TradeFlowFactory(reporter=kazakhstan, partner=japan, year=year, flow="X")
    return TradeFlow.objects.count()


@pytest.fixture
def up_to_ten(monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 10)


@pytest.mark.parametrize("sql_pages", [True, False])
def test_a_short_list_is_counted_exactly(api_client, flows, sql_pages, monkeypatch):
    monkeypatch.setattr(TradeFlowViewSet, "sql_pages", sql_pages)
    body = api_client.get(FLOWS, {"count": "estimated", "page_size": 7}).json()
    assert (body["count"], body["count_exact"]) == (30, True)
    assert list(body)[:2] == ["count", "count_exact"] and len(body["results"]) == 7
    # Without the parameter, the page is as it always was: no count_exact.
    assert list(api_client.get(FLOWS).json()) == ["count", "next", "previous", "results"]


@pytest.mark.parametrize("sql_pages", [True, False])
def test_a_long_list_reads_a_bounded_number_of_rows_and_says_its_count_is_a_lower_bound(
    api_client, flows, up_to_ten, sql_pages, monkeypatch
):
    monkeypatch.setattr(TradeFlowViewSet, "sql_pages", sql_pages)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(FLOWS, {"count": "estimated", "page_size": 5, "page": 2})
    body = response.json()
    assert response.status_code == 200 and body["count_exact"] is False
    assert len(body["results"]) == 5 and body["next"] and body["previous"]
    assert body["count"] == 11  # at least 11
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 11" in sql for sql in counts), counts  # no count of every row


def test_page_last_needs_the_exact_count(api_client, flows, up_to_ten):
    response = api_client.get(FLOWS, {"count": "estimated", "page": "last"})
    assert response.status_code == 400 and "page" in response.json()
    exact = api_client.get(FLOWS, {"page": "last", "page_size": 7}).json()
    assert exact["count"] == 30 and len(exact["results"]) == 2


@pytest.mark.parametrize("value", ["", "approximate", "EXACT", "none"])
def test_an_unknown_count_mode_is_a_400_naming_count(api_client, flows, value):
    response = api_client.get(FLOWS, {"count": value})
    assert response.status_code == 400 and "count" in response.json()


def test_every_paged_list_takes_it(api_client):
    SummitFactory.create_batch(3)
    body = api_client.get("/api/v1/summits/", {"count": "estimated"}).json()
    assert (body["count"], body["count_exact"]) == (3, True)
    # A summary is not paged: there `count` is an unknown parameter.
    response = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor", "count": "estimated"})
    assert response.status_code == 400 and "count" in response.json()


def test_the_benchmarks_floor_bounds_its_count_as_the_api_does():
    from bench import queries

    assert queries.EXACT_COUNT_UP_TO == pagination.EXACT_COUNT_UP_TO
