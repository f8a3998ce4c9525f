"""Actors in filters: an actor named by its slug, and `via_groupings` (the groupings and organisations the
actor is a member of match too), composed into every FilterSet with an actor filter
(`class PledgeFilterSet(…, GroupingsFilterSet, CatrackFilterSet)`)."""

import django_filters
import django_filters.constants
from django.db.models import Q

from apps.actors.models import Actor
from apps.core.api.filters import BooleanFilter, SlugFilter, SlugsFilter, crosses_to_many


class ActorFilter(SlugFilter):
    """An actor by its slug, like NetBox's `site=ams1`; with `via_groupings=true` also its groupings."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, model=Actor, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES or not _via_groupings(self):
            return super().filter(qs, value)
        # The actor or any grouping/organisation it is a member of (`?via_groupings=true`).
        rows = Actor.objects.filter(Q(slug=value) | Q(members__slug=value)).values("pk")
        if crosses_to_many(qs.model, self.field_name):
            # Through a to-many relation a row linked to the actor and to its grouping would come twice:
            # matched as `pk IN (…)`, not with DISTINCT, which the SQL page (apps.core.api.sql) cannot wrap.
            matching = qs.model._base_manager.filter(**{f"{self.field_name}__in": rows}).values("pk")
            return self.get_method(qs)(pk__in=matching)
        return self.get_method(qs)(**{f"{self.field_name}__in": rows})


class ActorsFilter(SlugsFilter):
    """One or several actors by slug, ORed (SlugsFilter); with `via_groupings=true` also their groupings."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, model=Actor, **kwargs)

    def rows_of(self, slugs):
        if not _via_groupings(self):
            return super().rows_of(slugs)
        return Actor.objects.filter(Q(slug__in=slugs) | Q(members__slug__in=slugs)).values("pk")

    def filter(self, qs, value):
        slugs = list(dict.fromkeys(slug for slug in value or () if slug))
        if not slugs or not _via_groupings(self):
            return super().filter(qs, value)
        rows = self.rows_of(slugs)  # the actors and the groupings they are members of
        if crosses_to_many(qs.model, self.field_name):
            matching = qs.model._base_manager.filter(**{f"{self.field_name}__in": rows}).values("pk")
            return self.get_method(qs)(pk__in=matching)
        return self.get_method(qs)(**{f"{self.field_name}__in": rows})


def actor_filter(field_name, label, *, several=False, **kwargs):
    """An actor filter takes the actor's slug, like NetBox's `site=ams1` (its FilterSet composes
    GroupingsFilterSet); `several`: one or more slugs, ORed, repeated or comma-separated (ActorsFilter)."""
    if several:
        text = f"{label}: one or more actor slugs, repeated or comma-separated (e.g. china,russia); rows matching any"
        return ActorsFilter(field_name=field_name, label=text, help_text=text, **kwargs)
    return ActorFilter(field_name=field_name, label=f"{label} (actor slug, e.g. japan)", **kwargs)


class GroupingsFilterSet(django_filters.FilterSet):
    """`via_groupings` for a resource with actor filters; the response names the groupings it took in."""

    via_groupings = BooleanFilter(
        method="filter_via_groupings",
        label="With an actor filter (e.g. recipient=kazakhstan): also match rows of the groupings and "
        "organisations the actor is a member of (e.g. central-asia); the response lists them.",
    )

    def filter_via_groupings(self, queryset, name, value):
        return queryset  # read by each actor filter (ActorFilter.filter)

    def response_notes(self):
        """{actor parameter: [grouping slugs]} of what `via_groupings` added (None without it)."""
        if not self.form.cleaned_data.get("via_groupings"):
            return None
        matched = {}
        for name, f in self.filters.items():
            value = self.form.cleaned_data.get(name)
            if isinstance(f, (ActorFilter, ActorsFilter)) and value:
                slugs = value if isinstance(value, list) else [value]
                matched[name] = sorted({grouping for slug in slugs if slug for grouping in actor_groupings(slug)})
        return matched


def actor_groupings(slug):
    """Slugs of the groupings and organisations the actor `slug` is a member of, sorted."""
    return sorted(Actor.objects.filter(members__slug=slug).values_list("slug", flat=True))


def _via_groupings(actor_filter):
    form = getattr(getattr(actor_filter, "parent", None), "form", None)
    return bool(form is not None and getattr(form, "cleaned_data", {}).get("via_groupings"))
