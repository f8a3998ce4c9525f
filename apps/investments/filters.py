"""Filters for pledges."""

import django_filters

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.filters import BooleanFilter, CatrackFilterSet, slug_filter, year_of_date_filter
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
    instrument = django_filters.MultipleChoiceFilter(
        choices=Instrument.choices, label="Instrument (repeat for several)"
    )
    status = django_filters.MultipleChoiceFilter(choices=PledgeStatus.choices, label="Status (repeat for several)")
    usd_basis = django_filters.ChoiceFilter(choices=UsdBasis.choices)
    amount_qualifier = django_filters.ChoiceFilter(choices=AmountQualifier.choices)
    amount_usd_qualifier = django_filters.ChoiceFilter(choices=AmountQualifier.choices)
    amount_usd_min = django_filters.NumberFilter(
        field_name="amount_usd", lookup_expr="gte", label="USD amount at least"
    )
    amount_usd_max = django_filters.NumberFilter(field_name="amount_usd", lookup_expr="lte", label="USD amount at most")
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label="Amount (own currency) at least"
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label="Amount (own currency) at most"
    )
    year = year_of_date_filter("period_start", "Year the pledge period starts")
    # By slug, as `parent` is written and shown (and as every other relation is filtered).
    parent = slug_filter("parent", Pledge, "The pledge this one is a component of")
    counts_in_totals = BooleanFilter(
        label="true: only pledges whose money counts in totals (components of a counted pledge excluded)"
    )

    class Meta:
        model = Pledge
        fields = {
            "slug": ["exact"],
            "usd_rate_date": ["exact", "gte", "lte"],
            "usd_rate": ["exact"],
            "usd_rate_source": ["icontains"],
            "period_start": ["gte", "lte"],
            "period_start_precision": ["exact"],
            "period_end": ["gte", "lte"],
            "period_end_precision": ["exact"],
            "period_years": ["exact"],
        }
