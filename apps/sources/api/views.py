"""Sources (addressed by slug) and the citations that pin facts to them."""
from apps.core.api.views import CatrackViewSet, HistoryMixin
from apps.sources.api.serializers import CitationSerializer, SourceSerializer
from apps.sources.filters import CitationFilterSet, SourceFilterSet
from apps.sources.models import Citation, Source


class SourceViewSet(HistoryMixin, CatrackViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "slug"
    ordering_fields = ["title", "title_en", "author", "published_on", "slug", "created_at", "updated_at"]


class CitationViewSet(HistoryMixin, CatrackViewSet):
    queryset = Citation.objects.select_related("source", "content_type")
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    ordering_fields = ["paragraph", "created_at", "updated_at"]
