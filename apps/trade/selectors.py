"""Aggregations over trade flows, computed in the database."""
from django.db.models import Count, DecimalField, ExpressionWrapper, F, FloatField, Q, Sum
from django.db.models.functions import Cast, NullIf

from apps.trade.models import TOTAL_COMMODITY, FlowCode, TradeFlow

TRADE_GROUPS = {
    "reporter": {"reporter": F("reporter__slug"), "reporter_name": F("reporter__name_en")},
    "partner": {"partner": F("partner__slug"), "partner_name": F("partner__name_en")},
    "year": {"year": F("year")},
    "flow": {"flow": F("flow")},
}


def trade_flow_summary(*, group_by, flows):
    """Value totals and row counts per group (one GROUP BY over the filtered flows)."""
    columns = {}
    for key in group_by:
        columns.update(TRADE_GROUPS[key])
    # Aliased because names such as 'year' clash with model fields in .values().
    aliases = {f"group_{name}": expression for name, expression in columns.items()}
    rows = (
        flows.order_by()
        .values(**aliases)
        .annotate(count=Count("id"), total_value_usd=Sum("value_usd"))
        .order_by(*aliases)
    )
    return [{key.removeprefix("group_"): value for key, value in row.items()} for row in rows]


def trade_mirror(*, reporter, partner, year_min=None, year_max=None, commodity=TOTAL_COMMODITY):
    """Per year, A's reported exports to B next to B's reported imports from A (annual figures).

    A side nobody reported is null, not zero; difference and ratio are then null too (SQL arithmetic).
    """
    exports = Q(reporter=reporter, partner=partner, flow=FlowCode.EXPORT)
    imports = Q(reporter=partner, partner=reporter, flow=FlowCode.IMPORT)
    flows = TradeFlow.objects.filter(exports | imports, commodity_code=commodity, month__isnull=True)
    if year_min is not None:
        flows = flows.filter(year__gte=year_min)
    if year_max is not None:
        flows = flows.filter(year__lte=year_max)
    money = DecimalField(max_digits=22, decimal_places=2)
    return list(
        flows.order_by()
        .values("year")
        .annotate(
            exports_reported_usd=Sum("value_usd", filter=exports),
            imports_reported_usd=Sum("value_usd", filter=imports),
        )
        .annotate(
            difference_usd=ExpressionWrapper(F("exports_reported_usd") - F("imports_reported_usd"), output_field=money),
            # Importer's figure over exporter's (imports are usually valued CIF, exports FOB).
            ratio_imports_to_exports=Cast("imports_reported_usd", FloatField())
            / NullIf(Cast("exports_reported_usd", FloatField()), 0.0),
        )
        .order_by("year")
    )

