"""/api/v1/disagreements/ (issue 24): where sources differ, as data — each fact's field with its values, their
sources, ranks and reasons; filtered by fact type and field; paged; in the schema and CSV."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from tests.api.helpers import assert_status
from tests.factories import CitationFactory, PledgeFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/disagreements/"


@pytest.fixture
def disputes():
    wire, ministry, paper = SourceFactory(slug="jiji"), SourceFactory(slug="mofa", is_official=True), SourceFactory()
    repost = SourceFactory(slug="nippon", origin=wire)
    summit = SummitFactory(slug="eu-central-asia-1", date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4))
    CitationFactory(fact=summit, source=ministry, field="date", value="2025-04-03/2025-04-04", rank="preferred")
    CitationFactory(
        fact=summit,
        source=paper,
        field="date",
        value="2025-04-04",
        rank="alternative",
        rank_reason="one article; the ministry gives both days",
    )
    CitationFactory(fact=summit, source=paper, field="city_en", value=summit.city_en, rank="preferred")
    pledge = PledgeFactory(
        slug="tokyo-pledge", amount=Decimal("3000000000000"), currency="JPY", amount_usd=Decimal("20000000000")
    )
    CitationFactory(fact=pledge, source=paper, field="amount_usd", value="20000000000.00", rank="preferred")
    CitationFactory(fact=pledge, source=wire, field="amount_usd", value="19000000000.00", rank="alternative")
    CitationFactory(fact=pledge, source=repost, field="amount_usd", value="19000000000.00", rank="alternative")
    return summit, pledge


def test_each_disputed_field_with_its_values_and_sources(api_client, disputes):
    body = api_client.get(URL).json()
    assert body["count"] == 2  # city_en has one value only
    summit_row, pledge_row = body["results"][1], body["results"][0]  # by fact type: investments before summits
    assert (summit_row["fact_slug"], summit_row["field"], summit_row["column_value"]) == (
        "eu-central-asia-1",
        "date",
        "2025-04-03/2025-04-04",
    )
    assert [(v["value"], v["rank"]) for v in summit_row["values"]] == [
        ("2025-04-03/2025-04-04", "preferred"),
        ("2025-04-04", "alternative"),
    ]
    assert summit_row["values"][0]["claims"][0]["source"] == "mofa" and summit_row["values"][0]["official_sources"] == 1
    assert summit_row["values"][1]["claims"][0]["rank_reason"].startswith("one article")
    # The wire and its repost are one origin: 1 against 1, no official source — the rule leaves it to the analyst.
    usd = {v["value"]: v for v in pledge_row["values"]}
    assert usd["19000000000.00"]["independent_origins"] == 1 and len(usd["19000000000.00"]["claims"]) == 2
    assert usd["19000000000.00"]["claims"][1]["origin"] == "jiji"
    assert pledge_row["rule_prefers"] is None


def test_filtered_by_fact_type_and_field_and_paged(api_client, disputes):
    assert [r["field"] for r in api_client.get(URL, {"fact_type": "investments.pledge"}).json()["results"]] == [
        "amount_usd"
    ]
    assert [r["fact_type"] for r in api_client.get(URL, {"field": "date"}).json()["results"]] == ["summits.summit"]
    page = api_client.get(URL, {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and len(page["results"]) == 1
    for bad in ({"fact_type": "summits.nothing"}, {"colour": "red"}):
        assert_status(api_client.get(URL, bad), 400)


def test_disagreements_in_csv_one_row_per_value(api_client, disputes):
    response = api_client.get(URL, {"format": "csv"})
    assert_status(response, 200)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["fact_slug"], r["field"], r["value"], r["sources"]) for r in rows] == [
        ("tokyo-pledge", "amount_usd", "20000000000.00", rows[0]["sources"]),
        ("tokyo-pledge", "amount_usd", "19000000000.00", "jiji;nippon"),
        ("eu-central-asia-1", "date", "2025-04-03/2025-04-04", "mofa"),
        ("eu-central-asia-1", "date", "2025-04-04", rows[3]["sources"]),
    ]


def test_in_the_schema(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content)
    assert "/api/v1/disagreements/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/disagreements/"]["get"]["parameters"]}
    assert {"fact_type", "field", "page", "page_size"} <= parameters
