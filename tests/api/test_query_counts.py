"""Query baselines of the requests the benchmark measures: a fixed number whatever the data size."""

import datetime

import pytest

from tests.api.helpers import assert_status
from tests.factories import (
    CitationFactory,
    PersonFactory,
    PledgeFactory,
    StateFactory,
    SummitFactory,
    SummitParticipantFactory,
    TradeFlowFactory,
)


@pytest.fixture
def data():
    japan, kazakhstan = StateFactory(slug="japan"), StateFactory(slug="kazakhstan")
    for year in range(2000, 2020):
        TradeFlowFactory(reporter=japan, partner=kazakhstan, year=year)
        TradeFlowFactory(reporter=kazakhstan, partner=japan, year=year, flow="M")
        summit = SummitFactory(date=datetime.date(year, 5, 1))
        SummitParticipantFactory(summit=summit, actor=kazakhstan, represented_by=PersonFactory())
        SummitParticipantFactory(summit=summit)
        CitationFactory(fact=summit)
        CitationFactory(fact=PledgeFactory(donor=japan))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, params, max_queries",
    [
        ("/api/v1/trade-flows/", {"reporter": "japan", "page_size": 5}, 2),
        ("/api/v1/trade-flows/", {"reporter": "japan", "page_size": 20}, 2),
        ("/api/v1/summits/", {"participant": "kazakhstan", "page_size": 5}, 4),
        ("/api/v1/summits/", {"participant": "kazakhstan", "page_size": 20}, 4),
        ("/api/v1/trade-flows/summary/", {"group_by": "partner,year"}, 1),
        ("/api/v1/pledges/summary/", {"group_by": "donor"}, 1),
        # The pledges list of bench/, bare and under each claims filter (issue 24): page, recipients, purposes,
        # citations, whatever the filter.
        ("/api/v1/pledges/", {"donor": "japan"}, 4),
        ("/api/v1/pledges/", {"donor": "japan", "disputed": "false"}, 4),
        ("/api/v1/pledges/", {"donor": "japan", "sources_min": 1}, 4),
        ("/api/v1/pledges/", {"donor": "japan", "basis": "stated"}, 4),
        (
            "/api/v1/summits/scoreboard/",
            {"date_after": "2005-01-01"},
            3,
        ),  # counts per partner, cities, documents adopted
        ("/api/v1/trade-flows/mirror/", {"reporter": "japan", "partner": "kazakhstan"}, 3),
    ],
)
def test_benchmarked_requests_use_few_queries(
    api_client, data, django_assert_max_num_queries, path, params, max_queries
):
    api_client.get(path, params)  # warm the content-type cache
    with django_assert_max_num_queries(max_queries):
        response = api_client.get(path, params)
    assert_status(response, 200)
    body = response.json()
    assert body["count"] == 20 if isinstance(body, dict) else len(body) > 0
