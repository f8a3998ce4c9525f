"""Operational pieces: /healthz, wait_for_db, and readable IntegrityError descriptions (the API's 409)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from apps.core.integrity_errors import integrity_error_detail
from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


# Nothing listens on port 1: a real, refused connection attempt (no mock), on any machine.
UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:1/nowhere"


def run_python(code, **env_overrides):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "catrack.settings.test", **env_overrides}
    return subprocess.run(
        [sys.executable, *code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_healthz_is_503_when_the_database_is_unreachable():
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='localhost'); print(r.status_code, r.content.decode())"
    )
    result = run_python(["-c", script], DATABASE_URL=UNREACHABLE_DATABASE)
    assert result.returncode == 0, result.stderr
    # Nothing of the driver's message (host, port, database name) reaches the caller; the log has it.
    assert result.stdout.strip() == '503 {"status": "unavailable", "database": "database unavailable"}'
    assert "connection failed" in result.stderr


def test_wait_for_db_gives_up_after_its_timeout():
    result = run_python(
        ["manage.py", "wait_for_db", "--timeout", "1", "--interval", "0.2"],
        DATABASE_URL=UNREACHABLE_DATABASE,
    )
    assert result.returncode == 1
    assert "Database still unavailable after 1 s" in result.stderr
    assert "Database not ready" in result.stderr  # it retried, and said why


def _integrity_error(create):
    with pytest.raises(IntegrityError) as caught:
        with transaction.atomic():
            create()
    return caught.value


@pytest.mark.django_db
def test_duplicate_slug_is_described_by_its_field():
    summit = factories.SummitFactory()
    body = integrity_error_detail(_integrity_error(lambda: factories.SummitFactory(slug=summit.slug)))
    assert body["fields"] == ["slug"]
    assert body["detail"] == "A row with this slug already exists."


@pytest.mark.django_db
def test_broken_check_constraint_is_described_by_its_message():
    pledge = factories.PledgeFactory()
    from apps.investments.models import Pledge

    error = _integrity_error(lambda: Pledge.objects.filter(pk=pledge.pk).update(amount=-1))
    body = integrity_error_detail(error)
    assert body["constraint"] == "pledge_amount_non_negative"
    assert body["detail"] == "The amount cannot be negative."
