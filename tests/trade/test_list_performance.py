"""The filtered trade-flows list stays cheap at scale: at most two plain queries, no DISTINCT, no join on slug.

One on PostgreSQL (count and page in a single statement, apps.core.api.sql), two elsewhere.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db


def test_filtered_list_is_few_queries_without_distinct(api_client, is_postgres):
    reporter, partner = StateFactory(slug="kazakhstan"), StateFactory()
    for year in (2020, 2021, 2022):
        TradeFlowFactory(reporter=reporter, partner=partner, year=year, flow="X")
    TradeFlowFactory(reporter=reporter, partner=partner, year=2022, flow="M")
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/trade-flows/?reporter=kazakhstan&flow=X&year_min=2021")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2
    assert [row["year"] for row in response.json()["results"]] == [2022, 2021]
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == (1 if is_postgres else 2), sql
    # DISTINCT would make PostgreSQL sort every matching row before it can count or page.
    assert not any("DISTINCT" in statement for statement in sql), sql
