"""Operational endpoints: /healthz for load balancers and the container healthcheck."""

import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.database import database_ping

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the app can query its database, 503 otherwise.

    The driver's error (host, port, database name) goes to the log, never to the caller: anyone may ask.
    """
    try:
        database_ping()
    except DatabaseError:
        logger.exception("healthz: database unavailable")
        return JsonResponse({"status": "unavailable", "database": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
