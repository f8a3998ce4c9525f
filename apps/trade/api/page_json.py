"""The trade-flows list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

TradeFlowSerializer's output (same keys, same order, decimals as strings, UTC times with Z);
tests/trade/test_list_sql_path.py holds it to plain DRF's response byte for byte.
"""
from apps.core.api.sql import json_actor_brief, json_iso_utc, json_rows

# `page(id, n)`: the ids the view's queryset chose, in its order.
TRADE_FLOW_PAGE_JSON = f"""SELECT {json_rows("page.n")}
 FROM page JOIN trade_tradeflow t ON t.id = page.id
 JOIN actors_actor r ON r.id = t.reporter_id JOIN actors_actor p ON p.id = t.partner_id
 LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id
 CROSS JOIN LATERAL (SELECT t.id, {json_actor_brief("r")} AS reporter, {json_actor_brief("p")} AS partner,
  CASE WHEN p2.id IS NOT NULL THEN {json_actor_brief("p2")} END AS partner2,
  t.year, t.month, t.flow, t.commodity_code, t.customs_code, t.mot_code, t.value_usd::text AS value_usd,
  t.net_weight_kg::text AS net_weight_kg, t.quantity::text AS quantity, t.quantity_unit, t.source_id AS source,
  {json_iso_utc("t.created_at")} AS created_at, {json_iso_utc("t.updated_at")} AS updated_at) j"""
