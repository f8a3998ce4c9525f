"""Issue 16's probes replayed against the live service: gunicorn with the production settings on
loopback, a PostgreSQL database of its own with 60,000 trade flows. Each probe once found a hole;
each assertion is the answer it gets now.

Clients connect from different loopback addresses (127.0.0.x), so each is a client of its own for
throttling, login lockout and the export limit, as separate machines would be.
"""

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from bench import dataset
from tests.deploy.test_entrypoint import free_port, scratch_database_url

pytestmark = pytest.mark.postgres_only

BASE_DIR = Path(__file__).resolve().parent.parent.parent
FLOWS = 60_000
WORKER_TIMEOUT = 5  # seconds; a sync worker streaming the big export was killed at gunicorn's timeout
PASSWORD = "probe-password-1"


class Client:
    """One HTTP client from its own loopback address, keeping cookies; form posts carry the CSRF token."""

    def __init__(self, port, address, token=None):
        self.port, self.address, self.cookies = port, address, {}
        self.auth = {"Authorization": f"Token {token}"} if token else {}

    def request(self, method, path, body=None, headers=None, read=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, source_address=(self.address, 0))
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(
            method,
            path,
            body=body,
            headers={"Host": "localhost", **({"Cookie": cookie} if cookie else {}), **self.auth, **(headers or {})},
        )
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if not read:
            return response
        content = response.read()
        conn.close()
        return response.status, response.headers, content

    def get(self, path, params=None, **headers):
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request("GET", path + query, headers=headers)

    def post_form(self, path, fields):
        self.get(path if path.endswith("/login/") else "/admin/login/")  # a CSRF cookie first
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def log_in(self, username, password=PASSWORD, page="/admin/login/"):
        return self.post_form(page, {"username": username, "password": password, "next": "/admin/"})


def manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """gunicorn (production settings, gthread workers, a 5 s worker timeout) on a migrated database with
    users, a token and FLOWS trade flows. Yields (port, token, tmp_path, env)."""
    tmp_path = tmp_path_factory.mktemp("probes")
    with scratch_database_url("probes") as (database_url, _):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "catrack.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(tmp_path / "static"),
            # Plain HTTP on loopback: no redirect to https, cookies over http. Everything else as deployed.
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "THROTTLE_ANON": "40/minute",
            "GUNICORN_TIMEOUT": str(WORKER_TIMEOUT),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESSLOG": "",
        }
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        states = dataset.make_states(7)
        flows = dataset.write_comtrade_csv(tmp_path / "flows.csv", rows=FLOWS, states=states, seed=7)
        manage(env, "import_comtrade", str(flows), "--create-missing-states")
        token = manage(env, "shell", "-c", USERS).stdout.strip().splitlines()[-1]
        port = free_port()
        log = tmp_path / "gunicorn.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(port, log)
            yield port, token, tmp_path, env
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    # No server error and no worker killed, whatever the probes sent (a 403's logged traceback is fine).
    text = log.read_text()
    assert "Internal Server Error" not in text and "WORKER TIMEOUT" not in text, text[-5000:]


USERS = f"""
from django.contrib.auth.models import Permission, User
from apps.core.models import ApiToken
User.objects.create_superuser("root", password="{PASSWORD}")
viewer = User.objects.create_user("viewer", password="{PASSWORD}", is_staff=True)
viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
print(ApiToken.issue(User.objects.get(username="root"))[1])
"""


def _wait_healthy(port, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Client(port, "127.0.0.1").get("/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(log.read_text())


def client(service, n):
    return Client(service[0], f"127.0.0.{n}")


def api(service, n):
    """A client sending the superuser's token (it may write; the signed-in rate, not the anonymous one)."""
    return Client(service[0], f"127.0.0.{n}", token=service[1])


def test_admin_import_needs_add_and_change_and_no_file_name_reaches_the_disk(service):
    viewer = client(service, 10)
    assert viewer.log_in("viewer")[0] == 302
    assert viewer.get("/admin/actors/actor/")[0] == 200
    assert viewer.get("/admin/actors/actor/import/")[0] == 403
    victim = service[2] / "victim.csv"
    victim.write_text("slug,kind,name_en\nplanted,state,Planted\n")
    fields = {"import_file_name": f"../../{victim}", "original_file_name": "a.csv", "format": "0", "resource": "0"}
    assert viewer.post_form("/admin/actors/actor/process_import/", fields)[0] == 403
    root = client(service, 11)
    assert root.log_in("root")[0] == 302
    assert root.post_form("/admin/actors/actor/process_import/", fields)[0] == 400
    assert victim.exists()


def test_the_admins_token_list_shows_no_key(service):
    root = client(service, 12)
    root.log_in("root")
    status, _, body = root.get("/admin/core/apitoken/")
    assert status == 200 and service[1].encode() not in body


def test_a_spoofed_forwarded_for_does_not_escape_the_throttle(service):
    c = client(service, 13)
    statuses = [c.get("/api/v1/summits/")[0] for _ in range(45)]
    assert statuses[-1] == 429
    assert {c.get("/api/v1/summits/", X_Forwarded_For=f"198.51.100.{n}")[0] for n in range(20)} == {429}


@pytest.mark.parametrize("page, n", [("/admin/login/", 14), ("/api-auth/login/", 15)])
def test_login_pages_lock_out_a_brute_force(service, page, n):
    c = client(service, n)
    for _ in range(10):
        c.log_in("root", "wrong", page=page)
    status, _, _ = c.log_in("root", page=page)
    assert status == 429
    assert client(service, n + 20).log_in("root", page=page)[0] == 302  # another address logs in


def test_formula_cells_leave_as_text(service):
    writer = api(service, 16)
    body = json.dumps({"slug": "hostile", "kind": "state", "name_en": '=HYPERLINK("http://x","y")', "name_ru": "x"})
    assert writer.request("POST", "/api/v1/actors/", body, {"Content-Type": "application/json"})[0] == 201
    status, _, csv = writer.get("/api/v1/actors/", {"format": "csv", "slug": "hostile"})
    assert status == 200 and b"'=HYPERLINK" in csv


@pytest.mark.parametrize(
    "path, params, name",
    [
        ("/api/v1/actors/", {"ordering": "--name_en"}, "ordering"),
        ("/api/v1/trade-flows/", {"ordering": "year,-year"}, "ordering"),
        ("/api/v1/trade-flows/", {"ordering": "--year", "format": "csv"}, "ordering"),
        ("/api/v1/trade-flows/summary/", {"ordering": "--year", "group_by": "year"}, "ordering"),
        ("/api/v1/summits/scoreboard/", {"ordering": "--year"}, "ordering"),
        ("/api/v1/summits/", {"q": " ".join(["w"] * 10_000)}, "q"),
        ("/api/v1/trade-flows/", {"page": "13001"}, "page"),
        ("/api/v1/trade-flows/", {"annual": "maybe"}, "annual"),
        ("/api/v1/trade-flows/", {"reporter": "\n"}, "reporter"),
        ("/api/v1/trade-flows/", {"page": "２"}, "page"),
        ("/api/v1/trade-flows/", {"page": "1_0"}, "page"),
    ],
)
def test_bad_parameters_are_quick_400s_naming_them(service, path, params, name):
    started = time.monotonic()
    status, _, body = api(service, 17).get(path, params)
    assert status == 400, body[:300]
    assert name.encode() in body
    assert time.monotonic() - started < 2


def test_deep_json_from_a_user_without_write_permission_is_a_400(service):
    viewer = client(service, 18)
    viewer.log_in("viewer")
    viewer.get("/api-auth/login/")
    status, _, body = viewer.request(
        "POST", "/api/v1/actors/", "[" * 5000 + "]" * 5000, {"Content-Type": "application/json"}
    )
    assert status == 400, body[:300]


def test_no_leaks_and_a_content_security_policy(service):
    c = client(service, 19)
    status, _, body = c.get("/api/v1/actors/hostile/history/")
    assert status == 200 and json.loads(body)[0]["user"] is None
    for path in ["/admin/login/", "/api/v1/", "/api/docs/"]:
        status, headers, body = c.get(path, Accept="text/html")
        assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    assert b"//cdn" not in body and b"https://" not in body and b"/static/drf_spectacular_sidecar/" in body


def test_big_exports_finish_past_the_worker_timeout_and_the_api_keeps_answering(service):
    results = {}

    def export(n):
        started = time.monotonic()
        response = client(service, n).request("GET", "/api/v1/trade-flows/?format=csv", read=False)
        # A slow reader (as over a slow link): PostgreSQL's COPY writes the rows in well under the worker
        # timeout, so the client's pace is what keeps the worker streaming past it.
        lines = 0
        while chunk := response.read(256 * 1024):
            lines += chunk.count(b"\n")
            time.sleep(0.25)
        results[n] = (response.status, lines, time.monotonic() - started)

    threads = [threading.Thread(target=export, args=(n,)) for n in (31, 32, 33)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    latencies = []  # ordinary requests keep being served meanwhile
    while any(thread.is_alive() for thread in threads):
        started = time.monotonic()
        assert api(service, 34).get("/api/v1/")[0] == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    assert {status for status, _, _ in results.values()} == {200}
    assert {lines for _, lines, _ in results.values()} == {FLOWS + 1}  # every row, past the 5 s worker timeout
    assert max(seconds for _, _, seconds in results.values()) > WORKER_TIMEOUT, results
    assert latencies and max(latencies) < 2, latencies
    print(
        f"exports (status, lines, s): {results}; /api/v1/ meanwhile: {len(latencies)} requests, "
        f"max {max(latencies):.3f} s"
    )


def test_the_export_limit_per_client(service):
    first, second = (
        client(service, 35).request("GET", "/api/v1/trade-flows/?format=csv", read=False) for _ in range(2)
    )
    status, headers, _ = client(service, 35).get("/api/v1/trade-flows/", {"format": "csv"})
    assert (first.status, second.status, status) == (200, 200, 429) and int(headers["Retry-After"]) > 0
    first.close()
    second.close()


def test_importer_refuses_rejects_equal_to_its_input(service):
    _, _, tmp_path, env = service
    flows = tmp_path / "flows.csv"
    before = flows.stat().st_size
    result = manage(env, "import_comtrade", str(flows), "--skip-invalid", "--rejects", str(flows), check=False)
    assert result.returncode == 1 and "also an input file" in result.stderr
    assert flows.stat().st_size == before
