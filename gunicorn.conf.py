"""gunicorn settings for catrack, each overridable from the environment (read by `gunicorn -c`)."""

import multiprocessing
import os

wsgi_app = "catrack.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# (2 × cores) + 1 workers, capped so that workers × threads database connections stay within
# PostgreSQL's default max_connections (100).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
# Threaded workers: a CSV export streaming for minutes holds one thread, not a whole worker, and the
# worker keeps its heartbeat meanwhile, so `timeout` no longer kills the export half-way (a sync worker
# was killed after 30 s, 541,607 of 650,011 rows sent). Per-request limits are the database's statement
# timeout and the per-client export limit (apps.core.exports).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never takes the site down. Not too often: a new worker
# costs 0.45 s of CPU to import the app, then runs with cold caches and unprepared statements. At 2000
# that was 12% of the throughput under load (bench, 2026-12-01: 1.39-1.43x Datasette against 1.57-1.59x
# at 10000), while a worker's memory stayed at 95-96 MB from 4,000 to 24,000 trade-list requests.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10  # each worker after max_requests to 1.1 x max_requests: not all at once
# Only trust X-Forwarded-* from these addresses (the reverse proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# A logged request costs a worker 30-50 us of CPU, 1-2% of the trade list's (docs/benchmarks.md, session 15): kept on;
# behind a proxy that keeps its own access log, GUNICORN_ACCESSLOG= (empty) turns it off.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
