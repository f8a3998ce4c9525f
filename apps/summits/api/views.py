"""Topics, summit formats, summits, participants, documents and signatories; the summit scoreboard."""
from collections import defaultdict

from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.fields import Brief
from apps.core.api.pagination import CatrackPagination, WindowCountPagination
from apps.core.api.serializers import citation_rows, citations_prefetch, prefetched_attr
from apps.core.api.filters import raise_for_unknown_slugs
from apps.core.api.views import CatrackViewSet, HistoryMixin, serialized_rows
from apps.summits.api.serializers import (
    DocumentSerializer,
    DocumentSignatorySerializer,
    SummitFormatSerializer,
    SummitParticipantSerializer,
    SummitSerializer,
    TopicSerializer,
)
from apps.summits.filters import (
    DocumentFilterSet,
    DocumentSignatoryFilterSet,
    SummitFilterSet,
    SummitFormatFilterSet,
    SummitParticipantFilterSet,
    TopicFilterSet,
)
from apps.summits.models import Document, DocumentSignatory, Summit, SummitFormat, SummitParticipant, Topic
from apps.summits.selectors import SUMMIT_PAGE_JSON, summit_scoreboard

ScoreboardRow = inline_serializer(
    many=True,
    name="SummitScoreboardRow",
    fields={
        "partner": serializers.CharField(help_text="external partner's slug (a state or an organisation)"),
        "partner_name": serializers.CharField(),
        "partner_kind": serializers.CharField(help_text="state or organisation"),
        "summits": serializers.IntegerField(help_text="all matching summits, dated or not"),
        "dated_summits": serializers.IntegerField(),
        "undated_summits": serializers.IntegerField(help_text="summits no source dates (none after a date filter)"),
        "formats": serializers.IntegerField(),
        "first_date": serializers.DateField(allow_null=True, help_text="first day of the earliest partial date"),
        "last_date": serializers.DateField(allow_null=True),
        "cities": inline_serializer(name="SummitScoreboardCity", many=True, fields={
            "city_en": serializers.CharField(), "city_ru": serializers.CharField()}),
        "documents": inline_serializer(name="SummitScoreboardDocument", many=True, fields={
            "slug": serializers.CharField(), "title_en": serializers.CharField(), "kind": serializers.CharField()}),
    },
)


class TopicViewSet(CatrackViewSet):  # Topic keeps no change history
    queryset = Topic.objects.select_related("parent")
    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
    lookup_field = "slug"
    ordering_fields = ["name_en", "slug", "created_at", "updated_at"]


class SummitFormatViewSet(HistoryMixin, CatrackViewSet):
    queryset = SummitFormat.objects.select_related("region", "partner").prefetch_related(citations_prefetch())
    serializer_class = SummitFormatSerializer
    filterset_class = SummitFormatFilterSet
    lookup_field = "slug"
    ordering_fields = ["name_en", "slug", "created_at", "updated_at"]


# A summit's columns, and of its format and host only what BriefRelatedField shows.
SUMMIT_PAGE_COLUMNS = (*[f.attname for f in Summit._meta.concrete_fields],
                       "format__slug", "format__name_en", "host__slug", "host__name_en", "host__kind")


class SummitRow:
    """A summit of a list page read as plain values: the attributes SummitSerializer reads, format and
    host already as their brief representation (no model instances for summit, format and host)."""

    def __init__(self, row):
        self.__dict__.update(row)
        self.format = Brief(slug=row["format__slug"], name=row["format__name_en"])
        self.host = None if row["host__slug"] is None else _actor_brief(
            row["host__slug"], row["host__name_en"], row["host__kind"], brief=Brief)


class SummitPaginator(DjangoPaginator):
    """Counts the filtered summits, then fetches only the page's rows as plain values."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list.values(*SUMMIT_PAGE_COLUMNS)[bottom:bottom + self.per_page]
        return self._get_page([SummitRow(row) for row in rows], number, self)


class SummitPagination(CatrackPagination):
    django_paginator_class = SummitPaginator


class SummitViewSet(HistoryMixin, CatrackViewSet):
    queryset = Summit.objects.select_related("format", "host").only(
        # Every column of the summit; of its format and host only what BriefRelatedField shows.
        *[f.name for f in Summit._meta.concrete_fields],
        "format__id", "format__slug", "format__name_en", "host__id", "host__slug", "host__name_en", "host__kind",
    ).prefetch_related(
        Prefetch(
            "participations",
            # Only what ParticipationSerializer shows (BriefRelatedField: slug, name, kind).
            queryset=SummitParticipant.objects.select_related("actor", "represented_by")
            .only("id", "summit", "role", "actor__id", "actor__slug", "actor__name_en", "actor__kind",
                  "represented_by__id", "represented_by__slug", "represented_by__name_en", "represented_by__kind")
            .order_by("role", "actor__name_en", "id"),
            to_attr=prefetched_attr("participations"),  # a plain list (PrefetchedListSerializer)
        ),
        citations_prefetch(),
    )
    pagination_class = SummitPagination  # the page as SummitRow values (list only)
    serializer_class = SummitSerializer
    filterset_class = SummitFilterSet
    lookup_field = "slug"
    ordering_fields = ["date", "title_en", "city_en", "ordinal", "created_at", "updated_at"]

    page_json = SUMMIT_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return super().list(request, *args, **kwargs)
        response = self.sql_list(request)
        if response is not None:
            return response
        # The page's participants and citations are read as plain rows (same two queries as the
        # prefetch, no model instance per participant, actor, citation and source).
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginate_queryset(queryset)
        if page is None:
            return super().list(request, *args, **kwargs)
        ids = [summit.id for summit in page]
        participants, citations = defaultdict(list), citation_rows(Summit, ids) if ids else {}
        if ids:
            rows = (SummitParticipant.objects.filter(summit_id__in=ids).order_by("role", "actor__name_en", "id")
                    .values_list("summit_id", "id", "role", "actor__slug", "actor__name_en", "actor__kind",
                                 "represented_by__slug", "represented_by__name_en", "represented_by__kind"))
            for summit_id, pk, role, slug, name, kind, rep_slug, rep_name, rep_kind in rows:
                participants[summit_id].append({
                    "id": pk,
                    "actor": _actor_brief(slug, name, kind),
                    "role": role,
                    "represented_by": None if rep_slug is None else _actor_brief(rep_slug, rep_name, rep_kind),
                })
        for summit in page:
            setattr(summit, prefetched_attr("participations"), participants.get(summit.id, []))
            setattr(summit, prefetched_attr("citations"), citations.get(summit.id, []))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=ScoreboardRow)
    @action(detail=False, methods=["get"], pagination_class=None)
    def scoreboard(self, request):
        """How many summits were held with each external partner, e.g. in a date window
        (`date_after`, `date_before`) and for a region (`region=central-asia`); every summit filter applies."""
        rows = summit_scoreboard(summits=self.filter_queryset(Summit.objects.all()))
        if not rows:
            raise_for_unknown_slugs(request)
        return Response(serialized_rows(ScoreboardRow, rows))


def _actor_brief(slug, name, kind, brief=dict):
    """An actor as BriefRelatedField reads it (Actor.__str__ is its English name)."""
    brief = brief(slug=slug, name=name)
    if kind is not None:
        brief["kind"] = kind
    return brief


class SummitParticipantViewSet(HistoryMixin, CatrackViewSet):
    queryset = SummitParticipant.objects.select_related("summit", "actor", "represented_by").prefetch_related(
        citations_prefetch()
    )
    serializer_class = SummitParticipantSerializer
    filterset_class = SummitParticipantFilterSet
    ordering_fields = ["role", "created_at", "updated_at"]


class DocumentViewSet(HistoryMixin, CatrackViewSet):
    queryset = Document.objects.select_related("summit", "implements").prefetch_related(
        Prefetch("signings", queryset=DocumentSignatory.objects.select_related("actor", "signed_by")),
        "topics",
        citations_prefetch(),
    )
    pagination_class = WindowCountPagination  # total read with the page: one query fewer
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    lookup_field = "slug"
    ordering_fields = ["title_en", "adopted_on", "kind", "created_at", "updated_at"]


class DocumentSignatoryViewSet(CatrackViewSet):
    queryset = DocumentSignatory.objects.select_related("document", "actor", "signed_by")
    serializer_class = DocumentSignatorySerializer
    filterset_class = DocumentSignatoryFilterSet
    ordering_fields = ["created_at", "updated_at"]
