"""Trade flows, stated trade figures, trade measures and trade statements."""

from rest_framework import serializers

from apps.core.api.serializers import CatrackModelSerializer
from apps.sources.api.serializers import FactSerializer
from apps.sources.models import Source
from apps.trade.models import StatedTradeFigure, TradeFlow, TradeMeasure, TradeStatement


class TradeFlowSerializer(CatrackModelSerializer):
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True, help_text="Id of the dataset (source)."
    )

    class Meta:
        model = TradeFlow
        fields = [
            "id",
            "reporter",
            "partner",
            "partner2",
            "year",
            "month",
            "flow",
            "commodity_code",
            "customs_code",
            "mot_code",
            "value_usd",
            "net_weight_kg",
            "quantity",
            "quantity_unit",
            "source",
            "created_at",
            "updated_at",
        ]


class StatedTradeFigureSerializer(FactSerializer):
    """A trade figure as an official stated it, in its own currency: never summed with Comtrade's trade flows."""

    class Meta:
        model = StatedTradeFigure
        fields = [
            "id",
            "slug",
            "citations",
            "created_at",
            "updated_at",
            "reporter",
            "partner",
            "flow",
            "period_start",
            "period_start_precision",
            "period_end",
            "period_end_precision",
            "value",
            "currency",
            "value_qualifier",
            "stated_by",
            "note",
        ]


class TradeMeasureSerializer(FactSerializer):
    class Meta:
        model = TradeMeasure
        fields = [
            "id",
            "slug",
            "citations",
            "created_at",
            "updated_at",
            "kind",
            "targets_description_en",
            "goods_en",
            "commodity_codes",
            "hs6_codes",
            "legal_reference",
            "announced_on",
            "in_force_from",
            "status",
            "year",
            "description_en",
            "imposing_actor",
            "targets",
            "topics",
        ]

    hs6_codes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The HS subheadings (6 digits) of commodity_codes, what UN Comtrade reports: "
        "/api/v1/trade-flows/?commodity=<code> lists the flows of one.",
    )


class TradeStatementSerializer(FactSerializer):
    class Meta:
        model = TradeStatement
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "year_from",
            "year_to",
            "rank",
            "level",
            "trend",
            "statement_en",
            "subject",
            "partner",
        ]
