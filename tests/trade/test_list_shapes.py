"""The trade-flows list's kept shapes (apps.core.api.shapes): a request whose shape came before runs the SQL kept
from that one with its own values bound. For every filter, the statement it runs must be byte for byte the one a
fresh compile of its own queryset gives (text and parameters, with their types), and its answer the same as a fresh
compile's and as DRF's."""

from unittest import mock

import pytest
from django.db import connection

from apps.core.api import shapes
from apps.trade.api.views import TradeFlowViewSet
from apps.trade.filters import TradeFlowFilterSet
from tests.api.helpers import sql_and_orm_paths
from tests.trade.test_list_sql_path import flows  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

LIST = "/api/v1/trade-flows/"

# Two values of one shape for each filter: the first request learns the shape, the second is bound into it.
SAMPLES = {
    "reporter": ("kazakhstan", "japan"),
    "partner": ("japan", "kazakhstan"),
    "partner2": ("china", "japan"),
    "year": ("2020", "2019"),
    "year_min": ("2020", "2021"),
    "year_max": ("2020", "2019"),
    "month": ("3", "11"),
    "annual": ("true", "false"),  # a boolean is the shape itself: two shapes
    "flow": (["M", "X"], ["RX", "M"]),
    "commodity": ("2612", "total"),
    "customs_code": ("C01", "C00"),
    "mot_code": ("2100", "0"),
    "value_usd_min": ("1", "0.01"),
    "value_usd_max": ("1234567.89", "1.50"),
    "source": ("comtrade", "nosuch"),  # an unknown slug: the 400 after an empty page, on every path
    "net_weight_kg_min": ("0.5", "0.500"),
    "net_weight_kg_max": ("0.5", "1"),
    "quantity_min": ("1", "5.000"),
    "quantity_max": ("10", "4"),
    "quantity_unit": ("kg", "u"),
    "modified_since": ("2026-01-01T00:00:00+05:00", "2020-01-01T00:00:00Z"),
    "created_since": ("2026-01-01T00:00:00Z", "2020-01-01T00:00:00.5Z"),
    "q": ("kg", "2612"),
    "via_groupings": ("true", "false"),
}
# Filters whose value is never bound into a kept statement: a method filter's own code may branch on it.
NOT_KEPT = {"q"}


def run(client, params, *, path=LIST):
    """The response to `path` and every statement it ran, as (SQL, [(type, value) of each parameter]);
    `response.bound`: whether the list's rows came from a kept shape."""
    ran, bound = [], []

    def capture(execute, sql, params, many, context):
        ran.append((sql, [(type(value), value) for value in params or ()]))
        return execute(sql, params, many, context)

    def kept_rows(*args, **kwargs):
        compiled, queryset = shapes.kept_rows(*args, **kwargs)
        bound.append(compiled is not None)
        return compiled, queryset

    with connection.execute_wrapper(capture), mock.patch("apps.core.api.views.kept_rows", kept_rows):
        response = client.get(path, params)
    response.bound = any(bound)
    return response, ran


def test_every_filter_has_samples():
    assert set(SAMPLES) == set(TradeFlowFilterSet.base_filters)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("with_reporter", [False, True])
def test_kept_shape_runs_the_fresh_compile(api_client, flows, name, with_reporter):  # noqa: F811
    shapes.forget_shapes()
    extra = {"reporter": "kazakhstan", "flow": "X"} if with_reporter and name not in ("reporter", "flow") else {}
    first, second = SAMPLES[name]
    learned, _ = run(api_client, {**extra, name: first, "page_size": 7})
    assert learned.status_code == 200
    params = {**extra, name: second, "page_size": 7}
    kept, kept_statements = run(api_client, params)
    with mock.patch.object(TradeFlowViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run(api_client, params)
    assert kept_statements == fresh_statements
    assert (kept.status_code, kept.content) == (fresh.status_code, fresh.content)
    sql_and_orm_paths(TradeFlowViewSet, api_client, LIST, params)  # and as DRF answers
    # Bound where the shape is the first one's (a boolean's two values are two shapes, a value repeating another
    # filter's is another shape: partner=kazakhstan beside reporter=kazakhstan).
    same_shape = name not in ("annual", "via_groupings") and second not in extra.values()
    assert kept.bound == (same_shape and name not in NOT_KEPT)


def test_a_shape_whose_filters_read_the_database_is_not_kept(api_client, flows):  # noqa: F811
    # Several slugs are checked against the actors while filtering: the answer is the slugs', not the shape's.
    shapes.forget_shapes()
    assert run(api_client, {"reporter": "kazakhstan,japan"})[0].status_code == 200
    response, _ = run(api_client, {"reporter": "kazakhstan,atlantis"})
    assert response.status_code == 400 and "atlantis" in response.json()["reporter"][0]
    assert not response.bound


def test_repeated_values_are_their_own_shape(api_client, flows):  # noqa: F811
    shapes.forget_shapes()
    run(api_client, {"flow": ["X", "M"]})
    kept, kept_statements = run(api_client, {"flow": ["M", "M"]})
    assert not kept.bound
    with mock.patch.object(TradeFlowViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run(api_client, {"flow": ["M", "M"]})
    assert kept_statements == fresh_statements and kept.content == fresh.content


@pytest.mark.parametrize(
    "params",
    [
        {"reporter": "kazakhstan", "page": "last", "page_size": "4"},
        {"reporter": "kazakhstan", "count": "estimated"},
        {"reporter": "kazakhstan", "ordering": "-value_usd"},
        {"reporter": "kazakhstan", "ordering": "nosuch"},
        {"reporter": "kazakhstan", "page": "99"},
    ],
)
def test_pages_of_a_kept_shape_alike(api_client, flows, params):  # noqa: F811
    shapes.forget_shapes()
    run(api_client, {**params, "reporter": "japan"})
    sql_and_orm_paths(TradeFlowViewSet, api_client, LIST, params)


def test_a_constant_is_not_taken_for_a_value(db):
    # A filter that compiles a constant equal to the request's value (2020 here): moving the value shows it.
    from apps.trade.models import TradeFlow

    def build(values):
        return TradeFlow.objects.filter(year__gte=2020 if values is None else values["year"]).order_by("id")

    assert shapes.learn(build(None), {"year": 2020}, [2020], build=build, methods=frozenset()) is not None

    def build_constant(values):
        return TradeFlow.objects.filter(year__gte=2020).order_by("id")

    assert shapes.learn(build_constant(None), {"year": 2020}, [2020], build=build_constant, methods=frozenset()) is None


@pytest.mark.parametrize("reads", [False, True])
def test_filters_that_read_the_database_are_not_kept(db, reads):
    from apps.actors.models import Actor
    from apps.trade.models import TradeFlow

    def build(values):
        if reads:
            Actor.objects.exists()  # a filter asking the database while filtering, as a check of several slugs does
        return TradeFlow.objects.filter(year__gte=2020 if values is None else values["year"]).order_by("id")

    key = ("a list", reads)
    shapes.kept_rows(key, {"year": 2020}, build=build, methods=frozenset())
    compiled, queryset = shapes.kept_rows(key, {"year": 2021}, build=build, methods=frozenset())
    assert (compiled is None) == reads and (queryset is None) == (not reads)


@pytest.mark.parametrize(
    "params",
    [
        {"modified_since": "9999-12-31T23:59:59.999999Z"},  # a microsecond more is past Python's last datetime
        {"created_since": "9999-12-31T23:59:59.999999+00:00", "reporter": "kazakhstan"},
    ],
)
def test_a_value_that_cannot_be_moved_is_not_kept(api_client, flows, params):  # noqa: F811
    # learn() moves each value to another of its type; where there is none, the shape is not kept, the answer DRF's.
    shapes.forget_shapes()
    response, _ = run(api_client, params)
    assert response.status_code == 200 and not response.bound
    assert run(api_client, params)[0].bound is False
    sql_and_orm_paths(TradeFlowViewSet, api_client, LIST, params)


@pytest.mark.parametrize("name", ["flow", "reporter"])
def test_a_long_list_is_not_kept(api_client, flows, name):  # noqa: F811
    # Every value is an item of the shape, the key of the kept shapes: 1,300 repeats of a flow (2.7 kB of query
    # string) held 180 kB in each of the 512 kept shapes. Such a request is built as before and leaves nothing kept.
    shapes.forget_shapes()
    value = {"flow": "X", "reporter": "kazakhstan"}[name]
    params = {name: ",".join([value] * (shapes._MAX_ITEMS + 1))}
    response = sql_and_orm_paths(TradeFlowViewSet, api_client, LIST, params)
    assert response.status_code == 200 and response.json()["count"] > 0
    assert len(shapes._shapes._entries) == 0
    params = {name: ",".join([value] * shapes._MAX_ITEMS)}
    sql_and_orm_paths(TradeFlowViewSet, api_client, LIST, params)
    assert len(shapes._shapes._entries) == 1


@pytest.mark.parametrize(
    "equal, different",
    [
        ({"year_min": "2020", "year_max": "2020"}, {"year_min": "2019", "year_max": "2021"}),
        ({"reporter": "japan", "partner": "japan"}, {"reporter": "kazakhstan", "partner": "japan"}),
    ],
)
def test_equal_values_are_their_own_shape(api_client, flows, equal, different):  # noqa: F811
    # Two filters given one value cannot say which is which in the SQL, so that shape is not kept; it is its own
    # shape, not the one of different values, which it left not kept for every later request (year_min=year_max).
    shapes.forget_shapes()
    assert not run(api_client, equal)[0].bound
    run(api_client, different)
    kept, kept_statements = run(api_client, different)
    assert kept.bound
    assert not run(api_client, equal)[0].bound
    with mock.patch.object(TradeFlowViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run(api_client, different)
    assert kept_statements == fresh_statements and kept.content == fresh.content
