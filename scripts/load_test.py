#!/usr/bin/env python
"""Load test: run catrack under gunicorn (production settings) on 127.0.0.1 and drive it with wrk.

Representative read traffic is spread round-robin over list, filter and detail requests (API paths
when the API is installed; otherwise the health check, the admin login page and a static file). Prints
requests/s, latency percentiles, the error count, and whether any gunicorn worker crashed; exits
non-zero on errors or a crash.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catrack_load .venv/bin/python scripts/load_test.py --duration 60

The database is migrated (and seeded once, if `manage.py seed` exists) first. API throttling is
raised for the run: the point is the application's throughput, not the throttle's (tests cover that).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_SCRIPT = r"""
paths = {%(paths)s}
local counter = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0 end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["X-Forwarded-Proto"] = "https", ["Accept"] = "application/json"})
end
function response(status, headers, body)
  if status >= 400 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local http_errors = 0
  for _, thread in ipairs(threads) do http_errors = http_errors + thread:get("errors") end
  io.write("RESULT ", string.format(
    '{"requests": %%d, "duration_us": %%d, "bytes": %%d, "http_errors": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.0f}\n',
    summary.requests, summary.duration, summary.bytes, http_errors, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""
CRASH_PATTERNS = re.compile(r"WORKER TIMEOUT|was sent SIG(KILL|SEGV)|exited with code|Traceback|Worker failed to boot")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def django_has_command(env, name):
    result = subprocess.run(
        [sys.executable, "manage.py", "help", name],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def fetch_json(url):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _rows(base_url, path):
    page = fetch_json(f"{base_url}{path}")
    return page.get("results", []) if isinstance(page, dict) else page


def _detail_path(base_url, list_path, row):
    """The row's detail path: by slug where the resource is addressed by slug, else by id (pledges and trade
    measures carry a slug, their fixture key, but are addressed by id): the first of the two that answers."""
    candidates = [f"{list_path}{row['slug']}/"] if row.get("slug") else []
    for path in candidates:
        try:
            fetch_json(f"{base_url}{path}")
            return path
        except Exception:  # 404: not addressed by slug
            pass
    return f"{list_path}{row['id']}/"


def representative_paths(base_url, static_root):
    """List, filter and detail requests of the API, with filter values taken from the data itself."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    fallback = ["/healthz", "/admin/login/", f"/static/{manifest['admin/css/base.css']}"]
    try:
        fetch_json(f"{base_url}/api/v1/")
    except Exception:  # no API in this checkout
        return fallback
    paths = []
    for resource in ("summits", "pledges", "actors", "documents", "trade-flows", "sources"):
        list_path = f"/api/v1/{resource}/"
        rows = _rows(base_url, list_path)
        paths.append(list_path)
        if rows:
            paths.append(_detail_path(base_url, list_path, rows[0]))
    pledges = _rows(base_url, "/api/v1/pledges/")
    if pledges:
        paths.append(f"/api/v1/pledges/?donor={pledges[0]['donor']['slug']}&ordering=-amount_usd")
        paths.append(f"/api/v1/pledges/{pledges[0]['id']}/history/")
    summits = _rows(base_url, "/api/v1/summits/")
    if summits:
        paths.append(f"/api/v1/summits/?summit_format={summits[0]['format']['slug']}")
    flows = _rows(base_url, "/api/v1/trade-flows/")
    if flows:
        paths.append(f"/api/v1/trade-flows/?reporter={flows[0]['reporter']['slug']}&year_min={flows[0]['year']}")
    paths.append("/api/v1/actors/?kind=state&page_size=100")
    return paths


POPULATE = """
from apps.summits.models import Summit
if not Summit.objects.exists():
    from tests import factories
    states = [factories.StateFactory() for _ in range(12)]
    for n in range(60):
        summit = factories.SummitFactory()
        for state in states[n % 6:n % 6 + 4]:
            factories.SummitParticipantFactory(summit=summit, actor=state)
        factories.CitationFactory(fact=summit)
        factories.PledgeFactory(summit=summit, donor=states[n % 12])
        factories.TradeFlowFactory(reporter=states[n % 12], partner=states[(n + 1) % 12])
    print("populated", Summit.objects.count(), "summits")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    options = parser.parse_args()
    if not options.database_url:
        parser.error("give --database-url or set DATABASE_URL (PostgreSQL: several workers write the cache)")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="catrack-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catrack.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "DATABASE_URL": options.database_url,
        "STATIC_ROOT": str(workdir / "static"),
        "THROTTLE_ANON": "100000000/minute",
        "THROTTLE_USER": "100000000/minute",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",  # an access line per request would measure the terminal, not the app
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    if options.workers:
        env["WEB_CONCURRENCY"] = str(options.workers)
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "createcachetable")
    if django_has_command(env, "seed"):
        manage(env, "seed", "--once")
    else:  # until the seed command exists: synthetic rows from the test factories (dev requirements)
        manage(env, "shell", "--no-imports", "-c", POPULATE)
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")

    log_path = workdir / "gunicorn.log"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base_url}/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit(f"gunicorn exited:\n{log_path.read_text()}")
                time.sleep(0.5)
        paths = representative_paths(base_url, workdir / "static")
        lua = workdir / "paths.lua"
        lua.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})
        print(f"Driving {base_url} for {options.duration} s, {options.connections} connections, paths:")
        for path in paths:
            print(f"  {path}")
        wrk = subprocess.run(
            [
                "wrk",
                "--latency",
                "-t",
                str(options.threads),
                "-c",
                str(options.connections),
                "-d",
                f"{options.duration}s",
                "--timeout",
                "10s",
                "-s",
                str(lua),
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        workers_alive = server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    result = json.loads(wrk.stdout.split("RESULT ", 1)[1].splitlines()[0])
    log = log_path.read_text()
    crashes = CRASH_PATTERNS.findall(log)
    errors = result["http_errors"] + sum(result[k] for k in ("connect", "read", "write", "timeout"))
    summary = {
        "duration_s": round(result["duration_us"] / 1e6, 1),
        "requests": result["requests"],
        "requests_per_s": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "latency_ms": {k: round(result[k] / 1000, 1) for k in ("mean", "p50", "p90", "p99", "max")},
        "errors": errors,
        "http_errors": result["http_errors"],
        "socket_errors": {k: result[k] for k in ("connect", "read", "write", "timeout")},
        "worker_crashes": len(crashes),
        "server_alive_at_end": workers_alive,
        "paths": paths,
        "connections": options.connections,
    }
    print(json.dumps(summary, indent=2))
    if options.json:
        options.json.write_text(json.dumps(summary, indent=2) + "\n")
    if errors or crashes or not workers_alive:
        print(f"FAILED: {errors} errors, crashes: {crashes}\n--- gunicorn log tail ---\n{log[-3000:]}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
