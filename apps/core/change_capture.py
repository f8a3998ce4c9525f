"""Database triggers that write a ChangeEvent for every row created, changed or deleted in catrack's tables,
so nothing escapes the change feed: not the seed, loaddata, bulk updates, cascades or the importer's SQL.

Installed after every `migrate` (post_migrate), for the models as they are then, on PostgreSQL and SQLite.
What SQLite lacks: it cannot say who made a change (`user` stays null); its single writer already gives
commit order. Not captured: trade flows (UN Comtrade rows, millions of them, re-importable from their
files; mirror them with `modified_since` and the files themselves).
"""
import functools
import time
from datetime import timezone as dt_timezone

from django.apps import apps
from django.db import connections, models
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.core.models import ChangeEvent

CAPTURED_APPS = ("sources", "actors", "summits", "investments", "trade", "geoeconomics")
# Bulk data with its own source of truth, written 250,000 rows a second by the importer (see module doc).
# Sources' own texts are held to check citations against, never served (apps.sources.models.SourceText).
NOT_CAPTURED = {"trade.tradeflow", "sources.sourcetext"}
# One key for the whole feed: transactions that write events commit one after another (PostgreSQL).
FEED_LOCK_KEY = 0x63617472  # "catr"
_USER_SETTING = "catrack.user"


def captured_models():
    """The models whose rows the feed follows: every concrete model of catrack's apps except history tables
    and NOT_CAPTURED, plus the link tables of their many-to-many fields. Returns [(model, 'app.model')]."""
    captured = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label not in CAPTURED_APPS or meta.label_lower in NOT_CAPTURED or not meta.managed:
            continue
        if meta.model_name.startswith("historical") and hasattr(model, "history_id"):
            continue  # django-simple-history's tables
        captured.append((model, meta.label_lower))
    return sorted(captured, key=lambda pair: pair[1])


def lock_change_feed(using="default"):
    """Take the feed's lock for the rest of the transaction (PostgreSQL; SQLite has one writer anyway).

    Every trigger takes it too; taking it first, before any row lock, keeps a write path from waiting for
    it while holding a row another transaction waits for.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_KEY])


def start_change(username, *, lock, using="default"):
    """Begin a write inside a transaction: name who writes (in the events' `user`, PostgreSQL only) and,
    with lock=True, take the feed's lock first. For the API, the admin and anything else that knows its user.

    lock=True for writes that lock existing rows (update, delete): they must hold the feed's lock before
    any row lock. Creates leave it to their first trigger, so concurrent creates still validate in
    parallel; the trigger is named to fire before the foreign-key checks, so it takes the feed's lock
    before they lock the referenced rows.
    """
    if lock:
        lock_change_feed(using)
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [_USER_SETTING, username or ""])


def install_triggers(using="default"):
    """(Re)create the capture trigger of every captured table; idempotent."""
    connection = connections[using]
    table = ChangeEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION.format(events=table, lock=FEED_LOCK_KEY, setting=_USER_SETTING))
            for model, label in captured_models():
                # Upper case: fires before the foreign-key checks ("RI_ConstraintTrigger_…"; triggers fire in
                # name order), so the feed's lock is taken before they lock referenced rows (start_change).
                name = f"CATRACK_capture_{model._meta.db_table}"
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{model._meta.db_table}"')
                cursor.execute(
                    f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE ON "{model._meta.db_table}" '
                    f"FOR EACH ROW EXECUTE FUNCTION catrack_capture_change('{label}')"
                )
        elif connection.vendor == "sqlite":
            for model, label in captured_models():
                for statement in _sqlite_triggers(model, label, table):
                    cursor.execute(statement)


_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION catrack_capture_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    snapshot jsonb;
    operation text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NULL;  -- a save that changed nothing is no change
    END IF;
    PERFORM pg_advisory_xact_lock({lock});
    IF TG_OP = 'DELETE' THEN
        snapshot := to_jsonb(OLD);
        operation := 'delete';
    ELSE
        snapshot := to_jsonb(NEW);
        operation := CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END;
    END IF;
    INSERT INTO {events} (occurred_at, resource, object_id, action, "row", "user", changeset)
    VALUES (clock_timestamp(), TG_ARGV[0], snapshot->>'id', operation, snapshot,
            NULLIF(current_setting('{setting}', true), ''), pg_current_xact_id()::text::bigint);
    RETURN NULL;
END
$$
"""


def _sqlite_triggers(model, label, events):
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields]

    def snapshot(alias):
        return "json_object(" + ", ".join(f"'{column}', {alias}.\"{column}\"" for column in columns) + ")"

    changed = " OR ".join(f'OLD."{column}" IS NOT NEW."{column}"' for column in columns)
    # Milliseconds, written with six digits as Django writes datetimes, so `since=<time>` compares right.
    insert = (f'INSERT INTO "{events}" (occurred_at, resource, object_id, action, "row", "user", changeset) '
              f"VALUES (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000', '{label}', {{alias}}.id, '{{action}}', {{row}}, NULL, "
              f"{SQLITE_CHANGESET_FUNCTION}());")
    triggers = []
    for operation, alias, action, condition in (("INSERT", "NEW", "create", ""), ("UPDATE", "NEW", "update", f" WHEN {changed}"),
                                                ("DELETE", "OLD", "delete", "")):
        name = f"catrack_capture_{table}_{operation.lower()}"
        triggers.append(f'DROP TRIGGER IF EXISTS "{name}"')
        triggers.append(
            f'CREATE TRIGGER "{name}" AFTER {operation} ON "{table}"{condition} BEGIN '
            + insert.format(alias=alias, action=action, row=snapshot(alias)) + " END"
        )
    return triggers


@functools.cache
def _datetime_columns(label):
    try:
        model = apps.get_model(label)
    except LookupError:  # a model removed since the event was written
        return ()
    return tuple(field.column for field in model._meta.concrete_fields if isinstance(field, models.DateTimeField))


_API_DATETIME = serializers.DateTimeField()


def feed_row(label, row):
    """`row` (a captured row of `label`, as a trigger wrote it) with its timestamps written as the API writes
    them (ISO 8601 in UTC with `Z`, microseconds only if any), whichever database wrote it: PostgreSQL's
    JSON says `+00:00`, SQLite's text has a space and no zone (it stores UTC)."""
    columns = _datetime_columns(label)
    if not columns or not isinstance(row, dict):
        return row
    row = dict(row)
    for column in columns:
        value = row.get(column)
        if isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt_timezone.utc)
                row[column] = _API_DATETIME.to_representation(moment)
    return row


SQLITE_CHANGESET_FUNCTION = "catrack_changeset"


def register_sqlite_changeset_function(sender, connection, **kwargs):
    """connection_created receiver: gives each new SQLite connection `catrack_changeset()`, which the capture
    triggers call for the event's change set. SQLite has no transaction id, so catrack makes one: the same
    id for every event of one Django transaction (atomic block), a new one for each write outside any
    (autocommit: each statement is its own transaction). Ids are microseconds since the epoch when the
    transaction first wrote (SQLite has one writer at a time, so they are unique and increasing).

    Consequence: catrack's SQLite database is written through catrack (Django); another SQLite client
    (e.g. `dbshell`) cannot write to a captured table, as the function is missing there."""
    if connection.vendor != "sqlite":
        return
    state = {"marker": None, "id": None}

    def changeset():
        if not connection.in_atomic_block:
            return _next_changeset_id(state)
        callbacks = {func for _sids, func, _robust in connection.run_on_commit}
        if state["marker"] not in callbacks:  # the transaction that got the last id ended (commit or rollback)
            marker = lambda: None  # noqa: E731 — identity only, run (as a no-op) at commit
            connection.on_commit(marker)
            state["marker"], state["id"] = marker, _next_changeset_id(state)
        return state["id"]

    connection.connection.create_function(SQLITE_CHANGESET_FUNCTION, 0, changeset)


def _next_changeset_id(state):
    candidate = time.time_ns() // 1000
    previous = state.get("last") or 0
    state["last"] = candidate = max(candidate, previous + 1)
    return candidate


def row_snapshots(model, using="default"):
    """{object id (str): row} of every row of `model`, as the feed serves a row (triggers' JSON, feed_row):
    what a consumer that replayed the feed should hold."""
    connection = connections[using]
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        sql = f'SELECT t.id::text, to_jsonb(t) FROM "{table}" t'
    else:
        columns = [field.column for field in model._meta.concrete_fields]
        sql = (f"SELECT CAST(t.id AS TEXT), json_object("
               + ", ".join(f"'{column}', t.\"{column}\"" for column in columns) + f') FROM "{table}" t')
    field = ChangeEvent._meta.get_field("row")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        label = model._meta.label_lower
        return {pk: feed_row(label, field.from_db_value(value, None, connection)) for pk, value in cursor.fetchall()}
