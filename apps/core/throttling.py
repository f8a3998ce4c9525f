"""API throttling per client: anonymous callers by IP address, signed-in users by account.

DRF's throttles copy the rates once, at import; these read settings.REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES on every request, so a deployment (THROTTLE_ANON / THROTTLE_USER) or a test
(override_settings) changes them without a restart. Counts live in the default cache, which production
shares between gunicorn workers (database cache), so a client is counted once, not once per worker.
"""
from rest_framework import throttling
from rest_framework.settings import api_settings


def client_address(request):
    """The client's IP address as throttling counts it: REMOTE_ADDR, or with NUM_PROXIES = n the address
    n entries from the end of X-Forwarded-For (what the nearest trusted proxy appended). Also used for
    login lockout (settings.AXES_CLIENT_IP_CALLABLE), so both count the same client."""
    return throttling.BaseThrottle().get_ident(request)


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    def get_cache_key(self, request, view):
        # Signed-in users only: DRF's also counts an anonymous caller by address, which the anon scope does
        # already (two cache reads and writes per request; in production each one is a database query).
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
