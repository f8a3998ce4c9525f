"""Filters for trade flows, stated trade figures, trade measures and trade statements."""

import datetime

import django_filters
from django import forms
from django.db.models import Q

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.filters import (
    BooleanFilter,
    CatrackFilterSet,
    IntegerFilter,
    MultipleChoiceFilter,
    RangeFilters,
    slug_filter,
)
from apps.investments.models import AmountQualifier
from apps.sources.citation_filters import CitedFilterSet
from apps.sources.models import Source
from apps.summits.models import Topic
from apps.trade.models import (
    TOTAL_COMMODITY,
    YEAR_MAX,
    YEAR_MIN,
    FlowCode,
    StatedFlow,
    StatedTradeFigure,
    TradeFlow,
    TradeLevel,
    TradeMeasure,
    TradeMeasureKind,
    TradeMeasureStatus,
    TradeStatement,
    TradeTrend,
)


class CommodityCodeField(forms.CharField):
    """A commodity code as stored: TOTAL in any case is TOTAL (the importer stores it so)."""

    def to_python(self, value):
        value = super().to_python(value)
        return TOTAL_COMMODITY if value.upper() == TOTAL_COMMODITY else value


class CommodityFilter(django_filters.CharFilter):
    field_class = CommodityCodeField


class TradeFlowFilterSet(GroupingsFilterSet, CatrackFilterSet):
    reporter = actor_filter("reporter", "Reporting state", several=True)
    partner = actor_filter("partner", "Partner", several=True)
    partner2 = actor_filter("partner2", "Second partner (Comtrade partner2); rows for World have none")
    year = IntegerFilter(field_name="year")
    year_range = RangeFilters(IntegerFilter, "Year")
    month = IntegerFilter(field_name="month", label="Month 1-12 (monthly figures only)")
    annual = BooleanFilter(
        field_name="month", lookup_expr="isnull", label="true: annual figures only; false: monthly only"
    )
    # distinct=False: flow is a column of the row itself, so it cannot repeat rows; django-filter's
    # default DISTINCT made the page and the count sort every matching row (docs/benchmarks.md, "Figures behind the code").
    flow = MultipleChoiceFilter(choices=FlowCode.choices, label="X, M, RX or RM (repeat for several)", distinct=False)
    commodity = CommodityFilter(field_name="commodity_code", label="HS code (e.g. 2612) or TOTAL (any case)")
    customs_code = django_filters.CharFilter(label="Customs procedure (Comtrade customsCode), C00 for all")
    mot_code = IntegerFilter(field_name="mot_code", label="Mode of transport (Comtrade motCode), 0 for all")
    value_usd_range = RangeFilters(django_filters.NumberFilter)
    source = slug_filter("source", Source, "Dataset the figures come from")
    net_weight_kg_range = RangeFilters(django_filters.NumberFilter, "Net weight (kg)", old_names="lookups")
    quantity_range = RangeFilters(django_filters.NumberFilter, "Quantity", old_names="lookups")

    class Meta:
        model = TradeFlow
        fields = {
            "quantity_unit": ["exact"],
        }


class StatedTradeFigureFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    reporter = actor_filter("reporter", "State whose trade it is")
    partner = actor_filter("partner", "Partner")
    stated_by = actor_filter("stated_by", "Person or body that stated it")
    flow = MultipleChoiceFilter(choices=StatedFlow.choices, distinct=False, label="Flow (repeat for several)")
    year = IntegerFilter(
        method="filter_year",
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        label="Figures whose period covers (a part of) this year",
    )
    value_qualifier = django_filters.ChoiceFilter(choices=AmountQualifier.choices)
    value_range = RangeFilters(django_filters.NumberFilter, "Value {} (in its currency)")
    period_start_range = RangeFilters(
        django_filters.DateFilter, "Period starting {} (YYYY-MM-DD)", old_names=("period_after", "period_before")
    )

    search_fields = ("note",)

    class Meta:
        model = StatedTradeFigure
        fields = {
            "slug": ["exact"],
            "currency": ["exact"],
            "period_start_precision": ["exact"],
            "period_end_precision": ["exact"],
            "period_end": ["isnull"],
        }

    def filter_year(self, queryset, name, value):
        """The period starts before the year ends and ends (its last unit starts) in or after it; no end is the
        one unit period_start names."""
        from django.db.models.functions import Coalesce

        return queryset.alias(period_last=Coalesce("period_end", "period_start")).filter(
            period_start__lt=datetime.date(value + 1, 1, 1), period_last__gte=datetime.date(value, 1, 1)
        )


class TradeMeasureFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    kind = MultipleChoiceFilter(choices=TradeMeasureKind.choices, label="Kind (repeat for several)")
    imposing_actor = actor_filter("imposing_actor", "Actor imposing the measure")
    target = actor_filter("targets", "Targeted actor")
    topic = slug_filter("topics", Topic, "Topic")
    year = IntegerFilter(field_name="year")
    year_range = RangeFilters(IntegerFilter, "Year")
    commodity = django_filters.CharFilter(
        field_name="commodity_codes",
        method="filter_commodity",
        label="HS code: measures listing it, a line inside it (2805 finds 2805301910) or a heading containing it",
    )
    status = MultipleChoiceFilter(choices=TradeMeasureStatus.choices, label="Status (repeat for several)")
    legal_reference = django_filters.CharFilter(lookup_expr="icontains", label="Words of the act's number")
    announced_on_range = RangeFilters(django_filters.DateFilter, "Announced", old_names="lookups")
    in_force_from_range = RangeFilters(
        django_filters.DateFilter,
        ("In force from this day or later", "In force from this day or earlier"),
        old_names="lookups",
    )

    class Meta:
        model = TradeMeasure
        fields = {"slug": ["exact"], "announced_on": ["exact"], "in_force_from": ["exact"]}

    def filter_commodity(self, queryset, name, value):
        """HS codes nest (chapter 28 ⊃ heading 2805 ⊃ subheading 280530 ⊃ China's line 2805301910): a
        measure matches when one of its codes starts with the code asked, or is a start of it."""
        code = "".join(ch for ch in value if ch.isdigit())
        if not code:
            return queryset.none()
        matches = Q(commodity_codes__regex=rf"(^|,){code}")
        for length in range(2, len(code)):
            matches |= Q(commodity_codes__regex=rf"(^|,){code[:length]}(,|$)")
        return queryset.filter(matches)


class TradeStatementFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    subject = actor_filter("subject", "Whose trade")
    partner = actor_filter("partner", "Partner")
    level = django_filters.ChoiceFilter(choices=TradeLevel.choices)
    trend = django_filters.ChoiceFilter(choices=TradeTrend.choices)
    year = IntegerFilter(method="filter_year", label="Statements whose period covers this year")
    rank = IntegerFilter(field_name="rank")
    year_from_range = RangeFilters(IntegerFilter, "First year", old_names="lookups")
    year_to_range = RangeFilters(IntegerFilter, "Last year", old_names="lookups")

    class Meta:
        model = TradeStatement
        fields = {"year_from": ["exact"], "year_to": ["exact"]}

    def filter_year(self, queryset, name, value):
        return queryset.filter(year_from__lte=value, year_to__gte=value)
