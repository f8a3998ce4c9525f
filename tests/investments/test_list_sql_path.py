"""The pledges list's SQL path (PostgreSQL counts the page and renders it: briefs, recipients, purposes, citations
and what backs each pledge nested) answers byte for byte as DRF's serializer does (apps.investments.api.page_json),
over every pledge of the seed and rows the seed does not hold, under every filter, ordering and page."""

import datetime
from decimal import Decimal

import pytest

from apps.core.models import DatePrecision
from apps.investments.api.views import PledgeViewSet
from apps.investments.filters import PledgeFilterSet
from apps.investments.models import AmountQualifier, Pledge, PledgeStatus, UsdBasis
from tests.api.helpers import sql_and_orm_paths, took_sql_path
from tests.factories import (
    CitationFactory,
    DocumentFactory,
    PledgeFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.usefixtures("seeded_once")]

LIST = "/api/v1/pledges/"


def both_paths(client, params=None, **headers):
    return sql_and_orm_paths(PledgeViewSet, client, LIST, params, **headers)


def pledge_edge_rows():
    """Pledges whose values the seed does not cover: amounts halfway between whole units (Python rounds them to
    the even one in a parent's name), no amount, each qualifier, a converted USD amount with its rate, partial
    dates at each precision, a parent, a summit and a document, recipients of one name, purposes, citations that
    dispute a field, quotes and line separators in the text."""
    donor = StateFactory(slug="edge-donor", name_en='O\'Brien "Bank" \\ Ёлка\u2028')
    twins = [StateFactory(name_en="Same Name"), StateFactory(name_en="Same Name")]
    topics = [TopicFactory(name_en="Zeta"), TopicFactory(name_en="Alpha")]
    summit = SummitFactory(date=datetime.date(2025, 12, 1), date_precision=DatePrecision.MONTH)
    document = DocumentFactory(title_en='The "Edge" Declaration')
    parents = []
    for n, (amount, qualifier) in enumerate(
        [
            ("2.50", AmountQualifier.UP_TO),
            ("3.50", AmountQualifier.ABOUT),
            ("1234567.49", AmountQualifier.AT_LEAST),
            ("0.00", AmountQualifier.EXACT),
            ("999999999999999999.50", AmountQualifier.EXACT),
            (None, AmountQualifier.EXACT),
        ]
    ):
        parents.append(
            PledgeFactory(
                donor=donor,
                amount=None if amount is None else Decimal(amount),
                currency="" if amount is None else "EUR",
                amount_qualifier=qualifier,
                amount_usd=None,
                usd_basis=UsdBasis.NONE,
                counts_in_totals=True,
                description_en=f"Edge {n}\twith\u2029a separator",
            )
        )
    starts = [
        (datetime.date(2024, 3, 9), DatePrecision.DAY),
        (datetime.date(2024, 3, 1), DatePrecision.MONTH),
        (datetime.date(2024, 1, 1), DatePrecision.YEAR),
        (None, DatePrecision.UNKNOWN),
    ]
    for n, parent in enumerate(parents):
        start, precision = starts[n % 4]
        child = PledgeFactory(
            donor=StateFactory(iso3=None),
            amount=Decimal("1500000.05"),
            currency="JPY",
            amount_usd=Decimal("10050.00"),
            usd_basis=UsdBasis.CONVERTED,
            usd_rate=Decimal("0.00670000"),
            usd_rate_date=datetime.date(2025, 12, 19),
            usd_rate_source="Bank of Japan",
            period_start=start,
            period_start_precision=precision,
            period_years=5 if n % 2 else None,
            period_end=datetime.date(2030, 12, 1) if start else None,
            period_end_precision=DatePrecision.MONTH if start else DatePrecision.UNKNOWN,
            status=PledgeStatus.COMMITTED,
            parent=parent,
            counts_in_totals=False,
            summit=summit if n % 2 else None,
            document=document if n % 3 == 0 else None,
        )
        child.recipients.add(*twins[: 1 + n % 2])
        child.purposes.add(*topics[: n % 3])
    cited = parents[0]
    ministry = SourceFactory(slug="edge-ministry", is_official=True, author="")
    repost = SourceFactory(slug="edge-repost", origin=SourceFactory(slug="edge-origin"))
    CitationFactory(fact=cited, source=ministry, field="amount", value="2.50", rank="preferred", paragraph=None)
    CitationFactory(fact=cited, source=repost, field="amount", value="3.00", rank="alternative", rank_reason="one")
    CitationFactory(fact=parents[1], source=repost, basis="inferred", inference='From the table\'s "total" row.')
    # Whole seconds: the API writes no fraction then.
    Pledge.objects.filter(pk=parents[2].pk).update(
        created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    return parents


@pytest.fixture
def edges(seeded):
    return pledge_edge_rows()


ORDERINGS = [
    None,
    *PledgeViewSet.ordering_fields,
    *(f"-{name}" for name in PledgeViewSet.ordering_fields),
    "period_start,-amount",
]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_every_pledge_alike_on_both_paths(api_client, edges, ordering):
    params = {"page_size": 500} | ({"ordering": ordering} if ordering else {})
    response = both_paths(api_client, params)
    assert took_sql_path(response)
    assert response.json()["count"] == Pledge.objects.count() == 24  # the seed's 12 and the edge rows


# A value of every filter of PledgeFilterSet that matches some of the seed's or the edge rows' pledges.
FILTER_SAMPLES = {
    "amount_max": "3000000000",
    "amount_min": "2.5",
    "amount_qualifier": "up_to",
    "amount_usd_max": "900000000",
    "amount_usd_min": "10050",
    "amount_usd_qualifier": "about",
    "basis": "inferred",
    "cited": "true",
    "counts_in_totals": "false",
    "created_since": "2026-01-01T00:00:00Z",
    "currency": "eur",
    "disputed": "true",
    "document": "tokyo-initiative-ca-jad",
    "donor": "european-union,edge-donor",
    "instrument": "investment_package",
    "modified_since": "2026-01-01T00:00:00Z",
    "official_source": "true",
    "parent": "eu-global-gateway-12bn-central-asia",
    "period_end_max": "2031-01-01",
    "period_end_min": "2030-01-01",
    "period_end_precision": "month",
    "period_start_max": "2024-12-31",
    "period_start_min": "2024-03-01",
    "period_start_precision": "day",
    "period_years": "5",
    "purpose": "business-projects",
    "q": "central asia",
    "recipient": "kazakhstan",
    "slug": "japan-3-trillion-yen-central-asia",
    "source": "edge-ministry",
    "sources_min": "2",
    "status": "committed",
    "summit": "eu-central-asia-1",
    "usd_basis": "converted",
    "usd_rate": "0.0067",
    "usd_rate_date": "2025-12-19",
    "usd_rate_date_max": "2025-12-31",
    "usd_rate_date_min": "2025-12-01",
    "usd_rate_source__icontains": "japan",
    "via_groupings": "true",
    "year": "2024",
}


def test_every_filter_has_a_sample():
    """A filter added to PledgeFilterSet is held to both paths here too."""
    assert set(FILTER_SAMPLES) == set(PledgeFilterSet.base_filters)


@pytest.mark.parametrize("name", sorted(FILTER_SAMPLES))
def test_each_filter_filters_alike_on_both_paths(api_client, edges, name):
    params = {name: FILTER_SAMPLES[name], "page_size": 500}
    if name == "via_groupings":
        params["recipient"] = "kazakhstan"  # the groupings of an actor filter's actor: central-asia's pledges too
    response = both_paths(api_client, params)
    assert response.status_code == 200
    assert took_sql_path(response)
    assert response.json()["count"] > 0, name


@pytest.mark.parametrize(
    "params",
    [
        {"donor": "european-union", "disputed": "true"},
        {"donor": "japan", "sources_min": "2", "ordering": "-amount"},
        {"donor": "edge-donor", "basis": "inferred"},
        {"recipient": "kazakhstan", "via_groupings": "true", "ordering": "id"},
        {"page": "2", "page_size": "5"},
        {"page": "2", "page_size": "5", "ordering": "-period_start"},
        {"page": "last", "page_size": "7"},
        {"page": "last", "page_size": "7", "ordering": "amount"},
        {"count": "estimated", "page_size": "3"},
        {"count": "estimated", "page": "last", "page_size": "4"},
        {"page": "99"},
        {"page": "0"},
        {"donor": "nobody"},
        {"donor": "kazakhstan"},  # a real actor that pledged nothing: count 0, empty page
        {"ordering": "bogus"},
        {"amount_min": "lots"},
    ],
)
def test_pages_orderings_and_errors_alike(api_client, edges, params):
    response = both_paths(api_client, params)
    assert took_sql_path(response) or response.status_code != 200


def test_indented_json_alike(api_client, edges):
    assert took_sql_path(both_paths(api_client, {"page_size": 3}, HTTP_ACCEPT="application/json; indent=4"))


def test_a_page_with_keys_after_its_results_is_spliced_not_parsed(api_client, edges, monkeypatch):
    """`matched_via_groupings` follows `results`: PostgreSQL's JSON goes into the answer as written, not parsed and
    written again by Python (apps.core.api.renderers.JSONRenderer), in the same bytes."""
    import types

    from apps.core.api import renderers

    def parsed(text):
        raise AssertionError("the page's JSON was parsed")

    monkeypatch.setattr(renderers, "json", types.SimpleNamespace(loads=parsed))
    response = both_paths(api_client, {"recipient": "kazakhstan", "via_groupings": "true"})
    assert took_sql_path(response)
    assert list(response.json())[-2:] == ["results", "matched_via_groupings"]


def test_a_page_is_one_statement(api_client, edges):
    response = both_paths(api_client, {"donor": "edge-donor", "disputed": "true"})
    assert len(response.queries) == 1, response.queries
    [pledge] = response.json()["results"]
    assert pledge["amount"] == "2.50" and pledge["disputed_fields"] == ["amount"]
    assert [c["source"]["slug"] for c in pledge["citations"]] == ["edge-ministry", "edge-repost"]


def test_a_parents_name_rounds_its_amount_as_python_does(api_client, edges):
    """Pledge.__str__ formats the amount with Python's rounding (half to even), in the parent's brief."""
    components = both_paths(api_client, {"counts_in_totals": "false", "page_size": 500}).json()["results"]
    names = {pledge["parent"]["name"] for pledge in components if pledge["parent"]["slug"].startswith("pledge-")}
    donor = 'O\'Brien "Bank" \\ Ёлка\u2028'
    assert {
        f"{donor}: up to 2 EUR",
        f"{donor}: about 4 EUR",
        f"{donor}: at least 1,234,567 EUR",
        f"{donor}: 0 EUR",
        f"{donor}: 1,000,000,000,000,000,000 EUR",
        f"{donor}: amount not stated",
    } == names


def test_exports_and_the_browsable_api_take_drfs_path(api_client, edges):
    from tests.api.helpers import csv_rows

    rows = csv_rows(api_client.get(LIST, {"format": "csv", "donor": "edge-donor"}))
    assert len(rows) == 6
    html = api_client.get(LIST, {"format": "api", "page_size": 2}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"<html" in html.content
