"""trade_tradeflow partitioned by year on PostgreSQL (declarative RANGE partitioning on `year`); SQLite keeps
one table and the model's state is unchanged (Django still knows `id` as the primary key).

Forward: the table is renamed aside, a partitioned table is made LIKE it (columns, defaults, identity, CHECK
constraints), one partition per year present (`trade_tradeflow_y<year>`) and the two out-of-range
partitions are created, every row is copied with its id, then the primary key (id, year), the indexes and
the foreign keys are put back under their names, the id sequence goes on from where it was, the row count is
compared, and the old table is dropped. Backward: the same into one table with the primary key (id).
The change feed's triggers are re-installed by `migrate` itself (post_migrate, apps.core.change_capture).
The bounds below are this migration's copy of apps.trade.models.YEAR_MIN / YEAR_MAX.
"""

from django.db import migrations

TABLE = "trade_tradeflow"
ASIDE = "trade_tradeflow_unpartitioned"
YEAR_MIN, YEAR_MAX = 1900, 2100


def _one(cursor, sql, params=None):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def _rebuild(schema_editor, *, partitioned):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction leave deferred foreign-key checks pending, and PostgreSQL
        # refuses to ALTER a table with pending trigger events: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        if (_one(cursor, "SELECT relkind FROM pg_class WHERE oid = %s::regclass", [TABLE]) == "p") == partitioned:
            return
        # What the table has, read before it is renamed (so the definitions name trade_tradeflow).
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = %s
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.conname = i.indexname)
            ORDER BY i.indexname
            """,
            [TABLE, TABLE],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('f', 'p', 'u', 'x') ORDER BY conname",
            [TABLE],
        )
        constraints = cursor.fetchall()
        unexpected = [name for name, kind, _ in constraints if kind in ("u", "x")]
        if unexpected:  # a unique constraint without the year cannot hold on a partitioned table
            raise RuntimeError(f"{TABLE}: unique constraints {unexpected} must be unique indexes to be carried over")
        primary_key = next(name for name, kind, _ in constraints if kind == "p")
        foreign_keys = [(name, definition) for name, kind, definition in constraints if kind == "f"]
        sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
        rows = _one(cursor, f"SELECT count(*) FROM {TABLE}")

        # Aside: the old table keeps its rows; its index names are freed for the new one.
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {ASIDE}")
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {ASIDE}_id_seq")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f'ALTER TABLE {ASIDE} DROP CONSTRAINT "{primary_key}"')

        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {ASIDE} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS"
            f" INCLUDING STORAGE INCLUDING COMMENTS){' PARTITION BY RANGE (year)' if partitioned else ''}"
        )
        if partitioned:
            cursor.execute(
                f"CREATE TABLE {TABLE}_before_{YEAR_MIN} PARTITION OF {TABLE} FOR VALUES FROM (MINVALUE) TO ({YEAR_MIN})"
            )
            cursor.execute(
                f"CREATE TABLE {TABLE}_after_{YEAR_MAX} PARTITION OF {TABLE}"
                f" FOR VALUES FROM ({YEAR_MAX + 1}) TO (MAXVALUE)"
            )
            cursor.execute(f"SELECT DISTINCT year FROM {ASIDE} ORDER BY year")
            for (year,) in cursor.fetchall():
                cursor.execute(
                    f"CREATE TABLE {TABLE}_y{year:04d} PARTITION OF {TABLE} FOR VALUES FROM ({year}) TO ({year + 1})"
                )
        # Same columns in the same order (LIKE), ids kept (the identity is BY DEFAULT).
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {ASIDE}")
        copied = cursor.rowcount
        if copied != rows:
            raise RuntimeError(f"{TABLE}: {rows} rows before, {copied} copied; nothing is changed")
        key = "id, year" if partitioned else "id"
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{primary_key}" PRIMARY KEY ({key})')
        for _, definition in indexes:
            # A partitioned table's index is written `ON ONLY`; on the new table it must cover every partition.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        new_sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        if _one(cursor, f"SELECT count(*) FROM {TABLE}") != rows:
            raise RuntimeError(f"{TABLE}: the row count changed during the copy; nothing is changed")
        cursor.execute(f"DROP TABLE {ASIDE}")
        cursor.execute(f"ANALYZE {TABLE}")


def partition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("trade", "0008_values_exact_decimal"),
        # Its search index (trade_flow_search_idx) is carried over with the others.
        ("search", "0002_stated_trade_figure_indexes"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
