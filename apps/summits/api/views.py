"""Topics, summit formats, summits, participants, documents and signatories; the summit scoreboard."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.columns import serializer_columns
from apps.core.api.fields import prefetched_attr
from apps.core.api.filters import raise_for_unknown_slugs
from apps.core.api.pagination import WindowCountPagination
from apps.core.api.views import AGGREGATE, CatrackViewSet, HistoryMixin, serialized_rows
from apps.sources.api.serializers import citations_prefetch
from apps.summits.api.page_json import DOCUMENT_PAGE_JSON, SIGNATORIES_ORDERING, SUMMIT_PAGE_JSON, TOPICS_ORDERING
from apps.summits.api.serializers import (
    DocumentSerializer,
    DocumentSignatorySerializer,
    ParticipationSerializer,
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
from apps.summits.models import (
    Document,
    DocumentSignatory,
    Summit,
    SummitFormat,
    SummitParticipant,
    SummitStatus,
    Topic,
)
from apps.summits.selectors import summit_scoreboard

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
        "cities": inline_serializer(
            name="SummitScoreboardCity",
            many=True,
            fields={"city_en": serializers.CharField(), "city_ru": serializers.CharField()},
        ),
        "documents": inline_serializer(
            name="SummitScoreboardDocument",
            many=True,
            fields={
                "slug": serializers.CharField(),
                "title_en": serializers.CharField(),
                "kind": serializers.CharField(),
            },
        ),
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


class SummitViewSet(HistoryMixin, CatrackViewSet):
    queryset = (
        Summit.objects.select_related("format", "host", "replaced_by")
        # What SummitSerializer shows, and of its format, host and replacement only what their briefs show.
        .only(*serializer_columns(SummitSerializer))
        .prefetch_related(
            Prefetch(
                "participations",
                # Only what ParticipationSerializer shows, and the summit the prefetch matches rows on.
                queryset=SummitParticipant.objects.select_related("actor", "represented_by")
                # In SummitParticipant's Meta.ordering, as the SQL twin (page_json.PARTICIPANTS_ORDER).
                .only("summit", *serializer_columns(ParticipationSerializer)),
                to_attr=prefetched_attr("participations"),  # a plain list (PrefetchedListSerializer)
            ),
            citations_prefetch(),
        )
    )
    serializer_class = SummitSerializer
    filterset_class = SummitFilterSet
    lookup_field = "slug"
    ordering_fields = ["date", "title_en", "city_en", "ordinal", "status", "created_at", "updated_at"]
    page_json = SUMMIT_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them
    keeps_shapes = True  # every filter held to a fresh compile: tests/summits/test_list_shapes.py

    @extend_schema(responses=ScoreboardRow)
    @action(**AGGREGATE)
    def scoreboard(self, request):
        """How many summits were held with each external partner, e.g. in a date window
        (`date_min`, `date_max`, `year_min`, `year_max`) and for a region (`region=central-asia`); every summit filter applies.
        Only meetings that took place (`status=held`) count unless `status` is given (e.g. `status=planned`, or
        `status=held&status=planned`)."""
        summits = self.filter_queryset(Summit.objects.all())
        if not request.query_params.getlist("status"):
            summits = summits.filter(status=SummitStatus.HELD)
        rows = summit_scoreboard(summits=summits)
        if not rows:
            raise_for_unknown_slugs(request)
        return Response(serialized_rows(ScoreboardRow, rows))


class SummitParticipantViewSet(HistoryMixin, CatrackViewSet):
    queryset = SummitParticipant.objects.select_related("summit", "actor", "represented_by").prefetch_related(
        citations_prefetch()
    )
    serializer_class = SummitParticipantSerializer
    filterset_class = SummitParticipantFilterSet
    ordering_fields = ["role", "created_at", "updated_at"]


class DocumentViewSet(HistoryMixin, CatrackViewSet):
    queryset = Document.objects.select_related("summit", "implements").prefetch_related(
        # Plain lists (to_attr), read by the serializers' fields: no queryset per document and relation.
        # In the SQL twin's order (page_json): the models' Meta.ordering, then the id.
        Prefetch(
            "signings",
            queryset=DocumentSignatory.objects.select_related("actor", "signed_by").order_by(*SIGNATORIES_ORDERING),
            to_attr=prefetched_attr("signings"),
        ),
        Prefetch("topics", queryset=Topic.objects.order_by(*TOPICS_ORDERING), to_attr=prefetched_attr("topics")),
        citations_prefetch(),
    )
    pagination_class = WindowCountPagination  # total read with the page: one query fewer
    page_json = DOCUMENT_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    lookup_field = "slug"
    ordering_fields = ["title_en", "adopted_on", "kind", "created_at", "updated_at"]


class DocumentSignatoryViewSet(CatrackViewSet):
    queryset = DocumentSignatory.objects.select_related("document", "actor", "signed_by")
    serializer_class = DocumentSignatorySerializer
    filterset_class = DocumentSignatoryFilterSet
    ordering_fields = ["created_at", "updated_at"]
