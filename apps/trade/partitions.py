"""trade_tradeflow's partitions by year on PostgreSQL (declarative range partitioning on `year`).

One partition per year, `trade_tradeflow_y<year>`, holding FROM (year) TO (year + 1); two more hold the years
outside YEAR_MIN..YEAR_MAX (`trade_tradeflow_before_<YEAR_MIN>`, `trade_tradeflow_after_<YEAR_MAX>`) and stay
empty: a row routed there is refused by the CHECK constraint trade_flow_year_in_range, by its name, as on
SQLite. There is no DEFAULT partition: attaching a year would then lock and scan it.

A year's partition is created before its first row is written, by trade_flow_partitions_ensure, the one
function every write path calls: Model.save() and loaddata (the pre_save receiver below), the QuerySet's
bulk_create / bulk_update / update (apps.trade.models.TradeFlowQuerySet) and the importer's SQL merge
(apps.trade.importers). Migration trade 0009 converted the table; docs/partitioning.md says why the keys are
as they are and how to detach or drop a year. SQLite keeps one table: everything here is a no-op there.
"""

from collections.abc import Callable, Iterable

from django.db import connections, transaction

PARENT = "trade_tradeflow"


class DetachedYear(Exception):
    """A year's partition name is taken by a table that is not attached (a year detached and kept)."""


def partition_name(year: int) -> str:
    """The partition of `year` (e.g. 2024 → 'trade_tradeflow_y2024')."""
    return f"{PARENT}_y{year:04d}"


def _in_range_years(years: Iterable[object]) -> list[int]:
    from apps.trade.models import YEAR_MAX, YEAR_MIN

    wanted = set()
    for year in years:
        try:
            number = int(year)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            continue  # not a year: the write itself fails and says so
        if YEAR_MIN <= number <= YEAR_MAX:
            wanted.add(number)
    return sorted(wanted)


_MISSING_SQL = f"""
    SELECT y FROM unnest(%s::int[]) AS y
    WHERE (SELECT relkind FROM pg_class WHERE oid = to_regclass('{PARENT}')) = 'p'
      AND NOT EXISTS (
          SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = to_regclass('{PARENT}') AND c.relname = '{PARENT}_y' || lpad(y::text, 4, '0')
      )
    ORDER BY y
"""


def trade_flow_partitions_ensure(
    years: Iterable[object], *, using: str = "default", fill: Callable[[str, int], object] | None = None
) -> list[int]:
    """Create the partition of each year of `years` that trade_tradeflow lacks; return those years, sorted.

    `years`: ints (other values are skipped: the write they come with fails on its own). Years outside
    YEAR_MIN..YEAR_MAX get no partition (their rows go to the out-of-range partitions, whose CHECK refuses
    them). A no-op returning [] on SQLite and while the table is not partitioned (before migration trade
    0009). Costs one catalog query when every partition exists.

    The partition is created apart and then attached (ALTER TABLE ... ATTACH PARTITION), which locks the
    parent in SHARE UPDATE EXCLUSIVE mode only, so readers and other writers are not blocked, whereas
    CREATE TABLE ... PARTITION OF would lock it ACCESS EXCLUSIVE to the end of the transaction (an import's).
    It runs in the caller's transaction: rolled back with it. Creators first take the change feed's lock
    (apps.core.change_capture.lock_change_feed; every writer takes it before any other lock), then look again,
    so two writers of a new year create it once and cannot deadlock.

    `fill(table, year)`, if given, writes the year's rows into its new table before it is attached (the
    importer's merge): the rows are then written without indexes, foreign keys or unique keys to keep up, and
    ATTACH builds each index in one sorted pass and checks each key in one query, instead of one index entry and
    one key check per row (docs/partitioning.md, "A new year's rows"). Its writes reach the change feed as the
    parent's do (apps.core.change_capture.captured_as); ids come from the parent's sequence. A row breaking a
    unique or foreign key makes the ATTACH fail, and with it the caller's transaction.

    Raises DetachedYear when the name is taken by a table that is not a partition (a detached year: attach
    it back or rename it, docs/partitioning.md).
    """
    connection = connections[using]
    wanted = _in_range_years(years)
    if connection.vendor != "postgresql" or not wanted:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_MISSING_SQL, [wanted])
        if not cursor.fetchall():
            return []
        from apps.core.change_capture import lock_change_feed

        # One transaction (a savepoint in the caller's): a year's table is never left created but not attached.
        with transaction.atomic(using=using):
            lock_change_feed(using)
            cursor.execute(_MISSING_SQL, [wanted])
            missing = [year for (year,) in cursor.fetchall()]
            for year in missing:
                _create_partition(cursor, year, fill, using)
    return missing


def _create_partition(cursor, year: int, fill: Callable[[str, int], object] | None, using: str) -> None:
    """Create, fill (with `fill`, if any) and attach the partition of `year` (see trade_flow_partitions_ensure)."""
    name = partition_name(year)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        raise DetachedYear(
            f"{name} exists but is not a partition of {PARENT} (a detached year?): attach it back "
            f"or rename it before writing flows of {year} (docs/partitioning.md)."
        )
    # LIKE copies the columns, their defaults and CHECK constraints (ATTACH requires them); ATTACH
    # adds the parent's indexes, foreign keys and row triggers. No identity: ids come from the parent's.
    cursor.execute(f'CREATE TABLE "{name}" (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    if fill is not None:
        _fill_before_attach(cursor, name, year, fill, using)
    cursor.execute(f'ALTER TABLE {PARENT} ATTACH PARTITION "{name}" FOR VALUES FROM ({year}) TO ({year + 1})')
    if fill is not None:
        cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{name}_bound"')


def _fill_before_attach(cursor, name: str, year: int, fill: Callable[[str, int], object], using: str) -> None:
    """Write the rows of `year` into `name`, a new table not yet attached (see trade_flow_partitions_ensure)."""
    from apps.core.change_capture import captured_as
    from apps.trade.models import TradeFlow

    # Ids from the parent's identity sequence, as a row written through the parent gets (no default after).
    cursor.execute(f"SELECT pg_get_serial_sequence('{PARENT}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE \"{name}\" ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")
    # The partition's bound as a CHECK: ATTACH then knows every row belongs, without reading them again.
    cursor.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_bound" CHECK (year >= {year} AND year < {year + 1})')
    with captured_as(name, TradeFlow._meta.label_lower, using=using):
        fill(name, year)
    cursor.execute(f'ALTER TABLE "{name}" ALTER COLUMN id DROP DEFAULT')


def trade_flow_partition_years(*, using: str = "default") -> list[int] | None:
    """The years that have a partition of trade_tradeflow, sorted; None on SQLite or while the table is not
    partitioned. A stored flow's year is always one of them: the other partitions (out of range) stay empty."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT (SELECT relkind FROM pg_class WHERE oid = to_regclass('{PARENT}')) = 'p',
                   ARRAY(SELECT substring(c.relname FROM '^{PARENT}_y([0-9]{{4}})$')::int
                         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                         WHERE i.inhparent = to_regclass('{PARENT}') AND c.relname ~ '^{PARENT}_y[0-9]{{4}}$'
                         ORDER BY 1)
        """)
        partitioned, years = cursor.fetchone()
    return years if partitioned else None


def trade_flow_partitions(*, using: str = "default") -> list[tuple[str, str, int]]:
    """[(partition name, bound as PostgreSQL writes it, estimated rows)] of trade_tradeflow, in bound order;
    [] on SQLite or while the table is not partitioned."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass('{PARENT}')
            ORDER BY c.relname
        """)
        return [(name, bound, max(rows, 0)) for name, bound, rows in cursor.fetchall()]


# A write of at least this share of the table's rows analyzes the whole table (autovacuum's default
# autovacuum_analyze_scale_factor, 0.1); a smaller one only the partitions of its years.
WHOLE_TABLE_ANALYZE_SHARE = 0.1


def trade_flow_analyze(years: Iterable[object], *, rows_written: int, using: str = "default") -> list[str]:
    """ANALYZE what a bulk write (the importer's merge) changed, so that readers and the next import plan with the
    new sizes; returns the tables analyzed, in order.

    `years`: the years whose rows were inserted or updated; `rows_written`: how many. A write of at least
    WHOLE_TABLE_ANALYZE_SHARE of the rows the table held (its partitions' `reltuples`) analyzes trade_tradeflow
    whole: the parent's statistics over every year, which autovacuum never takes for a partitioned table, and each
    partition. A smaller write analyzes only its years' partitions; the parent's statistics then wait for a larger
    write. Why: at 1M flows the whole table takes about 9 s (27 partitions, 12 indexes each, one an expression
    over text), one year's partition 0.3 s (docs/partitioning.md). On SQLite, nothing; on a table that is not
    partitioned, the whole table."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    partitions = {name: rows for name, _bound, rows in trade_flow_partitions(using=using)}
    held = sum(partitions.values())
    wanted = [partition_name(year) for year in _in_range_years(years)]
    if not partitions or rows_written >= WHOLE_TABLE_ANALYZE_SHARE * held or not set(wanted) <= set(partitions):
        tables = [PARENT]
    else:
        tables = wanted
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    return tables


def ensure_partition_before_save(sender, instance, raw=False, using="default", **kwargs):
    """pre_save receiver of TradeFlow: every save() (API, admin, factories, reverts) and loaddata (raw) first
    makes sure the row's year has its partition."""
    trade_flow_partitions_ensure([instance.year], using=using)
