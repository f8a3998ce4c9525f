"""Trade flows (with summary and mirror statistics), trade measures and trade statements."""
from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.actors.models import Actor
from apps.core.api.pagination import WindowCountPagination
from apps.core.api.serializers import citations_prefetch
from apps.core.api.filters import SLUG_SCHEMA, raise_for_repeated, raise_for_unknown_slugs
from apps.core.api.schema import group_by_parameter
from apps.core.api.views import AGGREGATE, CatrackViewSet, HistoryMixin, parse_group_by, serialized_rows
from apps.trade.api.page_json import TRADE_FLOW_PAGE_JSON
from apps.trade.api.serializers import TradeFlowSerializer, TradeMeasureSerializer, TradeStatementSerializer
from apps.trade.filters import TradeFlowFilterSet, TradeMeasureFilterSet, TradeStatementFilterSet
from apps.trade.models import TOTAL_COMMODITY, YEAR_MAX, YEAR_MIN, TradeFlow, TradeMeasure, TradeStatement
from apps.trade.selectors import TRADE_GROUPS, trade_flow_summary, trade_mirror

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
    },
)

MirrorRow = inline_serializer(
    many=True,
    name="TradeMirrorRow",
    fields={
        "year": serializers.IntegerField(),
        "exports_reported_usd": serializers.DecimalField(**_money, help_text="reporter's exports to partner"),
        "imports_reported_usd": serializers.DecimalField(**_money, help_text="partner's imports from reporter"),
        "difference_usd": serializers.DecimalField(**_money, help_text="exports minus imports; null if a side is missing"),
        "ratio_imports_to_exports": serializers.FloatField(allow_null=True),
    },
)


YEAR_SCHEMA = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}


class MirrorParams(forms.Form):
    reporter = forms.ModelChoiceField(queryset=Actor.objects.all(), to_field_name="slug")
    partner = forms.ModelChoiceField(queryset=Actor.objects.all(), to_field_name="slug")
    year_min = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    year_max = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    commodity = forms.CharField(required=False, max_length=12)


class TradeFlowViewSet(CatrackViewSet):
    # No citations: a flow's provenance is its source.
    queryset = TradeFlow.objects.select_related("reporter", "partner")
    serializer_class = TradeFlowSerializer
    filterset_class = TradeFlowFilterSet
    ordering_fields = ["year", "month", "value_usd", "commodity_code", "flow", "created_at", "updated_at", "id"]
    page_json = TRADE_FLOW_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them

    @extend_schema(
        parameters=[
            group_by_parameter(TRADE_GROUPS, "Comma-separated, e.g. partner,year.")
        ],
        responses=TradeSummaryRow,
    )
    @action(**AGGREGATE, extra_query_params=("group_by",))
    def summary(self, request):
        """Value totals per group over the filtered flows.

        Unless `commodity` is given only TOTAL rows are summed, and unless `annual` or `month` is given
        only annual figures: otherwise HS lines and their total, or months and their year, would be
        counted twice.
        """
        group_by = parse_group_by(request, list(TRADE_GROUPS))
        flows = self.filter_queryset(TradeFlow.objects.all())
        if "commodity" not in request.query_params:
            flows = flows.filter(commodity_code=TOTAL_COMMODITY)
        if "annual" not in request.query_params and "month" not in request.query_params:
            flows = flows.filter(month__isnull=True)
        rows = trade_flow_summary(group_by=group_by, flows=flows)
        if not rows:
            raise_for_unknown_slugs(request)
        return Response(serialized_rows(TradeSummaryRow, rows))

    @extend_schema(
        parameters=[
            OpenApiParameter("reporter", SLUG_SCHEMA, required=True, description="Exporter (actor slug)"),
            OpenApiParameter("partner", SLUG_SCHEMA, required=True, description="Importer (actor slug)"),
            OpenApiParameter("year_min", YEAR_SCHEMA),
            OpenApiParameter("year_max", YEAR_SCHEMA),
            OpenApiParameter("commodity", {"type": "string", "minLength": 1, "maxLength": 12},
                             description="HS code; TOTAL when omitted"),
        ],
        filters=False,
        responses=MirrorRow,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def mirror(self, request):
        """Mirror statistics: per year, reporter's exports to partner vs partner's imports from reporter."""
        known = {"reporter", "partner", "year_min", "year_max", "commodity", "format"}
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError({name: f"Unknown query parameter '{name}'." for name in unknown})
        raise_for_repeated(request)
        params = MirrorParams(request.query_params)
        if not params.is_valid():
            raise ValidationError(params.errors)
        data = params.cleaned_data
        rows = trade_mirror(
            reporter=data["reporter"], partner=data["partner"], year_min=data["year_min"],
            year_max=data["year_max"], commodity=data["commodity"] or TOTAL_COMMODITY,
        )
        return Response(serialized_rows(MirrorRow, rows))


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
