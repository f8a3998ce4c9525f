"""Operational endpoints: /healthz for load balancers and the container healthcheck."""
from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.database import database_ping


@never_cache
@require_GET
def healthz(request):
    """200 when the app can query its database, 503 otherwise."""
    try:
        database_ping()
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error).strip().splitlines()[0]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
