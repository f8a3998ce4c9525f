"""Operations on the database connection itself: is it there, and waiting until it is."""

import time

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections


def database_ping(*, using=DEFAULT_DB_ALIAS):
    """Run a trivial query; raise OperationalError if the database cannot answer."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def database_wait(*, timeout, interval=1.0, using=DEFAULT_DB_ALIAS, on_retry=None):
    """Ping until the database answers; return the seconds waited, or raise OperationalError at `timeout`."""
    started = time.monotonic()
    while True:
        try:
            database_ping(using=using)
            return time.monotonic() - started
        except OperationalError as error:
            connections[using].close()  # a half-open connection must not be reused on the next try
            waited = time.monotonic() - started
            if waited + interval > timeout:
                raise
            if on_retry is not None:
                on_retry(error, waited)
            time.sleep(interval)
