"""The trade-flows summary's JSON rendered by PostgreSQL (apps.core.api.sql.json_rows) answers byte for byte as
DRF's serializer of the same rows (apps.core.api.views.serialized_rows), for every grouping, filter and format."""

import itertools

import pytest

from apps.trade.api.views import TradeFlowViewSet
from apps.trade.selectors import TRADE_GROUPS
from tests.api.helpers import sql_and_orm_paths
from tests.trade.test_list_sql_path import flows  # noqa: F401 — the fixture: names JSON must escape, edge values

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

SUMMARY = "/api/v1/trade-flows/summary/"


def both_paths(client, params, **headers):
    return sql_and_orm_paths(TradeFlowViewSet, client, SUMMARY, params, **headers)


def rendered_in_sql(response):
    return any("array_to_string" in sql for sql in response.queries)


GROUPINGS = [
    ",".join(keys) for size in range(1, len(TRADE_GROUPS) + 1) for keys in itertools.permutations(TRADE_GROUPS, size)
]


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_every_grouping_alike(api_client, flows, group_by):  # noqa: F811
    response = both_paths(
        api_client, {"group_by": group_by, "flow": ["X", "M"], "commodity": "2612", "annual": "false"}
    )
    assert response.status_code == 200 and response.json()
    assert rendered_in_sql(response) and len(response.queries) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"group_by": "partner,year"},  # the default summable rows
        {"group_by": "reporter", "reporter": "japan"},  # escapes: quotes, backslash, \u2028, CJK
        {"group_by": "reporter", "reporter": "kazakhstan"},
        {"group_by": "year", "year": "1999"},  # nothing matches: []
        {"group_by": "year", "annual": "false", "commodity": "2612"},  # totals of 0.01 and 0.00
        {"group_by": "partner", "flow": "X", "share": "world"},  # a float share: Python's own path
        {"group_by": "year", "reporter": "atlantis"},  # 400 naming the slug
        {"group_by": "nothing"},
        {"group_by": "year", "format": "csv"},
        {"group_by": "year,partner", "format": "csv-excel"},
    ],
)
def test_results_errors_and_formats_alike(api_client, flows, params):  # noqa: F811
    both_paths(api_client, params)


def test_indented_and_ascii_json_alike(api_client, flows):  # noqa: F811
    response = both_paths(api_client, {"group_by": "reporter"}, HTTP_ACCEPT="application/json; indent=2")
    assert response.content.startswith(b"[\n  {")
    response = both_paths(api_client, {"group_by": "reporter", "reporter": "japan"})
    assert b"\\u2028" in response.content and "\u2028".encode() not in response.content
    assert response.json()[0]["reporter_name"] == "Japan\u2028\u2029日本"
    assert rendered_in_sql(response)


def test_the_sum_of_values_keeps_its_cents(api_client, flows):  # noqa: F811
    response = both_paths(api_client, {"group_by": "reporter,year", "reporter": "japan"})
    assert [row["total_value_usd"] for row in response.json()] == ["99999999999.99"] * 3


@pytest.mark.parametrize("group_by", ["partner,year", "year,reporter,flow", "reporter,partner"])
def test_groups_on_actor_ids_and_names_them_after_grouping(api_client, flows, group_by):  # noqa: F811
    """The GROUP BY reads the flows alone (the actors' ids); the actors that name the groups are joined to the
    groups afterwards, once per group (apps.core.grouping.NamedGroups), not to every flow before grouping."""
    response = both_paths(api_client, {"group_by": group_by})
    [sql] = response.queries
    grouped = sql[sql.index('FROM "trade_tradeflow"') : sql.index("GROUP BY")]
    assert "JOIN" not in grouped  # (partner World is left out by a sub-select of its id)
    assert sql.count('JOIN "actors_actor"') == sum(key in ("reporter", "partner") for key in group_by.split(","))


def test_the_default_flows_are_no_bound_in_list(api_client, flows):  # noqa: F811
    """X and M, added when `flow` is not given, are written as the `flow` filter writes several flows (flow = X OR
    flow = M): a bound IN list is an array the prepared statement's generic plan builds again for every row."""
    response = both_paths(api_client, {"group_by": "partner,year"})
    [sql] = response.queries
    assert '"flow" IN' not in sql and '("trade_tradeflow"."flow" = \'X\' OR "trade_tradeflow"."flow" = \'M\')' in sql
