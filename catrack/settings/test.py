"""Test settings: fast password hashing, no throttling surprises, plain static storage."""

import copy

from .base import *  # noqa: F401,F403
from .base import DATABASES, REST_FRAMEWORK, STORAGES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="insecure-test-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}

# A flush (after each transactional test) by DELETE instead of TRUNCATE: tests/backends/postgresql/base.py.
if DATABASES["default"]["ENGINE"] == "apps.core.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "tests.backends.postgresql"

# The replica, in tests: a second connection to the test database (a TEST MIRROR of default, Django's way of
# standing in for a replica), whatever DATABASE_REPLICA_URL says. The router stays off: a test of replica reads
# turns it on (settings.DATABASE_ROUTERS) and names both databases (tests/core/test_read_replica.py); every other
# test reads and writes `default` only.
DATABASES["replica"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS: list[str] = []
