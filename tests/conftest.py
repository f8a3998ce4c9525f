"""Shared fixtures: API clients and users with model permissions."""

import contextlib

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from apps.core import registry


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def editor(django_user_model):
    """A user holding every add/change/delete permission of catrack's apps (not a superuser)."""
    user = django_user_model.objects.create_user("editor", password="editor-password-1")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=registry.domain_labels()))
    return user


@pytest.fixture
def editor_client(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def seeded(request, db):
    """A database holding the seed (fixtures/seed), as `manage.py seed` loads it: loaded for this test, or once
    for the whole module where the module uses `seeded_once`. (On PostgreSQL a copy of the session's first load
    where the database is as that load found it: tests/seed_copy.py.)"""
    if "seeded_once" in request.fixturenames:
        return request.getfixturevalue("seeded_once")  # module scope: set up before this test's transaction
    from tests.seed_copy import load_seed

    return load_seed()


@pytest.fixture(scope="module")
def seeded_once(request, django_db_setup, django_db_blocker):
    """The seed loaded once for a whole test module (`pytestmark = pytest.mark.usefixtures("seeded_once")`),
    in a transaction rolled back after the module's last test. Each test still runs in its own transaction,
    nested in this one (a savepoint): what a test writes is gone before the next. Every test of the module
    sees the seed. Loading the seed takes about 4 s on PostgreSQL (a copy of the session's first load is quicker:
    tests/seed_copy.py); 164 tests used to load it each, two thirds
    of the suite's time.

    The database is open to the fixture only while it loads and rolls back, so a test without `db` still gets
    pytest-django's error. A transactional test (or a live server) would commit, flush or miss the uncommitted
    seed: in such a module this fixture refuses to run."""
    from django.db import transaction

    from tests.seed_copy import load_seed

    committing = sorted(
        item.name
        for item in request.session.items
        if item.path == request.node.path and {"transactional_db", "live_server"} & set(item.fixturenames)
    )
    if committing:
        raise pytest.UsageError(
            f"seeded_once cannot serve transactional tests ({', '.join(committing)}): "
            "they need the seed loaded for each test (`seeded` without seeded_once)."
        )
    with django_db_blocker.unblock(), contextlib.ExitStack() as stack:
        stack.enter_context(transaction.atomic())  # rolled back here if the load fails
        seed = load_seed()
        module_transaction = stack.pop_all()  # loaded: kept open past this block, for the module's tests
    try:
        yield seed
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            module_transaction.close()


@pytest.fixture
def other_connection(transactional_db):
    """A second psycopg connection (autocommit) to the PostgreSQL test database: another process's, as a
    migration run while the site serves, or a server ending the site's connections."""
    import psycopg
    from django.db import connection

    dsn = connection.get_connection_params()
    with psycopg.connect(
        f"postgresql://{dsn['user']}@{dsn.get('host') or 'localhost'}:{dsn.get('port') or 5432}/{dsn['dbname']}",
        autocommit=True,
    ) as other:
        yield other


@pytest.fixture
def is_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering
def pytest_collection_modifyitems(config, items):
    """Skip `postgres_only` tests when the test database is not PostgreSQL. Keep a test of a `seeded_once` module
    that uses no database with its module's tests: pytest-django runs such tests last, after the transactional
    tests, where the module's seed would be loaded a second time (by the loader: tests/seed_copy.py)."""
    from django.conf import settings

    for item in [item for item in items if "seeded_once" in item.fixturenames and not _uses_db(item)]:
        position = items.index(item)
        items.pop(position)
        siblings = [index for index, other in enumerate(items) if other.path == item.path and _uses_db(other)]
        items.insert(siblings[-1] + 1 if siblings else position, item)  # after the module's last test with a database
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _uses_db(item):
    return bool({"db", "transactional_db"} & set(item.fixturenames))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: throttle counts and export slots (apps.core.exports) belong
    to one test (Django's test client closes a streamed response only once it is read to the end), and so do
    the process's kept counts (apps.core.api.counts: a flush between tests escapes the feed)."""
    from django.core.cache import cache

    from apps.core.api.counts import clear_count_cache

    cache.clear()
    clear_count_cache()
    yield
    cache.clear()
