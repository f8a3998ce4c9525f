"""The trade-flows list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

TradeFlowSerializer's output (same keys, same order, decimals as strings, UTC times with Z);
tests/trade/test_list_sql_path.py holds it to plain DRF's response byte for byte.
"""

from apps.core.api.sql import json_actor_brief, json_iso_utc, json_serializer_object, json_text, json_text_list
from apps.trade.api.serializers import TradeFlowSerializer

TRADE_FLOW = json_serializer_object(
    TradeFlowSerializer,
    # (key, SQL) pairs: the keys' order is TradeFlowSerializer's, not this list's.
    dict(
        [
            ("id", json_text("t.id")),
            ("reporter", json_actor_brief("r")),
            ("partner", json_actor_brief("p")),
            ("partner2", json_actor_brief("p2", null=True)),
            ("year", json_text("t.year")),
            ("month", json_text("t.month", null=True)),
            ("flow", json_text("t.flow")),
            ("commodity_code", json_text("t.commodity_code")),
            ("customs_code", json_text("t.customs_code")),
            ("mot_code", json_text("t.mot_code")),
            ("value_usd", json_text("t.value_usd::text")),
            ("net_weight_kg", json_text("t.net_weight_kg::text", null=True)),
            ("quantity", json_text("t.quantity::text", null=True)),
            ("quantity_unit", json_text("t.quantity_unit")),
            ("source", json_text("t.source_id", null=True)),
            ("created_at", json_text(json_iso_utc("t.created_at"))),
            ("updated_at", json_text(json_iso_utc("t.updated_at"))),
        ]
    ),
    twin=__name__,
)

# `page`: the rows the view's queryset chose, every column, `n` their position in its order (apps.core.api.sql.SQLPage).
TRADE_FLOW_PAGE_JSON = f"""SELECT {json_text_list(TRADE_FLOW, "t.n")}
 FROM page t
 JOIN actors_actor r ON r.id = t.reporter_id JOIN actors_actor p ON p.id = t.partner_id
 LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id"""
