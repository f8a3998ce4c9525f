"""The summits list's kept shapes (apps.core.api.shapes), as tests/trade/test_list_shapes.py holds the trade list's: a
request whose shape came before runs the SQL kept from that one with its own values bound, byte for byte the
statement a fresh compile of its own queryset gives (text and parameters, with their types), and the answer a fresh
compile's and DRF's."""

from unittest import mock

import pytest

from apps.core.api import shapes
from apps.summits.api.views import SummitViewSet
from apps.summits.filters import SummitFilterSet
from tests.api.helpers import sql_and_orm_paths
from tests.summits.test_list_sql_path import summits  # noqa: F401  (the fixture)
from tests.trade.test_list_shapes import run

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

LIST = "/api/v1/summits/"

# Two values of one shape for each filter: the first request learns the shape, the second is bound into it.
SAMPLES = {
    "slug": ("summit-3", "summit-4"),
    "date_precision": ("month", "day"),
    "end_date__isnull": ("false", "true"),  # a boolean is the shape itself: two shapes
    "ordinal": ("3", "5"),
    "source": ("velizade", "anonymous"),
    "sources_min": ("2", "1"),
    "official_source": ("true", "false"),
    "disputed": ("true", "false"),
    "basis": ("inferred", "stated"),
    "cited": ("false", "true"),
    "via_groupings": ("true", "false"),
    "modified_since": ("2026-01-01T00:00:00Z", "2020-01-01T00:00:00+05:00"),
    "created_since": ("2026-01-01T00:00:00Z", "2020-01-01T00:00:00.5Z"),
    "q": ("summit", "astana"),
    "summit_format": ("central-asia-japan", "central-asia-china"),
    "partner": ("japan", "kazakhstan"),
    "region": ("central-asia", "japan"),
    "participant": ("kazakhstan", "japan"),
    "host": ("japan", "kazakhstan"),
    "level": ("heads_of_state", "ministers"),
    "status": (["held", "planned"], ["planned", "cancelled"]),
    "mode": (["virtual"], ["hybrid"]),
    "replaced_by": ("summit-3", "summit-5"),
    "year": ("2021", "2022"),
    "year_min": ("2021", "2020"),
    "year_max": ("2021", "2022"),
    "date_min": ("2021-01-01", "2020-06-30"),
    "date_max": ("2021-06-30", "2022-01-01"),
    "city": ("astana", "tokyo"),
}
# Filters whose value is never bound into a kept statement: a method filter's own code may branch on it.
NOT_KEPT = {name for name, f in SummitFilterSet.base_filters.items() if f.method is not None}
# Booleans: each value is a shape of its own.
TWO_SHAPES = {"end_date__isnull"}
# Compiled to parameters that are not the values given (a year to its first and last days; a number the form reads
# as a Decimal to the column's integer): never kept, built for each request (shapes.learn refuses them).
BUILT_EACH_TIME = {"ordinal", "year", "year_min", "year_max"}


def test_every_filter_has_samples():
    assert set(SAMPLES) == set(SummitFilterSet.base_filters)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("with_participant", [False, True])
def test_kept_shape_runs_the_fresh_compile(api_client, summits, name, with_participant):  # noqa: F811
    shapes.forget_shapes()
    extra = {"participant": "kazakhstan"} if with_participant and name != "participant" else {}
    first, second = SAMPLES[name]
    run_list = lambda params: run(api_client, params, path=LIST)  # noqa: E731
    learned, _ = run_list({**extra, name: first, "page_size": 7})
    assert learned.status_code in (200, 400)
    params = {**extra, name: second, "page_size": 7}
    kept, kept_statements = run_list(params)
    with mock.patch.object(SummitViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run_list(params)
    assert kept_statements == fresh_statements
    assert (kept.status_code, kept.content) == (fresh.status_code, fresh.content)
    sql_and_orm_paths(SummitViewSet, api_client, LIST, params)  # and as DRF answers
    if kept.status_code == 200:
        # A value repeating another filter's is another shape (host=kazakhstan beside participant=kazakhstan).
        repeats = second in extra.values()
        assert kept.bound == (name not in NOT_KEPT | TWO_SHAPES | BUILT_EACH_TIME and not repeats), name


@pytest.mark.parametrize(
    "params",
    [
        {"participant": "kazakhstan", "page": "last", "page_size": "4"},
        {"participant": "kazakhstan", "count": "estimated"},
        {"participant": "kazakhstan", "ordering": "-ordinal"},
        {"participant": "kazakhstan", "ordering": "nosuch"},
        {"participant": "kazakhstan", "page": "99"},
    ],
)
def test_pages_of_a_kept_shape_alike(api_client, summits, params):  # noqa: F811
    shapes.forget_shapes()
    run(api_client, {**params, "participant": "japan"}, path=LIST)
    sql_and_orm_paths(SummitViewSet, api_client, LIST, params)
