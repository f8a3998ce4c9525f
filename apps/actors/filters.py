"""Filters for actors and the relations between them."""

import django_filters
from django.db.models import Q

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.actors.models import Actor, ActorKind, ActorRelation, Office
from apps.core.api.filters import CatrackFilterSet, MultipleChoiceFilter, RangeFilters
from apps.sources.citation_filters import CitedFilterSet


class ActorFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    kind = MultipleChoiceFilter(choices=ActorKind.choices, label="Kind (repeat for several)")
    iso3 = django_filters.CharFilter(field_name="iso3", lookup_expr="iexact", label="ISO 3166-1 alpha-3 code")
    country = actor_filter("country", "State a person serves")
    member = actor_filter("members", "Groupings and organisations having this member")
    member_of = actor_filter("groupings", "Members of this grouping")

    class Meta:
        model = Actor
        fields = {
            "slug": ["exact"],
            "wikidata_id": ["exact"],
        }


class ActorRelationFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    subject = actor_filter("subject", "Subject")
    object = actor_filter("object", "Object")
    actor = actor_filter(None, "Either side", method="filter_actor")
    start_date_range = RangeFilters(django_filters.DateFilter, old_names=("start_date_after", "start_date_before"))
    end_date_range = RangeFilters(django_filters.DateFilter, old_names=("end_date_after", "end_date_before"))

    search_fields = ("qualifier", "domain", "description_en")

    class Meta:
        model = ActorRelation
        fields = {
            "kind": ["exact"],
            "domain": ["exact", "icontains"],
            "start_date_precision": ["exact"],
            "end_date_precision": ["exact"],
        }

    def filter_actor(self, queryset, name, value):
        return queryset.filter(Q(subject__slug=value) | Q(object__slug=value))


class OfficeFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    person = actor_filter("person", "Office holder")
    organization = actor_filter("organization", "State or organisation of the office")
    held_on = django_filters.DateFilter(method="filter_held_on", label="Offices held on this day (YYYY-MM-DD)")
    start_date_range = RangeFilters(django_filters.DateFilter, old_names=("start_date_after", "start_date_before"))
    end_date_range = RangeFilters(django_filters.DateFilter, old_names=("end_date_after", "end_date_before"))

    search_fields = ("role_en", "role_ru")

    class Meta:
        model = Office
        fields = {
            "role_en": ["exact", "icontains"],
            "role_ru": ["exact"],
            "start_date_precision": ["exact"],
            "end_date_precision": ["exact"],
        }

    def filter_held_on(self, queryset, name, value):
        return queryset.held_on(value)
