"""Corridors, corridor stakes, strategic resources and resource interests."""

from django.db.models import Prefetch

from apps.core.api.pagination import WindowCountPagination
from apps.core.api.views import CatrackViewSet, HistoryMixin
from apps.geoeconomics.api.serializers import (
    CorridorSerializer,
    CorridorStakeSerializer,
    ResourceInterestSerializer,
    StrategicResourceSerializer,
)
from apps.geoeconomics.filters import (
    CorridorFilterSet,
    CorridorStakeFilterSet,
    ResourceInterestFilterSet,
    StrategicResourceFilterSet,
)
from apps.geoeconomics.models import Corridor, CorridorStake, ResourceInterest, StrategicResource
from apps.sources.api.serializers import citations_prefetch


class CorridorViewSet(HistoryMixin, CatrackViewSet):
    queryset = Corridor.objects.prefetch_related(
        "countries",
        "markets",
        "bypasses",
        Prefetch("stakes", queryset=CorridorStake.objects.select_related("actor")),
        citations_prefetch(),
    )
    pagination_class = WindowCountPagination  # total read with the page: one query fewer
    serializer_class = CorridorSerializer
    filterset_class = CorridorFilterSet
    lookup_field = "slug"
    ordering_fields = ["name_en", "slug", "created_at", "updated_at"]


class CorridorStakeViewSet(HistoryMixin, CatrackViewSet):
    queryset = CorridorStake.objects.select_related("corridor", "actor").prefetch_related(citations_prefetch())
    serializer_class = CorridorStakeSerializer
    filterset_class = CorridorStakeFilterSet
    ordering_fields = ["role", "created_at", "updated_at", "id"]


class StrategicResourceViewSet(HistoryMixin, CatrackViewSet):
    queryset = StrategicResource.objects.prefetch_related(
        Prefetch("interests", queryset=ResourceInterest.objects.select_related("actor", "region")),
        citations_prefetch(),
    )
    serializer_class = StrategicResourceSerializer
    filterset_class = StrategicResourceFilterSet
    lookup_field = "slug"
    ordering_fields = ["name_en", "category", "slug", "created_at", "updated_at"]


class ResourceInterestViewSet(HistoryMixin, CatrackViewSet):
    queryset = ResourceInterest.objects.select_related("resource", "actor", "region").prefetch_related(
        citations_prefetch()
    )
    serializer_class = ResourceInterestSerializer
    filterset_class = ResourceInterestFilterSet
    ordering_fields = ["kind", "created_at", "updated_at", "id"]
