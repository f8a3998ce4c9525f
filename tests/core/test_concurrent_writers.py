"""Concurrent writers through a real server (issue 26): 8 clients × 25 read-modify-write PATCHes of one pledge with
If-Match. No request is a 500 (SQLite used to answer `database is locked`), and no update is lost: every 200 adds
one to the amount, a 412 (someone else wrote first) is retried after reading again.

SQLite: a gunicorn server (2 workers × 4 threads, as production) on a migrated database file — the test
database is in memory, where SQLite's locking is another thing. PostgreSQL: the live server on the test
database (a thread and a connection per request)."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings

WRITERS = 8
PATCHES_EACH = 25
ROOT = Path(__file__).resolve().parents[2]


def patch_concurrently(base_url, token, pledge_id):
    """Run WRITERS threads that each make PATCHES_EACH successful increments; return (statuses, final amount)."""
    statuses, lock = Counter(), threading.Lock()
    url = f"{base_url}/api/v1/pledges/{pledge_id}/"
    start = threading.Barrier(WRITERS)

    def writer():
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        start.wait()
        done = 0
        while done < PATCHES_EACH:
            read = session.get(url, timeout=60)
            with lock:
                statuses[f"GET {read.status_code}"] += 1
            if read.status_code != 200:
                return
            amount = Decimal(read.json()["amount"]) + 1
            written = session.patch(
                url, json={"amount": str(amount)}, headers={"If-Match": read.headers["ETag"]}, timeout=60
            )
            with lock:
                statuses[f"PATCH {written.status_code}"] += 1
            if written.status_code == 200:
                done += 1
            elif written.status_code != 412:
                return

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=60).json()["amount"]
    return statuses, Decimal(final)


def assert_nothing_lost(statuses, start_amount, final_amount):
    print(dict(statuses))  # the figures (pytest -s)
    assert not [status for status in statuses if status.split()[1].startswith("5")], statuses
    assert statuses["PATCH 200"] == WRITERS * PATCHES_EACH, statuses
    assert set(statuses) <= {"GET 200", "PATCH 200", "PATCH 412"}, statuses
    assert final_amount == start_amount + WRITERS * PATCHES_EACH


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_on_postgresql(live_server, editor):
    from apps.core.models import ApiToken
    from tests.factories import PledgeFactory

    pledge = PledgeFactory(amount=Decimal("1000.00"))
    token = ApiToken.issue(editor)[1]
    statuses, final = patch_concurrently(live_server.url, token, pledge.pk)
    assert_nothing_lost(statuses, Decimal("1000.00"), final)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SETUP = """
from decimal import Decimal
from django.contrib.auth.models import Permission, User
from apps.core.models import ApiToken
from tests.factories import PledgeFactory
user = User.objects.create_user("writer")
user.user_permissions.set(Permission.objects.filter(content_type__app_label="investments"))
print(ApiToken.issue(user)[1], PledgeFactory(amount=Decimal("1000.00")).pk)
"""


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite's own")
def test_concurrent_patches_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'catrack.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "catrack.settings.test",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESSLOG": "",
        "CONN_MAX_AGE": "60",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
    token, pledge_id = (
        subprocess.run([*manage, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):  # the workers start (slowly on a busy machine)
            try:
                if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        statuses, final = patch_concurrently(base, token, pledge_id)
    finally:
        server.terminate()
        errors = server.communicate(timeout=30)[1]
    assert "database is locked" not in errors, errors[-2000:]
    assert_nothing_lost(statuses, Decimal("1000.00"), final)
