"""Trade maths of /trade-flows/summary/ and /mirror/ (issue 13): nothing is counted twice.

Comtrade's rules (apps.trade.selectors): X includes RX and M includes RM; TOTAL is the sum of the HS
lines; a year is the sum of its months; partner World the sum over partners; partner2 World, customs
C00 and mode of transport 0 the sums over their breakdowns. Empty parameters mean "not given".
"""

from decimal import Decimal

import pytest

from apps.actors.models import ActorKind
from tests.api.helpers import assert_status
from tests.factories import ActorFactory, StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/trade-flows/summary/"


@pytest.fixture
def flows():
    japan, kazakhstan, china = StateFactory(slug="japan"), StateFactory(slug="kazakhstan"), StateFactory(slug="china")
    world = ActorFactory(kind=ActorKind.AREA, slug="world", iso3="W00", name_en="World")
    rows = [
        # reporter, partner, year, month, flow, commodity, value, {breakdown}
        (japan, kazakhstan, 2024, None, "X", "TOTAL", "400", {}),
        (japan, kazakhstan, 2024, None, "RX", "TOTAL", "50", {}),  # inside the 400
        (japan, kazakhstan, 2024, None, "X", "8703", "170", {}),  # inside the 400
        (japan, kazakhstan, 2024, 6, "X", "TOTAL", "71", {}),  # inside the 400
        (japan, kazakhstan, 2024, None, "X", "TOTAL", "30", {"partner2": china}),  # inside the 400
        (japan, kazakhstan, 2024, None, "X", "TOTAL", "25", {"customs_code": "C01"}),  # inside the 400
        (japan, kazakhstan, 2024, None, "X", "TOTAL", "60", {"mot_code": 2100}),  # inside the 400
        (japan, kazakhstan, 2024, None, "M", "TOTAL", "100", {}),
        (japan, china, 2024, None, "X", "TOTAL", "1000", {}),
        (japan, world, 2024, None, "X", "TOTAL", "8000", {}),  # Japan's exports to all partners
        (kazakhstan, japan, 2024, None, "M", "TOTAL", "380", {}),
    ]
    for reporter, partner, year, month, flow, code, value, breakdown in rows:
        TradeFlowFactory(
            reporter=reporter,
            partner=partner,
            year=year,
            month=month,
            flow=flow,
            commodity_code=code,
            value_usd=Decimal(value),
            **breakdown,
        )


def totals(client, **params):
    response = client.get(SUMMARY, params)
    assert_status(response, 200)
    return {
        tuple(row[key] for key in params["group_by"].split(",")): Decimal(row["total_value_usd"])
        for row in response.json()
    }


def test_a_year_total_adds_x_and_m_aggregate_rows_only(api_client, flows):
    # X 400 + M 100: not RX (inside X), not the HS line, the month, nor any breakdown.
    assert totals(api_client, group_by="year", reporter="japan", partner="kazakhstan") == {(2024,): Decimal("500")}
    by_flow = totals(api_client, group_by="flow", reporter="japan", partner="kazakhstan")
    assert by_flow == {("M",): Decimal("100"), ("X",): Decimal("400")}


@pytest.mark.parametrize(
    "empty", ["commodity", "annual", "month", "flow", "partner2", "customs_code", "mot_code", "year", "source", "q"]
)
def test_an_empty_parameter_is_not_given(api_client, flows, empty):
    params = {"group_by": "year", "reporter": "japan", "partner": "kazakhstan", empty: ""}
    assert totals(api_client, **params) == {(2024,): Decimal("500")}


def test_a_repeated_parameter_does_not_add_twice(api_client, flows):
    response = api_client.get(f"{SUMMARY}?group_by=flow&reporter=japan&partner=kazakhstan&flow=X&flow=X")
    assert_status(response, 200)
    assert [(row["flow"], row["total_value_usd"]) for row in response.json()] == [("X", "400.00")]


def test_exports_and_re_exports_are_not_added_together(api_client, flows):
    response = api_client.get(f"{SUMMARY}?group_by=year&reporter=japan&flow=X&flow=RX")
    assert_status(response, 400)
    assert "X already includes RX" in str(response.json()["flow"])
    by_flow = totals(api_client, group_by="flow", reporter="japan", partner="kazakhstan", flow="RX")
    assert by_flow == {("RX",): Decimal("50")}


def test_commodity_code_is_case_insensitive(api_client, flows):
    for code in ("TOTAL", "total", "Total"):
        assert totals(
            api_client, group_by="year", reporter="japan", partner="kazakhstan", flow="X", commodity=code
        ) == {(2024,): Decimal("400")}
    listed = api_client.get("/api/v1/trade-flows/", {"commodity": "total", "reporter": "kazakhstan"}).json()
    assert listed["count"] == 1


def test_hs_lines_months_and_breakdowns_when_asked_for(api_client, flows):
    base = {"group_by": "year", "reporter": "japan", "partner": "kazakhstan", "flow": "X"}
    assert totals(api_client, **base, commodity="8703") == {(2024,): Decimal("170")}
    assert totals(api_client, **base, annual="false") == {(2024,): Decimal("71")}
    assert totals(api_client, **base, month="6") == {(2024,): Decimal("71")}
    assert totals(api_client, **base, partner2="china") == {(2024,): Decimal("30")}
    assert totals(api_client, **base, customs_code="C01") == {(2024,): Decimal("25")}
    assert totals(api_client, **base, mot_code="2100") == {(2024,): Decimal("60")}


def test_world_is_not_added_to_the_partners_it_sums(api_client, flows):
    # Over partners: Kazakhstan 400 + China 1000, not World's 8000 on top.
    assert totals(api_client, group_by="year", reporter="japan", flow="X") == {(2024,): Decimal("1400")}
    by_partner = totals(api_client, group_by="partner", reporter="japan", flow="X")
    assert by_partner == {("china",): Decimal("1000"), ("kazakhstan",): Decimal("400"), ("world",): Decimal("8000")}
    assert totals(api_client, group_by="year", reporter="japan", partner="world") == {(2024,): Decimal("8000")}


def test_share_of_world_trade(api_client, flows):
    response = api_client.get(SUMMARY, {"group_by": "partner,year", "reporter": "japan", "flow": "X", "share": "world"})
    assert_status(response, 200)
    shares = {row["partner"]: (row["world_total_value_usd"], row["share_of_world"]) for row in response.json()}
    assert shares == {"china": ("8000.00", 0.125), "kazakhstan": ("8000.00", 0.05), "world": ("8000.00", 1.0)}
    one = api_client.get(
        SUMMARY, {"group_by": "year", "reporter": "japan", "partner": "kazakhstan", "flow": "X", "share": "world"}
    ).json()
    assert one == [
        {
            "year": 2024,
            "count": 1,
            "total_value_usd": "400.00",
            "world_total_value_usd": "8000.00",
            "share_of_world": 0.05,
        }
    ]
    no_world = api_client.get(
        SUMMARY, {"group_by": "year", "reporter": "kazakhstan", "flow": "M", "share": "world"}
    ).json()
    assert no_world[0]["share_of_world"] is None and no_world[0]["world_total_value_usd"] is None
    assert_status(api_client.get(SUMMARY, {"group_by": "year", "share": "galaxy"}), 400)


def test_mirror_uses_aggregate_rows_and_refuses_a_state_with_itself(api_client, flows):
    rows = api_client.get(
        "/api/v1/trade-flows/mirror/", {"reporter": "japan", "partner": "kazakhstan", "commodity": "total"}
    ).json()
    assert rows == [
        {
            "year": 2024,
            "exports_reported_usd": "400.00",
            "imports_reported_usd": "380.00",
            "difference_usd": "20.00",
            "ratio_imports_to_exports": 0.95,
        }
    ]
    response = api_client.get("/api/v1/trade-flows/mirror/", {"reporter": "japan", "partner": "japan"})
    assert_status(response, 400)
    assert "partner" in response.json()


@pytest.mark.parametrize("params", [{}, {"flow": ["X", "M"]}], ids=["no flow", "two flows"])
def test_a_share_of_world_needs_one_flow_per_group(api_client, flows, params):
    """Like by like only: exports plus imports over World (or over World exports alone) is no share."""
    response = api_client.get(SUMMARY, {"group_by": "year", "reporter": "japan", "share": "world", **params})
    assert_status(response, 400)
    assert list(response.json()) == ["flow"] and "group_by=flow" in str(response.json()["flow"])


def test_a_share_of_world_grouped_by_flow_divides_each_flow_by_its_own_world(api_client, flows):
    response = api_client.get(
        SUMMARY, {"group_by": "partner,flow", "reporter": "japan", "partner": "kazakhstan", "share": "world"}
    )
    assert_status(response, 200)
    shares = {
        row["flow"]: (row["total_value_usd"], row["world_total_value_usd"], row["share_of_world"])
        for row in response.json()
    }
    # Exports over World exports; imports have no World imports stored, so no share (never over exports).
    assert shares == {"X": ("400.00", "8000.00", 0.05), "M": ("100.00", None, None)}


def test_share_of_world_by_partner_alone_divides_by_worlds_total_over_the_years(api_client):
    # Grouped by partner only, the World figure of a group is the sum of every World row the filters select (here two
    # years), not one of them: it was the last World row read.
    japan, china = StateFactory(slug="japan"), StateFactory(slug="china")
    world = ActorFactory(kind=ActorKind.AREA, slug="world", iso3="W00", name_en="World")
    for partner, year, value in [
        (china, 2023, "500"),
        (china, 2024, "1500"),
        (world, 2023, "2000"),
        (world, 2024, "6000"),
    ]:
        TradeFlowFactory(reporter=japan, partner=partner, year=year, flow="X", commodity_code="TOTAL", value_usd=value)
    response = api_client.get(SUMMARY, {"group_by": "partner", "reporter": "japan", "flow": "X", "share": "world"})
    assert_status(response, 200)
    shares = {row["partner"]: (row["world_total_value_usd"], row["share_of_world"]) for row in response.json()}
    assert shares == {"china": ("8000.00", 0.25), "world": ("8000.00", 1.0)}
