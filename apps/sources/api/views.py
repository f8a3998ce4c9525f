"""Sources (addressed by slug) and the citations that pin facts to them."""
from apps.core.api.views import CatrackViewSet, HistoryMixin
from apps.sources.api.serializers import citations_prefetch
from apps.sources.api.serializers import (
    AssessmentSerializer,
    CitationSerializer,
    SourceDetailSerializer,
    SourceSerializer,
)
from apps.sources.filters import AssessmentFilterSet, CitationFilterSet, SourceFilterSet
from apps.sources.models import Assessment, Citation, Source


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
