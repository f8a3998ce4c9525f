"""Django's CommonMiddleware, with writes kept as writes when a slash is appended; django-csp's CSPMiddleware, with
the settings' policy built once."""

import functools
from http import HTTPStatus
from typing import Any

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.middleware import common
from django.utils.http import escape_leading_slashes


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    """308: the client repeats the same method and body at the new address (RFC 9110 15.4.9); a 301 is
    followed as a GET by most clients, so a POST came back as the list's 200 and created nothing."""

    status_code = 308


class CommonMiddleware(common.CommonMiddleware):
    """APPEND_SLASH for every method: GET and HEAD get Django's 301; POST, PUT, PATCH, DELETE (and OPTIONS) get
    a 308 to the same path with the slash. Django's own raises a RuntimeError for them under DEBUG (a 500 on
    the development server) and answers a 301 otherwise."""

    def process_response(self, request, response):
        if (
            request.method not in ("GET", "HEAD")
            and response.status_code == 404
            and self.should_redirect_with_slash(request)
        ):
            return PermanentRedirectKeepingMethod(
                escape_leading_slashes(request.get_full_path(force_append_slash=True))
            )
        return super().process_response(request, response)


# The response attributes through which django-csp's decorators (csp_exempt, csp_update, csp_replace, csp) change
# one response's policy; a response with none of them, and a request that made no nonce, get the settings' policy.
_PER_RESPONSE_POLICY = tuple(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace") for suffix in ("", "_ro")
)


@functools.cache
def _settings_policies() -> tuple[str, str]:
    """(Content-Security-Policy, Content-Security-Policy-Report-Only) as django-csp builds them from the settings
    alone (csp.utils.build_policy: no per-response change, no nonce); "" for a policy not configured. Kept until a
    CONTENT_SECURITY_POLICY* setting changes (tests' override_settings)."""
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _forget_settings_policies(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policies.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, the settings' policy built once per process instead of once per response (30 us a
    request: build_policy walks all 31 directives and deep-copies the config). A response a decorator changed, or
    a request whose nonce was made, goes through django-csp's own process_response; the others get the same
    headers on the same conditions (tests/core/test_csp_header.py compares the two)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND) and settings.DEBUG:
            return response  # Django's debug pages carry inline scripts and styles
        policies = zip(
            (HEADER, HEADER_REPORT_ONLY),
            _settings_policies(),
            ("_csp_exempt", "_csp_exempt_ro"),
            ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
            strict=True,
        )
        for header, policy, exempt, setting in policies:
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if not request.path_info.startswith(tuple(excluded)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written raises instead of going unsent.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
