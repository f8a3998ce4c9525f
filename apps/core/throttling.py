"""API throttling per client: anonymous callers by IP address, signed-in users by account.

DRF's throttles copy the rates once, at import; these read settings.REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES on every request, so a deployment (THROTTLE_ANON / THROTTLE_USER) or a test
(override_settings) changes them without a restart.

Each request is counted by one atomic operation. DRF's own throttle reads a client's history from the cache
and writes it back: 8 parallel connections all read the same history and all passed (2,268 requests in
6.2 s against 600/minute). With production's database cache (CACHE_URL=dbcache://…, whose incr is also a
read and a write) the count is a row of core_rate_window, taken by one statement (INSERT … ON CONFLICT DO
UPDATE … RETURNING, on PostgreSQL and SQLite alike); with a cache whose incr is atomic (Redis, Memcached, a
process's own memory) it is that. A client's window starts with its first request and lasts the rate's
period; within it at most the rate's number of requests pass.
"""

import time

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from rest_framework import throttling
from rest_framework.settings import api_settings

from apps.core.models import RateWindow


def count_request(key: str, *, period: float, now: float) -> tuple[int, float]:
    """Count one request of `key` in its window of `period` seconds; returns (requests in the window including
    this one, the window's start in Unix seconds). A window older than `period` starts again at `now`.
    One statement, atomic under any concurrency (the row is locked for its update)."""
    table, key_, started, requests = map(
        connection.ops.quote_name, (RateWindow._meta.db_table, "key", "started", "requests")
    )
    sql = (
        f"INSERT INTO {table} ({key_}, {started}, {requests}) VALUES (%s, %s, 1) ON CONFLICT ({key_}) DO UPDATE"
        f" SET {requests} = CASE WHEN {table}.{started} > %s THEN {table}.{requests} + 1 ELSE 1 END,"
        f" {started} = CASE WHEN {table}.{started} > %s THEN {table}.{started} ELSE excluded.{started} END"
        f" RETURNING {requests}, {started}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[:200], now, now - period, now - period])
        requests, started = cursor.fetchone()
    return requests, started


# Stale windows deleted per new window: each request's extra work stays bounded however many clients came once.
PURGE_BATCH = 100


def rate_windows_purge(*, before: float, limit: int = PURGE_BATCH) -> int:
    """Delete at most `limit` rows of core_rate_window whose window started before `before` (Unix seconds) and
    so has ended for every rate; returns how many. Run when a client starts a new window (allow_request), so
    the table holds about the clients of the longest period instead of every address ever seen."""
    keys = list(RateWindow.objects.filter(started__lt=before).values_list("key", flat=True)[:limit])
    if not keys:
        return 0
    return RateWindow.objects.filter(key__in=keys, started__lt=before).delete()[0]


def client_address(request):
    """The client's IP address as throttling counts it: REMOTE_ADDR, or with NUM_PROXIES = n the address
    n entries from the end of X-Forwarded-For (what the nearest trusted proxy appended). Also used for
    login lockout (settings.AXES_CLIENT_IP_CALLABLE), so both count the same client."""
    return throttling.BaseThrottle().get_ident(request)


def _count_in_cache(key, *, period, now):
    """count_request() in a cache whose add() and incr() are atomic: (requests in the window, its start)."""
    try:
        requests = cache.incr(key)  # in an open window: one operation (and one to read its start), not four
    except ValueError:  # no window open: start one
        cache.add(f"{key}:started", now, period)
        cache.add(key, 0, period)
        try:
            requests = cache.incr(key)
        except ValueError:  # expired between add() and incr(): a new window
            cache.add(key, 0, period)
            requests = cache.incr(key)
    return requests, cache.get(f"{key}:started", now)


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        """Whether the request passes its client's rate: counted in the database with a database cache
        (count_request), else in the cache (_count_in_cache)."""
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = time.time()
        if isinstance(caches["default"], DatabaseCache):
            requests, self.started = count_request(self.key, period=self.duration, now=self.now)
            if requests == 1:  # a new window: a write anyway, and once per client and period
                rate_windows_purge(before=self.now - self.longest_period())
        else:
            requests, self.started = _count_in_cache(self.key, period=self.duration, now=self.now)
        return requests <= self.num_requests

    def wait(self):
        return max(self.started + self.duration - self.now, 1)

    def longest_period(self):
        """The longest period of any configured rate, in seconds: a window older than that has ended for all."""
        rates = [rate for rate in api_settings.DEFAULT_THROTTLE_RATES.values() if rate]
        return max((self.parse_rate(rate)[1] for rate in rates), default=self.duration)


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    def get_cache_key(self, request, view):
        # Signed-in users only: DRF's also counts an anonymous caller by address, which the anon scope does
        # already (two cache reads and writes per request; in production each one is a database query).
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
