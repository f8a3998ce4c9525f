"""Actors (addressed by slug) and actor relations."""

from apps.actors.api.serializers import ActorRelationSerializer, ActorSerializer, OfficeSerializer
from apps.actors.filters import ActorFilterSet, ActorRelationFilterSet, OfficeFilterSet
from apps.actors.models import Actor, ActorRelation, Office
from apps.core.api.views import CatrackViewSet, HistoryMixin
from apps.sources.api.serializers import citations_prefetch


class ActorViewSet(HistoryMixin, CatrackViewSet):
    queryset = Actor.objects.select_related("country").prefetch_related("members", citations_prefetch())
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    lookup_field = "slug"
    ordering_fields = ["name_en", "name_ru", "kind", "iso3", "slug", "created_at", "updated_at"]


class ActorRelationViewSet(HistoryMixin, CatrackViewSet):
    queryset = ActorRelation.objects.select_related("subject", "object").prefetch_related(citations_prefetch())
    serializer_class = ActorRelationSerializer
    filterset_class = ActorRelationFilterSet
    ordering_fields = ["kind", "start_date", "end_date", "created_at", "updated_at"]


class OfficeViewSet(HistoryMixin, CatrackViewSet):
    queryset = Office.objects.select_related("person", "organization").prefetch_related(citations_prefetch())
    serializer_class = OfficeSerializer
    filterset_class = OfficeFilterSet
    ordering_fields = ["start_date", "end_date", "role_en", "created_at", "updated_at"]
