"""Settings shared by every environment, read from the environment (django-environ).

local.py, test.py and production.py refine these; production is the safe one and the default
for wsgi/asgi.
"""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# An optional .env beside manage.py, for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "import_export",
    "apps.core",
    "apps.sources",
    "apps.actors",
    "apps.summits",
    "apps.investments",
    "apps.trade",
    "apps.geoeconomics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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

# Embedded SQLite unless DATABASE_URL names another database (postgres://user@host:port/name).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# 0: one connection per request, closed at its end. Right for the development server, which runs every
# request in a new thread: with persistent connections each finished thread would leave one idle until
# PostgreSQL refuses clients ("too many clients already"). Production (gunicorn's long-lived workers)
# keeps them for 60 s (settings/production.py). CONN_MAX_AGE in the environment overrides either.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A persistent connection is checked before a request reuses it, so a database restart costs no error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.CatrackAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # Anyone reads; writing needs the model's add/change/delete permission.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    # Strict: an unknown query parameter or ordering field is a 400 naming it (apps.core.api.filters).
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.StrictFilterBackend",
        "apps.core.api.filters.StrictOrderingFilter",
    ],
    # ?format= picks json/csv/api, and stays free to be the summits' `format` filter.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.api.negotiation.FormatParamNegotiation",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CatrackPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "apps.core.api.renderers.JSONRenderer",  # DRF's, plus pages PostgreSQL renders (apps.core.api.sql)
        "rest_framework.renderers.BrowsableAPIRenderer",
        "apps.core.api.renderers.CSVRenderer",  # ?format=csv streams every matching row
    ],
    # Per client: anonymous by IP, signed in by user; 429 with Retry-After beyond the rate.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonRateThrottle",
        "apps.core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="600/minute"),
        "user": env("THROTTLE_USER", default="3000/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "catrack API",
    "DESCRIPTION": "Diplomacy around Central Asia: summits, documents, pledges, trade, actors, "
    "each fact with its citations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Related rows are written as slugs but read as {slug, name}: separate request/response components.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # One named enum per choice set, shared by every field that uses it.
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "apps.core.models.DatePrecision",
        "SourceKindEnum": "apps.sources.models.SourceKind",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
