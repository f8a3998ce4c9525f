"""docker/entrypoint.sh run for real, without Docker: against a throw-away PostgreSQL database it waits,
migrates, (seeds,) collects static files and execs gunicorn, which must then serve /healthz, the admin
and whitenoise's static files with the production settings."""

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import get_commands
from django.db import connection

pytestmark = pytest.mark.postgres_only

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ENTRYPOINT = BASE_DIR / "docker" / "entrypoint.sh"
SEED_MISSING = "seed" not in get_commands()
SEED_MISSING_REASON = "`manage.py seed` is not a registered command yet (built on branch `seed`)"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, headers=None):
    """One plain HTTP request, no redirect following: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def scratch_database_url(suffix):
    """A new, empty database `<test database>_<suffix>` on the test's PostgreSQL server: (url, name); dropped
    afterwards."""
    server = connection.settings_dict
    name = f"{server['NAME']}_{suffix}"
    admin_dsn = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**admin_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
    try:
        yield f"postgres://{server['USER']}{password}@{admin_dsn['host']}:{admin_dsn['port']}/{name}", name
    finally:
        with psycopg.connect(**admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_database():
    with scratch_database_url("entrypoint") as url_and_name:
        yield url_and_name


class Server:
    """The entrypoint as a container would run it; stopped with SIGTERM like `docker stop`."""

    def __init__(self, database_url, tmp_path, seed):
        self.port = free_port()
        self.log = tmp_path / f"entrypoint-{self.port}.log"
        bin_dir = str(Path(sys.executable).parent)
        env = {
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "catrack.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DATABASE_URL": database_url,
            # As behind a TLS-terminating proxy: production's https-only settings stay on.
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "STATIC_ROOT": str(tmp_path / "static"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "SEED_ON_START": "true" if seed else "false",
            "DB_WAIT_TIMEOUT": "20",
        }
        self.process = subprocess.Popen(
            ["sh", str(ENTRYPOINT)],
            cwd=tmp_path,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self):
        return self.log.read_text()

    def wait_healthy(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"entrypoint exited with {self.process.returncode}:\n{self.output()}")
            try:
                status, _, body = get(self.port, "/healthz")
                if status == 200:
                    return body
            except OSError:
                pass
            time.sleep(0.3)
        pytest.fail(f"/healthz not 200 after {timeout} s:\n{self.output()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def table_counts(database_url):
    with psycopg.connect(database_url) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("actors_actor", "summits_summit", "investments_pledge", "sources_source")
        }


def test_entrypoint_migrates_and_serves_the_app_with_production_settings(scratch_database, tmp_path):
    database_url, _ = scratch_database
    server = Server(database_url, tmp_path, seed=not SEED_MISSING)
    try:
        assert b'"database": "ok"' in server.wait_healthy()

        # Plain HTTP is sent to https; through the (simulated) TLS proxy the admin answers.
        status, headers, _ = get(server.port, "/admin/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        proxied = {"X-Forwarded-Proto": "https"}
        status, headers, body = get(server.port, "/admin/login/", proxied)
        assert status == 200, body[:500]
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert b"csrfmiddlewaretoken" in body

        # whitenoise serves the hashed stylesheet the page links to, cacheable forever.
        stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', body).group(1).decode()
        status, headers, css = get(server.port, stylesheet, proxied)
        assert status == 200 and b"body" in css
        assert "immutable" in headers["Cache-Control"]
    finally:
        exit_code = server.stop()
    log = server.output()
    assert exit_code == 0, log  # a clean shutdown on SIGTERM
    assert "Applying investments.0001_initial... OK" in log
    assert "Booting worker" in log
    assert "Traceback" not in log


@pytest.mark.skipif(SEED_MISSING, reason=SEED_MISSING_REASON)
def test_entrypoint_loads_the_seed_once(scratch_database, tmp_path):
    database_url, _ = scratch_database
    for start in ("first", "second"):
        server = Server(database_url, tmp_path, seed=True)
        try:
            server.wait_healthy()
        finally:
            assert server.stop() == 0, server.output()
        counts = table_counts(database_url)
        if start == "first":
            seeded = counts
            assert seeded["summits_summit"] > 0 and seeded["actors_actor"] > 0
    assert counts == seeded  # the second start changed nothing
