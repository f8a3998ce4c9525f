"""DRF's exception handler without its transaction rollback.

No request runs in a transaction of its own (ATOMIC_REQUESTS is off: catrack/settings/base.py) and each write
rolls back its own atomic block, so there is no request transaction to mark; marking an enclosing one would
break callers' transactions.
"""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings


class QueryTooLong(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The database stopped this request: it ran longer than the statement timeout. "
        "Narrow it with filters, or export with format=csv."
    )
    default_code = "query_too_long"


# SQLSTATE 57014 query_canceled: PostgreSQL's statement_timeout (settings.DATABASE_STATEMENT_TIMEOUT) fired.
QUERY_CANCELED = "57014"


def exception_handler(exc, context):
    if isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
        exc = QueryTooLong()
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
    # One shape for every error (apps.core.api.schema.ERROR_SCHEMA): an object; messages not tied to a
    # parameter or field (a ValidationError raised with a list) under DRF's non-field key.
    if isinstance(exc.detail, dict):
        data = exc.detail
    elif isinstance(exc.detail, list):
        data = {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    else:
        data = {"detail": exc.detail}
    request = context.get("request")
    if getattr(getattr(request, "accepted_renderer", None), "render_style", "text") == "binary":
        # An error is no spreadsheet (nor any binary format): say it in JSON.
        from apps.core.api.renderers import JSONRenderer

        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return Response(data, status=exc.status_code, headers=headers)
