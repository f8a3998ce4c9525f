"""PostgreSQL plans a list request's statement once per connection (catrack/settings/base.py: server-side
binding, statements prepared after PREPARE_THRESHOLD runs), not on every request; and a prepared statement
survives a migration that changes a column's type (apps.core.prepared_statements)."""

import pytest
from django.conf import settings
from django.db import connection

from apps.actors.models import Actor
from tests.factories import StateFactory, TradeFlowFactory

pytestmark = [pytest.mark.postgres_only]


def _prepared(fragment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall() if fragment in statement]


def _threshold():
    return settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]


@pytest.mark.django_db
def test_a_repeated_list_request_runs_a_prepared_statement(client):
    flow = TradeFlowFactory(flow="X")
    for reporter in [flow.reporter.slug] * (_threshold() + 1):
        response = client.get("/api/v1/trade-flows/", {"reporter": reporter, "flow": "X"})
        assert response.status_code == 200 and response.json()["count"] == 1
    statements = _prepared("trade_tradeflow")
    assert statements, "the trade-flows page was planned anew on every request"
    assert all("$1" in statement for statement in statements)  # parameters bound apart from the text


@pytest.mark.django_db(transaction=True)
def test_a_prepared_statement_survives_a_column_type_change_by_another_process(other_connection):
    """A migration run while the site serves (another connection) makes the prepared statement's result type
    stale: PostgreSQL refused it ("cached plan must not change result type", a 500 until the connection was
    recycled); now the statement is prepared again and answers."""
    state = StateFactory()

    def name():
        return Actor.objects.filter(slug=state.slug).values_list("name_en", flat=True).get()

    for _ in range(_threshold() + 1):
        assert name() == state.name_en
    assert _prepared("actors_actor")
    length = Actor._meta.get_field("name_en").max_length
    migration = other_connection
    migration.execute(f"ALTER TABLE actors_actor ALTER COLUMN name_en TYPE varchar({length + 50})")
    try:
        assert name() == state.name_en
        assert name() == state.name_en
    finally:
        migration.execute(f"ALTER TABLE actors_actor ALTER COLUMN name_en TYPE varchar({length})")


@pytest.mark.parametrize("value", ["0", "-1", "five"])
def test_a_prepare_threshold_that_is_no_count_from_1_is_refused_at_start(value):
    """PREPARE_THRESHOLD=0 made psycopg prepare every statement on its first run, and the search's connection
    setup (then two SETs in one statement) broke every connection; the setting now names the variable."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PREPARE_THRESHOLD": value,
        "DJANGO_SETTINGS_MODULE": "catrack.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: PREPARE_THRESHOLD" in result.stderr and repr(value) in result.stderr
