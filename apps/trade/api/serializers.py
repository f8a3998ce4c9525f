"""Trade flows (lean: many rows per page), trade measures and trade statements."""
from rest_framework import serializers

from apps.core.api.serializers import CatrackModelSerializer, FactSerializer
from apps.sources.models import Source
from apps.trade.models import TradeFlow, TradeMeasure, TradeStatement

# Columns the trade-flow representation reads: the list query loads only these.
TRADE_FLOW_COLUMNS = [
    "id", "year", "month", "flow", "commodity_code", "customs_code", "mot_code", "value_usd", "net_weight_kg",
    "quantity", "quantity_unit", "source_id", "created_at", "updated_at",
    "reporter__slug", "reporter__name_en", "reporter__kind",
    "partner__slug", "partner__name_en", "partner__kind",
    "partner2__slug", "partner2__name_en", "partner2__kind",
]


def _actor(actor):
    return None if actor is None else {"slug": actor.slug, "name": actor.name_en, "kind": actor.kind}


def _decimal(value):
    return None if value is None else str(value)


def _datetime(value):
    return value.isoformat().replace("+00:00", "Z")


def trade_flow_row(v):
    """A list row straight from `.values(*TRADE_FLOW_COLUMNS)`: no model instances for a page of flows.

    Same shape as TradeFlowSerializer.to_representation (a test compares them).
    """
    return {
        "id": v["id"],
        "reporter": {"slug": v["reporter__slug"], "name": v["reporter__name_en"], "kind": v["reporter__kind"]},
        "partner": {"slug": v["partner__slug"], "name": v["partner__name_en"], "kind": v["partner__kind"]},
        "partner2": None if v["partner2__slug"] is None else {
            "slug": v["partner2__slug"], "name": v["partner2__name_en"], "kind": v["partner2__kind"]},
        "year": v["year"],
        "month": v["month"],
        "flow": v["flow"],
        "commodity_code": v["commodity_code"],
        "customs_code": v["customs_code"],
        "mot_code": v["mot_code"],
        "value_usd": _decimal(v["value_usd"]),
        "net_weight_kg": _decimal(v["net_weight_kg"]),
        "quantity": _decimal(v["quantity"]),
        "quantity_unit": v["quantity_unit"],
        "source": v["source_id"],
        "created_at": _datetime(v["created_at"]),
        "updated_at": _datetime(v["updated_at"]),
    }


class TradeFlowSerializer(CatrackModelSerializer):
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True, help_text="Id of the dataset (source)."
    )

    class Meta:
        model = TradeFlow
        fields = ["id", "reporter", "partner", "partner2", "year", "month", "flow", "commodity_code", "customs_code",
                  "mot_code", "value_usd", "net_weight_kg", "quantity", "quantity_unit", "source", "created_at",
                  "updated_at"]

    def to_representation(self, flow):
        # Plain dict instead of field-by-field serialisation: a page has many rows and the list must stay
        # close to raw SQL speed. Same shape as the declared fields (decimals as strings, UTC as Z).
        return {
            "id": flow.id,
            "reporter": _actor(flow.reporter),
            "partner": _actor(flow.partner),
            "partner2": _actor(flow.partner2),
            "year": flow.year,
            "month": flow.month,
            "flow": flow.flow,
            "commodity_code": flow.commodity_code,
            "customs_code": flow.customs_code,
            "mot_code": flow.mot_code,
            "value_usd": _decimal(flow.value_usd),
            "net_weight_kg": _decimal(flow.net_weight_kg),
            "quantity": _decimal(flow.quantity),
            "quantity_unit": flow.quantity_unit,
            "source": flow.source_id,
            "created_at": _datetime(flow.created_at),
            "updated_at": _datetime(flow.updated_at),
        }


class TradeMeasureSerializer(FactSerializer):
    class Meta:
        model = TradeMeasure
        fields = "__all__"


class TradeStatementSerializer(FactSerializer):
    class Meta:
        model = TradeStatement
        fields = "__all__"
