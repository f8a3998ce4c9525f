"""Prepared statements (settings: server-side binding, PREPARE_THRESHOLD) after the schema changed under them.

A statement prepared by a long-lived connection keeps its result type. When a migration run by another process
changes a column's type (a longer max_length), PostgreSQL refuses to run it again: "cached plan must not change
result type", a 500 on every such request until the connection is recycled (up to CONN_MAX_AGE). psycopg drops
its prepared statements only when its own connection alters, rolls back or deallocates.
"""

from django.db import NotSupportedError

STALE_PLAN = "cached plan must not change result type"


def retry_after_schema_change(execute, sql, params, many, context):
    """Django execute wrapper: on a stale prepared statement outside a transaction, deallocate this
    connection's prepared statements (psycopg forgets its own on seeing DEALLOCATE ALL) and run the statement
    again, once. In a transaction the statement cannot be retried; its rollback clears them the same way."""
    try:
        return execute(sql, params, many, context)
    except NotSupportedError as error:
        connection = context["connection"]
        if STALE_PLAN not in str(error) or connection.in_atomic_block:
            raise
        with connection.connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        return execute(sql, params, many, context)


def install_retry(sender, connection, **kwargs):
    """connection_created receiver: the retry above on every PostgreSQL connection (once per wrapper)."""
    if connection.vendor == "postgresql" and retry_after_schema_change not in connection.execute_wrappers:
        connection.execute_wrappers.append(retry_after_schema_change)
