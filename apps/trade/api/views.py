"""Trade flows (with summary and mirror statistics), stated trade figures, trade measures and trade statements."""

from django import forms
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.actors.models import Actor
from apps.core.api.filters import SLUG_SCHEMA, StrictFilterBackend, check_query_params, raise_for_unknown_slugs
from apps.core.api.pagination import WindowCountPagination
from apps.core.api.schema import group_by_parameter
from apps.core.api.views import (
    AGGREGATE,
    CatrackViewSet,
    HistoryMixin,
    aggregate_rows,
    parse_group_by,
    serialized_rows,
)
from apps.sources.api.serializers import citations_prefetch
from apps.trade.api.page_json import TRADE_FLOW_PAGE_JSON
from apps.trade.api.serializers import (
    StatedTradeFigureSerializer,
    TradeFlowSerializer,
    TradeMeasureSerializer,
    TradeStatementSerializer,
)
from apps.trade.comtrade_csv import WORLD_CODE
from apps.trade.filters import (
    CommodityCodeField,
    StatedTradeFigureFilterSet,
    TradeFlowFilterSet,
    TradeMeasureFilterSet,
    TradeStatementFilterSet,
)
from apps.trade.models import (
    TOTAL_COMMODITY,
    YEAR_MAX,
    YEAR_MIN,
    StatedTradeFigure,
    TradeFlow,
    TradeMeasure,
    TradeStatement,
)
from apps.trade.selectors import (
    TRADE_GROUPS,
    DoubleCounting,
    check_share_of_world_flow,
    grouped_trade_totals,
    summable_trade_flows,
    trade_flow_summary,
    trade_mirror,
    world_actor,
)

_money = {"max_digits": 24, "decimal_places": 2, "allow_null": True}

TradeSummaryRow = inline_serializer(
    many=True,
    name="TradeFlowSummaryRow",
    fields={
        "reporter": serializers.CharField(required=False, help_text="reporter slug"),
        "reporter_name": serializers.CharField(required=False),
        "partner": serializers.CharField(required=False, help_text="partner slug"),
        "partner_name": serializers.CharField(required=False),
        "year": serializers.IntegerField(required=False),
        "flow": serializers.CharField(required=False),
        "count": serializers.IntegerField(),
        "total_value_usd": serializers.DecimalField(**_money),
        "world_total_value_usd": serializers.DecimalField(
            **_money,
            required=False,
            help_text="with share=world: the same group's total with partner World (W00); null if none stored",
        ),
        "share_of_world": serializers.FloatField(
            allow_null=True,
            required=False,
            help_text="with share=world: total_value_usd / world_total_value_usd (0.25 is a quarter)",
        ),
    },
)

MirrorRow = inline_serializer(
    many=True,
    name="TradeMirrorRow",
    fields={
        "year": serializers.IntegerField(),
        "exports_reported_usd": serializers.DecimalField(**_money, help_text="reporter's exports to partner"),
        "imports_reported_usd": serializers.DecimalField(**_money, help_text="partner's imports from reporter"),
        "difference_usd": serializers.DecimalField(
            **_money, help_text="exports minus imports; null if a side is missing"
        ),
        "ratio_imports_to_exports": serializers.FloatField(allow_null=True),
    },
)


YEAR_SCHEMA = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}


class MirrorParams(forms.Form):
    reporter = forms.ModelChoiceField(queryset=Actor.objects.all(), to_field_name="slug")
    partner = forms.ModelChoiceField(queryset=Actor.objects.all(), to_field_name="slug")
    year_min = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    year_max = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    commodity = CommodityCodeField(required=False, max_length=12)

    def clean(self):
        data = super().clean()
        if data.get("reporter") and data.get("reporter") == data.get("partner"):
            self.add_error("partner", "The partner must differ from the reporter: a state has no trade with itself.")
        return data


class TradeFlowViewSet(CatrackViewSet):
    # No citations: a flow's provenance is its source.
    queryset = TradeFlow.objects.select_related("reporter", "partner", "partner2")
    serializer_class = TradeFlowSerializer
    filterset_class = TradeFlowFilterSet
    ordering_fields = ["year", "month", "value_usd", "commodity_code", "flow", "created_at", "updated_at", "id"]
    page_json = TRADE_FLOW_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them
    keeps_shapes = True  # every filter held to a fresh compile: tests/trade/test_list_shapes.py

    @extend_schema(
        parameters=[
            group_by_parameter(TRADE_GROUPS, "Comma-separated, e.g. partner,year."),
            OpenApiParameter(
                "share",
                {"type": "string", "enum": ["world"]},
                description="world: each group's share of its total with partner World",
            ),
        ],
        responses=TradeSummaryRow,
    )
    @action(**AGGREGATE, extra_query_params=("group_by", "share"))
    def summary(self, request):
        """Value totals per group over the filtered flows, with each group's share of World trade.

        Nothing is counted twice (apps.trade.selectors.summable_trade_flows): unless asked for, only
        the TOTAL line, annual figures, partner2 World, customs C00, all modes of transport and flows
        X and M (re-exports are inside exports) are added, and partner World is left out of a sum over
        partners. An empty parameter counts as not given. With `share=world`, `share_of_world` divides
        by the same group's figure with partner World, when one is stored; it needs one flow per group
        (`flow=X`, or `group_by=flow`), else a 400 naming `flow`: exports to a partner over World
        exports, never exports plus imports over either.
        """
        group_by = parse_group_by(request, list(TRADE_GROUPS))
        filterset = StrictFilterBackend().validated_filterset(request, TradeFlow.objects.all(), self)
        given = {name: value for name, value in filterset.form.cleaned_data.items() if value not in EMPTY_VALUES}
        share = request.query_params.get("share", "")
        if share not in ("", "world"):
            raise ValidationError({"share": f"Unknown share {share!r}; the one known is world."})
        try:
            if share:
                check_share_of_world_flow(group_by=group_by, given=given)
            flows = summable_trade_flows(filterset.qs, group_by=group_by, given=given)
            world_flows = None
            if share:
                world_flows = summable_trade_flows(
                    self._without_partner(request).filter(partner__in=world_actor()),
                    group_by=group_by,
                    given={**given, "partner": WORLD_CODE},
                )
        except DoubleCounting as error:
            raise ValidationError({error.parameter: error.reason}) from None
        if world_flows is None:
            grouped = grouped_trade_totals(flows, group_by)
            rows = aggregate_rows(self, request, TradeSummaryRow, grouped)
        else:
            rows = serialized_rows(
                TradeSummaryRow, trade_flow_summary(group_by=group_by, flows=flows, world_flows=world_flows)
            )
        if not rows or rows == "[]":
            raise_for_unknown_slugs(request)
        return Response(rows)

    def _without_partner(self, request):
        """The request's filtered flows, the partner filter left out (for the World denominators)."""
        params = request.query_params.copy()
        params.pop("partner", None)
        filterset = self.filterset_class(params, queryset=TradeFlow.objects.all(), request=request, only_given=True)
        return filterset.qs

    @extend_schema(
        parameters=[
            OpenApiParameter("reporter", SLUG_SCHEMA, required=True, description="Exporter (actor slug)"),
            OpenApiParameter("partner", SLUG_SCHEMA, required=True, description="Importer (actor slug)"),
            OpenApiParameter("year_min", YEAR_SCHEMA, description="Years from this one (inclusive)."),
            OpenApiParameter("year_max", YEAR_SCHEMA, description="Years up to this one (inclusive)."),
            OpenApiParameter(
                "commodity",
                {"type": "string", "minLength": 1, "maxLength": 12},
                description="HS code; TOTAL when omitted",
            ),
        ],
        filters=False,
        responses=MirrorRow,
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        extra_query_params=tuple(MirrorParams.base_fields),
    )
    def mirror(self, request):
        """Mirror statistics: per year, reporter's exports to partner vs partner's imports from reporter."""
        check_query_params(request, self, None)  # the parameters every endpoint checks: unknown, repeated, format
        params = MirrorParams(request.query_params)
        if not params.is_valid():
            raise ValidationError(params.errors)
        data = params.cleaned_data
        rows = trade_mirror(
            reporter=data["reporter"],
            partner=data["partner"],
            year_min=data["year_min"],
            year_max=data["year_max"],
            commodity=data["commodity"] or TOTAL_COMMODITY,
        )
        return Response(serialized_rows(MirrorRow, rows))


class StatedTradeFigureViewSet(HistoryMixin, CatrackViewSet):
    """Trade figures as presidents, ministries and statistics offices state them, each cited. A resource of its
    own so that nothing adds them to Comtrade's flows (/trade-flows/summary/ never reads this table)."""

    queryset = StatedTradeFigure.objects.select_related("reporter", "partner", "stated_by").prefetch_related(
        citations_prefetch()
    )
    serializer_class = StatedTradeFigureSerializer
    filterset_class = StatedTradeFigureFilterSet
    lookup_field = "slug"
    ordering_fields = ["period_start", "value", "flow", "created_at", "updated_at", "id"]


class TradeMeasureViewSet(HistoryMixin, CatrackViewSet):
    queryset = TradeMeasure.objects.select_related("imposing_actor").prefetch_related(
        "targets", "topics", citations_prefetch()
    )
    pagination_class = WindowCountPagination  # total read with the page: one query fewer
    serializer_class = TradeMeasureSerializer
    filterset_class = TradeMeasureFilterSet
    ordering_fields = ["year", "kind", "created_at", "updated_at", "id"]


class TradeStatementViewSet(HistoryMixin, CatrackViewSet):
    queryset = TradeStatement.objects.select_related("subject", "partner").prefetch_related(citations_prefetch())
    serializer_class = TradeStatementSerializer
    filterset_class = TradeStatementFilterSet
    ordering_fields = ["rank", "year_from", "year_to", "created_at", "updated_at", "id"]
