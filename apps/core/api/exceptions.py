"""DRF's exception handler without its transaction rollback.

API views are non-atomic (see CatrackViewSet.as_view) and each write rolls back its own atomic block,
so there is no request transaction to mark; marking an enclosing one would break callers' transactions.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = "%d" % exc.wait
    data = exc.detail if isinstance(exc.detail, (list, dict)) else {"detail": exc.detail}
    request = context.get("request")
    if getattr(getattr(request, "accepted_renderer", None), "format", None) == "xlsx":
        # An error is no spreadsheet: say it in JSON.
        from apps.core.api.renderers import JSONRenderer

        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return Response(data, status=exc.status_code, headers=headers)
