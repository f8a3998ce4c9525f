"""Settings shared by every environment, read from the environment (django-environ).

local.py, test.py and production.py refine these; production is the safe one and the default
for wsgi/asgi.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# An optional .env beside manage.py, for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fixtures name citations' facts by natural key and may leave out timestamps (apps.core.serialization).
SERIALIZATION_MODULES = {"json": "apps.core.serialization"}

INSTALLED_APPS = [
    "corsheaders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our static files (no CDN)
    "csp",
    "import_export",
    "axes",
    "apps.core",
    # The domain apps (apps.core.registry.DomainAppConfig), in the order the API root lists their resources.
    "apps.actors",
    "apps.sources",
    "apps.summits",
    "apps.investments",
    "apps.trade",
    "apps.geoeconomics",
    "apps.site",
    "apps.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.replicas.ReplicaReadsMiddleware",  # before anything reads: may this request read from the replica
    "apps.core.transfer.CompressionMiddleware",  # outermost body writer: gzip what the others produced
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware (its redirects get the headers too)
    "django.middleware.http.ConditionalGetMiddleware",  # ETag, 304 for an unchanged answer
    "apps.core.transfer.CacheHeadersMiddleware",  # Cache-Control: public for anonymous reads
    "apps.core.middleware.CSPMiddleware",  # django-csp's, the settings' policy built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.CommonMiddleware",  # Django's, with a 308 for writes missing the final slash
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.exports.ExportLimitMiddleware",  # after authentication: counts exports per user or address
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login with 429
]

ROOT_URLCONF = "catrack.urls"
WSGI_APPLICATION = "catrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL cancels any statement running longer than this (e.g. "15s"; "0": no limit). catrack/wsgi.py
# sets WEB_STATEMENT_TIMEOUT as the default for web processes; management commands (imports, seed) have
# none unless the environment sets DATABASE_STATEMENT_TIMEOUT. CSV exports run with
# EXPORT_STATEMENT_TIMEOUT instead (apps.core.exports).
DATABASE_STATEMENT_TIMEOUT = env("DATABASE_STATEMENT_TIMEOUT", default="0")
EXPORT_STATEMENT_TIMEOUT = env("EXPORT_STATEMENT_TIMEOUT", default="10min")
MAX_CONCURRENT_EXPORTS = env.int("MAX_CONCURRENT_EXPORTS", default=2)  # per client (apps.core.exports)
# A change set's revert (apps.core.reverts): rows per transaction (other writers wait for one batch), and the
# seconds one API request or admin action works on it before answering with its progress.
REVERT_BATCH_ROWS = env.int("REVERT_BATCH_ROWS", default=100)
REVERT_REQUEST_SECONDS = env.float("REVERT_REQUEST_SECONDS", default=5.0)
# A list's exact count is kept per process while the change feed has not moved (apps.core.api.counts), at most this
# many seconds: how long a write that escapes the feed (TRUNCATE, a dropped partition) may go unseen. 0: never kept.
COUNT_CACHE_SECONDS = env.float("COUNT_CACHE_SECONDS", default=30.0)
# Parameters travel beside the statement (server-side binding), and a statement a connection has run
# PREPARE_THRESHOLD times is prepared: PostgreSQL parses and plans it once per connection instead of on
# every request (with persistent connections; the figures: docs/benchmarks.md).
# PREPARE_THRESHOLD=off for a pooler that cannot keep prepared statements (PgBouncer in transaction mode).
# At least 1: psycopg's 0 would prepare every statement on its first run, and a statement of several
# commands (migrations' SQL) cannot be prepared.
PREPARE_THRESHOLD = env("PREPARE_THRESHOLD", default="5")
if PREPARE_THRESHOLD not in ("", "off") and not (PREPARE_THRESHOLD.isdigit() and int(PREPARE_THRESHOLD) >= 1):
    raise ImproperlyConfigured(f"PREPARE_THRESHOLD: a number of runs from 1, or off; not {PREPARE_THRESHOLD!r}")


def database_settings(url):
    """One DATABASES entry for `url`, with catrack's connection settings (the same for `default` and `replica`)."""
    database = env.db_url_config(url)
    # The one transaction policy, for the API and the admin alike: no request-wide transaction (a read needs
    # none; ATOMIC_REQUESTS would wrap every GET in BEGIN/COMMIT). Every write opens its own: the API's
    # CatrackViewSet._save()/perform_destroy(), the admin's changeform and delete views (Django's own
    # transaction.atomic), and comtrade_import().
    database["ATOMIC_REQUESTS"] = False
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check that needs no round trip (CONN_HEALTH_CHECKS, below).
        database["ENGINE"] = "apps.core.backends.postgresql"
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"].endswith("postgresql") and DATABASE_STATEMENT_TIMEOUT not in ("", "0"):
        options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
    if database["ENGINE"].endswith("postgresql"):
        options.update(
            server_side_binding=True,
            prepare_threshold=None if PREPARE_THRESHOLD in ("", "off") else int(PREPARE_THRESHOLD),
        )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite as an embedded database that several requests write at once (gunicorn threads, the development
        # server): WAL lets readers go on while one writer writes; a write transaction takes the write lock at
        # its BEGIN (IMMEDIATE), so two transactions never both read and then both try to upgrade to writing
        # (the case SQLite answers "database is locked" at once, whatever the timeout); a writer waits up to
        # SQLITE_BUSY_TIMEOUT seconds for the lock instead of failing. synchronous=NORMAL is WAL's safe setting
        # (a power cut may lose the last commits, never corrupts). tests/core/test_concurrent_writers.py.
        options.update(
            transaction_mode="IMMEDIATE",
            timeout=env.float("SQLITE_BUSY_TIMEOUT", default=20.0),
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        )
    # 0: one connection per request, closed at its end. Right for the development server, which runs every
    # request in a new thread: with persistent connections each finished thread would leave one idle until
    # PostgreSQL refuses clients ("too many clients already"). Production (gunicorn's long-lived workers)
    # keeps them for 60 s (settings/production.py). CONN_MAX_AGE in the environment overrides either.
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    # A persistent connection is checked before a request reuses it, so a database restart costs no error. On
    # PostgreSQL the check reads the socket instead of sending `SELECT 1` (apps.core.backends.postgresql).
    database["CONN_HEALTH_CHECKS"] = True
    return database


# Embedded SQLite unless DATABASE_URL names another database (postgres://user@host:port/name).
# An empty DATABASE_URL (`DATABASE_URL= bash scripts/run.sh`) counts as unset, not as a database with no engine.
DATABASES = {
    "default": database_settings(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# A read replica of `default` (PostgreSQL streaming replication, or any copy that follows it): the read API's
# reads go there (apps.core.replicas.ReplicaRouter), writes, the admin and commands stay on `default`. Unset
# (or empty): no replica, no router, everything on `default`. docs/scaling.md.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_settings(os.environ["DATABASE_REPLICA_URL"])
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must name the same kind of database as DATABASE_URL (a replica of it); "
            f"got {DATABASES['replica']['ENGINE']} beside {DATABASES['default']['ENGINE']}."
        )
DATABASE_ROUTERS = ["apps.core.replicas.ReplicaRouter"] if "replica" in DATABASES else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login attempts are counted per client address (django-axes): /admin/login/ and /api-auth/login/ both
# authenticate through this backend. The address is the one throttling uses (NUM_PROXIES); attempts and
# lockouts are rows in the database (axes.handlers.database, listed in the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)  # locked out for 15 minutes
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "apps.core.throttling.client_address"
AXES_RESET_ON_SUCCESS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# CORS: any web page may read the public API anonymously (GET/HEAD; the preflight's OPTIONS), never with
# the reader's cookies or credentials (django-cors-headers). Writes from another origin stay impossible.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_EXPOSE_HEADERS = ("Content-Disposition", "ETag", "Link", "Retry-After", "X-CSV-Delimiter", "X-CSV-Decimal-Mark")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.CatrackAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a wrong key is a 401 with `WWW-Authenticate: Token` (DRF takes the first class's header).
        # Keys are stored hashed (apps.core.models.ApiToken).
        "apps.core.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anyone reads; writing needs the model's add/change/delete permission.
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.ModelPermissionsOrAnonReadOnly"],
    # Strict: an unknown query parameter or ordering field is a 400 naming it (apps.core.api.filters).
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.StrictFilterBackend",
        "apps.core.api.filters.StrictOrderingFilter",
    ],
    # ?format= picks a registered output format; any other value is a 400 naming `format`.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.api.negotiation.FormatParamNegotiation",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CatrackPagination",
    # JSON bodies bounded in size and depth (a 400 beyond); forms for the browsable API as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    # Every output format declared with @register_format (apps.core.api.renderers: json, api, csv, csv-excel,
    # xlsx), read from the registry when a view renders: the formats are declared there once, not listed here.
    "DEFAULT_RENDERER_CLASSES": "apps.core.registry.REGISTERED_RENDERERS",
    # Per client: anonymous by IP, signed in by user; 429 with Retry-After beyond the rate.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonRateThrottle",
        "apps.core.throttling.UserRateThrottle",
    ],
    # How many reverse proxies in front of the app append to X-Forwarded-For: the client is the address
    # that many entries from its end (REMOTE_ADDR with 0). DRF's default (None) keys on the whole header,
    # which a client writes itself: a new value per request escaped the limit. See production.py.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="600/minute"),
        "user": env("THROTTLE_USER", default="3000/minute"),
    },
}

# Admin exports: cells starting like a spreadsheet formula are written as text (apps.core.csv_cells; the
# admin's formats apply it, this setting is django-import-export's own, weaker, second guard).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Content-Security-Policy (django-csp): pages load scripts, styles, images and fonts from this site
# only, and are never framed. Scripts: no inline code anywhere (the admin, DRF's browsable API and the
# docs load files; the docs' own script comes from SpectacularSwaggerSplitView). Styles allow inline
# ones: the admin, DRF's pages and Swagger UI set style attributes. Swagger UI's icons are data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "catrack API",
    "DESCRIPTION": "Diplomacy around Central Asia: summits, documents, pledges, trade, actors, "
    "each fact with its citations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ serves Swagger UI from our static files (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Related rows are written as slugs but read as {slug, name}: separate request/response components.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # Each list's CSV export as an operation of its own (apps.core.api.schema.csv_export_operations).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.csv_export_operations",
        "apps.core.api.schema.describe_schema",
    ],
    # One named enum per choice set, shared by every field that uses it.
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "apps.core.models.DatePrecision",
        "RevertStateEnum": "apps.core.models.RevertState",
        "SourceKindEnum": "apps.sources.models.SourceKind",
        "SourceRightsEnum": "apps.sources.models.SourceRights",
        "CitationBasisEnum": "apps.sources.models.CitationBasis",
        "ClaimRankEnum": "apps.sources.claims.ClaimRank",
        "ActorKindEnum": "apps.actors.models.ActorKind",
        "RelationKindEnum": "apps.actors.models.RelationKind",
        "SummitLevelEnum": "apps.summits.models.SummitLevel",
        "ParticipantRoleEnum": "apps.summits.models.ParticipantRole",
        "DocumentKindEnum": "apps.summits.models.DocumentKind",
        "AmountQualifierEnum": "apps.investments.models.AmountQualifier",
        "UsdBasisEnum": "apps.investments.models.UsdBasis",
        "InstrumentEnum": "apps.investments.models.Instrument",
        "PledgeStatusEnum": "apps.investments.models.PledgeStatus",
        "FlowCodeEnum": "apps.trade.models.FlowCode",
        "TradeMeasureKindEnum": "apps.trade.models.TradeMeasureKind",
        "TradeLevelEnum": "apps.trade.models.TradeLevel",
        "TradeTrendEnum": "apps.trade.models.TradeTrend",
        "StakeRoleEnum": "apps.geoeconomics.models.StakeRole",
        "ResourceCategoryEnum": "apps.geoeconomics.models.ResourceCategory",
        "InterestKindEnum": "apps.geoeconomics.models.InterestKind",
    },
}

# Texts of sources the site shows annotated ({source slug: path}); see apps.site.source_texts. The seed
# article lives beside the checkout, never in the repository (fixtures/README.md).
SOURCE_TEXTS = {
    "velizade-japanese-move": env(
        "CATRACK_SEED_ARTICLE", default=str(BASE_DIR.parent / "shared" / "seed" / "japan-central-asia-article.ru.txt")
    ),
}

# UN Comtrade's API (manage.py fetch_comtrade). Without a subscription key the public preview endpoint
# is used (at most 500 records a call); the key is read from the environment, never stored or shown.
COMTRADE_API_URL = env("COMTRADE_API_URL", default="https://comtradeapi.un.org")
COMTRADE_SUBSCRIPTION_KEY = env("COMTRADE_SUBSCRIPTION_KEY", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
