"""The Content-Security-Policy headers of apps.core.middleware.CSPMiddleware (the settings' policy built once) are
django-csp's own, byte for byte, whatever a response or the settings change: both middlewares answer the same
requests in one process (django-csp orders directives by a set, so only one process's headers compare)."""

import pytest
from csp import middleware as csp_middleware
from csp.decorators import csp as csp_config
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from apps.core.middleware import CSPMiddleware

POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'nonce'"], "img-src": ["data:"]}}
REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"], "report-uri": ["/csp-report/"]}}


def _plain(request):
    return HttpResponse("ok")


def _with_header(request):
    return HttpResponse("ok", headers={"Content-Security-Policy": "default-src 'none'"})


def _not_found(request):
    return HttpResponse("missing", status=404)


def _server_error(request):
    return HttpResponse("broken", status=500)


def _nonce_used(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


VIEWS = {
    "plain": _plain,
    "header already set": _with_header,
    "404": _not_found,
    "500": _server_error,
    "nonce used": _nonce_used,
    "exempt": csp_exempt()(_plain),
    "exempt, report-only": csp_exempt(REPORT_ONLY=True)(_plain),
    "updated": csp_update({"img-src": ["https://example.org"]})(_plain),
    "replaced": csp_replace({"script-src": ["'none'"]})(_plain),
    "own config": csp_config({"default-src": ["'self'"]})(_plain),
    "updated, report-only": csp_update({"img-src": ["https://example.org"]}, REPORT_ONLY=True)(_plain),
}
SETTINGS = {
    "the project's": {},
    "with a nonce source": {"CONTENT_SECURITY_POLICY": POLICY},
    "report-only too": {"CONTENT_SECURITY_POLICY_REPORT_ONLY": REPORT_ONLY},
    "report-only alone": {"CONTENT_SECURITY_POLICY": None, "CONTENT_SECURITY_POLICY_REPORT_ONLY": REPORT_ONLY},
    "none": {"CONTENT_SECURITY_POLICY": None},
    "excluded prefix": {"CONTENT_SECURITY_POLICY": {**POLICY, "EXCLUDE_URL_PREFIXES": ["/api/"]}},
    "debug": {"DEBUG": True},
}


def _answer(middleware_class, view, path):
    """The response's headers (a nonce made for it written N: each request has its own) and whether asking the
    request's nonce after the response raises."""
    request = RequestFactory().get(path)
    response = middleware_class(view)(request)
    made = getattr(request, "_csp_nonce", None)
    headers = [(name, value.replace(made, "N") if made else value) for name, value in response.items()]
    try:
        str(request.csp_nonce)
    except CSPNonceError:
        return headers, "raises"
    return headers, "answers"


@pytest.mark.parametrize("settings_case", SETTINGS)
@pytest.mark.parametrize("view_case", VIEWS)
@pytest.mark.parametrize("path", ["/api/v1/trade-flows/", "/summits/"])
def test_headers_are_django_csps_own(settings_case, view_case, path):
    with override_settings(**SETTINGS[settings_case]):
        ours = _answer(CSPMiddleware, VIEWS[view_case], path)
        theirs = _answer(csp_middleware.CSPMiddleware, VIEWS[view_case], path)
    assert ours == theirs


def test_a_changed_setting_is_the_next_responses_policy():
    answers = []
    for policy in (POLICY, REPORT_ONLY, POLICY):
        with override_settings(CONTENT_SECURITY_POLICY=policy):
            answers.append(_answer(CSPMiddleware, _plain, "/"))
            assert answers[-1] == _answer(csp_middleware.CSPMiddleware, _plain, "/")
    assert answers[0] != answers[1] and answers[0] == answers[2]


def test_the_api_list_carries_the_settings_policy(client, db):
    from csp.utils import build_policy

    response = client.get("/api/v1/summits/")
    assert response["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response
