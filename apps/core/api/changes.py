"""`/api/v1/changes/`: every create, update and delete across catrack's resources, in commit order, by cursor.

A consumer that starts with no `since` and follows `next` until it is null, applying each event (create and
update: the row is `row`; delete: the row is gone), holds exactly what catrack holds; later it asks again
with `since=<the last cursor>`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from apps.core.api.filters import raise_for_repeated
from apps.core.api.pagination import MAX_PAGE_SIZE
from apps.core.api.schema import CatrackAutoSchema
from apps.core.change_capture import feed_row
from apps.core.integrity_errors import integrity_error_detail
from apps.core.models import ChangeEvent, ChangeSetRevert, RevertState
from apps.core.reverts import RevertRefused, changeset_models, revert_changeset

DEFAULT_PAGE_SIZE = 100


class ChangeSetRevertSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(
        choices=RevertState.choices, read_only=True, help_text="partial: rows remain; POST `next` to continue."
    )
    next = serializers.SerializerMethodField(help_text="The URL to POST to continue a partial revert; else null.")

    class Meta:
        model = ChangeSetRevert
        fields = ["changeset", "reverted_by", "state", "rows", "rows_total", "next"]
        extra_kwargs = {
            "reverted_by": {"help_text": "The change set the revert wrote (revert it to redo)."},
            "rows": {"help_text": "Rows brought back to their earlier state so far."},
        }

    def get_next(self, progress) -> str | None:
        request = self.context.get("request")
        if progress.finished_at is not None or request is None:
            return None
        return request.build_absolute_uri()


class ChangeEventSerializer(serializers.ModelSerializer):
    cursor = serializers.IntegerField(source="id", help_text="Give it as `since` to continue after this event.")
    row = serializers.JSONField(
        help_text="The row after the change; for a delete the last values it had (a tombstone). Keys are column names."
    )

    class Meta:
        model = ChangeEvent
        fields = ["cursor", "changeset", "occurred_at", "resource", "object_id", "action", "row", "user"]

    def to_representation(self, event):
        data = super().to_representation(event)
        data["row"] = feed_row(event.resource, data["row"])
        request = self.context.get("request")
        if request is None or not request.user.is_staff:
            data["user"] = None  # editors' names are for signed-in staff (as in /history/)
        return data


ChangePage = inline_serializer(
    name="ChangePage",
    fields={
        "next": serializers.URLField(allow_null=True, help_text="The next page; null when you are up to date."),
        "cursor": serializers.IntegerField(allow_null=True, help_text="The last event's cursor (or the given one)."),
        "results": ChangeEventSerializer(many=True),
    },
)


def parse_since(raw):
    """`since` → ('cursor', id) for digits, ('time', aware datetime) for an ISO 8601 datetime with its
    offset, (None, None) when absent; anything else is a 400 naming `since`."""
    if raw is None or raw == "":
        return None, None
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:  # str.isdigit() alone takes "٣" as 3
        return "cursor", int(raw)
    try:
        moment = parse_datetime(raw) if raw.isascii() else None  # Django's \d also matches "٣"
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError(
            {
                "since": "A cursor from a previous page (digits) or an ISO 8601 datetime with its "
                "offset, e.g. 2025-12-19T00:00:00Z."
            }
        )
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
    lookup_value_regex = "[0-9]{1,18}"  # a change set id

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                str,
                description="Events after this cursor (digits, from a previous page), "
                "or at or after this ISO 8601 datetime; none: from the very first change.",
            ),
            OpenApiParameter(
                "page_size", int, description=f"Events per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
            ),
            OpenApiParameter(
                "Link",
                str,
                OpenApiParameter.HEADER,
                response=True,
                description='`<next page URL>; rel="next"` (RFC 8288) while more events follow: the '
                "same as `next`, and the way to the next page of `format=csv`.",
            ),
        ],
        responses=ChangePage,
    )
    def list(self, request):
        unknown = sorted(set(request.query_params) - {"since", "page_size", "format"})
        if unknown:
            raise ValidationError({unknown[0]: f"Unknown parameter {unknown[0]!r}; use since and page_size."})
        raise_for_repeated(request)  # a second `since` would silently win
        kind, since = parse_since(request.query_params.get("since"))
        page_size = _page_size(request.query_params.get("page_size"))
        events = ChangeEvent.objects.order_by("id")
        if kind == "cursor":
            events = events.filter(id__gt=since)
        elif kind == "time":
            events = events.filter(occurred_at__gte=since)
        page = list(events[: page_size + 1])
        more = len(page) > page_size
        page = page[:page_size]
        cursor = page[-1].id if page else (since if kind == "cursor" else None)
        next_url = replace_query_param(request.build_absolute_uri(), "since", str(cursor)) if more else None
        # The next page also as a Link header: a CSV page has no envelope to carry `next`.
        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
        return Response(
            {
                "next": next_url,
                "cursor": cursor,
                "results": ChangeEventSerializer(page, many=True, context={"request": request}).data,
            },
            headers=headers,
        )

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "force",
                bool,
                description="Revert even if rows of the change set were "
                "changed afterwards (their later changes are overwritten).",
            )
        ],
        responses={200: ChangeSetRevertSerializer, 202: ChangeSetRevertSerializer},
        description="Undo a whole change set (what one request, admin save, seed run or import wrote; each "
        "event's `changeset`) as a new change set: created rows are deleted, "
        "deleted rows come back with the same id, changed rows and many-to-many values get their "
        "earlier values. Written in batches of `REVERT_BATCH_ROWS` rows, each its own transaction, for at "
        "most `REVERT_REQUEST_SECONDS` a request: 200 when done; 202 with `state: partial` and how many rows "
        "are done when rows remain — POST again (the `next` URL) to continue, nothing runs between requests. "
        "Staff with the change permission of every model it touched. 409 naming the "
        "rows when a row was changed afterwards (unless `force=true`) or is referred to by newer rows; "
        "400 naming the row and field when an earlier value breaks a rule today; either carries `revert` "
        "(the progress) when earlier batches of this revert were written.",
    )
    @action(detail=True, methods=["post"], url_path="revert", permission_classes=[IsAuthenticated])
    def revert(self, request, pk=None):
        unknown = sorted(set(request.query_params) - {"force", "format"})
        if unknown:
            raise ValidationError({unknown[0]: f"Unknown parameter {unknown[0]!r}; only force."})
        force = request.query_params.get("force", "false")
        if force not in ("true", "false"):
            raise ValidationError({"force": "true or false."})
        changeset = int(pk)
        needed = changeset_models(changeset)
        if not needed:
            raise NotFound(f"No change set {changeset} in the change feed.")
        missing = [
            f"{m._meta.app_label}.change_{m._meta.model_name}"
            for m in sorted(needed, key=str)
            if not request.user.has_perm(f"{m._meta.app_label}.change_{m._meta.model_name}")
        ]
        if not request.user.is_staff or missing:
            raise PermissionDenied(
                "Reverting a change set needs a staff account with the change permission of "
                f"every model it touched{': missing ' + ', '.join(missing) if missing else ''}."
            )
        try:
            result = revert_changeset(
                changeset,
                username=request.user.get_username(),
                force=force == "true",
                seconds=settings.REVERT_REQUEST_SECONDS,
            )
        except LookupError as error:
            raise NotFound(str(error)) from None
        except RevertRefused as error:
            return Response({"detail": error.message, "rows": error.rows, **_progress(request, error)}, status=409)
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            if getattr(error, "revert", None) is None:
                raise ValidationError(detail) from None
            return Response(
                {**(detail if isinstance(detail, dict) else {"non_field_errors": detail}), **_progress(request, error)},
                status=400,
            )
        except IntegrityError as error:
            return Response(
                {"detail": integrity_error_detail(error)["detail"], **_progress(request, error)}, status=409
            )
        data = ChangeSetRevertSerializer(result, context={"request": request}).data
        return Response(data, status=200 if result.finished_at else 202)


def _progress(request, error):
    # A refusal after earlier batches were written says how far the revert got (nothing hidden half-written).
    progress = getattr(error, "revert", None)
    if progress is None:
        return {}
    return {"revert": ChangeSetRevertSerializer(progress, context={"request": request}).data}


def _page_size(raw):
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {raw!r}."})
    return int(raw)
