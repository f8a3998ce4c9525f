"""Base viewsets: CSV streaming, history, and database errors turned into clear 4xx responses."""

import functools

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.core import registry
from apps.core.api.csv_dialect import csv_dialect
from apps.core.api.csv_export import export_filename
from apps.core.api.fields import forget_prefetched
from apps.core.api.filters import (
    StrictFilterBackend,
    StrictOrderingFilter,
    check_query_params,
    raise_for_unknown_slugs,
    resource_name,
)
from apps.core.api.shapes import kept_rows
from apps.core.api.sql import SQLPage, json_rows, row_plan
from apps.core.change_capture import start_change
from apps.core.history import row_history
from apps.core.integrity_errors import integrity_error_detail
from apps.core.models import ChangeAction, ChangeEvent
from apps.core.reverts import RevertRefused, revert_row_to_version


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with existing data."
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "If-Match: the row changed since you read it (its ETag is now different). Read it again, "
        "re-apply your change and send it with the new ETag."
    )
    default_code = "precondition_failed"


# Actions whose response is the row itself, so they carry its ETag.
DETAIL_ACTIONS = frozenset({"create", "retrieve", "update", "partial_update", "revert"})


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the row as you read it: a row changed since then is a 412, not a lost update.",
)


def check_if_match(request, row):
    """RFC 9110 §13.1.1 If-Match with strong comparison: absent or `*` passes; otherwise one of the listed
    entity tags must be the row's current version, else PreconditionFailed (412). Weak tags never match."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = parse_etags(header)
    if tags == ["*"]:
        return
    if quote_etag(row.row_version) not in tags:
        raise PreconditionFailed()


def begin_change(request, *, lock):
    """Start a write in the current transaction (apps.core.change_capture.start_change)."""
    start_change(request.user.get_username() if request.user.is_authenticated else None, lock=lock)


def changes_nothing(serializer):
    """True when saving the validated update `serializer` would leave its row as it is: every value given
    equals the stored one (many-to-many: the same set of rows). A value that is not a plain model field
    counts as a change."""
    from django.core.exceptions import FieldDoesNotExist

    instance = serializer.instance
    for name, value in serializer.validated_data.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.many_to_many:
            if {row.pk for row in getattr(instance, name).all()} != {getattr(row, "pk", row) for row in value}:
                return False
        elif not field.concrete or getattr(instance, name) != value:
            return False
    return True


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
    added = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A many-to-many change: the slugs of the rows linked by it",
    )
    removed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A many-to-many change: the slugs of the rows unlinked by it",
    )


class HistoryRecordSerializer(serializers.Serializer):
    history_id = serializers.IntegerField(
        help_text="The change feed's event (/api/v1/changes/ `id`, its cursor) this entry is: the row's write, or "
        "for a many-to-many change the last link event of it; what `history/{history_id}/revert/` points at. "
        "Changed within v1 (CHANGELOG, 2026-12-07): ids from before are not feed events; read the history again.",
    )
    date = serializers.DateTimeField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    change_reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


class CatrackViewSet(viewsets.ModelViewSet):
    """A resource: filtered, ordered and paginated lists, CSV of all matching rows, safe writes."""

    lookup_value_regex = "[0-9]+"  # ids; slugged resources get a slug pattern (__init_subclass__)
    csv_columns = None  # None: every field flat (apps.core.api.csv_export.csv_columns_for)
    extra_query_params = ()  # non-filter parameters an action accepts (e.g. group_by)
    # SQL that renders a list page as JSON (see takes_sql_path); sql_pages = False forces DRF's path (tests).
    page_json = None
    sql_pages = True
    # Whether the SQL page's rows are compiled once per shape of the request (apps.core.api.shapes); a resource says
    # so once its every filter is held to a fresh compile (tests/trade/test_list_shapes.py).
    keeps_shapes = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only well-formed keys reach the database: anything else is a 404 from the URL resolver.
        cls.lookup_value_regex = r"[-\w]+" if cls.lookup_field == "slug" else "[0-9]+"
        if cls.keeps_shapes and (
            cls.get_queryset is not CatrackViewSet.get_queryset
            or cls.filter_queryset is not CatrackViewSet.filter_queryset
        ):
            # A kept shape's SQL is shared by every request of that shape, whoever asks: rows that depend on the
            # request beyond its filters (the user, say) would reach another user (apps.core.api.shapes).
            raise ImproperlyConfigured(f"{cls.__name__} keeps shapes, so its rows must not depend on the request")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            # Reads check their parameters in the filter backend; a write must not carry stray ones either.
            check_query_params(request, self, None)

    def list(self, request, *args, **kwargs):
        """The filtered, ordered list: an export (CSV, CSV for Excel, XLSX), a JSON page PostgreSQL renders
        (page_json), or DRF's page."""
        export_format = registry.export_formats().get(getattr(request.accepted_renderer, "format", None))
        if export_format is None and self.takes_sql_path(request):
            # The count as the resource's pagination takes it: with the page (WindowCountPagination) or on its own.
            counts_with_page = getattr(self.paginator, "counts_with_page", False)
            (results,) = self.paginate_queryset(self.sql_page(request, count_with_page=counts_with_page))
            return self.get_paginated_response(results)
        queryset = self.filter_queryset(self.get_queryset())
        if export_format is not None:
            raise_for_unknown_slugs(request)  # before streaming starts: a 400 cannot follow a 200
            return export_format.renderer.export_response(
                queryset,
                columns=self.csv_columns,
                filename=export_filename(resource_name(request)),
                dialect=csv_dialect(request, for_excel=getattr(export_format.renderer, "for_excel", False)),
            )
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self.get_serializer(queryset, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def sql_page(self, request, *, count_with_page):
        """The request's SQLPage (apps.core.api.sql): its rows as filter_queryset() filters and orders them, validated
        alike; where the resource keeps shapes (keeps_shapes), their SQL from the request's kept shape
        (apps.core.api.shapes) when it has one, the queryset then built only if the page needs it."""
        page = functools.partial(SQLPage, page_json=self.page_json, count_with_page=count_with_page)
        if not self.keeps_shapes or tuple(self.filter_backends) != (StrictFilterBackend, StrictOrderingFilter):
            return page(self.filter_queryset(self.get_queryset()))
        queryset = self.get_queryset()
        filterset = StrictFilterBackend().validated_filterset(request, queryset, self)
        ordering = StrictOrderingFilter()
        if filterset is None:
            return page(ordering.filter_queryset(request, queryset, self))

        def build(values=None):
            # filter_queryset()'s two backends, on the validated FilterSet (or one filtering with other values).
            rows = filterset if values is None else filterset.with_values(values)
            return ordering.filter_queryset(request, rows.qs, self)

        methods = frozenset(name for name, f in filterset.filters.items() if f.method is not None)
        key = (type(self), type(filterset), tuple(request.query_params.getlist(ordering.ordering_param)))
        compiled, built = kept_rows(key, filterset.form.cleaned_data, build=build, methods=methods)
        if compiled is None:
            return page(built)
        ordering.get_ordering(request, queryset, self)  # a bad `ordering` is a 400, as filter_queryset() says
        return page(build, compiled=compiled)

    def get_queryset(self):
        if self.action == "list" and self.queryset is not None and self.takes_sql_path(self.request):
            # The SQL page reads the table's own columns only (SQLPage drops the related rows selected): dropped
            # here, in place of DRF's .all(), none of the request's other clones of the query (each filter, the
            # ordering) deep-copies them.
            return self.queryset.select_related(None)
        return super().get_queryset()

    def takes_sql_path(self, request):
        """Whether PostgreSQL renders this JSON list page (apps.core.api.sql) from the same queryset."""
        return self.page_json is not None and self.sql_pages and renders_json_in_sql(request)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        matched = getattr(self.request, "matched_via_groupings", None)
        if matched is not None:
            response.data["matched_via_groupings"] = matched  # {actor parameter: [grouping slugs]}
        return response

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.paginator.page.paginator.count == 0:
            raise_for_unknown_slugs(self.request)  # nothing matched: was a slug wrong?
        return page

    def get_object(self):
        """The addressed row. For PUT/PATCH/DELETE it is locked first (inside the transaction of update() /
        destroy()) and read after the lock, so a concurrent write is applied before this one reads, never
        overwritten by it; then a stale If-Match is a 412."""
        # PUT, PATCH, DELETE and detail POSTs (revert). Not OPTIONS: DRF's metadata asks for the row as if
        # for a PUT (a clone of the request, method PUT) only to see whether it may; it writes nothing.
        writing = self.request._request.method not in SAFE_METHODS
        if writing:
            self._lock_row()
        try:
            row = super().get_object()
        except Http404:
            raise_for_unknown_slugs(self.request)
            raise
        if writing:
            check_if_match(self.request, row)
        self.versioned_row = row
        return row

    def _lock_row(self):
        # SELECT ... FOR UPDATE on the bare table (the viewset's queryset joins nullable relations, which
        # PostgreSQL cannot lock); SQLite ignores it, its write transaction serialises writers instead.
        begin_change(self.request, lock=True)
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        model = self.get_queryset().model
        rows = model._base_manager.select_for_update().filter(**{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        list(rows.values_list("pk", flat=True))

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)  # through update(): one transaction

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        # Every detail response names the version of the row it shows (create, read, update).
        row = getattr(self, "versioned_row", None)
        if row is not None and 200 <= response.status_code < 300 and self.action in DETAIL_ACTIONS:
            response["ETag"] = quote_etag(row.row_version)
        matched = getattr(request, "matched_via_groupings", None)
        if matched is not None:
            # Also on unpaginated answers (summaries, CSV): which groupings the actor filters took in.
            response["X-Matched-Via-Groupings"] = "; ".join(
                f"{name}: {', '.join(slugs) or '(none)'}" for name, slugs in sorted(matched.items())
            )
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_create(self, serializer):
        self._save(serializer)
        self.versioned_row = serializer.instance

    def perform_update(self, serializer):
        if changes_nothing(serializer):
            return  # no history entry, no feed event, the same version (ETag)
        self._save(serializer)

    def _save(self, serializer):
        # The serializer ran full_clean(); a race can still break a unique key — a 409, never a 500.
        try:
            with transaction.atomic():
                begin_change(self.request, lock=serializer.instance is not None)
                serializer.save()
                forget_prefetched(serializer.instance)  # the response shows what was written
        except IntegrityError as error:
            raise conflict_from(error) from None

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as error:
            blocking = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
            raise Conflict(f"Cannot delete: still referred to by {', '.join(blocking)}.") from None
        except DjangoValidationError as error:  # a rule the deletion would break (e.g. Citation.delete)
            raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        except IntegrityError as error:
            raise conflict_from(error) from None


class HistoryMixin:
    """`/<resource>/{id}/history/`: what changed, when, from which value (the change feed, apps.core.history);
    who changed it only for signed-in staff."""

    @extend_schema(responses=HistoryRecordSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, *args, **kwargs):
        """The row's history (apps.core.history); for a deleted row too, ending with its deletion (who, when)."""
        model = self.get_queryset().model
        try:
            pk = self.get_object().pk
        except Http404:
            pk = self._deleted_row_pk()
        return Response(row_history(model, pk, show_editors=request.user.is_staff))

    @extend_schema(
        request=None,
        filters=False,
        parameters=[IF_MATCH],
        description="Bring the row back to the values it had in history entry `history_id`, its "
        "many-to-many values included (apps.core.reverts). Recorded as a new entry.",
    )
    @action(
        detail=True, methods=["post"], url_path=r"history/(?P<history_id>[0-9]{1,18})/revert", pagination_class=None
    )
    def revert(self, request, history_id, *args, **kwargs):
        """POST: the row as it was at `history_id`, saved as a new change (who, when, reason in its history)."""
        opts = self.get_queryset().model._meta
        if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise PermissionDenied()
        with transaction.atomic():
            row = self.get_object()  # locked, If-Match checked
            try:
                reverted = revert_row_to_version(row, int(history_id))
            except LookupError as error:
                raise NotFound(str(error)) from None
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
            except RevertRefused as error:
                raise Conflict({"detail": error.message, "rows": error.rows}) from None
            except IntegrityError as error:
                raise conflict_from(error) from None
        self.versioned_row = reverted
        return Response(self.get_serializer(self.get_queryset().get(pk=reverted.pk)).data)

    def _deleted_row_pk(self):
        # The deleted row's id, found by the URL's id or slug in the change feed's deletions (their rows hold
        # the last values); 404 if the feed knows no deleted row of that key.
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup_url_kwarg]
        model = self.get_queryset().model
        pk_name = model._meta.pk.attname
        field = pk_name if self.lookup_field == "pk" else self.lookup_field
        deletions = ChangeEvent.objects.filter(resource=model._meta.label_lower, action=ChangeAction.DELETE)
        lookup = {"object_id": str(value)} if field == pk_name else {f"row__{field}": value}
        deleted = deletions.filter(**lookup).order_by("-id").first()
        if deleted is None or model._base_manager.filter(pk=deleted.object_id).exists():
            raise Http404
        return int(deleted.object_id)


# @action(**AGGREGATE): a summary table is neither paged nor ordered (its rows come in a fixed, documented
# order), so `page`, `page_size` and `ordering` are 400s there and absent from its schema.
AGGREGATE = {"detail": False, "methods": ["get"], "pagination_class": None, "filter_backends": [StrictFilterBackend]}


def parse_group_by(request, allowed, *, default=None):
    """`group_by=a,b` (or `group_by=a&group_by=b`) → ['a', 'b']; anything not in `allowed`, or a key given
    twice, is a 400 naming group_by."""
    # Repeated (group_by=donor&group_by=currency, as generated clients send a list) or comma-separated alike.
    raw = ",".join(request.query_params.getlist("group_by")) or default
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    bad = [key for key in keys if key not in allowed]
    if not keys or bad or len(set(keys)) != len(keys):
        raise ValidationError(
            {
                "group_by": f"One or more of {', '.join(allowed)}, comma-separated, each once"
                f"{'; unknown: ' + ', '.join(bad) if bad else ''}."
            }
        )
    return keys


def renders_json_in_sql(request):
    """Whether this request's JSON may be rendered by PostgreSQL (apps.core.api.sql): JSON asked for, on
    PostgreSQL, in UTC (the SQL writes times in UTC)."""
    return (
        connection.vendor == "postgresql"
        and getattr(getattr(request, "accepted_renderer", None), "format", None) == "json"  # none yet: schema
        and timezone.get_current_timezone_name() == "UTC"
    )


def aggregate_rows(view, request, row_serializer, groups):
    """An aggregate's rows (apps.core.grouping.NamedGroups `groups`, columns named as the row serializer's sources)
    as `row_serializer` writes them: JSON text PostgreSQL renders where it can (json_rows), else serialized_rows'
    list of dicts (CSV, XLSX, SQLite, a field with no SQL twin, `view.sql_pages` off). Same bytes either way."""
    if view.sql_pages and renders_json_in_sql(request):
        rendered = json_rows(row_serializer, groups)
        if rendered is not None:
            return rendered
    return serialized_rows(row_serializer, groups.rows())


def serialized_rows(row_serializer, rows):
    """Aggregate rows (flat dicts) as their documented serializer writes them: decimals as strings, as
    the schema says; the same keys, order and values as `Serializer(rows, many=True).data`.

    Field by field from a plan built once per serializer: DRF's per-row machinery cost more than the
    GROUP BY for a few thousand groups (docs/benchmarks.md, "Figures behind the code").
    """
    plan = row_plan(type(row_serializer.child))
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


@csrf_exempt  # also routed for unmatched /api/ paths (catrack.urls): a PUT there is a 404, not a CSRF 403
def api_not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
