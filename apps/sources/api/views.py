"""Sources (addressed by slug) and the citations that pin facts to them."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from apps.core import registry
from apps.core.api.filters import StrictFilterBackend
from apps.core.api.views import CatrackViewSet, HistoryMixin
from apps.sources.api.serializers import (
    AssessmentSerializer,
    CitationSerializer,
    DisagreementSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    citations_prefetch,
)
from apps.sources.filters import AssessmentFilterSet, CitationFilterSet, DisagreementFilterSet, SourceFilterSet
from apps.sources.models import Assessment, Citation, Source
from apps.sources.selectors import disagreement_csv_rows, disagreement_groups, disagreements


class SourceViewSet(HistoryMixin, CatrackViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "slug"
    ordering_fields = ["title", "title_en", "author", "published_on", "slug", "created_at", "updated_at"]

    def get_serializer_class(self):
        # The facts a source supports are listed on its detail only (bounded: SOURCE_FACTS_LIMIT).
        return SourceDetailSerializer if self.action == "retrieve" else SourceSerializer


class CitationViewSet(HistoryMixin, CatrackViewSet):
    queryset = Citation.objects.select_related("source", "content_type")
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    ordering_fields = ["paragraph", "created_at", "updated_at"]


class AssessmentViewSet(HistoryMixin, CatrackViewSet):
    queryset = Assessment.objects.prefetch_related("about", citations_prefetch())
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet
    lookup_field = "slug"
    ordering_fields = ["slug", "created_at", "updated_at"]


class DisagreementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Where sources differ: each fact's field whose claims give more than one value, with each value, its sources,
    ranks and reasons, the column's value and the value the preference rule picks (docs/claims.md). Paged in
    JSON; CSV, CSV for Excel and XLSX list every matching disagreement, one row per value."""

    queryset = Citation.objects.exclude(field="")
    serializer_class = DisagreementSerializer
    filterset_class = DisagreementFilterSet
    filter_backends = [StrictFilterBackend]

    @extend_schema(responses=DisagreementSerializer(many=True))
    def list(self, request, *args, **kwargs):
        groups = disagreement_groups(self.filter_queryset(self.get_queryset()))
        if getattr(request.accepted_renderer, "format", None) in registry.export_formats():
            return Response(disagreement_csv_rows(disagreements(groups)))
        page = self.paginate_queryset(groups)
        return self.get_paginated_response(DisagreementSerializer(disagreements(page), many=True).data)
