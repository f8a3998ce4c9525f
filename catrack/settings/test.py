"""Test settings: fast password hashing, no throttling surprises, plain static storage."""

from .base import *  # noqa: F401,F403
from .base import REST_FRAMEWORK, STORAGES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="insecure-test-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
