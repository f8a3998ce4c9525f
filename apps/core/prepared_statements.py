"""Prepared statements (settings: server-side binding, PREPARE_THRESHOLD): their plans on a partitioned table, and
what happens after the schema changed under them.

A statement prepared by a long-lived connection keeps its result type. When a migration run by another process
changes a column's type (a longer max_length), PostgreSQL refuses to run it again: "cached plan must not change
result type", a 500 on every such request until the connection is recycled (up to CONN_MAX_AGE). psycopg drops
its prepared statements only when its own connection alters, rolls back or deallocates.
"""

from contextlib import contextmanager

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


@contextmanager
def generic_plan_for(connection, model):
    """Within the block, statements this connection has prepared run one plan kept for them (PostgreSQL's
    `plan_cache_mode = force_generic_plan`) when `model`'s table is partitioned (`db_partitioned_by`, trade flows
    by year: apps.trade.partitions); otherwise, and outside PostgreSQL or inside a transaction, nothing changes.

    Why: planning a statement over every partition of trade_tradeflow (27 at 1M flows, 12 indexes each) takes
    about 10 ms, while running a filtered page takes under 1 ms. PostgreSQL's default (`auto`) keeps planning
    such a statement on each run, because a kept (generic) plan is costed with every partition although the
    partitions a run does not need are pruned when it starts. Measured: docs/benchmarks.md, "Session 12".
    Only for partitioned tables: elsewhere a plan made for the values at hand can be better (a text search's
    words), and `auto` already keeps the plan when it is not.

    The setting is the session's, set before the block's statements and reset after them, all sent in one
    pipeline (psycopg's pipeline mode): one round trip with the block's own statements, no transaction, so
    nothing else on the connection runs under it. The results of the block's statements can be fetched once the
    block has ended (the pipeline's sync); fetching inside it costs a second round trip. Raises what the block
    raises.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or not getattr(model, "db_partitioned_by", None):
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline(), connection.cursor() as setting:
        setting.execute("SET plan_cache_mode = force_generic_plan")
        try:
            yield
        finally:
            setting.execute("RESET plan_cache_mode")
