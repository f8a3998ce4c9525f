"""Exact counts of list pages, kept per process while the change feed has not moved (PostgreSQL).

Why it holds: every statement that writes a captured table (apps.core.change_capture.captured_models) first takes
the feed's transaction-level lock and writes ChangeEvent rows, so transactions that change captured rows commit one
after another and event ids follow commit order (docs/change-feed.md, "Commit order on PostgreSQL"). Hence the
highest event id a snapshot sees (the feed's *position*) fixes the contents of every captured table: two snapshots
at the same position see the same captured rows. An exact count of a statement that reads only captured tables is
kept under (database alias, SQL, parameters) with the position it was counted at, and reused while the position
is unchanged. The position and the count (or the kept count) are read in one statement, one snapshot: a write
committed meanwhile moves the position, and the count is taken again.

Not kept, counted every time as before:
- on SQLite (its AUTOINCREMENT counter rolls back with a transaction, so a rolled-back writer's event ids are
  given again to the next writer: a position does not name one state);
- a statement that reads a table the feed does not capture, names a table or function catrack cannot see into,
  or reads the clock, a random number or a session setting (`_reads_only_captured`);
- in a transaction that has written (its own uncommitted rows: pg_current_xact_id_if_assigned() is not null);
- while the feed is empty (no position).

Writes that escape the feed (and so do not move the position) are not seen until a kept count is COUNT_CACHE_SECONDS
old: TRUNCATE, detaching or dropping a year's partition (docs/partitioning.md), a session with
session_replication_role = replica or a trigger disabled, a write straight into a partition, deleting the newest
feed events, and restoring another database's dump under the same address. docs/scaling.md, "Exact counts".
"""

from __future__ import annotations

import collections
import functools
import re
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from apps.core.models import ChangeEvent
from apps.core.replicas import read_connection

# The feed's position as the statement's snapshot sees it: max(id) is one step down the primary key's index.
POSITION_SQL = f'(SELECT max(id) FROM "{ChangeEvent._meta.db_table}")'
# The same, NULL (nothing kept) in a transaction that has written: for a statement in an open transaction block only.
# pg_current_xact_id_if_assigned() is parallel unsafe, so a statement that calls it is planned without parallel
# workers (a search's bitmap scan then runs in one process); a statement outside a block, in a transaction of its
# own, follows no write of its transaction and needs no guard.
GUARDED_POSITION_SQL = f"CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN {POSITION_SQL} END"
# The parameters of a statement whose count is not known: a position no snapshot has (event ids start at 1).
NOTHING_KEPT = -1


class CountCache:
    """A bounded, thread-safe LRU of exact counts: key -> (feed position, count, when stored). One per process
    (gunicorn's gthread workers share it between their threads); nothing is written to a database."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: collections.OrderedDict[tuple[Any, ...], tuple[int, int, float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[int, int] | None:
        """(position, count) kept for `key`, if younger than COUNT_CACHE_SECONDS."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            position, count, stored = entry
            if time.monotonic() - stored >= settings.COUNT_CACHE_SECONDS:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return position, count

    def put(self, key: tuple[Any, ...], position: int, count: int) -> None:
        """Keep `count` as counted at `position`; the least recently used entry goes beyond `size`."""
        with self._lock:
            self._entries[key] = (position, count, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_cache = CountCache(size=1024)


def clear_count_cache() -> None:
    """Forget every kept count of this process (the benchmark's cold figures; a test after a flush)."""
    _cache.clear()


class ExactCount:
    """The exact count of `count_sql` (a `SELECT count(*) …` with `params`) on `database`, as two output columns of
    a statement: the feed's position and the count, the kept count where the position has not moved.

    `select_sql()` gives the two columns' SQL (selected `FROM` `from_sql()`) with their parameters; after the
    statement ran, `result(position, count)` keeps a fresh count and returns the count. PostgreSQL evaluates the
    CASE's count only when the position differs: an uncorrelated sub-select is an InitPlan, run when first needed.
    """

    def __init__(self, database: BaseDatabaseWrapper, count_sql: str, params: Sequence[Any]) -> None:
        self.count_sql, self.params = count_sql, list(params)
        self.key: tuple[Any, ...] | None = None
        self.kept_at: int | None = None  # the position of the kept count the statement was offered
        self.position_sql = GUARDED_POSITION_SQL
        if database.vendor == "postgresql" and settings.COUNT_CACHE_SECONDS > 0 and _reads_only_captured(count_sql):
            self.key = (database.alias, count_sql, _frozen(self.params))
            if _outside_a_transaction(database):
                self.position_sql = POSITION_SQL

    def select_sql(self, *, with_page: str | None = None, of_statement: str | None = None) -> tuple[str, list[Any]]:
        """SQL of the two columns (position, count) and their parameters. `with_page`: SQL of the count the page's own
        statement took (a window over the matching rows; NULL for an empty page, then counted here): used rather
        than a kept count, whose check would save nothing once the page has counted; kept for the next count alike.
        `of_statement`: SQL of the exact count of the same rows that the statement reads anyway (never NULL: the
        matching rows it holds), likewise used as it is, with no parameters of its own."""
        if of_statement is not None:
            return (f"NULL, {of_statement}" if self.key is None else f"feed.position, {of_statement}"), []
        if with_page is not None:
            fresh = f"coalesce({with_page}, ({self.count_sql}))"
            return (f"NULL, {fresh}" if self.key is None else f"feed.position, {fresh}"), self.params
        if self.key is None:
            return f"NULL, ({self.count_sql})", self.params
        kept = _cache.get(self.key) or (NOTHING_KEPT, NOTHING_KEPT)
        self.kept_at = kept[0]
        return (
            f"feed.position, CASE WHEN feed.position = %s THEN %s ELSE ({self.count_sql}) END",
            [*kept, *self.params],
        )

    def from_sql(self) -> str:
        """The FROM clause the columns need ('' when nothing is kept for this statement)."""
        return "" if self.key is None else f" FROM (SELECT {self.position_sql} AS position) feed"

    def result(self, position: int | None, count: int) -> int:
        """The count; kept for the next request when it was counted at a position. The kept count itself is not
        stored again: its age (COUNT_CACHE_SECONDS) runs from when it was counted, however often it is read."""
        if self.key is not None and position is not None and position != self.kept_at:
            _cache.put(self.key, position, count)
        return count


def _outside_a_transaction(database: BaseDatabaseWrapper) -> bool:
    """Whether the next statement on `database` runs in a transaction of its own: no transaction block is open on the
    server (psycopg's transaction status, which a BEGIN sent by hand sets too). A block Django opens
    (`transaction.atomic`) begins with its first statement, so until then no write of it can precede this one."""
    from psycopg.pq import TransactionStatus

    database.ensure_connection()
    return database.connection.info.transaction_status == TransactionStatus.IDLE


def count_statement(queryset: QuerySet[Any, Any]) -> tuple[str, list[Any]] | None:
    """`SELECT count(*)` of the rows `queryset` yields (its SQL without ORDER BY, as a sub-select: the count Django's
    QuerySet.count() gives, DISTINCT and grouping included), or None when it matches nothing by construction."""
    try:
        matching, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # `.none()`, `IN ()`
        return None
    return f"SELECT count(*) FROM ({matching}) matching", list(params)


def exact_count(queryset: QuerySet[Any, Any]) -> int:
    """`queryset.count()`, the kept count where the feed has not moved since it was counted (module docstring): one
    statement either way, on the queryset's own connection (the replica for the read API where one is set)."""
    statement = count_statement(queryset)
    if statement is None:
        return 0
    database = read_connection(queryset)
    count = ExactCount(database, *statement)
    if count.key is None:
        return queryset.count()
    columns, params = count.select_sql()
    with database.cursor() as cursor:
        cursor.execute(f"SELECT {columns}{count.from_sql()}", params)
        position, counted = cursor.fetchone()
    return count.result(position, counted)


# Tables a statement reads: FROM/JOIN and the name after it (a sub-select's own tables are found in it).
_READ_FROM = re.compile(r"\b(?:FROM|JOIN)\s+(\(|\"[^\"]+\"|[^\s,()]+)", re.IGNORECASE)
# What may differ between two runs at one position: the clock, chance, the session, sequences, catalog functions.
_VOLATILE = re.compile(
    r"\b(?:now|current_\w+|localtime\w*|statement_timestamp|transaction_timestamp|clock_timestamp|timeofday"
    r"|random|setseed|gen_random_uuid|session_user|user|nextval|currval|lastval|txid_\w+|pg_\w+|to_regclass)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"]*\"|'(?:[^']|'')*'")


@functools.lru_cache(maxsize=512)
def _reads_only_captured(sql: str) -> bool:
    """Whether `sql` reads only tables the change feed captures, and nothing that changes without a write to them."""
    from apps.core.change_capture import captured_models

    captured = {f'"{model._meta.db_table}"' for model, _ in captured_models()}
    for name in _READ_FROM.findall(sql):
        if name != "(" and name not in captured:
            return False
    return _VOLATILE.search(_QUOTED.sub("", sql)) is None


def _frozen(params: Sequence[Any]) -> tuple[Any, ...]:
    """Parameters as a key: each with its type (1, '1' and True differ), lists as tuples."""
    return tuple(
        (type(value).__name__, _frozen(value) if isinstance(value, (list, tuple)) else value) for value in params
    )
