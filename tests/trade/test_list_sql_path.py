"""The trade-flows list's SQL path (PostgreSQL counts and renders the page) answers byte for byte as the ORM path.

Every request below is sent twice, once down each path, and the two responses must match: status,
content type and body. The SQL path must also really be taken (one statement) where it applies.
"""

import datetime
from decimal import Decimal
from unittest import mock

import django_filters
import pytest

from apps.trade.api.views import TradeFlowViewSet
from apps.trade.filters import TradeFlowFilterSet
from apps.trade.models import TradeFlow
from tests.api.helpers import sql_and_orm_paths, took_sql_path
from tests.factories import SourceFactory, StateFactory, TradeFlowFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

LIST = "/api/v1/trade-flows/"


@pytest.fixture
def flows():
    # Names that JSON must escape, and the two characters DRF escapes beyond JSON's rules.
    kazakhstan = StateFactory(slug="kazakhstan", name_en='Kazakh "Republic" \\ Қазақстан\n\t\x01')
    japan = StateFactory(slug="japan", name_en="Japan\u2028\u2029日本")
    china = StateFactory(slug="china")
    source = SourceFactory(slug="comtrade")
    for year in (2019, 2020, 2021):
        for partner in (japan, china):
            TradeFlowFactory(
                reporter=kazakhstan,
                partner=partner,
                year=year,
                flow="X",
                value_usd=Decimal("1234567.89"),
                net_weight_kg=Decimal("0.500"),
                quantity=None,
                quantity_unit="kg",
                source=source,
            )
            TradeFlowFactory(
                reporter=kazakhstan,
                partner=partner,
                year=year,
                flow="M",
                month=3,
                commodity_code="2612",
                value_usd=Decimal("0.01"),
                quantity=Decimal("5.000"),
            )
            TradeFlowFactory(
                reporter=kazakhstan,
                partner=partner,
                year=year,
                flow="M",
                month=11,
                commodity_code="2612",
                value_usd=Decimal("0.00"),
            )
        TradeFlowFactory(reporter=japan, partner=kazakhstan, year=year, flow="M", value_usd=Decimal("99999999999.99"))
    TradeFlowFactory(reporter=japan, partner=kazakhstan, year=2019, flow="RX")
    # A breakdown by second partner, customs procedure and mode of transport (Comtrade's natural key).
    TradeFlowFactory(
        reporter=kazakhstan, partner=japan, partner2=china, year=2019, flow="X", customs_code="C01", mot_code=2100
    )
    # Times with and without microseconds: Python's isoformat() drops a zero fraction.
    TradeFlow.objects.filter(year=2020).update(created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    TradeFlow.objects.filter(year=2021).update(
        updated_at=datetime.datetime(2025, 1, 2, 3, 4, 5, 120, tzinfo=datetime.UTC)
    )
    return {"kazakhstan": kazakhstan, "japan": japan}


def both_paths(client, path, params=None, **headers):
    return sql_and_orm_paths(TradeFlowViewSet, client, path, params, **headers)


# A value for each filter of the trade-flows list (a new filter needs no entry: its WHERE comes from the
# same queryset on both paths; these check that the SQL path really is taken for each).
FILTER_SAMPLES = {
    "reporter": "kazakhstan",
    "partner": "japan",
    "year": "2020",
    "year_min": "2020",
    "year_max": "2020",
    "month": "3",
    "annual": "true",
    "flow": ["M", "X"],
    "commodity": "2612",
    "value_usd_min": "1",
    "value_usd_max": "1234567.89",
    "source": "comtrade",
    "net_weight_kg__gte": "0.5",
    "net_weight_kg__lte": "0.5",
    "quantity__gte": "1",
    "quantity__lte": "10",
    "quantity_unit": "kg",
    "modified_since": "2026-01-01T00:00:00+05:00",
    "created_since": "2026-01-01T00:00:00Z",
    "q": "kg",
    "partner2": "china",
    "customs_code": "C01",
    "mot_code": "2100",
}


@pytest.mark.parametrize("name", sorted(FILTER_SAMPLES))
def test_each_filter_filters_alike_on_both_paths(api_client, flows, name):
    response = both_paths(api_client, LIST, {name: FILTER_SAMPLES[name], "page_size": 500})
    assert response.status_code == 200
    assert 0 < response.json()["count"] < TradeFlow.objects.count()  # the sample narrows the list
    assert took_sql_path(response)  # every filter, `q` (full-text search) included


def test_a_new_plain_filter_takes_the_sql_path_with_nothing_else_written(api_client, flows):
    # Declared in a FilterSet and nowhere else: a relation path, a lookup and an exclude, which the
    # earlier hand-written WHERE clause could not express.
    class Flows(TradeFlowFilterSet):
        reporter_kind = django_filters.CharFilter(field_name="reporter__kind")
        unit = django_filters.CharFilter(field_name="quantity_unit", lookup_expr="iexact")
        not_year = django_filters.NumberFilter(field_name="year", exclude=True)

    with mock.patch.object(TradeFlowViewSet, "filterset_class", Flows):
        response = both_paths(api_client, LIST, {"reporter_kind": "state", "unit": "KG", "not_year": "2019"})
    assert took_sql_path(response) and len(response.queries) == 1
    assert response.json()["count"] == TradeFlow.objects.filter(quantity_unit="kg").exclude(year=2019).count() > 0


@pytest.mark.parametrize(
    "params",
    [
        {"flow": "X", "annual": "false"},  # nothing matches: an empty page, count 0
        {"flow": "M", "annual": "false", "year_min": "2020", "partner": "china", "page_size": "1", "page": "2"},
        {"flow": "X", "flow_2": "M"},  # an unknown parameter: 400
        {"reporter": "atlantis"},  # an unknown slug: 400 naming it
        {"reporter": "kazakhstan", "year": "abc"},
        {"year": "99999"},
        {"modified_since": "yesterday"},
        {"flow": "Z"},
        {"annual": ""},  # an empty value filters nothing, on both paths
        {"commodity": "total"},  # TOTAL in any case
    ],
)
def test_results_and_errors_alike(api_client, flows, params):
    both_paths(api_client, LIST, params)


@pytest.mark.parametrize("page", ["1", "2", "3", "last", "0", "-1", "abc", "1.0", "4", "99", str(10**30)])
@pytest.mark.parametrize("page_size", ["1", "7", "500", "0", "501", "x"])
def test_pages_alike(api_client, flows, page, page_size):
    both_paths(api_client, LIST, {"reporter": "kazakhstan", "page": page, "page_size": page_size})


@pytest.mark.parametrize(
    "ordering",
    [
        "-value_usd",
        "month",
        "-month,year",
        "created_at",
        "-updated_at",
        "commodity_code,-id",
        "flow",
        "id",
        "partner",
        "-value_usd,-value_usd",
    ],
)
def test_orderings_alike(api_client, flows, ordering):
    both_paths(api_client, LIST, {"ordering": ordering, "page_size": 500})


def test_indented_json_alike(api_client, flows):
    response = both_paths(api_client, LIST, {"page_size": 2}, HTTP_ACCEPT="application/json; indent=2")
    assert b'\n  "results": [' in response.content


def test_default_list_is_one_statement_in_natural_key_order(api_client, flows):
    response = both_paths(api_client, LIST, {"reporter": "kazakhstan", "flow": "M", "page_size": 3, "page": 2})
    assert len(response.queries) == 1, response.queries
    body = response.json()
    assert body["count"] == 12
    assert body["next"] == "http://testserver/api/v1/trade-flows/?flow=M&page=3&page_size=3&reporter=kazakhstan"
    assert body["previous"] == "http://testserver/api/v1/trade-flows/?flow=M&page_size=3&reporter=kazakhstan"
    # Newest year first, then partner (japan was created before china), HS code, month: the natural key.
    assert [(row["year"], row["partner"]["slug"], row["month"]) for row in body["results"]] == [
        (2021, "china", 11),
        (2020, "japan", 3),
        (2020, "japan", 11),
    ]


def test_json_escapes_alike(api_client, flows):
    response = both_paths(api_client, LIST, {"reporter": "japan"})
    assert "\\u2028".encode() in response.content and "\u2028".encode() not in response.content
    assert response.json()["results"][0]["reporter"]["name"] == "Japan\u2028\u2029日本"


def test_other_formats_keep_their_own_path(api_client, flows):
    html = api_client.get(LIST, {"format": "api"})
    csv = api_client.get(LIST, {"format": "csv"})
    assert html.status_code == csv.status_code == 200
    assert html["Content-Type"].startswith("text/html") and csv["Content-Type"].startswith("text/csv")


def test_ascii_json_is_honoured(api_client, flows):
    # With UNICODE_JSON off DRF escapes non-ASCII; the page must not keep PostgreSQL's raw UTF-8.
    from apps.core.api.renderers import JSONRenderer

    with mock.patch.object(JSONRenderer, "ensure_ascii", True):
        response = both_paths(api_client, LIST, {"reporter": "japan"})
    assert b"\\u65e5\\u672c" in response.content  # 日本


def test_via_groupings_widens_an_actor_filter_on_the_sql_path(api_client, flows):
    from apps.actors.models import Actor
    from tests.factories import GroupingFactory

    grouping = GroupingFactory()
    grouping.members.add(Actor.objects.get(slug="kazakhstan"))
    plain = both_paths(api_client, LIST, {"reporter": "kazakhstan", "page_size": 500})
    wide = both_paths(api_client, LIST, {"reporter": "kazakhstan", "via_groupings": "true", "page_size": 500})
    assert wide.json()["count"] == plain.json()["count"] > 0  # the grouping reports no flows of its own
    assert wide.json()["matched_via_groupings"] == {"reporter": [grouping.slug]}
    assert took_sql_path(wide)  # every filter takes the SQL path (issue 11)
