"""Long exports next to ordinary requests: a per-client limit on concurrent exports, and the
database's statement timeout raised for an export's duration.

An export (an API request in a format registered with export=True: `?format=csv`, `csv-excel`, `xlsx`,
a `.csv` suffix or `Accept: text/csv`; apps.core.registry) streams every matching row, which may take minutes.
gunicorn's gthread workers (gunicorn.conf.py) keep their heartbeat while a thread streams, so the worker timeout no
longer kills it half-way; the limit below stops one client from holding every thread: its next export
while MAX_CONCURRENT_EXPORTS are running is a 429 with Retry-After. Counts live in the default cache,
shared by all workers in production (database cache); each count expires after EXPORT_SLOT_SECONDS in
case a worker dies mid-stream.
"""

import re

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from rest_framework.exceptions import NotAcceptable
from rest_framework.request import Request

from apps.core import registry
from apps.core.api.negotiation import FormatParamNegotiation
from apps.core.replicas import read_connection
from apps.core.throttling import client_address

EXPORT_SLOT_SECONDS = 60 * 60
RETRY_AFTER_SECONDS = 30


def is_export(request):
    """Whether this request asks the API for an export format, chosen as the API chooses its renderer
    (FormatParamNegotiation: `?format=`, else a format suffix, else the Accept header)."""
    if not request.path.startswith("/api/"):
        return False
    exports = registry.export_formats()
    names = {f.name for f in registry.output_formats()}
    requested = next((value for value in request.GET.getlist("format") if value in names), None)
    if requested is not None:
        return requested in exports
    suffix = _FORMAT_SUFFIX.search(request.path)
    if suffix is not None and suffix["format"] in names:
        return suffix["format"] in exports
    accept = request.headers.get("Accept", "")
    if not any(f.media_type in accept for f in exports.values()):
        return False  # the common case, decided without negotiating
    renderers = [renderer() for renderer in registry.renderer_classes()]
    try:
        renderer, _media_type = FormatParamNegotiation().select_renderer(Request(request), renderers)
    except NotAcceptable:
        return False
    return renderer.format in exports


_FORMAT_SUFFIX = re.compile(r"\.(?P<format>[a-z0-9-]+)/?$")


def _client_key(request):
    user = getattr(request, "user", None)
    if (user is None or not user.is_authenticated) and "Authorization" in request.headers:
        user = _api_user(request) or user
    who = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_address(request)}"
    return f"catrack:exports:{who}"


def _api_user(request):
    """The user an API request authenticates as by a header (a token), which this middleware sees before DRF
    does: token users behind one address are each their own client, not one. None if it does not."""
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(request)
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if authentication.__name__ == "SessionAuthentication":
            continue  # request.user already says
        try:
            found = authentication().authenticate(drf_request)
        except AuthenticationFailed:
            return None  # the API answers 401 itself
        if found is not None:
            return found[0]
    return None


class ExportLimitMiddleware:
    """At most settings.MAX_CONCURRENT_EXPORTS running exports per client (signed-in user, else address);
    on PostgreSQL each export runs with settings.EXPORT_STATEMENT_TIMEOUT instead of the web default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_export(request):
            return self.get_response(request)
        key = _client_key(request)
        cache.add(key, 0, EXPORT_SLOT_SECONDS)
        if cache.incr(key) > settings.MAX_CONCURRENT_EXPORTS:
            _release(key)
            return JsonResponse(
                {
                    "detail": f"At most {settings.MAX_CONCURRENT_EXPORTS} exports at a time per client; "
                    "wait for one to finish."
                },
                status=429,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        _set_statement_timeout(settings.EXPORT_STATEMENT_TIMEOUT)
        try:
            response = self.get_response(request)
        except BaseException:
            _finish(key)
            raise
        if not response.streaming:
            _finish(key)
            return response
        response.streaming_content = _released_after(response.streaming_content, key)
        return response


def _released_after(chunks, key):
    try:
        yield from chunks
    finally:
        _finish(key)


def _finish(key):
    _set_statement_timeout(None)
    _release(key)


def _release(key):
    try:
        cache.decr(key)
    except ValueError:  # expired meanwhile
        pass


def _set_statement_timeout(value):
    """SET statement_timeout for the connection the export reads on (the replica where the read API reads there;
    None: back to the connection's default)."""
    connection = read_connection()
    if connection.vendor != "postgresql" or connection.connection is None and value is None:
        return
    with connection.cursor() as cursor:
        if value is None:
            cursor.execute("RESET statement_timeout")
        else:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(value)])
