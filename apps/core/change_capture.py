"""Database triggers that write a ChangeEvent for every row created, changed or deleted in catrack's tables,
so nothing escapes the change feed: not the seed, loaddata, bulk updates, cascades or the importer's SQL.

Installed after every `migrate` (post_migrate), for the models as they are then, on PostgreSQL and SQLite.
Each event names its change set (`changeset`: the transaction that wrote it), which apps.core.reverts can
undo as a whole. Which apps and models are captured, and how, each domain app declares (apps.core.registry:
DomainAppConfig.not_captured, .statement_captured): trade flows are captured on PostgreSQL per statement, so an
import costs one INSERT ... SELECT and an unchanged re-import writes no event; sources' texts are not captured.
Who made a change and why (`user`, `reason`) are named by start_change/set_change_reason for the rest of the
transaction: a transaction-local setting the PostgreSQL trigger reads, per-connection functions on SQLite (its
single writer already gives commit order).

Commit order on PostgreSQL: every writing statement on a captured table first takes one advisory lock (the
feed's lock, held to the end of its transaction), so transactions that write captured rows commit one after
another and event ids follow commit order. Why not lock-free (events carrying pg_current_xact_id(), readers
stopping at pg_snapshot_xmin): ordering by transaction id is not commit order — a transaction that started
first may write a row after a younger one committed its own write of that row, and a mirror replaying by
transaction id would end with the older write; ordering by event id with a horizon cannot know which ids an
in-flight transaction already holds. Deadlock-free: the lock is taken before any row lock of the statement
(a BEFORE ... FOR EACH STATEMENT trigger), and catrack's explicit row locks (SELECT ... FOR UPDATE in the
API and the admin, the importer's table lock) are all taken after start_change/lock_change_feed.
"""

import contextlib
import functools
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.apps import apps
from django.db import connections, models
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.core import registry
from apps.core.models import ChangeEvent

# One key for the whole feed: transactions that write events commit one after another (PostgreSQL).
FEED_LOCK_KEY = 0x63617472  # "catr"
_USER_SETTING = "catrack.user"
_REASON_SETTING = "catrack.reason"


def captured_models():
    """The models whose rows the feed follows: every concrete model of the domain apps (apps.core.registry)
    except those an app declares not_captured, plus the link tables of their many-to-many
    fields. Returns [(model, 'app.model')]."""
    declared = {config.label: config for config in registry.domain_apps()}
    captured = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        config = declared.get(meta.app_label)
        if config is None or meta.model_name in config.not_captured or not meta.managed:
            continue
        captured.append((model, meta.label_lower))
    return sorted(captured, key=lambda pair: pair[1])


def lock_change_feed(using="default"):
    """Take the feed's lock for the rest of the transaction (PostgreSQL; SQLite has one writer anyway).

    Every writing statement on a captured table takes it too, before touching a row; a path that locks rows
    or tables itself (SELECT ... FOR UPDATE, LOCK TABLE) must take it first, so it never waits for the
    feed's lock while holding a lock another writer waits for.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_KEY])


def start_change(username, *, lock, reason=None, using="default"):
    """Begin a write inside a transaction: name who writes (the events' `user`) and, if given, why (`reason`,
    e.g. "revert to history entry 42"), for the rest of the transaction, on PostgreSQL and SQLite; with
    lock=True, take the feed's lock first. For the API, the admin and anything else that knows its user.

    lock=True for writes that lock existing rows themselves (SELECT ... FOR UPDATE before an update or
    delete): they must hold the feed's lock before any row lock. Creates leave it to their first
    statement's lock trigger, so concurrent creates still validate in parallel.
    """
    if lock:
        lock_change_feed(using)
    _set_context(using, user=username or "", reason=reason or "")


def set_change_reason(reason, using="default"):
    """Name why the current transaction's next writes are made (the events' `reason`, null for ""), keeping
    who makes them; e.g. the seed's "seed" or "seed --force" row by row."""
    _set_context(using, reason=reason or "")


def _set_context(using, **values):
    """Set `user` and/or `reason` ("" for none) for the rest of the current transaction: set_config(..., true) on
    PostgreSQL, the connection's state on SQLite (read by catrack_user()/catrack_reason(), only within the
    transaction that set it). Outside a transaction there is nothing to name (each statement is its own)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        settings_ = {"user": _USER_SETTING, "reason": _REASON_SETTING}
        with connection.cursor() as cursor:
            for key, value in values.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [settings_[key], value])
    elif connection.vendor == "sqlite" and connection.in_atomic_block:
        state = _sqlite_state(connection)
        if not _still_open(connection, state["context_marker"]):
            marker = lambda: None  # noqa: E731 — identity only: gone from run_on_commit when the transaction ends
            connection.on_commit(marker)
            state.update(context_marker=marker, user="", reason="")
        state.update(values)


def install_triggers(using="default"):
    """(Re)create the capture trigger of every captured table, and the trigger that moves a row's `updated_at`
    on any write that did not set it (touched_column); idempotent."""
    connection = connections[using]
    table = ChangeEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _POSTGRES_FUNCTIONS.format(
                    events=table, lock=FEED_LOCK_KEY, setting=_USER_SETTING, reason_setting=_REASON_SETTING
                )
            )
            for model, label in captured_models():
                for statement in _postgres_triggers(model._meta.db_table, label, touched_column(model)):
                    cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for model, label in captured_models():
                for statement in _sqlite_triggers(model, label, table):
                    cursor.execute(statement)


@contextlib.contextmanager
def captured_as(table, label, *, using="default"):
    """Capture the writes to `table` in the feed as rows of `label` ('app.model') while the block runs (PostgreSQL).

    For a table that is to become a partition of `label`'s partitioned table, filled before it is attached
    (apps.trade.partitions): the parent's triggers do not see those writes, so the table gets the very
    triggers every captured table has (the feed's lock, then the capture `label`'s app declares) for the
    block, and loses them at its end (an attached partition may have no capture triggers of its own).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for statement in _postgres_triggers(table, label):
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgname LIKE 'CATRACK%%'",
            [f'"{table}"'],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}" ON "{table}"')


_POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION catrack_feed_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION catrack_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();  -- the column touched_column() names
    RETURN NEW;
END
$$;
CREATE OR REPLACE FUNCTION catrack_capture_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    snapshot jsonb;
    operation text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NULL;  -- a save that changed nothing is no change
    END IF;
    IF TG_OP = 'DELETE' THEN
        snapshot := to_jsonb(OLD);
        operation := 'delete';
    ELSE
        snapshot := to_jsonb(NEW);
        operation := CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END;
    END IF;
    INSERT INTO {events} (occurred_at, resource, object_id, action, "row", "user", reason, changeset)
    VALUES (clock_timestamp(), TG_ARGV[0], snapshot->>'id', operation, snapshot,
            NULLIF(current_setting('{setting}', true), ''), NULLIF(current_setting('{reason_setting}', true), ''),
               pg_current_xact_id()::text::bigint);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION catrack_capture_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The same for every row of the statement (set for the transaction): read once, not once a row.
    who text := NULLIF(current_setting('{setting}', true), '');
    why text := NULLIF(current_setting('{reason_setting}', true), '');
    -- _if_assigned: a statement that wrote no row (so writes no event) does not give a reading transaction an id.
    change_set bigint := pg_current_xact_id_if_assigned()::text::bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {events} (occurred_at, resource, object_id, action, "row", "user", reason, changeset)
        SELECT clock_timestamp(), TG_ARGV[0], n.id::text, 'create', to_jsonb(n),
               who, why, change_set
        FROM new_rows n;  -- one change set: the order within it does not matter to a mirror
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {events} (occurred_at, resource, object_id, action, "row", "user", reason, changeset)
        SELECT clock_timestamp(), TG_ARGV[0], n.id::text, 'update', to_jsonb(n),
               who, why, change_set
        FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n IS DISTINCT FROM o;
    ELSE
        INSERT INTO {events} (occurred_at, resource, object_id, action, "row", "user", reason, changeset)
        SELECT clock_timestamp(), TG_ARGV[0], o.id::text, 'delete', to_jsonb(o),
               who, why, change_set
        FROM old_rows o;
    END IF;
    RETURN NULL;
END
$$;
"""


def touched_column(model):
    """The column of `model` that moves on every write however made (a TimeStampedModel's `updated_at`), or None.

    Django's save() sets it (auto_now); a QuerySet.update(), raw SQL or another client does not, so a database
    trigger sets it to the time of the write when a statement changes a row but leaves this column as it was.
    A write that sets it keeps its value (save(), the seed, a fixture that gives its own time: a dump loaded
    back stays the same), so the version a save answers with (ETag) is the one stored."""
    try:
        field = model._meta.get_field("updated_at")
    except Exception:  # FieldDoesNotExist: link tables, models without timestamps
        return None
    return field.column if field.concrete else None


def _postgres_triggers(table, label, touched=None):
    """The statements that (re)create the capture of one table on PostgreSQL.

    Every writing statement first takes the feed's lock (a BEFORE ... FOR EACH STATEMENT trigger), before it
    locks any row: a transaction never holds a row of a captured table while it waits for the feed's lock,
    so two writers cannot deadlock over the two (see lock_change_feed). Then each row changed is captured by
    a row trigger, or, for a model its app declares statement_captured, all rows of the statement at once from its
    transition tables (one trigger per operation: PostgreSQL allows transition tables only on single-event triggers).
    """
    statements = []

    def create(name, sql):
        statements.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        statements.append(sql.format(name=name))

    if touched is not None:
        # A BEFORE trigger, so the row captured after it (and stored) carries the new time.
        create(
            f"CATRACK_touch_{table}",
            f'CREATE TRIGGER "{{name}}" BEFORE UPDATE ON "{table}" FOR EACH ROW '
            f'WHEN (NEW."{touched}" IS NOT DISTINCT FROM OLD."{touched}" AND NEW IS DISTINCT FROM OLD) '
            "EXECUTE FUNCTION catrack_touch()",
        )

    create(
        f"CATRACK_lock_{table}",
        f'CREATE TRIGGER "{{name}}" BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION catrack_feed_lock()",
    )
    app_label, model_name = label.split(".")
    if model_name in apps.get_app_config(app_label).statement_captured:
        statements.append(f'DROP TRIGGER IF EXISTS "CATRACK_capture_{table}" ON "{table}"')
        for operation, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            create(
                f"CATRACK_capture_{operation.lower()}_{table}",
                f'CREATE TRIGGER "{{name}}" AFTER {operation} ON "{table}" REFERENCING {tables} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION catrack_capture_statement('{label}')",
            )
    else:
        create(
            f"CATRACK_capture_{table}",
            f'CREATE TRIGGER "{{name}}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION catrack_capture_change('{label}')",
        )
    return statements


def _sqlite_triggers(model, label, events):
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields]

    def snapshot(alias):
        return "json_object(" + ", ".join(f"'{column}', {alias}.\"{column}\"" for column in columns) + ")"

    changed = " OR ".join(f'OLD."{column}" IS NOT NEW."{column}"' for column in columns)
    # Milliseconds, written with six digits as Django writes datetimes, so `since=<time>` compares right.
    insert = (
        f'INSERT INTO "{events}" (occurred_at, resource, object_id, action, "row", "user", reason, changeset) '
        f"VALUES (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000', '{label}', {{alias}}.id, '{{action}}', {{row}}, "
        f"{SQLITE_USER_FUNCTION}(), {SQLITE_REASON_FUNCTION}(), {SQLITE_CHANGESET_FUNCTION}());"
    )
    touched = touched_column(model)
    triggers = []
    for operation, alias, action, condition in (
        ("INSERT", "NEW", "create", ""),
        ("UPDATE", "NEW", "update", f" WHEN {changed}"),
        ("DELETE", "OLD", "delete", ""),
    ):
        name = f"catrack_capture_{table}_{operation.lower()}"
        triggers.append(f'DROP TRIGGER IF EXISTS "{name}"')
        body = insert.format(alias=alias, action=action, row=snapshot(alias))
        if operation == "UPDATE" and touched is not None:
            # A write that left updated_at as it was moves it now (see touched_column); the event carries
            # the row as stored. SQLite runs no trigger again for the update a trigger makes (recursive_triggers
            # is off), and allows no change of NEW in a BEFORE trigger.
            body = (
                f'UPDATE "{table}" SET "{touched}" = {SQLITE_NOW_FUNCTION}() '
                f'WHERE id = NEW.id AND NEW."{touched}" IS OLD."{touched}"; '
                + insert.format(
                    alias=alias,
                    action=action,
                    row=f'(SELECT {snapshot("stored")} FROM "{table}" stored WHERE stored.id = NEW.id)',
                )
            )
        triggers.append(f'CREATE TRIGGER "{name}" AFTER {operation} ON "{table}"{condition} BEGIN {body} END')
    return triggers


@functools.cache
def _typed_columns(label):
    """(datetime columns, {decimal column: DRF DecimalField}, boolean columns) of model `label`'s table."""
    try:
        model = apps.get_model(label)
    except LookupError:  # a model removed since the event was written
        return (), {}, ()
    fields = model._meta.concrete_fields
    return (
        tuple(field.column for field in fields if isinstance(field, models.DateTimeField)),
        {
            field.column: serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places)
            for field in fields
            if isinstance(field, models.DecimalField)
        },
        tuple(field.column for field in fields if isinstance(field, models.BooleanField)),
    )


_API_DATETIME = serializers.DateTimeField()


def feed_row(label, row):
    """`row` (a captured row of `label`, as a trigger wrote it) with its values typed as the API writes them,
    whichever database wrote it: timestamps in ISO 8601 UTC with `Z`, microseconds only if any (PostgreSQL's
    JSON says `+00:00`, SQLite's text has a space and no zone); decimals as strings with the field's decimal
    places (COERCE_DECIMAL_TO_STRING, as the REST API: "1234.50"; ChangeEvent.row reads JSON numbers as
    Decimal, so no digit is lost to a float); booleans as true/false (SQLite's JSON has 1/0)."""
    datetimes, decimals, booleans = _typed_columns(label)
    if not isinstance(row, dict):
        return row
    row = dict(row)
    for column in datetimes:
        value = row.get(column)
        if isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt_timezone.utc)
                row[column] = _API_DATETIME.to_representation(moment)
    for column, value in row.items():
        if column in decimals:
            if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
                # A float (an event stored before ChangeEvent.row read numbers as Decimal) by its shortest digits.
                row[column] = decimals[column].to_representation(
                    Decimal(repr(value)) if isinstance(value, float) else value
                )
        elif column in booleans:
            if value in (0, 1) and not isinstance(value, bool):
                row[column] = bool(value)
    return row


SQLITE_CHANGESET_FUNCTION = "catrack_changeset"
SQLITE_NOW_FUNCTION = "catrack_now"
SQLITE_USER_FUNCTION = "catrack_user"
SQLITE_REASON_FUNCTION = "catrack_reason"


def _sqlite_now():
    """The current time as Django stores a datetime on SQLite (UTC, microseconds where there are any)."""
    return str(datetime.now(dt_timezone.utc).replace(tzinfo=None))


def register_sqlite_changeset_function(sender, connection, **kwargs):
    """connection_created receiver: gives each new SQLite connection `catrack_changeset()`, which the capture
    triggers call for the event's change set, `catrack_now()`, the time a write moves `updated_at` to, and
    `catrack_user()`/`catrack_reason()`, who writes and why as start_change named them in this transaction (null
    otherwise). SQLite has no transaction id, so catrack makes one: the same
    id for every event of one Django transaction (atomic block), a new one for each write outside any
    (autocommit: each statement is its own transaction). Ids are microseconds since the epoch when the
    transaction first wrote (SQLite has one writer at a time, so they are unique and increasing).

    Consequence: catrack's SQLite database is written through catrack (Django); another SQLite client
    (e.g. `dbshell`) cannot write to a captured table, as the functions are missing there."""
    if connection.vendor != "sqlite":
        return
    state = _sqlite_state(connection)

    def changeset():
        if not connection.in_atomic_block:
            return _next_changeset_id(state)
        if not _still_open(connection, state["marker"]):  # the transaction that got the last id ended
            marker = lambda: None  # noqa: E731 — identity only, run (as a no-op) at commit
            connection.on_commit(marker)
            state["marker"], state["id"] = marker, _next_changeset_id(state)
        return state["id"]

    def context(key):
        def read():
            if not connection.in_atomic_block or not _still_open(connection, state["context_marker"]):
                return None
            return state[key] or None

        return read

    connection.connection.create_function(SQLITE_CHANGESET_FUNCTION, 0, changeset)
    connection.connection.create_function(SQLITE_NOW_FUNCTION, 0, _sqlite_now)
    connection.connection.create_function(SQLITE_USER_FUNCTION, 0, context("user"))
    connection.connection.create_function(SQLITE_REASON_FUNCTION, 0, context("reason"))


def _sqlite_state(connection):
    """The change-capture state of a SQLite connection (its DatabaseWrapper): the current change set and who
    writes why, each bound to the transaction that set it by a marker in its on-commit callbacks."""
    state = getattr(connection, "_catrack_capture_state", None)
    if state is None:
        state = {"marker": None, "id": None, "context_marker": None, "user": "", "reason": ""}
        connection._catrack_capture_state = state
    return state


def _still_open(connection, marker):
    """Whether the transaction that registered `marker` (connection.on_commit) is still the current one: commit
    and rollback both empty run_on_commit."""
    return marker is not None and any(func is marker for _sids, func, _robust in connection.run_on_commit)


def _next_changeset_id(state):
    candidate = time.time_ns() // 1000
    previous = state.get("last") or 0
    state["last"] = candidate = max(candidate, previous + 1)
    return candidate
