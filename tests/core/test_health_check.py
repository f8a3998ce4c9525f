"""A persistent connection is checked before a request reuses it (CONN_HEALTH_CHECKS) by reading its socket, not
with a `SELECT 1` round trip per request (apps.core.backends.postgresql), and a connection the server ended is
still replaced before the request's first query."""

import time

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres_only]


def _last_statement(other, pid):
    return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _persistent():
    """The test connection, kept across requests as production keeps it (CONN_MAX_AGE=60; tests have 0)."""
    connection.ensure_connection()
    connection.close_at = None
    return connection.connection.info.backend_pid


def _next_request_checks_the_connection():
    """What Django does for a request that reuses the connection: close_if_unusable_or_obsolete() at
    request_started re-arms the check, and the first query runs it."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_is_checked_without_a_round_trip(other_connection):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    pid = _persistent()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last request'")
    connection.close_if_unusable_or_obsolete()  # request_started: the check is due again
    connection.close_if_health_check_failed()  # the first query of the next request runs it
    assert _last_statement(other_connection, pid) == "SELECT 'the last request'"  # before: SELECT 1
    assert _next_request_checks_the_connection() == pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_request_uses_it(other_connection):
    pid = _persistent()
    other_connection.execute("SELECT pg_terminate_backend(%s)", [pid])  # what a restart does to each connection
    deadline = time.monotonic() + 5
    while other_connection.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    new_pid = _next_request_checks_the_connection()  # no OperationalError: a new connection answers
    assert new_pid != pid
