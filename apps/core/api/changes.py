"""`/api/v1/changes/`: every create, update and delete across catrack's resources, in commit order, by cursor.

A consumer that starts with no `since` and follows `next` until it is null, applying each event (create and
update: the row is `row`; delete: the row is gone), holds exactly what catrack holds; later it asks again
with `since=<the last cursor>`.
"""
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from apps.core.api.pagination import MAX_PAGE_SIZE
from apps.core.api.schema import CatrackAutoSchema
from apps.core.change_capture import feed_row
from apps.core.models import ChangeEvent

DEFAULT_PAGE_SIZE = 100


class ChangeEventSerializer(serializers.ModelSerializer):
    cursor = serializers.IntegerField(source="id", help_text="Give it as `since` to continue after this event.")
    row = serializers.JSONField(help_text="The row after the change; for a delete the last values it had "
                                          "(a tombstone). Keys are column names.")

    class Meta:
        model = ChangeEvent
        fields = ["cursor", "occurred_at", "resource", "object_id", "action", "row", "user"]

    def to_representation(self, event):
        data = super().to_representation(event)
        data["row"] = feed_row(event.resource, data["row"])
        request = self.context.get("request")
        if request is None or not request.user.is_staff:
            data["user"] = None  # editors' names are for signed-in staff (as in /history/)
        return data


ChangePage = inline_serializer(name="ChangePage", fields={
    "next": serializers.URLField(allow_null=True, help_text="The next page; null when you are up to date."),
    "cursor": serializers.IntegerField(allow_null=True, help_text="The last event's cursor (or the given one)."),
    "results": ChangeEventSerializer(many=True),
})


def parse_since(raw):
    """`since` → ('cursor', id) for digits, ('time', aware datetime) for an ISO 8601 datetime with its
    offset, (None, None) when absent; anything else is a 400 naming `since`."""
    if raw is None or raw == "":
        return None, None
    if raw.isdigit() and len(raw) <= 18:
        return "cursor", int(raw)
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError({"since": "A cursor from a previous page (digits) or an ISO 8601 datetime with its "
                                        "offset, e.g. 2025-12-19T00:00:00Z."})
    return "time", moment


class ChangeFeedSchema(CatrackAutoSchema):
    def _is_list_view(self, serializer=None):
        return False  # one page object ({next, cursor, results}), not an array of them


class ChangeFeedViewSet(viewsets.GenericViewSet):
    """Creates, updates and deletes across all resources, oldest first (see the module docstring)."""

    schema = ChangeFeedSchema()
    queryset = ChangeEvent.objects.all()
    serializer_class = ChangeEventSerializer
    filter_backends = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="Events after this cursor (digits, from a previous page), "
                             "or at or after this ISO 8601 datetime; none: from the very first change."),
            OpenApiParameter("page_size", int, description=f"Events per page, 1 to {MAX_PAGE_SIZE} "
                             f"(default {DEFAULT_PAGE_SIZE})."),
        ],
        responses=ChangePage,
    )
    def list(self, request):
        unknown = sorted(set(request.query_params) - {"since", "page_size", "format"})
        if unknown:
            raise ValidationError({unknown[0]: f"Unknown parameter {unknown[0]!r}; use since and page_size."})
        kind, since = parse_since(request.query_params.get("since"))
        page_size = _page_size(request.query_params.get("page_size"))
        events = ChangeEvent.objects.order_by("id")
        if kind == "cursor":
            events = events.filter(id__gt=since)
        elif kind == "time":
            events = events.filter(occurred_at__gte=since)
        page = list(events[:page_size + 1])
        more = len(page) > page_size
        page = page[:page_size]
        cursor = page[-1].id if page else (since if kind == "cursor" else None)
        next_url = (replace_query_param(request.build_absolute_uri(), "since", str(cursor)) if more else None)
        return Response({"next": next_url, "cursor": cursor,
                         "results": ChangeEventSerializer(page, many=True, context={"request": request}).data})


def _page_size(raw):
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {raw!r}."})
    return int(raw)
