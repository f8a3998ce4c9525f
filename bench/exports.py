"""CSV of the whole trade-flow table: catrack's `format=csv` against `psql \\copy` of the same query and Datasette.

The floor is psql writing the very statement the API's COPY runs (apps.core.api.csv_export.copy_sql);
the API is gunicorn streaming /api/v1/trade-flows/?format=csv; Datasette streams the same rows from
SQLite (`.csv?_stream=on`). Each is read to the end over loopback, the time taken is compared.
time_list_csv: the lists with many-to-many and partial-date columns (summits, pledges), COPY against
the Python writer of the same columns, in process.
"""

import hashlib
import subprocess
import time
import urllib.request

from bench.memory import peak_rss
from bench.web import VENV_BIN, free_port, serving, worker_pids

API_PATH = "/api/v1/trade-flows/?format=csv"
DATASETTE_PATH = "/trade/trade_flows.csv?_stream=on&_size=max&_sort=id"


def _read_all(url):
    """(seconds, bytes, lines) to read a streamed response to its end."""
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(url, timeout=600) as response:
        while chunk := response.read(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, size, lines


def api_copy_select(query=""):
    """The SELECT the API's `format=csv` of the trade flows hands to COPY (the view's queryset and order), of every
    flow or of those `query` (the list's filters, e.g. 'year=2020') matches."""
    from django.http import QueryDict

    from apps.core.api.csv_export import copy_sql, csv_columns_for
    from apps.trade.api.views import TradeFlowViewSet

    queryset = TradeFlowViewSet.queryset.model.objects.order_by(*TradeFlowViewSet.queryset.model._meta.ordering)
    if query:
        queryset = TradeFlowViewSet.filterset_class(QueryDict(query), queryset=queryset).qs
    statement = copy_sql(queryset, csv_columns_for(queryset.model))
    return statement.removeprefix("COPY (").removesuffix(") TO STDOUT (FORMAT csv)")


def time_csv_exports(*, database_url, sqlite_path, env, rows):
    """Rows/s of the three ways to the same CSV, and the API's time over the floor's and Datasette's."""
    select = api_copy_select()
    started = time.perf_counter()
    psql = subprocess.run(
        ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-c", f"\\copy ({select}) to stdout (format csv)"],
        check=True,
        capture_output=True,
    )
    floor = {"seconds": time.perf_counter() - started, "bytes": len(psql.stdout), "lines": psql.stdout.count(b"\n")}
    del psql
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "catrack.wsgi:application",
        "--workers",
        "2",
        "--timeout",
        "600",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    with serving(command, port, env=env) as master:
        _read_all(f"http://127.0.0.1:{port}/api/v1/trade-flows/?format=csv&year=1900")  # warm a worker
        # The workers' resident memory while one streams every row: flat means the rows pass through.
        with peak_rss(lambda: worker_pids(master.pid)) as memory:
            seconds, size, lines = _read_all(f"http://127.0.0.1:{port}{API_PATH}")
    api = {"seconds": seconds, "bytes": size, "lines": lines, "workers_rss_mb": memory}
    port = free_port()
    command = [
        str(VENV_BIN / "datasette"),
        "serve",
        "--immutable",
        str(sqlite_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "max_csv_mb",
        "0",
        "--setting",
        "sql_time_limit_ms",
        "600000",
    ]
    with serving(command, port):
        seconds, size, lines = _read_all(f"http://127.0.0.1:{port}{DATASETTE_PATH}")
    datasette = {"seconds": seconds, "bytes": size, "lines": lines}
    for result in (floor, api, datasette):
        result["rows_per_s"] = rows / result["seconds"]
    return {
        "rows": rows,
        "psql_copy": floor,
        "api": api,
        "datasette": datasette,
        "api_over_floor": api["seconds"] / floor["seconds"],
        "api_over_datasette": api["seconds"] / datasette["seconds"],
    }


LIST_CSV = ("summits", "pledges")  # lists with many-to-many and partial-date columns


def time_list_csv(prefixes=LIST_CSV):
    """Rows/s of each list's whole CSV in this process: PostgreSQL's COPY (the API's path) against the
    Python writer of the same columns and rows (SQLite's path), both read to the end; and whether the
    two wrote the same bytes."""
    from apps.core.api import csv_export
    from catrack.urls import router

    viewsets = {prefix: viewset for prefix, viewset, _ in router.registry}
    results = {}
    for prefix in prefixes:
        queryset = viewsets[prefix].queryset.all()
        queryset = queryset.order_by(*queryset.model._meta.ordering, "pk")
        columns = csv_export.csv_columns_for(queryset.model)
        rows = queryset.count()
        timed = {}
        for name, writer in (("copy", csv_export._copy_chunks), ("python", csv_export._python_lines)):
            started = time.perf_counter()
            digest, size = hashlib.sha256(), 0
            for chunk in writer(queryset, columns):
                digest.update(chunk)
                size += len(chunk)
            seconds = time.perf_counter() - started
            timed[name] = {
                "seconds": seconds,
                "rows_per_s": rows / seconds,
                "bytes": size,
                "sha256": digest.hexdigest(),
            }
        results[prefix] = {
            "rows": rows,
            **timed,
            "same_bytes": timed["copy"]["sha256"] == timed["python"]["sha256"],
            "python_over_copy": timed["python"]["seconds"] / timed["copy"]["seconds"],
        }
    return results
