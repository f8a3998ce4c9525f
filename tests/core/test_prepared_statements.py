"""PostgreSQL plans a list request's statement once per connection (catrack/settings/base.py: server-side
binding, statements prepared after PREPARE_THRESHOLD runs), not on every request."""
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import TradeFlowFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def _prepared(fragment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall() if fragment in statement]


def test_a_repeated_list_request_runs_a_prepared_statement(client):
    flow = TradeFlowFactory(flow="X")
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for reporter in [flow.reporter.slug] * (threshold + 1):
        response = client.get("/api/v1/trade-flows/", {"reporter": reporter, "flow": "X"})
        assert response.status_code == 200 and response.json()["count"] == 1
    statements = _prepared("trade_tradeflow")
    assert statements, "the trade-flows page was planned anew on every request"
    assert all("$1" in statement for statement in statements)  # parameters bound apart from the text

