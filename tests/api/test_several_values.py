"""Every multi-value parameter takes the repeated form (as generated clients send a list) and the
comma form alike: actors (partner, reporter, donor, recipient, participant, signatory), choices (kind,
flow, status…), `ordering`, `group_by` and the search's `kind`."""

from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def three_partners(db):
    reporter = factories.StateFactory(slug="rep")
    partners = [factories.StateFactory(slug=slug) for slug in ("pa", "pb", "pc")]
    for year, partner in enumerate(partners, start=2020):
        factories.TradeFlowFactory(reporter=reporter, partner=partner, year=year, flow="X", value_usd=Decimal(10))
    return reporter, partners


def ids(response):
    assert response.status_code == 200, response.content[:300]
    return sorted(row["id"] for row in response.json()["results"])


def test_several_partners_repeated_or_comma_separated(client, three_partners):
    repeated = ids(client.get("/api/v1/trade-flows/?partner=pa&partner=pb"))
    comma = ids(client.get("/api/v1/trade-flows/?partner=pa,pb"))
    assert repeated == comma and len(repeated) == 2
    assert len(ids(client.get("/api/v1/trade-flows/?reporter=rep&partner=pa,pb,pc"))) == 3
    # CSV of the same rows
    csv = b"".join(client.get("/api/v1/trade-flows/?partner=pa,pb&format=csv").streaming_content).decode()
    assert len(csv.strip().splitlines()) == 3


def test_an_unknown_slug_among_several_is_a_400_naming_it(client, three_partners):
    response = client.get("/api/v1/trade-flows/?partner=pa,nobody")
    assert response.status_code == 400
    assert "nobody" in str(response.json()["partner"])


def test_several_donors_participants_and_signatories(client, db):
    donors = [factories.StateFactory(slug=slug) for slug in ("d1", "d2", "d3")]
    for donor in donors:
        factories.PledgeFactory(donor=donor)
    assert len(ids(client.get("/api/v1/pledges/?donor=d1&donor=d2"))) == 2
    assert len(ids(client.get("/api/v1/pledges/?donor=d1,d3"))) == 2
    summits = [factories.SummitFactory() for _ in range(3)]
    for summit, slug in zip(summits, ("s1", "s2", "s3")):
        factories.SummitParticipantFactory(summit=summit, actor=factories.StateFactory(slug=slug))
    response = client.get("/api/v1/summits/?participant=s1,s2")
    assert response.status_code == 200 and response.json()["count"] == 2


def test_choices_ordering_and_group_by_repeated_or_comma(client, three_partners):
    assert ids(client.get("/api/v1/trade-flows/?flow=X,M")) == ids(client.get("/api/v1/trade-flows/?flow=X&flow=M"))
    comma = client.get("/api/v1/trade-flows/?ordering=-year,id").json()["results"]
    repeated = client.get("/api/v1/trade-flows/?ordering=-year&ordering=id").json()["results"]
    assert [row["id"] for row in comma] == [row["id"] for row in repeated]
    assert [row["year"] for row in comma] == [2022, 2021, 2020]
    factories.PledgeFactory()
    comma = client.get("/api/v1/pledges/summary/?group_by=donor,currency")
    repeated = client.get("/api/v1/pledges/summary/?group_by=donor&group_by=currency")
    assert comma.status_code == repeated.status_code == 200 and comma.json() == repeated.json()


def test_search_kinds_repeated_or_comma(client, db):
    factories.StateFactory(slug="searchable", name_en="Searchable land")
    comma = client.get("/api/v1/search/?q=Searchable&kind=actor,summit")
    repeated = client.get("/api/v1/search/?q=Searchable&kind=actor&kind=summit")
    assert comma.status_code == 200 and comma.json() == repeated.json()


def test_the_page_takes_several_values_too(client, three_partners):
    page = client.get("/trade/?partner=pa,pb").content.decode()
    assert page.count("<tr><td>20") == 2


def test_a_row_matching_two_slugs_comes_once(client, db):
    summit = factories.SummitFactory()
    for slug in ("t1", "t2"):
        factories.SummitParticipantFactory(summit=summit, actor=factories.StateFactory(slug=slug))
    response = client.get("/api/v1/summits/?participant=t1,t2")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("flows", [["X", "M"], ["M", "X"], ["RM", "X", "RX", "M"]])
def test_several_choices_are_ored_in_the_order_given(db, flows):
    # django-filter ORed set(values), in an order that string hashing decides anew in each process: one request
    # compiled to two SQL texts across workers (and a kept shape could not bind it, apps.core.api.shapes).
    from django.http import QueryDict

    from apps.trade.filters import TradeFlowFilterSet
    from apps.trade.models import TradeFlow

    data = QueryDict(mutable=True)
    data.setlist("flow", [*flows, flows[0]])  # a repeated value counts once
    filterset = TradeFlowFilterSet(data, queryset=TradeFlow.objects.all(), only_given=True)
    assert filterset.is_valid()
    _, params = filterset.qs.query.sql_with_params()
    assert list(params) == flows
