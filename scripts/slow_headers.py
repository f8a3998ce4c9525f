#!/usr/bin/env python
"""Slow-header clients against gunicorn alone and behind nginx (docker/nginx.conf), without Docker.

Starts catrack as production runs it (gunicorn.conf.py, production settings, the given PostgreSQL
database; as scripts/load_test.py does) on a loopback port, and nginx with the repository's
docker/nginx.conf (upstream, listen port, pid and temp paths rewritten for a temporary directory) on
another. For each target, direct and through nginx, it opens --slow connections that each send a
request line and then one header line every --interval seconds without ever ending the headers, and
meanwhile times --probes ordinary GET /healthz requests (each with a --probe-timeout second limit); the
slow clients stay at least --hold seconds.
Prints, per target: probes answered, their latencies (ms), and how many slow connections the server
had closed by the end. Then, per target, one failed admin login with a forged `X-Forwarded-For:
203.0.113.9`, and the address the login lockout (django-axes) recorded for it: through nginx it must be
the real one (127.0.0.1), since nginx overwrites the header. Needs nginx on PATH (apt-get install nginx); run as a user that may start it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catrack_load .venv/bin/python scripts/slow_headers.py

Exits non-zero when a probe through nginx is not answered or the forged address is counted through nginx.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX_CONF = BASE_DIR / "docker" / "nginx.conf"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, process, log_path, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{process.args[0]} exited:\n{log_path.read_text()}")
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within {seconds} s")


def nginx_config(web_port, nginx_port, workdir):
    """docker/nginx.conf with the container's names and paths swapped for this machine's (str)."""
    text = NGINX_CONF.read_text()
    text = text.replace("server web:8000;", f"server 127.0.0.1:{web_port};")
    text = re.sub(r"listen 80 default_server;", f"listen 127.0.0.1:{nginx_port} default_server;", text)
    text = re.sub(r"(?m)^user nginx;.*$", "", text)  # this machine has no user nginx: workers run as nobody
    text = text.replace("pid /var/run/nginx.pid;", f"pid {workdir}/nginx.pid;")
    text = text.replace("access_log /dev/stdout;", "access_log off;")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {workdir}/nginx-error.log warn;")
    text = text.replace(
        "http {\n",
        "http {\n"
        + "".join(
            f"    {kind}_temp_path {workdir}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        1,
    )
    return text


class SlowClient(threading.Thread):
    """One connection that sends a request line, then a header line every `interval` s, never the blank
    line that ends the headers. `closed_after`: seconds until the server closed it (None: still open);
    `answer`: the first line the server sent before closing, if any (b"" for none)."""

    def __init__(self, port, interval, stop):
        super().__init__(daemon=True)
        self.port, self.interval, self.stop = port, interval, stop
        self.closed_after = None
        self.answer = None

    def run(self):
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            n = 0
            while not self.stop.is_set():
                readable, _, _ = select.select([sock], [], [], self.interval)
                if readable:  # the server answered or closed: it gave up on this client
                    self.answer = sock.recv(4096).split(b"\r\n", 1)[0]
                    self.closed_after = time.monotonic() - started
                    return
                n += 1
                sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
        except OSError:
            self.closed_after = time.monotonic() - started
        finally:
            sock.close()


def probe(port, timeout):
    """Seconds one ordinary GET /healthz took, or None when it was not answered within `timeout` s."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as response:
            response.read()
        return time.monotonic() - started
    except OSError:
        return None


def closed_after(clients):
    return [round(client.closed_after, 1) for client in clients if client.closed_after is not None]


def measure(port, options):
    """Probe latencies (ms; None for unanswered) while `options.slow` slow clients are connected."""
    stop = threading.Event()
    clients = [SlowClient(port, options.interval, stop) for _ in range(options.slow)]
    for client in clients:
        client.start()
    time.sleep(1)  # every slow client connected and holding
    started = time.monotonic()
    latencies = []
    for _ in range(options.probes):
        seconds = probe(port, options.probe_timeout)
        latencies.append(None if seconds is None else round(seconds * 1000, 1))
        time.sleep(options.probe_pause)
    time.sleep(max(0, options.hold - (time.monotonic() - started)))
    stop.set()
    for client in clients:
        client.join(timeout=options.interval + 5)
    answered = [ms for ms in latencies if ms is not None]
    return {
        "slow_connections": options.slow,
        "probes": len(latencies),
        "answered": len(answered),
        "latency_ms_median": statistics.median(answered) if answered else None,
        "latency_ms_max": max(answered) if answered else None,
        "slow_held_s": round(time.monotonic() - started, 1),
        "slow_closed_by_server": sum(client.closed_after is not None for client in clients),
        "slow_closed_after_s_median": statistics.median(closed) if (closed := closed_after(clients)) else None,
        "slow_answers": sorted({client.answer.decode(errors="replace") for client in clients if client.answer}),
        "latencies_ms": latencies,
    }


def forged_login_address(port, database_url):
    """Fail one admin login with a forged X-Forwarded-For; return the address axes recorded for it (str)."""
    username = f"slow-headers-{secrets.token_hex(4)}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    url = f"http://127.0.0.1:{port}/admin/login/"
    page = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": "wrong"})
    request = urllib.request.Request(url, data=form.encode(), headers={"X-Forwarded-For": "203.0.113.9"})
    opener.open(request, timeout=10).read()
    import psycopg  # noqa: PLC0415 (only this check needs it)

    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT ip_address FROM axes_accessattempt WHERE username = %s", [username]).fetchone()
    return str(row[0]) if row else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=50, help="slow-header connections (default 50)")
    parser.add_argument("--interval", type=float, default=5, help="seconds between header lines (default 5)")
    parser.add_argument("--probes", type=int, default=6, help="ordinary requests timed per target (default 6)")
    parser.add_argument("--probe-timeout", type=float, default=20, help="seconds a probe may wait (default 20)")
    parser.add_argument("--probe-pause", type=float, default=1, help="seconds between probes (default 1)")
    parser.add_argument("--hold", type=float, default=30, help="seconds slow clients stay at least (default 30)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as .env.example)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    options = parser.parse_args()
    if not options.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        parser.error("nginx is not installed (apt-get install nginx)")

    web_port, nginx_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="catrack-slow-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catrack.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "CSRF_COOKIE_SECURE": "False",  # plain HTTP on loopback, as .env.example's trial settings
        "SESSION_COOKIE_SECURE": "False",
        "DATABASE_URL": options.database_url,
        "STATIC_ROOT": str(workdir / "static"),
        "NUM_PROXIES": "1",
        "WEB_CONCURRENCY": str(options.workers),
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "GUNICORN_ACCESSLOG": "",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True
    )
    subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run(  # the admin's pages name their static files through whitenoise's manifest
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_config(web_port, nginx_port, workdir))
    subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(workdir)], check=True)

    gunicorn_log = workdir / "gunicorn.log"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=gunicorn_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"])
    try:
        wait_for(f"http://127.0.0.1:{web_port}/healthz", server, gunicorn_log)
        wait_for(f"http://127.0.0.1:{nginx_port}/healthz", proxy, workdir / "nginx-error.log")
        threads = options.workers * int(os.environ.get("GUNICORN_THREADS", "4"))
        print(f"gunicorn: {options.workers} workers x {threads // options.workers} threads; nginx: {NGINX_CONF}")
        results = {}
        for name, port in (("gunicorn", web_port), ("nginx", nginx_port)):
            print(f"{name}: {options.slow} slow clients, a header line every {options.interval} s ...", flush=True)
            results[name] = measure(port, options)
            try:
                counted_as = forged_login_address(port, options.database_url)
            except OSError as error:  # urllib's HTTPError too
                counted_as = f"not measured: {error}"
            results[name]["forged_x_forwarded_for_counted_as"] = counted_as
            print(json.dumps(results[name], default=str), flush=True)
    finally:
        proxy.send_signal(signal.SIGQUIT)
        server.send_signal(signal.SIGTERM)
        proxy.wait(timeout=30)
        server.wait(timeout=30)
    summary = {"gunicorn_threads": threads, "interval_s": options.interval, **results}
    if options.json:
        options.json.write_text(json.dumps(summary, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    if results["nginx"]["answered"] < results["nginx"]["probes"]:
        sys.exit("FAILED: a request through nginx was not answered")
    if results["nginx"]["forged_x_forwarded_for_counted_as"] != "127.0.0.1":
        sys.exit("FAILED: through nginx, login lockout did not count the connecting address")


if __name__ == "__main__":
    main()
