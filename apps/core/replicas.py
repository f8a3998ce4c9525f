"""Read replicas: which database a read runs on, decided in one place (docs/scaling.md).

With a `replica` database configured (DATABASE_REPLICA_URL; settings/base.py installs ReplicaRouter only then),
the reads of a read request (GET, HEAD or OPTIONS outside the admin) of catrack's data (the domain apps' tables,
their history and the change feed) run on the replica. Everything else runs on `default`: every write, every read
of a write request, the admin, management commands, any read inside a transaction on `default` (a write
transaction must read what it is about to write), and sessions, users, tokens, login attempts and the cache at all
times (a login or a token must work the moment it is made, and the export and throttle counters are read and
written together).

The ORM asks the router by itself. Code that runs SQL of its own asks `read_connection()` (the one helper) for the
connection a queryset's or a model's read runs on, instead of importing `django.db.connection` (`default`).
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse

REPLICA_DB_ALIAS = "replica"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether this request's reads may go to the replica: set by ReplicaReadsMiddleware at the start of every request,
# cleared when the response is closed (after a streamed export's last chunk), unset (False) outside requests.
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("catrack_replica_reads", default=False)


def read_connection(source: QuerySet[Any, Any] | type[Model] | None = None) -> BaseDatabaseWrapper:
    """The connection a read of `source` runs on: a queryset's own database (`queryset.db`: its `.using()`, else
    the router's choice), or the router's choice for a model (`router.db_for_read(model)`); with no `source`, the
    one reads of catrack's data run on now (for settings of the connection, such as an export's statement timeout).
    `default` unless a replica is configured and ReplicaRouter sends the read there.

    Every path that runs its own SQL for the read API (apps.core.api.sql, apps.core.api.csv_export,
    apps.core.grouping, the export timeout in apps.core.exports) takes its connection here."""
    if isinstance(source, QuerySet):
        alias = source.db
    elif source is None:
        alias = REPLICA_DB_ALIAS if replica_reads_active() else DEFAULT_DB_ALIAS
    else:
        alias = router.db_for_read(source)
    return connections[alias]


def replica_reads_active() -> bool:
    """Whether reads of catrack's data go to the replica now (a replica configured and routed to, a read request,
    outside any transaction on `default`)."""
    return _replica_reads.get() and _replica_routed() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


def _replica_routed() -> bool:
    from django.conf import settings

    return REPLICA_DB_ALIAS in settings.DATABASES and any(
        path == f"{ReplicaRouter.__module__}.{ReplicaRouter.__qualname__}" for path in settings.DATABASE_ROUTERS
    )


def _read_from_replica(model: type[Model]) -> bool:
    from apps.core import registry
    from apps.core.models import ChangeEvent

    meta = model._meta
    # The domain apps' tables (their history tables are in the same apps) and the change feed: the read API's
    # data. Never auth, sessions, tokens, axes or the cache table (module docstring).
    return (meta.app_label in registry.domain_labels() or model is ChangeEvent) and replica_reads_active()


class ReplicaRouter:
    """Django database router: reads of catrack's data in a read request go to the `replica` database, everything
    else to `default` (module docstring). Migrations run on `default` only: a streaming replica has the schema
    replicated, and refuses writes."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return REPLICA_DB_ALIAS if _read_from_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the same rows as `default` (a physical copy): a row read from either may be linked.
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS} else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks a request whose reads may go to the replica: GET, HEAD and OPTIONS anywhere but the admin (editors
    read what they have just written there). Costs one context variable per request when no replica is set."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self._admin_prefix: str | None = None

    def __call__(self, request: Any) -> Any:
        _replica_reads.set(request.method in READ_METHODS and not self.in_admin(request.path))
        return self.get_response(request)

    def in_admin(self, path: str) -> bool:
        if self._admin_prefix is None:
            try:
                self._admin_prefix = reverse("admin:index")
            except NoReverseMatch:  # a URLconf without the admin
                self._admin_prefix = ""
        return bool(self._admin_prefix) and path.startswith(self._admin_prefix)


def end_replica_reads(**kwargs: Any) -> None:
    """request_finished receiver: the request's response is closed (a streamed body included), its flag ends."""
    _replica_reads.set(False)
