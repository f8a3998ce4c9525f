"""The seed for the `seeded` fixtures (tests/conftest.py): loaded by the loader once per test session on
PostgreSQL, then copied back.

The first load runs apps.core.fixture_loading.seed_load and keeps, in memory, every table the load changed as
the load left it. A later load that finds every table of the database as the first load found it (a test's
transaction that has just begun) writes those tables back by COPY with triggers off: what the triggers did
(the change feed, `updated_at`) is among the rows copied. Then the sequences are set past the rows, as the loader
sets them. The database holds the very rows the loader wrote, ids included; only its clock is the first load's.
A database that differs in any row (a test wrote before loading the seed, or a transactional test's flush made
the content types anew) gets the loader. SQLite, and a PostgreSQL role that may not turn triggers off
(session_replication_role needs a superuser), always get the loader.

Why: the loader checks every rule of every row (some 20,000 queries): ~5 s on a quiet PostgreSQL, 15-35 s
beside the SQLite suite in CI, once per module or test that needs the seed. The copy takes a fraction of a second.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from apps.core.fixture_loading import SeedResult, seed_load


@dataclass(frozen=True)
class _Copy:
    result: SeedResult
    tables: tuple[tuple[str, str, bytes], ...]  # (table, quoted column list, COPY text) per table the load changed


_copies: dict[tuple, _Copy] = {}  # state of the database before the load → what the load left
loads = {"loader": 0, "copy": 0}  # how each load of this session was made (tests/core/test_seeded_once.py)


def load_seed() -> SeedResult:
    """The seed in the default database, as seed_load() leaves it (a copy of its first load where possible)."""
    if connection.vendor != "postgresql" or not _may_turn_triggers_off():
        loads["loader"] += 1
        return seed_load()
    before = table_states()
    copy = _copies.get(tuple(sorted(before.items())))
    if copy is not None:
        _write_back(copy)
        loads["copy"] += 1
        return copy.result
    result = seed_load()
    loads["loader"] += 1
    after = table_states()
    changed = [table for table in after if after[table] != before.get(table)]
    _copies[tuple(sorted(before.items()))] = _Copy(result, tuple(_read(table) for table in changed))
    return result


def table_states() -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of its rows in order)} for every table of the default database's models."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) "
        f"FROM {connection.ops.quote_name(table)} r"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {table: (rows, digest) for table, rows, digest in cursor.fetchall()}


def _may_turn_triggers_off() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        return cursor.fetchone()[0] == "on"


def _read(table: str) -> tuple[str, str, bytes]:
    with connection.cursor() as cursor:
        # Generated columns are computed again on COPY FROM, which takes none.
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND attgenerated = '' ORDER BY attnum",
            [connection.ops.quote_name(table)],
        )
        columns = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        quoted = connection.ops.quote_name(table)
        with cursor.cursor.copy(f"COPY (SELECT {columns} FROM {quoted}) TO STDOUT") as copy:
            data = b"".join(bytes(block) for block in copy)
    return table, columns, data


def _write_back(copy: _Copy) -> None:
    models = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    with transaction.atomic(), connection.cursor() as cursor:
        # No trigger fires, foreign keys' neither; until `origin` below, or the savepoint's rollback on an error.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns, data in copy.tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"DELETE FROM {quoted}")
            with cursor.cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as writer:
                writer.write(data)
        cursor.execute("SET LOCAL session_replication_role = origin")
        restored = [models[table] for table, _columns, _data in copy.tables if table in models]
        for sql in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(sql)
