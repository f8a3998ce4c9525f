"""trade_tradeflow partitioned by year on PostgreSQL (apps.trade.partitions, migration trade 0009): the migration
converts a table holding rows without losing one, every write path creates its year's partition, and a
year-filtered list, summary, mirror, search and CSV export read only that year's partition (EXPLAIN)."""

import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from apps.trade.partitions import (
    DetachedYear,
    partition_name,
    trade_flow_analyze,
    trade_flow_partitions,
    trade_flow_partitions_ensure,
)
from bench.queries import partitions_in_plan
from tests.factories import StateFactory, TradeFlowFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

BEFORE = ("trade", "0008_values_exact_decimal")
PARTITIONED = ("trade", "0009_trade_flow_partitioned_by_year")


def _rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM trade_tradeflow ORDER BY id")
        return cursor.fetchall()


def _relkind():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'trade_tradeflow'::regclass")
        return cursor.fetchone()[0]


def _primary_key():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'trade_tradeflow'::regclass"
            " AND contype = 'p'"
        )
        return cursor.fetchone()[0]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_migration_converts_a_table_with_rows_and_back_without_losing_one():
    _migrate(BEFORE)
    assert _relkind() == "r" and _primary_key() == "PRIMARY KEY (id)"
    kazakhstan, japan = StateFactory(), StateFactory()
    for year, month in ((1999, None), (2020, None), (2020, 3), (2024, 12)):
        TradeFlowFactory(reporter=kazakhstan, partner=japan, year=year, month=month, net_weight_kg=Decimal("1.5"))
    last = TradeFlowFactory(reporter=japan, partner=kazakhstan, year=2024).pk
    TradeFlow.objects.filter(pk=last).delete()  # its id must not be given again: the change feed names rows by id
    before = _rows()
    assert len(before) == 4

    _migrate(PARTITIONED)
    assert _relkind() == "p" and _primary_key() == "PRIMARY KEY (id, year)"
    assert _rows() == before
    names = [name for name, _, _ in trade_flow_partitions()]
    assert names == sorted(
        [partition_name(1999), partition_name(2020), partition_name(2024)]
        + ["trade_tradeflow_after_2100", "trade_tradeflow_before_1900"]
    )
    added = TradeFlowFactory(reporter=japan, partner=kazakhstan, year=2021)
    assert added.pk > last
    assert partition_name(2021) in [name for name, _, _ in trade_flow_partitions()]

    _migrate(BEFORE)
    assert _relkind() == "r" and _primary_key() == "PRIMARY KEY (id)"
    assert _rows()[:-1] == before and _rows()[-1][0] == added.pk
    _migrate(PARTITIONED)
    assert TradeFlowFactory(reporter=kazakhstan, partner=japan, year=2030).pk > added.pk


def _partition_exists(year):
    return partition_name(year) in [name for name, _, _ in trade_flow_partitions()]


def test_every_write_path_creates_its_years_partition(tmp_path):
    kazakhstan, japan = StateFactory(iso3="KAZ"), StateFactory(iso3="JPN")
    assert not any(_partition_exists(year) for year in (1991, 1992, 1993, 1994, 1995, 1996))
    flow = TradeFlowFactory(reporter=kazakhstan, partner=japan, year=1991)  # save()
    assert _partition_exists(1991)
    TradeFlow.objects.bulk_create([TradeFlowFactory.build(reporter=kazakhstan, partner=japan, year=1992)])
    assert _partition_exists(1992)
    TradeFlow.objects.filter(pk=flow.pk).update(year=1993)  # the row moves to its new year's partition
    assert _partition_exists(1993) and TradeFlow.objects.get(pk=flow.pk).year == 1993
    fixture = tmp_path / "flows.json"
    fields = {"reporter": kazakhstan.pk, "partner": japan.pk, "year": 1994, "flow": "X", "value_usd": "1.00"}
    fields |= {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    fixture.write_text(json.dumps([{"model": "trade.tradeflow", "pk": 990001, "fields": fields}]))
    call_command("loaddata", str(fixture), verbosity=0)  # raw saves
    assert _partition_exists(1994)
    # The importer: its COPY path, and its row-by-row path (taken with --skip-invalid).
    header = "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
    for year, options in ((1995, {}), (1996, {"skip_invalid": True, "rejects_path": tmp_path / "rejects.csv"})):
        path = tmp_path / f"{year}.csv"
        path.write_text(header + f"{year},,KAZ,JPN,X,TOTAL,100\n")
        summary = comtrade_import(paths=[path], **options)
        assert summary.inserted == 1 and summary.path_taken == ("copy" if not options else "python")
        assert _partition_exists(year)
    assert TradeFlow.objects.filter(year__range=(1991, 1996)).count() == 5


def test_a_year_outside_the_range_is_refused_by_its_check_and_gets_no_partition():
    assert trade_flow_partitions_ensure([1800, 2101, None, "abc"]) == []
    with pytest.raises(IntegrityError, match="trade_flow_year_in_range"), transaction.atomic():
        TradeFlowFactory(year=1800)
    assert not _partition_exists(1800)


def test_ensure_creates_once_and_says_what_it_created():
    assert trade_flow_partitions_ensure([1980, 1981, 1980]) == [1980, 1981]
    assert trade_flow_partitions_ensure([1980, 1981]) == []


def test_a_detached_year_is_documented_and_its_name_is_not_taken_over():
    """The procedure of docs/partitioning.md: detach a year (its rows leave the table, kept in their own
    table), and attach it back."""
    flow = TradeFlowFactory(year=1970)
    TradeFlowFactory(year=1971)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE trade_tradeflow DETACH PARTITION {partition_name(1970)}")
    assert not TradeFlow.objects.filter(year=1970).exists() and TradeFlow.objects.filter(year=1971).exists()
    with pytest.raises(DetachedYear, match="trade_tradeflow_y1970 exists but is not a partition"):
        TradeFlowFactory(year=1970)
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE trade_tradeflow ATTACH PARTITION {partition_name(1970)} FOR VALUES FROM (1970) TO (1971)"
        )
    assert TradeFlow.objects.get(year=1970) == flow


def test_ids_are_unique_across_years():
    ids = [TradeFlowFactory(year=year).pk for year in (2001, 2002, 2001, 2003)]
    assert len(set(ids)) == 4 and ids == sorted(ids)


# What each year-filtered request reads: its statements, EXPLAINed in the test's transaction.
YEAR = 2020
REQUESTS = {
    "list": f"/api/v1/trade-flows/?reporter=kazakhstan&flow=X&year={YEAR}",
    "list_range": f"/api/v1/trade-flows/?year_min={YEAR}&year_max={YEAR}",
    "summary": f"/api/v1/trade-flows/summary/?group_by=partner,year&year={YEAR}",
    "summary_share": f"/api/v1/trade-flows/summary/?group_by=partner&flow=X&share=world&year={YEAR}",
    "mirror": f"/api/v1/trade-flows/mirror/?reporter=kazakhstan&partner=japan&year_min={YEAR}&year_max={YEAR}",
    "search": f"/api/v1/trade-flows/?q=2612&year={YEAR}",
}


@pytest.fixture
def flows_of_three_years():
    kazakhstan, japan = StateFactory(slug="kazakhstan"), StateFactory(slug="japan")
    world = StateFactory(slug="world", iso3="W00")
    for year in (2019, 2020, 2021):
        for reporter, partner in ((kazakhstan, japan), (japan, kazakhstan), (kazakhstan, world)):
            for flow, commodity in (("X", "TOTAL"), ("M", "TOTAL"), ("X", "2612")):
                TradeFlowFactory(reporter=reporter, partner=partner, year=year, flow=flow, commodity_code=commodity)


def _explained_plans(client, url):
    """The EXPLAIN text of each statement reading trade flows that the request to `url` sends."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    plans = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            if "trade_tradeflow" in sql and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def _explained_partitions(client, url):
    return set().union(*(partitions_in_plan(plan) for plan in _explained_plans(client, url)))


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_a_year_filtered_request_reads_only_that_years_partition(api_client, flows_of_three_years, name):
    assert _explained_partitions(api_client, REQUESTS[name]) == {partition_name(YEAR)}


def test_the_year_filtered_csv_export_reads_only_that_years_partition(api_client, flows_of_three_years, monkeypatch):
    from apps.core.api import csv_export

    statements = []

    def recorded(*args, **kwargs):  # the statement the export hands to COPY, kept to be EXPLAINed
        statements.append(copy_sql(*args, **kwargs))
        return statements[-1]

    copy_sql = csv_export.copy_sql
    monkeypatch.setattr(csv_export, "copy_sql", recorded)
    response = api_client.get(f"/api/v1/trade-flows/?format=csv&year={YEAR}")
    assert response.status_code == 200 and len(b"".join(response.streaming_content).splitlines()) == 1 + 9
    (statement,) = statements
    select = statement.removeprefix("COPY (").removesuffix(") TO STDOUT (FORMAT csv)")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {select}")
        assert partitions_in_plan("\n".join(row[0] for row in cursor.fetchall())) == {partition_name(YEAR)}


def test_an_unfiltered_list_reads_every_year(api_client, flows_of_three_years):
    read = _explained_partitions(api_client, "/api/v1/trade-flows/?reporter=kazakhstan")
    assert {partition_name(year) for year in (2019, 2020, 2021)} <= read


def test_an_every_year_page_reads_each_partition_for_its_rows_and_its_count_only(api_client, flows_of_three_years):
    """The page's rows come from the page's own scan (apps.core.api.sql.SQLPage). Joined back to the table by id,
    each page id was looked up in every partition: 1,250 index probes for a page of 50 flows over 25 years, the
    1M benchmark's filtered list (docs/benchmarks.md, session 13)."""
    (plan,) = _explained_plans(api_client, "/api/v1/trade-flows/?reporter=kazakhstan&flow=X&year_min=2000")
    for year in (2019, 2020, 2021):
        scans = re.findall(rf" on {partition_name(year)}\b", plan)
        assert len(scans) == 2, plan  # the page's rows, the count


def test_a_flows_year_change_moves_it_and_the_feed_says_so(editor_client, flows_of_three_years):
    flow = TradeFlow.objects.filter(year=2019).first()
    response = editor_client.patch(f"/api/v1/trade-flows/{flow.pk}/", {"year": 1960}, format="json")
    assert response.status_code == 200, response.content
    assert _partition_exists(1960) and TradeFlow.objects.get(pk=flow.pk).year == 1960
    from apps.core.models import ChangeEvent

    event = ChangeEvent.objects.filter(resource="trade.tradeflow", object_id=str(flow.pk)).order_by("-id").first()
    assert event.action == "update" and event.row["year"] == 1960  # moved, under the same id


def _estimated_rows():
    ours = {partition_name(year) for year in (2019, 2020, 2021)}
    return {name: rows for name, _bound, rows in trade_flow_partitions() if name in ours}


def test_a_small_bulk_write_analyzes_only_its_years_and_a_large_one_the_whole_table(flows_of_three_years):
    # Analyzing all 27 partitions at 1M flows takes ~9 s, one year's 0.3 s: an import of one year into a large
    # table should not pay for the others (docs/partitioning.md).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trade_tradeflow")
    assert _estimated_rows() == {partition_name(year): 9 for year in (2019, 2020, 2021)}
    kazakhstan, japan = StateFactory(slug="kz-2"), StateFactory(slug="jp-2")
    for year in (2019, 2021):
        TradeFlowFactory(reporter=kazakhstan, partner=japan, year=year)
    assert trade_flow_analyze([2021], rows_written=1) == [partition_name(2021)]  # 1 < 10% of 27
    assert _estimated_rows() == {partition_name(2019): 9, partition_name(2020): 9, partition_name(2021): 10}
    assert trade_flow_analyze([2021], rows_written=3) == ["trade_tradeflow"]  # 3 >= 10% of 28
    assert _estimated_rows() == {partition_name(2019): 10, partition_name(2020): 9, partition_name(2021): 10}


def _partition_shape(year):
    """What the catalog says of a year's partition, its own name taken out: indexes, constraints, triggers,
    column defaults."""
    name = partition_name(year)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT replace(indexdef, %s, 'P') FROM pg_indexes WHERE tablename = %s ORDER BY 1", [name, name]
        )
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1, 2",
            [name],
        )
        constraints = [(conname.replace(name, "P"), definition) for conname, definition in cursor.fetchall()]
        cursor.execute(
            "SELECT tgname, replace(pg_get_triggerdef(oid), %s, 'P') FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
            " ORDER BY 1",
            [name, name],
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d"
            " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = %s::regclass"
            " ORDER BY 1",
            [name],
        )
        defaults = cursor.fetchall()
    return indexes, constraints, triggers, defaults


def test_an_imported_new_year_is_written_before_its_partition_is_attached_and_ends_like_any_other(tmp_path):
    """The importer writes the rows of a year the table lacks into its new partition, then attaches it (its
    indexes built in one pass each): the partition ends exactly as one created empty (same indexes, keys,
    triggers and no default or CHECK of its own), its ids come from the one sequence, and the feed holds
    every row as stored."""
    from apps.core.models import ChangeEvent

    StateFactory(iso3="KAZ"), StateFactory(iso3="JPN")
    assert trade_flow_partitions_ensure([1988]) == [1988]  # made empty, the usual way
    earlier = TradeFlowFactory(year=1988).pk
    header = "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue,qty,qtyUnitAbbr\n"
    path = tmp_path / "flows.csv"
    path.write_text(
        header + "1989,,KAZ,JPN,X,TOTAL,100,,\n1989,3,KAZ,JPN,M,2612,5.5,12.125,kg\n1988,,KAZ,JPN,X,TOTAL,7,,\n"
    )
    summary = comtrade_import(paths=[path])
    assert (summary.inserted, summary.path_taken) == (3, "copy")
    assert _partition_shape(1989) == _partition_shape(1988)
    assert _partition_exists(1989)
    flows = {flow.pk: flow for flow in TradeFlow.objects.filter(year__in=(1988, 1989)).exclude(pk=earlier)}
    assert len(flows) == 3 and min(flows) > earlier
    events = ChangeEvent.objects.filter(resource="trade.tradeflow", object_id__in=[str(pk) for pk in flows])
    assert sorted((int(e.object_id), e.action) for e in events) == [(pk, "create") for pk in sorted(flows)]
    with connection.cursor() as cursor:  # each event's row is the row as stored, exactly (jsonb equality)
        cursor.execute(
            "SELECT count(*) FROM core_changeevent e JOIN trade_tradeflow t ON e.object_id = t.id::text"
            " WHERE e.resource = 'trade.tradeflow' AND t.id = ANY(%s) AND e.row = to_jsonb(t)",
            [list(flows)],
        )
        assert cursor.fetchone()[0] == 3
    # A new year's rows repeating a key are refused, naming the line; nothing is written, no partition left.
    path.write_text(header + "1987,,KAZ,JPN,X,TOTAL,100,,\n1987,,KAZ,JPN,X,TOTAL,200,,\n")
    with pytest.raises(ComtradeError, match="repeats the row at"):
        comtrade_import(paths=[path])
    assert not _partition_exists(1987) and not TradeFlow.objects.filter(year=1987).exists()


def test_the_import_compares_the_files_rows_with_the_stored_flows_of_the_files_years_only(tmp_path):
    """The COPY path stages a file by year and compares it with the partitions of the years it has rows of only
    (EXPLAIN of the compare): one file holding an unchanged row, a revised one, a row whose year is written "02021"
    and a new year, beside a stored year it lacks, gives the counts, rows and feed events of a whole-table compare."""
    from apps.core.models import ChangeEvent

    StateFactory(iso3="KAZ"), StateFactory(iso3="JPN")
    header = "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue,qty,qtyUnitAbbr\n"
    stored = ["2020,,KAZ,JPN,X,TOTAL,100,,\n", "2020,3,KAZ,JPN,M,2612,5.5,12.125,kg\n", "2021,,KAZ,JPN,X,TOTAL,7,,\n"]
    path = tmp_path / "flows.csv"
    path.write_text(header + "".join(stored) + "2019,,KAZ,JPN,X,TOTAL,1,,\n")
    assert comtrade_import(paths=[path]).inserted == 4
    before = {flow.pk: (flow.year, flow.value_usd, flow.updated_at) for flow in TradeFlow.objects.all()}
    last_event = ChangeEvent.objects.order_by("id").last().id
    revised = stored[1].replace(",5.5,", ",6.5,")
    path.write_text(header + stored[0] + revised + "02021,,KAZ,JPN,X,TOTAL,7,,\n" + "2022,,KAZ,JPN,X,TOTAL,9,,\n")
    compares = []

    def explain_compares(execute, sql, params, many, context):
        if not sql.startswith("EXPLAIN") and "comtrade_diff" in sql and "LEFT JOIN trade_tradeflow t ON" in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                compares.append(sorted(partitions_in_plan("\n".join(line for (line,) in cursor.fetchall()))))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_compares):
        summary = comtrade_import(paths=[path])
    assert compares == [["trade_tradeflow_y2020", "trade_tradeflow_y2021"]]
    assert (summary.path_taken, summary.inserted, summary.updated, summary.unchanged) == ("copy", 1, 1, 2)
    after = {flow.pk: (flow.year, flow.value_usd, flow.updated_at) for flow in TradeFlow.objects.all()}
    (changed,) = [pk for pk in before if after[pk] != before[pk]]
    (new,) = set(after) - set(before)
    assert after[changed][:2] == (2020, Decimal("6.50")) and after[new][:2] == (2022, Decimal("9.00"))
    events = ChangeEvent.objects.filter(id__gt=last_event, resource="trade.tradeflow")
    assert sorted((e.object_id, e.action) for e in events) == sorted([(str(changed), "update"), (str(new), "create")])
    compares.clear()
    with connection.execute_wrapper(explain_compares):
        assert comtrade_import(paths=[path]).unchanged == 4
    assert compares == [["trade_tradeflow_y2020", "trade_tradeflow_y2021", "trade_tradeflow_y2022"]]


def test_a_fill_that_fails_leaves_no_table_behind():
    """A year's table is created, filled and attached in one transaction: if writing its rows fails, no table is
    left holding the year's name (it would make every later write of the year a DetachedYear)."""

    def fail(table, year):
        raise RuntimeError("the rows could not be written")

    with pytest.raises(RuntimeError, match="could not be written"):
        trade_flow_partitions_ensure([1977], fill=fail)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(1977)])
        assert cursor.fetchone()[0] is None
    assert trade_flow_partitions_ensure([1977]) == [1977]
