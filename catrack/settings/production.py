"""Production settings: safe by default. SECRET_KEY and ALLOWED_HOSTS must come from the environment.

Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the
proxy overwrites that header); a plain-HTTP demo can set SECURE_SSL_REDIRECT=False.
Behind proxies also set NUM_PROXIES to how many of them append to X-Forwarded-For (1 for one nginx), so
throttling and login lockout count the real client; with the default 0 they count REMOTE_ADDR (the
proxy's address behind a proxy) and ignore X-Forwarded-For, which clients can write themselves.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

# gunicorn's workers live long: a connection kept for 60 s saves a connect per request, and there are at most
# workers × threads of them, one per thread (gunicorn.conf.py; see settings/base.py for the dev server); as many
# again to the replica where one is configured.
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# The thresholds Django's own deploy check (security.W009) uses for a strong key.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def _strong_secret_key(value):
    if (
        not value
        or len(value) < SECRET_KEY_MIN_LENGTH
        or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or value.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set in the environment to a random string of at least {SECRET_KEY_MIN_LENGTH} "
            "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _strong_secret_key(env("SECRET_KEY", default=""))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # no default: refuse to start without one

# TLS: redirect to https, tell browsers to stay there, never send cookies in the clear.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https.")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container's health probe talks plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One cache shared by every gunicorn worker, so API throttling counts a client once, not per worker.
# The table is created by `manage.py createcachetable` (docker/entrypoint.sh).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://django_cache")}
