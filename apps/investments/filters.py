"""Filters for pledges."""

import django_filters

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.filters import (
    BooleanFilter,
    CatrackFilterSet,
    MultipleChoiceFilter,
    RangeFilters,
    slug_filter,
    year_of_date_filter,
)
from apps.investments.models import AmountQualifier, Instrument, Pledge, PledgeStatus, UsdBasis
from apps.sources.citation_filters import CitedFilterSet
from apps.summits.models import Document, Summit, Topic


class PledgeFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    donor = actor_filter("donor", "Donor", several=True)
    recipient = actor_filter("recipients", "Recipient", several=True)
    summit = slug_filter("summit", Summit, "Summit it was announced at")
    document = slug_filter("document", Document, "Document it is part of")
    purpose = slug_filter("purposes", Topic, "Purpose (topic)")
    currency = django_filters.CharFilter(
        field_name="currency", lookup_expr="iexact", label="ISO 4217 currency, e.g. JPY"
    )
    # distinct=False: columns of the pledge itself, no join that could repeat a row (a DISTINCT made the list's rows
    # a SELECT DISTINCT the SQL page's kept shapes do not take: apps.core.api.shapes).
    instrument = MultipleChoiceFilter(
        choices=Instrument.choices, distinct=False, label="Instrument (repeat for several)"
    )
    status = MultipleChoiceFilter(choices=PledgeStatus.choices, distinct=False, label="Status (repeat for several)")
    usd_basis = django_filters.ChoiceFilter(choices=UsdBasis.choices)
    amount_qualifier = django_filters.ChoiceFilter(choices=AmountQualifier.choices)
    amount_usd_qualifier = django_filters.ChoiceFilter(choices=AmountQualifier.choices)
    amount_usd_range = RangeFilters(django_filters.NumberFilter, "USD amount")
    amount_range = RangeFilters(django_filters.NumberFilter, "Amount (own currency)")
    year = year_of_date_filter("period_start", "Year the pledge period starts")
    # By slug, as `parent` is written and shown (and as every other relation is filtered).
    parent = slug_filter("parent", Pledge, "The pledge this one is a component of")
    usd_rate_date_range = RangeFilters(django_filters.DateFilter, "USD rate dated", old_names="lookups")
    period_start_range = RangeFilters(django_filters.DateFilter, "Period starting {} (YYYY-MM-DD)", old_names="lookups")
    period_end_range = RangeFilters(django_filters.DateFilter, "Period ending {} (YYYY-MM-DD)", old_names="lookups")
    counts_in_totals = BooleanFilter(
        label="true: only pledges whose money counts in totals (components of a counted pledge excluded)"
    )

    class Meta:
        model = Pledge
        fields = {
            "slug": ["exact"],
            "usd_rate_date": ["exact"],
            "usd_rate": ["exact"],
            "usd_rate_source": ["icontains"],
            "period_start_precision": ["exact"],
            "period_end_precision": ["exact"],
            "period_years": ["exact"],
        }
