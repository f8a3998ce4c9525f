"""Production settings, checked the way a deployment runs them: in a fresh process, from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def manage(*args, **env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="catrack.settings.production", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def strong_key():
    return secrets.token_urlsafe(64)


def test_check_deploy_passes_with_zero_warnings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=strong_key(), ALLOWED_HOSTS="catrack.example.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "key",
    [None, "", "short", "a" * 80, "django-insecure-" + "x1y2z3" * 10],
    ids=[
        "missing",
        "empty",
        "short",
        "few-distinct-characters",
        "django-insecure-prefix",
    ],
)
def test_refuses_to_start_without_a_strong_secret_key(key):
    env = {"ALLOWED_HOSTS": "catrack.example.org"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_refuses_to_start_without_allowed_hosts():
    result = manage("check", SECRET_KEY=strong_key())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_secure_defaults_and_proxy_header_from_env():
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1])"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        SECRET_KEY=strong_key(),
        ALLOWED_HOSTS="a.example.org,b.example.org",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "False True True True True ('HTTP_X_FORWARDED_PROTO', 'https') ['a.example.org', 'b.example.org'] DatabaseCache"
    )


def test_collectstatic_builds_a_compressed_manifest(tmp_path):
    result = manage(
        "collectstatic", "--no-input", SECRET_KEY=strong_key(), ALLOWED_HOSTS="x", STATIC_ROOT=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()  # hashed names, so whitenoise can cache forever
    assert list((tmp_path / "admin" / "css").glob("base.*.css.gz"))


def test_the_wsgi_application_freezes_what_it_loaded():
    """catrack.wsgi moves the loaded app (modules, settings, URLconf) out of the cycle collector's generations, so
    a full collection does not walk them on every request that triggers one (docs/benchmarks.md)."""
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "import gc, catrack.wsgi; from django.urls import get_resolver; "
        "print(gc.get_freeze_count(), len(get_resolver().url_patterns))",
        SECRET_KEY=strong_key(),
        ALLOWED_HOSTS="x",
    )
    assert result.returncode == 0, result.stderr
    frozen, patterns = map(int, result.stdout.split()[-2:])
    assert frozen > 50_000 and patterns > 0
