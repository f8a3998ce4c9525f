"""Aggregations over trade flows, computed in the database.

Trade maths (UN Comtrade's definitions, IMTS 2010): a reporter's exports X include its re-exports RX,
and its imports M its re-imports RM; the TOTAL commodity line is the sum of the chapters and HS lines;
an annual figure is the sum of its months; partner World (W00) is the sum over partners, partner2
World (stored as no partner2) the sum over second partners, customs procedure C00 the sum over
procedures, mode of transport 0 the sum over modes. A total therefore adds only rows that do not
contain one another: see summable_trade_flows.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, NullIf

from apps.actors.models import Actor
from apps.core.grouping import NamedGroups
from apps.trade.comtrade_csv import WORLD_CODE
from apps.trade.models import (
    ALL_CUSTOMS_PROCEDURES,
    ALL_MODES_OF_TRANSPORT,
    TOTAL_COMMODITY,
    FlowCode,
    TradeFlow,
    TradeMeasure,
)

# group_by key -> what the flows are grouped on; an actor's id is named after grouping (ACTOR_GROUPS).
TRADE_GROUPS = {"reporter": F("reporter"), "partner": F("partner"), "year": F("year"), "flow": F("flow")}
# An actor key's output columns: its slug under the key, its English name under key + "_name".
ACTOR_GROUPS = {"reporter", "partner"}
# A flow and the part of it it contains: X includes RX, M includes RM.
FLOW_CONTAINS = {FlowCode.EXPORT: FlowCode.RE_EXPORT, FlowCode.IMPORT: FlowCode.RE_IMPORT}


class DoubleCounting(ValueError):
    """The filters ask to add figures one of which contains the other: (parameter, reason)."""

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter, self.reason = parameter, reason
        super().__init__(f"{parameter}: {reason}")


def summable_trade_flows(
    flows: QuerySet[TradeFlow], *, group_by: Sequence[str], given: Mapping[str, Any]
) -> QuerySet[TradeFlow]:
    """The filtered flows a total may add without counting a figure twice.

    `given`: filter name -> cleaned value, for the filters the request gave (an empty parameter is not
    given). Unless
    given: only the TOTAL commodity line, annual figures, partner2 World, customs C00, all modes of
    transport, and flows X and M (RX is inside X, RM inside M); partner World is left out of a sum
    over partners (unless partner is given or grouped by). Raises DoubleCounting when `flow` asks for
    a flow and its part (X and RX) to be added in one group.
    """
    # The conditions gathered and added in one .filter(): each .filter() copies the whole query, and one call compiles
    # to the same SQL (the same conditions, in the same order) as one call per condition.
    conditions: list[Q] = []
    if "commodity" not in given:
        conditions.append(Q(commodity_code=TOTAL_COMMODITY))
    if not {"annual", "month"} & given.keys():
        conditions.append(Q(month__isnull=True))
    if "partner2" not in given:
        conditions.append(Q(partner2__isnull=True))
    if "customs_code" not in given:
        conditions.append(Q(customs_code=ALL_CUSTOMS_PROCEDURES))
    if "mot_code" not in given:
        conditions.append(Q(mot_code=ALL_MODES_OF_TRANSPORT))
    if "partner" not in given and "partner" not in group_by:
        conditions.append(~Q(partner__in=world_actor()))
    if "flow" not in given:
        # flow = X OR flow = M, as the `flow` filter writes several flows: a bound IN list is an array that a prepared
        # statement's generic plan builds again for every row it filters (a tenth of the summary at 1M flows).
        conditions.append(Q(*[("flow", flow) for flow in FLOW_CONTAINS], _connector=Q.OR))
    elif "flow" not in group_by:
        asked = set(given["flow"])
        for whole, part in FLOW_CONTAINS.items():
            if {whole, part} <= asked:
                raise DoubleCounting("flow", f"{whole} already includes {part}: ask for one, or add group_by=flow")
    return flows.filter(*conditions) if conditions else flows


def check_share_of_world_flow(*, group_by: Sequence[str], given: Mapping[str, Any]) -> None:
    """Raise DoubleCounting('flow', …) unless each group of a share of World holds one flow.

    A share divides like by like: a partner's exports by World exports. Exports plus imports over a
    World total would mix two flows (and where World is stored for one flow only, divide two flows by
    one). So `flow` must be given with one value, or grouped by.
    """
    if "flow" in group_by:
        return
    flows = given.get("flow") or []
    if len(flows) != 1:
        asked = f"flow={','.join(flows)} adds {len(flows)} flows" if flows else "no flow was given"
        raise DoubleCounting(
            "flow",
            f"share=world divides one flow by the same flow with World, and {asked}: "
            "give one (flow=X for exports, flow=M for imports) or add group_by=flow",
        )


def world_actor() -> QuerySet[Actor, dict[str, Any]]:
    """The World actor as a one-row queryset (a sub-select; empty until a file named World)."""
    return Actor.objects.filter(iso3=WORLD_CODE).values("id")


def trade_flow_summary(
    *, group_by: Sequence[str], flows: QuerySet[TradeFlow], world_flows: QuerySet[TradeFlow] | None = None
) -> list[dict[str, Any]]:
    """Value totals and row counts per group (one GROUP BY over the filtered flows).

    With `world_flows` (the same filters, partner World), each row also carries the World total of
    its group (without the partner key) and its share of it (a fraction; null without a World figure).
    """
    rows = _grouped_totals(flows, group_by)
    if world_flows is None:
        return rows
    world_keys = [key for key in group_by if key != "partner"]
    world_columns = [column for key in world_keys for column in group_columns(key)]
    world_totals = {
        tuple(row[column] for column in world_columns): row["total_value_usd"]
        for row in _grouped_totals(world_flows, world_keys)
    }
    for row in rows:
        world = world_totals.get(tuple(row[column] for column in world_columns))
        row["world_total_value_usd"] = world
        row["share_of_world"] = (
            float(row["total_value_usd"] / world) if world and row["total_value_usd"] is not None else None
        )
    return rows


def _grouped_totals(flows: QuerySet[TradeFlow], group_by: Sequence[str]) -> list[dict[str, Any]]:
    """[{<group columns>, count, total_value_usd}] of `flows`, ordered by the groups; with no group, one row over
    all of them (`.values()` without columns would group by every field, a row per flow)."""
    if not group_by:
        return [flows.order_by().aggregate(count=Count("id"), total_value_usd=Sum("value_usd"))]
    return grouped_trade_totals(flows, group_by).rows()


def group_columns(key: str) -> list[str]:
    """The output columns of group_by `key` (a key of TRADE_GROUPS): an actor's slug and English name
    (`partner`, `partner_name`), else the key itself."""
    return [key, f"{key}_name"] if key in ACTOR_GROUPS else [key]


def grouped_trade_totals(flows: QuerySet[TradeFlow], group_by: Sequence[str]) -> NamedGroups:
    """The GROUP BY of trade_flow_summary: per group (non-empty `group_by`, keys of TRADE_GROUPS) its columns
    (group_columns), then `count` and `total_value_usd` (USD, null if no value), ordered by the group columns
    ascending.

    Grouped on the actors' ids, which are named after grouping (apps.core.grouping): a slug names one actor, so
    the groups are the same, and the GROUP BY neither joins every flow to its actor nor hashes names."""
    groups: dict[str, Any] = {}
    names = {}
    for key in group_by:
        groups[key] = TRADE_GROUPS[key]
        if key in ACTOR_GROUPS:
            slug, name = group_columns(key)
            names[key] = (Actor, {slug: "slug", name: "name_en"})
    return NamedGroups(
        flows,
        groups=groups,
        names=names,
        aggregates={"count": Count("id"), "total_value_usd": Sum("value_usd")},
        order_by=[column for key in group_by for column in group_columns(key)],
    )


def trade_mirror(
    *,
    reporter: Actor,
    partner: Actor,
    year_min: int | None = None,
    year_max: int | None = None,
    commodity: str = TOTAL_COMMODITY,
) -> list[Any]:
    """Per year, A's reported exports to B next to B's reported imports from A (annual figures).

    The aggregate rows only (partner2 World, customs C00, all modes of transport). A side nobody
    reported is null, not zero; difference and ratio are then null too (SQL arithmetic).
    """
    exports = Q(reporter=reporter, partner=partner, flow=FlowCode.EXPORT)
    imports = Q(reporter=partner, partner=reporter, flow=FlowCode.IMPORT)
    flows = TradeFlow.objects.filter(
        exports | imports,
        commodity_code=commodity,
        month__isnull=True,
        partner2__isnull=True,
        customs_code=ALL_CUSTOMS_PROCEDURES,
        mot_code=ALL_MODES_OF_TRANSPORT,
    )
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


def state_trade_by_partner(
    *,
    state: Actor,
    flow: str,
    commodity: str = TOTAL_COMMODITY,
    year_min: int | None = None,
    year_max: int | None = None,
) -> dict:
    """A reporter's annual `flow` (X or M) by partner and year, with World apart.

    Only figures a total may add (summable_trade_flows: annual, partner2 World, customs C00, all
    modes of transport). Returns {'partners': {partner slug: {'name_en', 'name_ru', 'values': {year:
    Decimal USD}}}, 'world': {year: Decimal USD}, 'years': [sorted years]}; partners are ordered by
    their value over the years, largest first. World (the reporter's total with every partner) is
    never among the partners: it is a different kind of figure, the denominator of a share.
    """
    flows = summable_trade_flows(
        TradeFlow.objects.filter(reporter=state, flow=flow, commodity_code=commodity),
        group_by=["partner"],
        given={"flow": [flow], "commodity": commodity},  # partner World kept, set apart below
    )
    if year_min is not None:
        flows = flows.filter(year__gte=year_min)
    if year_max is not None:
        flows = flows.filter(year__lte=year_max)
    rows = (
        flows.order_by()
        .values("partner__slug", "partner__name_en", "partner__name_ru", "partner__iso3", "year")
        .annotate(value_usd=Sum("value_usd"))
    )
    partners: dict[str, dict[str, Any]] = {}
    world: dict[int, Any] = {}
    for row in rows:
        if row["partner__iso3"] == WORLD_CODE:
            world[row["year"]] = row["value_usd"]
            continue
        partner = partners.setdefault(
            row["partner__slug"], {"name_en": row["partner__name_en"], "name_ru": row["partner__name_ru"], "values": {}}
        )
        partner["values"][row["year"]] = row["value_usd"]
    ordered = dict(sorted(partners.items(), key=lambda item: (-sum(item[1]["values"].values()), item[1]["name_en"])))
    years = sorted({year for partner in partners.values() for year in partner["values"]} | world.keys())
    return {"partners": ordered, "world": world, "years": years}


def trade_measure_flows(*, measure: TradeMeasure) -> dict:
    """The flows of a measure's goods around the day it took effect: what the imposing state reported
    exporting of its HS subheadings (measure.hs6_codes), to each state it names (to every partner, World
    apart, when it names none), by month where monthly figures are stored, else by year.

    Only figures a total may add (partner2 World, customs C00, all modes of transport), per partner and
    period, summed over the codes. Returns {'codes': [HS6], 'since': date or None (in_force_from, else
    announced_on), 'monthly': bool, 'rows': [{'partner', 'partner_name', 'period' ('2025-04' or '2024'),
    'value_usd': Decimal, 'side': 'before' | 'during' | 'after'}]} ('during': the month or year it began).
    No codes or no flows: rows is empty.
    """
    codes = measure.hs6_codes
    since = measure.in_force_from or measure.announced_on
    answer: dict[str, Any] = {"codes": codes, "since": since, "monthly": False, "rows": []}
    if not codes:
        return answer
    flows = TradeFlow.objects.filter(
        reporter_id=measure.imposing_actor_id,
        flow=FlowCode.EXPORT,
        commodity_code__in=codes,
        partner2__isnull=True,
        customs_code=ALL_CUSTOMS_PROCEDURES,
        mot_code=ALL_MODES_OF_TRANSPORT,
    )
    targets = list(measure.targets.values_list("id", flat=True))
    if targets:
        flows = flows.filter(partner_id__in=targets)
    monthly = flows.filter(month__isnull=False).exists()
    flows = flows.filter(month__isnull=not monthly)
    rows = (
        flows.order_by()
        .values("partner__slug", "partner__name_en", "year", "month")
        .annotate(value_usd=Sum("value_usd"))
        .order_by("partner__name_en", "year", "month")
    )
    for row in rows:
        period = (row["year"], row["month"]) if monthly else (row["year"],)
        began = ((since.year, since.month) if monthly else (since.year,)) if since else None
        side = "" if began is None else "before" if period < began else "during" if period == began else "after"
        answer["rows"].append(
            {
                "partner": row["partner__slug"],
                "partner_name": row["partner__name_en"],
                "period": f"{row['year']}-{row['month']:02d}" if monthly else str(row["year"]),
                "value_usd": row["value_usd"],
                "side": side,
            }
        )
    answer["monthly"] = monthly
    return answer
