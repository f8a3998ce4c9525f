"""Requests/s on loopback with wrk: catrack under gunicorn against Datasette serving the same rows from SQLite."""

import contextlib
import itertools
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
# What a deployment runs (gthread workers with 4 threads each, access log on): named explicitly, so the
# measurement does not depend on the directory the script starts in (gunicorn reads ./gunicorn.conf.py).
GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(command, port, env=None, timeout=30, ready_path=None):
    """Run a server until the block ends (the block gets its Popen); wait until it accepts connections on
    127.0.0.1:port and, with `ready_path`, until it answers a GET of that path (any HTTP status). gunicorn's master
    listens at once while its workers still import the app (seconds on a loaded machine: 7 s for the first answer
    at load 6, session 15), so before `ready_path` a 1 s warm-up could end before any worker served, and the first
    turn measured them starting (session 13's slow first turns)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited: {process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                if ready_path is not None:
                    _answer(f"http://127.0.0.1:{port}{ready_path}", timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not start within {timeout} s") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _answer(url, *, timeout):
    """GET url; returns once the server has answered, whatever the status (an HTTPError is an answer)."""
    try:
        urllib.request.urlopen(url, timeout=timeout).read()
    except urllib.error.HTTPError:
        pass


def wrk(url, seconds, connections=8):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests_per_s": rate, "non_2xx": int(errors.group(1)) if errors else 0}


def build_sqlite(database_url, path):
    """The trade flows as an analyst would put them in SQLite for Datasette: one table, actors by slug."""
    import psycopg

    path = Path(path)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE trade_flows (id INTEGER PRIMARY KEY, reporter TEXT, partner TEXT, year INTEGER,"
        " month INTEGER, flow TEXT, commodity_code TEXT, value_usd REAL, net_weight_kg REAL,"
        " quantity REAL, quantity_unit TEXT)"
    )
    with psycopg.connect(database_url) as pg, pg.cursor() as cursor:
        with cursor.copy(
            "COPY (SELECT t.id, r.slug, p.slug, t.year, t.month, t.flow, t.commodity_code, t.value_usd,"
            " t.net_weight_kg, t.quantity, t.quantity_unit FROM trade_tradeflow t"
            " JOIN actors_actor r ON r.id = t.reporter_id JOIN actors_actor p ON p.id = t.partner_id)"
            " TO STDOUT"
        ) as copy:
            db.executemany("INSERT INTO trade_flows VALUES (?,?,?,?,?,?,?,?,?,?,?)", copy.rows())
    # The index a careful analyst would add for this query.
    db.execute("CREATE INDEX trade_flows_reporter_flow_year ON trade_flows (reporter, flow, year)")
    db.commit()
    db.close()
    return path


def worker_pids(master_pid):
    """The pids of a gunicorn master's workers (its child processes), from /proc (Linux)."""
    children = set()
    for task in Path(f"/proc/{master_pid}/task").glob("*/children"):
        children |= {int(pid) for pid in task.read_text().split()}
    return children


def time_http(*, database_url, api_path, datasette_path, sqlite_path, seconds, env, rounds=4):
    """wrk against gunicorn (gunicorn.conf.py, 2 workers) and Datasette, same query; None for a server not available.

    Both servers run side by side and are measured in turns, `rounds` runs of seconds/rounds each, the order
    alternating (gunicorn first, then Datasette first, ...), so a drift of the machine (the checkpoint and
    autovacuum after the 1M load) weighs on both alike; before 2026-12-01 gunicorn always ran first. A
    server's figure: its requests over its seconds in all rounds, with the rates of the rounds beside it.
    Four rounds since session 8: on a shared machine one server's rounds of 5 s ranged from 188 to 292 req/s.
    Also counted, after each turn: gunicorn workers replaced while measured (max_requests), each a new worker's
    start-up inside the figure (session 9: at max_requests 2000 that cost 12% of the rate).
    """
    servers = {}
    with contextlib.ExitStack() as stack:
        if api_path:
            port = free_port()
            command = [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(GUNICORN_CONF),
                "catrack.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ]
            gunicorn = stack.enter_context(serving(command, port, env=env, timeout=90, ready_path=api_path))
            servers["gunicorn"] = f"http://127.0.0.1:{port}{api_path}"
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
            "suggest_facets",
            "off",
        ]
        stack.enter_context(serving(command, port, env={**os.environ}, timeout=90, ready_path=datasette_path))
        servers["datasette"] = f"http://127.0.0.1:{port}{datasette_path}"
        for url in servers.values():
            wrk(url, 1)  # warm the workers' connections and caches
        runs = {name: [] for name in servers}
        workers = [worker_pids(gunicorn.pid)] if api_path else []
        for turn in range(rounds):
            for name in list(servers) if turn % 2 == 0 else list(servers)[::-1]:
                runs[name].append(wrk(servers[name], max(1, seconds // rounds)))
                if workers:
                    workers.append(worker_pids(gunicorn.pid))
        # Workers gone from one look to the next (a worker replaced twice between two looks counts once).
        # None where the first look found no workers (no /proc/<pid>/task/*/children): unknown, not 0.
        workers_replaced = sum(len(a - b) for a, b in itertools.pairwise(workers)) if workers and workers[0] else None
    results = {"gunicorn": None}
    for name, measured in runs.items():
        results[name] = {
            "requests_per_s": sum(r["requests_per_s"] for r in measured) / len(measured),
            "non_2xx": sum(r["non_2xx"] for r in measured),
            "rounds": [round(r["requests_per_s"], 1) for r in measured],
        }
    if results["gunicorn"] is not None:
        results["gunicorn"]["workers_replaced"] = workers_replaced
    return results
