"""A state's trade chart compares partners (issue 28): World apart, one chosen flow, readable scales."""

import re
from decimal import Decimal

import pytest

from apps.trade.models import FlowCode
from apps.trade.selectors import state_trade_by_partner
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def trade():
    state = factories.StateFactory(slug="state-a", name_en="State A", iso3="STA")
    china = factories.StateFactory(slug="state-c", name_en="State C", iso3="STC")
    russia = factories.StateFactory(slug="state-r", name_en="State R", iso3="STR")
    world = factories.ActorFactory(slug="world", name_en="World", iso3="W00", kind="area")
    for year, to_c, to_r, to_world, from_c in ((2022, 13e9, 8e9, 84e9, 10e9), (2023, 15e9, 9e9, 80e9, 12e9)):
        factories.TradeFlowFactory(reporter=state, partner=china, year=year, flow="X", value_usd=Decimal(to_c))
        factories.TradeFlowFactory(reporter=state, partner=russia, year=year, flow="X", value_usd=Decimal(to_r))
        factories.TradeFlowFactory(reporter=state, partner=world, year=year, flow="X", value_usd=Decimal(to_world))
        factories.TradeFlowFactory(reporter=state, partner=china, year=year, flow="M", value_usd=Decimal(from_c))
    # Breakdowns a chart must not add: a month, a customs procedure.
    factories.TradeFlowFactory(reporter=state, partner=china, year=2023, month=5, flow="X", value_usd=Decimal(1e9))
    factories.TradeFlowFactory(
        reporter=state, partner=china, year=2023, flow="X", customs_code="C01", value_usd=Decimal(2e9)
    )
    return state


def test_the_chart_series_are_the_partners_of_one_flow_with_world_apart(trade):
    exports = state_trade_by_partner(state=trade, flow=FlowCode.EXPORT)
    assert list(exports["partners"]) == ["state-c", "state-r"]  # largest first; World is not a partner
    assert exports["partners"]["state-c"]["values"] == {2022: Decimal(13e9), 2023: Decimal(15e9)}
    assert exports["world"] == {2022: Decimal(84e9), 2023: Decimal(80e9)}
    imports = state_trade_by_partner(state=trade, flow=FlowCode.IMPORT)
    assert imports["partners"]["state-c"]["values"] == {2022: Decimal(10e9), 2023: Decimal(12e9)}
    assert imports["world"] == {}


def test_the_page_draws_partners_and_their_share_of_world_on_readable_scales(client, trade):
    page = client.get("/actors/state-a/").content.decode()
    chart, share_chart = re.findall(r'<figure class="chart".*?</figure>', page, re.S)[:2]
    assert "Exports reported by State A, USD, by partner (World apart)" in chart
    assert "State C" in chart and "State R" in chart and ">World<" not in chart
    assert "$15.0 bn" in chart  # one scale for the chart, in billions
    assert "with World, %" in share_chart
    assert "18.8 %" in share_chart  # 15 / 80
    assert ">18.8%<" in page and ">80,000,000,000<" in page  # the table: share, and World apart


def test_the_flow_is_chosen_and_a_wrong_one_is_a_400_naming_it(client, trade):
    page = client.get("/actors/state-a/?trade_flow=M").content.decode()
    assert "Imports reported by State A" in page and "$12.0 bn" in page
    assert "Share of State A" not in page  # no World imports stored: no share drawn
    response = client.get("/actors/state-a/?trade_flow=Z")
    assert response.status_code == 400
