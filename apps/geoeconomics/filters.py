"""Filters for corridors, strategic resources and actors' stakes in them."""

import django_filters

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.filters import CatrackFilterSet, slug_filter
from apps.geoeconomics.models import (
    Corridor,
    CorridorStake,
    InterestKind,
    ResourceCategory,
    ResourceInterest,
    StakeRole,
    StrategicResource,
)
from apps.sources.citation_filters import CitedFilterSet


class CorridorFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    country = actor_filter("countries", "State the route runs through")
    market = actor_filter("markets", "Market it opens access to")
    bypasses = actor_filter("bypasses", "Actor whose transit it offers an alternative to")
    stakeholder = actor_filter("stakes__actor", "Actor with a stake in it", distinct=True)

    class Meta:
        model = Corridor
        fields = {"slug": ["exact"], "abbreviation": ["iexact"]}


class CorridorStakeFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    corridor = slug_filter("corridor", Corridor, "Corridor")
    actor = actor_filter("actor", "Actor")
    role = django_filters.ChoiceFilter(choices=StakeRole.choices)

    class Meta:
        model = CorridorStake
        fields = []


class StrategicResourceFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    category = django_filters.ChoiceFilter(choices=ResourceCategory.choices)
    actor = actor_filter("interests__actor", "Actor with an interest in it", distinct=True)

    class Meta:
        model = StrategicResource
        fields = {"slug": ["exact"]}


class ResourceInterestFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    resource = slug_filter("resource", StrategicResource, "Resource")
    actor = actor_filter("actor", "Actor")
    region = actor_filter("region", "Where")
    kind = django_filters.ChoiceFilter(choices=InterestKind.choices)

    search_fields = ("description_en",)

    class Meta:
        model = ResourceInterest
        fields = []
