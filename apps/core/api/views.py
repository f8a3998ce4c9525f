"""Base viewsets: CSV streaming, history, and database errors turned into clear 4xx responses."""
import functools

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.fields import empty
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.core.api.csv_export import EXPORT_FORMATS, export_response
from apps.core.exceptions import integrity_error_detail
from apps.core.api.filters import (
    StrictFilterBackend,
    check_query_params,
    raise_for_unknown_slugs,
)
from apps.core.api.sql import SQLPage


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with existing data."
    default_code = "conflict"


def conflict_from(error):
    """A 409 that says which rule the write broke: {field: [message]} for a unique field, else {detail}."""
    found = integrity_error_detail(error)
    fields = [field.removesuffix("_id") for field in found["fields"]]
    if len(fields) == 1:
        return Conflict({fields[0]: [found["detail"]]})
    return Conflict(found["detail"])


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryRecordSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    change_reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def history_records(obj, *, show_editors=False):
    """Every recorded version of `obj`, newest first, each with the fields it changed (old → new).

    `user` (who made the change) is the editor's user name only with show_editors, else null: user
    names are for staff, not for the public. One query: versions are diffed pairwise in Python rather
    than asking each for its predecessor.
    """
    versions = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    records, previous = [], None
    for version in versions:
        changes = []
        if previous is not None:
            delta = version.diff_against(previous)
            changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
        records.append({
            "history_id": version.history_id,
            "date": version.history_date,
            "change_type": CHANGE_TYPES.get(version.history_type, version.history_type),
            "user": version.history_user.get_username() if show_editors and version.history_user else None,
            "change_reason": version.history_change_reason,
            "changes": changes,
        })
        previous = version
    return list(reversed(records))


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class CatrackViewSet(viewsets.ModelViewSet):
    """A resource: filtered, ordered and paginated lists, CSV of all matching rows, safe writes."""

    lookup_value_regex = "[0-9]+"  # ids; slugged resources get a slug pattern (__init_subclass__)
    csv_columns = None  # None: every field flat (apps.core.api.csv_export.csv_columns_for)
    extra_query_params = ()  # non-filter parameters an action accepts (e.g. group_by)
    # SQL that renders a list page as JSON (see takes_sql_path); sql_pages = False forces DRF's path (tests).
    page_json = None
    sql_pages = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only well-formed keys reach the database: anything else is a 404 from the URL resolver.
        cls.lookup_value_regex = r"[-\w]+" if cls.lookup_field == "slug" else "[0-9]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            # Reads check their parameters in the filter backend; a write must not carry stray ones either.
            check_query_params(request, self, None)

    def list(self, request, *args, **kwargs):
        """The filtered, ordered list: an export (CSV, CSV for Excel, XLSX), a JSON page PostgreSQL renders
        (page_json), or DRF's page."""
        queryset = self.filter_queryset(self.get_queryset())
        export_format = getattr(request.accepted_renderer, "format", None)
        if export_format in EXPORT_FORMATS:
            raise_for_unknown_slugs(request)  # before streaming starts: a 400 cannot follow a 200
            return export_response(queryset, export_format=export_format, filename=self.basename,
                                   columns=self.csv_columns)
        if self.takes_sql_path(request):
            (results,) = self.paginate_queryset(SQLPage(queryset, page_json=self.page_json))
            return self.get_paginated_response(results)
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self.get_serializer(queryset, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def takes_sql_path(self, request):
        """Whether PostgreSQL renders this JSON list page (apps.core.api.sql) from the same queryset."""
        return (self.page_json is not None and self.sql_pages and connection.vendor == "postgresql"
                and getattr(request.accepted_renderer, "format", None) == "json"
                and timezone.get_current_timezone_name() == "UTC")  # the SQL writes times in UTC

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        matched = getattr(self.request, "matched_via_groupings", None)
        if matched is not None:
            response.data["matched_via_groupings"] = matched  # {actor parameter: [grouping slugs]}
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        matched = getattr(request, "matched_via_groupings", None)
        if matched is not None:
            # Also on unpaginated answers (summaries, CSV): which groupings the actor filters took in.
            response["X-Matched-Via-Groupings"] = "; ".join(
                f"{name}: {', '.join(slugs) or '(none)'}" for name, slugs in sorted(matched.items()))
        return super().finalize_response(request, response, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.paginator.page.paginator.count == 0:
            raise_for_unknown_slugs(self.request)  # nothing matched: was a slug wrong?
        return page

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise_for_unknown_slugs(self.request)
            raise

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer):
        # The serializer ran full_clean(); a race can still break a unique key — a 409, never a 500.
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError as error:
            raise conflict_from(error) from None

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as error:
            blocking = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
            raise Conflict(f"Cannot delete: still referred to by {', '.join(blocking)}.") from None
        except IntegrityError as error:
            raise conflict_from(error) from None


class HistoryMixin:
    """`/<resource>/{id}/history/`: what changed, when, from which value (django-simple-history); who
    changed it only for signed-in staff."""

    @extend_schema(responses=HistoryRecordSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, *args, **kwargs):
        return Response(history_records(self.get_object(), show_editors=request.user.is_staff))


# @action(**AGGREGATE): a summary table is neither paged nor ordered (its rows come in a fixed, documented
# order), so `page`, `page_size` and `ordering` are 400s there and absent from its schema.
AGGREGATE = {"detail": False, "methods": ["get"], "pagination_class": None, "filter_backends": [StrictFilterBackend]}


def parse_group_by(request, allowed, *, default=None):
    """`group_by=a,b` → ['a', 'b']; anything not in `allowed`, or group_by given twice, is a 400 naming group_by."""
    # Only group_by here: the filters' own repetition rule (a multiple choice ORs) is the filter backend's.
    if len(request.query_params.getlist("group_by")) > 1:
        raise ValidationError({"group_by": "'group_by' takes one value; list the keys comma-separated."})
    raw = request.query_params.get("group_by", default)
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    bad = [key for key in keys if key not in allowed]
    if not keys or bad or len(set(keys)) != len(keys):
        raise ValidationError(
            {"group_by": f"One or more of {', '.join(allowed)}, comma-separated, each once"
                         f"{'; unknown: ' + ', '.join(bad) if bad else ''}."}
        )
    return keys


def serialized_rows(row_serializer, rows):
    """Aggregate rows (flat dicts) as their documented serializer writes them: decimals as strings, as
    the schema says; the same keys, order and values as `Serializer(rows, many=True).data`.

    Field by field from a plan built once per serializer: DRF's per-row machinery cost more than the
    GROUP BY for a few thousand groups (trade summary by partner and year: ~100 ms).
    """
    plan = _row_plan(type(row_serializer.child))
    out = []
    for row in rows:
        item = {}
        for name, key, field in plan:
            if key in row:
                value = row[key]
            elif field.default is not empty or field.required:
                value = field.get_attribute(row)  # DRF's own rules for a missing key: the default, or an error
            elif field.allow_null:
                value = None  # a group not asked for: null, as DRF writes it
            else:
                continue  # not required: left out, as DRF does
            item[name] = None if value is None else field.to_representation(value)
        out.append(item)
    return out


@functools.cache  # one per row serializer class
def _row_plan(serializer_class):
    return [(field.field_name, field.source, field) for field in serializer_class()._readable_fields]


@csrf_exempt  # also routed for unmatched /api/ paths (catrack.urls): a PUT there is a 404, not a CSRF 403
def api_not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
