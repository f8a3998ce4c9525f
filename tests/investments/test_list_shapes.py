"""The pledges list's kept shapes (apps.core.api.shapes), as tests/trade/test_list_shapes.py holds the trade list's: a
request whose shape came before runs the SQL kept from that one with its own values bound, byte for byte the
statement a fresh compile of its own queryset gives (text and parameters, with their types), and the answer a fresh
compile's and DRF's."""

from unittest import mock

import pytest

from apps.core.api import shapes
from apps.investments.api.views import PledgeViewSet
from apps.investments.filters import PledgeFilterSet
from tests.api.helpers import sql_and_orm_paths
from tests.investments.test_list_sql_path import edges  # noqa: F401  (the fixture)
from tests.trade.test_list_shapes import run

pytestmark = [pytest.mark.postgres_only, pytest.mark.usefixtures("seeded_once")]

LIST = "/api/v1/pledges/"

# Two values of one shape for each filter: the first request learns the shape, the second is bound into it. Values of
# the seed's and the edge rows' pledges (tests/investments/test_list_sql_path.py), each pair matching different rows.
SAMPLES = {
    "amount_max": ("3000000000", "2.5"),
    "amount_min": ("2.5", "4000000000"),
    "amount_qualifier": ("up_to", "about"),
    "amount_usd_max": ("900000000", "10050"),
    "amount_usd_min": ("10050", "900000000"),
    "amount_usd_qualifier": ("about", "exact"),
    "basis": ("inferred", "stated"),
    "cited": ("true", "false"),  # a boolean is the shape itself: two shapes
    "counts_in_totals": ("false", "true"),
    "created_since": ("2026-01-01T00:00:00Z", "2020-01-01T00:00:00.5Z"),
    "currency": ("eur", "JPY"),
    "disputed": ("true", "false"),
    "document": ("tokyo-initiative-ca-jad", "nosuch"),  # an unknown slug: the 400 after an empty page, on every path
    "donor": ("european-union", "edge-donor"),
    "instrument": (["investment_package", "grant"], ["grant", "export_credit"]),
    "modified_since": ("2026-01-01T00:00:00Z", "2020-01-01T00:00:00+05:00"),
    "official_source": ("true", "false"),
    "parent": ("eu-global-gateway-12bn-central-asia", "japan-3-trillion-yen-central-asia"),
    "period_end_max": ("2031-01-01", "2029-12-31"),
    "period_end_min": ("2030-01-01", "2031-01-01"),
    "period_end_precision": ("month", "unknown"),
    "period_start_max": ("2024-12-31", "2024-03-01"),
    "period_start_min": ("2024-03-01", "2025-01-01"),
    "period_start_precision": ("day", "year"),
    "period_years": ("5", "1"),
    "purpose": ("business-projects", "green-transformation"),
    "q": ("central asia", "kazakhstan"),
    "recipient": ("kazakhstan", "central-asia"),
    "slug": ("japan-3-trillion-yen-central-asia", "eu-global-gateway-12bn-transport"),
    "source": ("edge-ministry", "edge-repost"),
    "sources_min": ("2", "1"),
    "status": (["committed"], ["announced"]),
    "summit": ("eu-central-asia-1", "china-central-asia-1"),
    "usd_basis": ("converted", "stated_by_source"),
    "usd_rate": ("0.0067", "0.00670001"),
    "usd_rate_date": ("2025-12-19", "2025-12-20"),
    "usd_rate_date_max": ("2025-12-31", "2025-12-18"),
    "usd_rate_date_min": ("2025-12-01", "2025-12-20"),
    "usd_rate_source__icontains": ("japan", "bank"),
    "via_groupings": ("true", "false"),
    "year": ("2024", "2025"),
}
# Filters whose value is never bound into a kept statement: a method filter's own code may branch on it.
NOT_KEPT = {name for name, f in PledgeFilterSet.base_filters.items() if f.method is not None}
# Booleans: each value is a shape of its own.
TWO_SHAPES = {"cited", "counts_in_totals", "disputed", "official_source", "via_groupings"}
# Compiled to parameters that are not the values given (a year to its first and last days; a number the form reads
# as a Decimal to the column's integer; a text to a LIKE pattern): never kept, built for each request (shapes.learn
# refuses them).
BUILT_EACH_TIME = {"period_years", "usd_rate_source__icontains", "year"}


def test_every_filter_has_samples():
    assert set(SAMPLES) == set(PledgeFilterSet.base_filters)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("with_donor", [False, True])
def test_kept_shape_runs_the_fresh_compile(api_client, edges, name, with_donor):  # noqa: F811
    shapes.forget_shapes()
    extra = {"donor": "european-union"} if with_donor and name != "donor" else {}
    first, second = SAMPLES[name]
    run_list = lambda params: run(api_client, params, path=LIST)  # noqa: E731
    learned, _ = run_list({**extra, name: first, "page_size": 7})
    assert learned.status_code == 200
    params = {**extra, name: second, "page_size": 7}
    kept, kept_statements = run_list(params)
    with mock.patch.object(PledgeViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run_list(params)
    assert kept_statements == fresh_statements
    assert (kept.status_code, kept.content) == (fresh.status_code, fresh.content)
    sql_and_orm_paths(PledgeViewSet, api_client, LIST, params)  # and as DRF answers
    if kept.status_code == 200:
        # A value repeating another filter's is another shape (a slug given to two filters).
        repeats = second in extra.values()
        assert kept.bound == (name not in NOT_KEPT | TWO_SHAPES | BUILT_EACH_TIME and not repeats), name


@pytest.mark.parametrize("name", sorted(TWO_SHAPES))
@pytest.mark.parametrize("value", ["true", "false"])
def test_a_boolean_shape_is_kept(api_client, edges, name, value):  # noqa: F811
    # Each boolean value is a shape of its own, kept as any other: here beside a donor, whose slug is bound. The claims
    # filters among them (cited, disputed, official_source) read the citations of the pledges' content type, written
    # into the statement (apps.sources.corroboration.content_type_sql), not bound as a constant parameter.
    shapes.forget_shapes()
    run(api_client, {"donor": "edge-donor", name: value, "page_size": 7}, path=LIST)
    params = {"donor": "european-union", name: value, "page_size": 7}
    kept, kept_statements = run(api_client, params, path=LIST)
    with mock.patch.object(PledgeViewSet, "keeps_shapes", False):
        fresh, fresh_statements = run(api_client, params, path=LIST)
    # Not `cited`: Django's EXISTS selects a constant 1 bound as a parameter, which a kept shape never takes for a value.
    assert kept.status_code == 200 and kept.bound == (name != "cited")
    assert kept_statements == fresh_statements and kept.content == fresh.content
    sql_and_orm_paths(PledgeViewSet, api_client, LIST, params)


@pytest.mark.parametrize(
    "params",
    [
        {"donor": "european-union", "page": "last", "page_size": "4"},
        {"donor": "european-union", "count": "estimated"},
        {"donor": "european-union", "ordering": "-amount"},
        {"donor": "european-union", "ordering": "nosuch"},
        {"donor": "european-union", "page": "99"},
        {"donor": "european-union", "recipient": "central-asia", "status": "announced", "amount_min": "1"},
    ],
)
def test_pages_of_a_kept_shape_alike(api_client, edges, params):  # noqa: F811
    shapes.forget_shapes()
    run(api_client, {**params, "donor": "edge-donor"}, path=LIST)
    response, _ = run(api_client, params, path=LIST)
    assert response.bound == (params.get("ordering") != "nosuch")
    sql_and_orm_paths(PledgeViewSet, api_client, LIST, params)
