"""API tests for trade flows (list, summary, mirror statistics), stated trade figures, trade measures and
statements."""

import datetime
from decimal import Decimal

import pytest

from apps.trade.models import StatedFlow, TradeMeasureKind, TradeTrend
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import (
    PersonFactory,
    SourceFactory,
    StatedTradeFigureFactory,
    StateFactory,
    TopicFactory,
    TradeFlowFactory,
    TradeMeasureFactory,
    TradeStatementFactory,
)


def _years(a, b):
    return lambda: (TradeFlowFactory(year=a), TradeFlowFactory(year=b))


class TestTradeFlowAPI(APIResourceTests):
    basename = "trade-flow"
    factory = TradeFlowFactory
    actor_param = "reporter"
    has_history = False  # bulk statistics: provenance is the source dataset, not a change log
    max_list_queries = 2  # count and page, whatever the page size
    update_data = {"value_usd": "12345.00"}
    invalid_data = {"month": 13}
    filters = [
        Narrows("reporter", lambda f: f.reporter.slug),
        Narrows("partner", lambda f: f.partner.slug),
        Narrows("year", lambda f: str(f.year), _years(2024, 2023)),
        Narrows("year_min", lambda f: "2024", _years(2025, 2023)),
        Narrows("year_max", lambda f: "2023", _years(2022, 2024)),
        Narrows("flow", lambda f: "M", lambda: (TradeFlowFactory(flow="M"), TradeFlowFactory(flow="X"))),
        Narrows(
            "commodity",
            lambda f: "2612",
            lambda: (TradeFlowFactory(commodity_code="2612"), TradeFlowFactory(commodity_code="TOTAL")),
        ),
        Narrows("annual", lambda f: "false", lambda: (TradeFlowFactory(month=3), TradeFlowFactory())),
        Narrows(
            "source", lambda f: f.source.slug, lambda: (TradeFlowFactory(source=SourceFactory()), TradeFlowFactory())
        ),
    ]

    def create_data(self):
        return {
            "reporter": StateFactory().slug,
            "partner": StateFactory().slug,
            "year": 2024,
            "flow": "X",
            "commodity_code": "TOTAL",
            "value_usd": "1000.50",
        }


@pytest.mark.django_db
def test_trade_flow_representation(api_client):
    flow = TradeFlowFactory(value_usd=Decimal("2500000.00"), net_weight_kg=Decimal("12.500"))
    row = api_client.get("/api/v1/trade-flows/").json()["results"][0]
    assert row["reporter"] == {"slug": flow.reporter.slug, "name": flow.reporter.name_en, "kind": "state"}
    assert row["value_usd"] == "2500000.00" and row["net_weight_kg"] == "12.500"
    assert row["created_at"].endswith("Z")
    assert row == api_client.get(f"/api/v1/trade-flows/{flow.pk}/").json()


@pytest.mark.django_db
def test_duplicate_annual_flow_is_400_not_500(editor_client):
    flow = TradeFlowFactory()
    response = editor_client.post(
        "/api/v1/trade-flows/",
        {
            "reporter": flow.reporter.slug,
            "partner": flow.partner.slug,
            "year": flow.year,
            "flow": flow.flow,
            "commodity_code": flow.commodity_code,
            "value_usd": "1.00",
        },
        format="json",
    )
    assert_status(response, 400)


@pytest.fixture
def japan_kazakhstan():
    japan, kazakhstan, china = StateFactory(slug="japan"), StateFactory(slug="kazakhstan"), StateFactory(slug="china")
    rows = [
        (japan, kazakhstan, 2023, "X", "TOTAL", "100.00"),
        (japan, kazakhstan, 2024, "X", "TOTAL", "200.00"),
        (japan, kazakhstan, 2024, "X", "8703", "150.00"),  # an HS line inside the TOTAL
        (kazakhstan, japan, 2024, "M", "TOTAL", "250.00"),
        (kazakhstan, japan, 2025, "M", "TOTAL", "300.00"),
        (japan, china, 2024, "X", "TOTAL", "1000.00"),
    ]
    for reporter, partner, year, flow, code, value in rows:
        TradeFlowFactory(
            reporter=reporter, partner=partner, year=year, flow=flow, commodity_code=code, value_usd=Decimal(value)
        )
    TradeFlowFactory(reporter=japan, partner=kazakhstan, year=2024, month=6, flow="X", value_usd=Decimal("99.00"))


@pytest.mark.django_db
def test_trade_summary_sums_totals_without_double_counting(api_client, japan_kazakhstan):
    response = api_client.get("/api/v1/trade-flows/summary/", {"group_by": "partner,year", "reporter": "japan"})
    assert_status(response, 200)
    sums = {(r["partner"], r["year"]): Decimal(r["total_value_usd"]) for r in response.json()}
    # TOTAL annual rows only: the HS line (150) and the monthly row (99) are not added again.
    assert sums == {
        ("kazakhstan", 2023): Decimal("100"),
        ("kazakhstan", 2024): Decimal("200"),
        ("china", 2024): Decimal("1000"),
    }
    rows = api_client.get("/api/v1/trade-flows/summary/", {"group_by": "flow", "commodity": "8703"}).json()
    assert [(r["flow"], Decimal(r["total_value_usd"]), r["count"]) for r in rows] == [("X", Decimal("150"), 1)]
    assert_status(api_client.get("/api/v1/trade-flows/summary/", {"group_by": "colour"}), 400)


@pytest.mark.django_db
def test_mirror_statistics_per_year_with_missing_sides_null(api_client, japan_kazakhstan):
    response = api_client.get("/api/v1/trade-flows/mirror/", {"reporter": "japan", "partner": "kazakhstan"})
    assert_status(response, 200)
    rows = {row["year"]: row for row in response.json()}
    assert sorted(rows) == [2023, 2024, 2025]
    assert Decimal(rows[2024]["exports_reported_usd"]) == Decimal("200")
    assert Decimal(rows[2024]["imports_reported_usd"]) == Decimal("250")
    assert Decimal(rows[2024]["difference_usd"]) == Decimal("-50")
    assert rows[2024]["ratio_imports_to_exports"] == pytest.approx(1.25)
    assert rows[2023]["imports_reported_usd"] is None and rows[2023]["difference_usd"] is None
    assert rows[2023]["ratio_imports_to_exports"] is None
    assert rows[2025]["exports_reported_usd"] is None
    narrowed = api_client.get(
        "/api/v1/trade-flows/mirror/",
        {"reporter": "japan", "partner": "kazakhstan", "year_min": 2024, "year_max": 2024},
    )
    assert [row["year"] for row in narrowed.json()] == [2024]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, bad",
    [
        ({"partner": "kazakhstan"}, "reporter"),
        ({"reporter": "nowhere", "partner": "kazakhstan"}, "reporter"),
        ({"reporter": "japan", "partner": "kazakhstan", "year_min": "soon"}, "year_min"),
        ({"reporter": "japan", "partner": "kazakhstan", "yeer": "2024"}, "yeer"),
    ],
)
def test_mirror_bad_input_is_400_naming_it(api_client, japan_kazakhstan, params, bad):
    response = api_client.get("/api/v1/trade-flows/mirror/", params)
    assert_status(response, 400)
    assert bad in response.json()


def _measure_with_target():
    measure = TradeMeasureFactory()
    measure.targets.add(StateFactory())
    return measure, TradeMeasureFactory()


def _measure_with_topic():
    measure = TradeMeasureFactory()
    measure.topics.add(TopicFactory())
    return measure, TradeMeasureFactory()


class TestTradeMeasureAPI(APIResourceTests):
    basename = "trade-measure"
    factory = TradeMeasureFactory
    actor_param = "imposing_actor"
    max_list_queries = 4  # page with its total (window count), targets, topics, citations
    update_data = {"goods_en": "gallium and germanium"}
    invalid_data = {"year": 1800}
    filters = [
        Narrows("imposing_actor", lambda m: m.imposing_actor.slug),
        Narrows("target", lambda m: m.targets.get().slug, _measure_with_target),
        Narrows("topic", lambda m: m.topics.get().slug, _measure_with_topic),
        Narrows(
            "kind",
            lambda m: m.kind,
            lambda: (TradeMeasureFactory(kind=TradeMeasureKind.SANCTION), TradeMeasureFactory()),
        ),
        Narrows("year", lambda m: "2024", lambda: (TradeMeasureFactory(year=2024), TradeMeasureFactory(year=2025))),
        Narrows("q", lambda m: "gallium", lambda: (TradeMeasureFactory(goods_en="gallium"), TradeMeasureFactory())),
    ]

    def create_data(self):
        return {
            "kind": "export_restriction",
            "imposing_actor": StateFactory().slug,
            "targets": [StateFactory().slug],
            "goods_en": "rare earths",
            "year": 2025,
        }


class TestTradeStatementAPI(APIResourceTests):
    basename = "trade-statement"
    factory = TradeStatementFactory
    actor_param = "subject"
    update_data = {"statement_en": "Trade grows moderately but steadily."}
    invalid_data = {"year_from": 2025, "year_to": 2020}
    filters = [
        Narrows("subject", lambda s: s.subject.slug),
        Narrows("partner", lambda s: s.partner.slug),
        Narrows(
            "trend",
            lambda s: s.trend,
            lambda: (TradeStatementFactory(trend=TradeTrend.GROWING), TradeStatementFactory()),
        ),
        Narrows(
            "year",
            lambda s: "2021",
            lambda: (TradeStatementFactory(year_from=2020, year_to=2022), TradeStatementFactory()),
        ),
        Narrows(
            "q",
            lambda s: "steadily",
            lambda: (TradeStatementFactory(statement_en="Grows steadily"), TradeStatementFactory()),
        ),
    ]

    def create_data(self):
        return {
            "subject": StateFactory().slug,
            "partner": StateFactory().slug,
            "year_from": 2024,
            "year_to": 2025,
            "level": "limited",
            "trend": "stable",
            "statement_en": "Trade is limited.",
        }


@pytest.mark.django_db
def test_flows_differing_in_partner2_customs_or_transport_are_distinct_through_the_api(editor_client):
    flow = TradeFlowFactory()
    base = {
        "reporter": flow.reporter.slug,
        "partner": flow.partner.slug,
        "year": flow.year,
        "flow": flow.flow,
        "commodity_code": flow.commodity_code,
        "value_usd": "1.00",
    }
    second = StateFactory()
    for extra in ({"partner2": second.slug}, {"customs_code": "C01"}, {"mot_code": 2100}):
        response = editor_client.post("/api/v1/trade-flows/", {**base, **extra}, format="json")
        assert_status(response, 201)
        assert all(response.json()[key] == value for key, value in extra.items() if key != "partner2")
    again = editor_client.post("/api/v1/trade-flows/", {**base, "partner2": second.slug}, format="json")
    assert_status(again, 400)


def _figures_in(year_a, year_b):
    return lambda: (
        StatedTradeFigureFactory(period_start=datetime.date(year_a, 1, 1)),
        StatedTradeFigureFactory(period_start=datetime.date(year_b, 1, 1)),
    )


class TestStatedTradeFigureAPI(APIResourceTests):
    basename = "stated-trade-figure"
    factory = StatedTradeFigureFactory
    lookup = "slug"
    actor_param = "reporter"
    update_data = {"note": "Stated at the summit's press conference."}
    invalid_data = {"currency": "XYZ"}
    filters = [
        Narrows("reporter", lambda f: f.reporter.slug),
        Narrows("partner", lambda f: f.partner.slug),
        Narrows(
            "stated_by",
            lambda f: f.stated_by.slug,
            lambda: (StatedTradeFigureFactory(stated_by=PersonFactory()), StatedTradeFigureFactory()),
        ),
        Narrows(
            "flow",
            lambda f: f.flow,
            lambda: (StatedTradeFigureFactory(flow=StatedFlow.EXPORT), StatedTradeFigureFactory()),
        ),
        Narrows("year", lambda f: "2024", _figures_in(2024, 2023)),
        Narrows(
            "q",
            lambda f: "press",
            lambda: (StatedTradeFigureFactory(note="said to the press"), StatedTradeFigureFactory()),
        ),
    ]

    def create_data(self):
        return {
            "slug": "kz-jp-turnover-2024",
            "reporter": StateFactory().slug,
            "partner": StateFactory().slug,
            "flow": "turnover",
            "period_start": "2024-01-01",
            "period_start_precision": "year",
            "value": "2400000000.00",
            "currency": "usd",
            "value_qualifier": "about",
        }
