"""How responses travel: gzip for data and public pages, and caching headers for anonymous reads.

- Compression (Django's GZipMiddleware, which also pads against BREACH) only for JSON, CSV and the public
  pages: never for the admin, the API's login or the browsable API, whose pages carry a CSRF token next
  to text from the request (what BREACH needs). A streamed CSV is compressed as it streams.
- `Cache-Control` on successful GET/HEAD answers: `public, max-age=CACHE_SECONDS` for an anonymous
  request (no session cookie, no Authorization header), `private, no-cache` otherwise; ETag and the 304
  for an unchanged answer come from Django's ConditionalGetMiddleware (settings.MIDDLEWARE).
"""

import re

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers

CACHE_SECONDS = 60
# Paths whose pages carry forms with CSRF tokens (BREACH), and writes' answers: never compressed or cached publicly.
PRIVATE_PREFIXES = ("/admin/", "/api-auth/", "/healthz")
ROW_VERSION_ETAG = re.compile(r'"\d+"')  # apps.core.models.TimeStampedModel.row_version, quoted
DATA_TYPES = ("application/json", "text/csv", "application/problem+json", "application/vnd.oai.openapi")


def is_private(request) -> bool:
    """A request whose answer may depend on who asks: signed in (session cookie) or with a token."""
    return bool(request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME))


class CompressionMiddleware(GZipMiddleware):
    """gzip for JSON, CSV and the public pages (text/html outside /admin/, /api-auth/ and the browsable API)."""

    def process_response(self, request, response):
        if ROW_VERSION_ETAG.fullmatch(response.get("ETag", "")):
            # A row's version (a detail's ETag, compared strongly by If-Match): gzip would weaken it to W/"…".
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if content_type.startswith(DATA_TYPES):
            return super().process_response(request, response)
        if content_type == "text/html" and not request.path.startswith((*PRIVATE_PREFIXES, "/api/")):
            return super().process_response(request, response)
        return response


class CacheHeadersMiddleware:
    """Cache-Control on successful reads: public for anonymous ones, private otherwise (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.has_header("Cache-Control"):
            return response
        if request.path.startswith(PRIVATE_PREFIXES) or is_private(request) or response.cookies:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        # The same URL answers differently to a signed-in user or a token (e.g. who changed a row).
        patch_vary_headers(response, ("Cookie", "Authorization"))
        return response
