"""`page=last` reads only the last page, from the end of the list, never every row before it.

OFFSET reads and throws away the rows it skips: page=last of 648k trade flows read them all (issue 26). The
last page is read in the reverse of the list's total order, so no statement of a page=last request has an
OFFSET, and the page is the same rows, in the same order, as that page asked for by its number. Every
paginator: Django's (actors, search), the window-count one (pledges, trade flows on SQLite) and the page
PostgreSQL renders (summits, trade flows).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import assert_status
from tests.factories import PledgeFactory, StateFactory, SummitFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db


def make_actors():
    for n in range(7):
        StateFactory(name_en=f"Zebra state {n}")


def make_pledges():
    for _ in range(7):
        PledgeFactory()


def make_trade_flows():
    reporter, partner = StateFactory(), StateFactory()
    for n in range(7):
        # Months with empty ones among them: `ordering=month` puts them last, and from the end they come first.
        TradeFlowFactory(reporter=reporter, partner=partner, year=2010 + n, month=None if n % 3 else n + 1)


def make_summits():
    for _ in range(7):
        SummitFactory()


CASES = [
    ("/api/v1/actors/", make_actors, {}),
    ("/api/v1/actors/", make_actors, {"ordering": "-name_en"}),
    ("/api/v1/search/", make_actors, {"q": "zebra"}),
    ("/api/v1/pledges/", make_pledges, {}),
    ("/api/v1/trade-flows/", make_trade_flows, {}),
    ("/api/v1/trade-flows/", make_trade_flows, {"ordering": "month"}),
    ("/api/v1/trade-flows/", make_trade_flows, {"ordering": "-month,year"}),
    ("/api/v1/summits/", make_summits, {}),
]


@pytest.mark.parametrize(("path", "make", "params"), CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_last_page_is_read_from_the_end(api_client, path, make, params):
    make()
    by_number = api_client.get(path, {**params, "page_size": 3, "page": 3})
    assert_status(by_number, 200)
    assert by_number.json()["count"] == 7
    with CaptureQueriesContext(connection) as queries:
        last = api_client.get(path, {**params, "page_size": 3, "page": "last"})
    assert_status(last, 200)
    assert last.json() | {"previous": None} == by_number.json() | {"previous": None}
    assert len(last.json()["results"]) == 1
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "OFFSET" in sql.upper()], statements


@pytest.mark.parametrize("path", ["/api/v1/actors/", "/api/v1/pledges/", "/api/v1/summits/"])
def test_last_page_of_a_whole_page_and_of_nothing(api_client, path):
    assert api_client.get(path, {"page": "last"}).json()["results"] == []
    for _ in range(6):
        {"/api/v1/actors/": StateFactory, "/api/v1/pledges/": PledgeFactory, "/api/v1/summits/": SummitFactory}[path]()
    count = api_client.get(path).json()["count"]  # pledges also make their donors
    pages = -(-count // 3)
    last = api_client.get(path, {"page_size": 3, "page": "last"}).json()
    assert last["results"] == api_client.get(path, {"page_size": 3, "page": pages}).json()["results"]
    assert last["next"] is None
