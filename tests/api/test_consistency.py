"""API consistency found by trying it (issue 11): repeated parameters, aggregates' parameters, NULL
ordering and total orders, JSON 404s under /api/, an unencoded '+' in a datetime."""

from decimal import Decimal

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import assert_status
from tests.factories import (
    PledgeFactory,
    ResourceInterestFactory,
    StateFactory,
    StrategicResourceFactory,
    TradeFlowFactory,
)

pytestmark = pytest.mark.django_db

FLOWS = "/api/v1/trade-flows/"
# Each aggregate with its required parameters and a field its resource's list may order by.
AGGREGATES = {
    "/api/v1/trade-flows/summary/": ({"group_by": "partner"}, "year"),
    "/api/v1/pledges/summary/": ({"group_by": "donor"}, "-amount_usd"),
    "/api/v1/summits/scoreboard/": ({}, "date"),
}


@pytest.fixture
def flows():
    japan, china, kazakhstan = StateFactory(slug="japan"), StateFactory(slug="china"), StateFactory(slug="kazakhstan")
    for partner in (japan, china):
        TradeFlowFactory(reporter=kazakhstan, partner=partner, year=2022, flow="X")
        TradeFlowFactory(reporter=kazakhstan, partner=partner, year=2023, flow="M")


# partner, reporter and ordering are lists (repeated or comma-separated): tests/api/test_several_values.py.
@pytest.mark.parametrize(
    "query, name",
    [
        ("commodity=TOTAL&commodity=2612", "commodity"),
        ("year=2022&year=2023", "year"),
        ("page_size=1&page_size=2", "page_size"),
    ],
)
def test_a_repeated_single_valued_parameter_is_a_400_naming_it(api_client, flows, query, name):
    response = api_client.get(f"{FLOWS}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name] and "one value" in response.json()[name]


def test_a_repeated_multiple_choice_parameter_is_an_or(api_client, flows):
    response = api_client.get(f"{FLOWS}?flow=X&flow=M")
    assert response.status_code == 200 and response.json()["count"] == 4


def test_group_by_repeated_is_the_comma_separated_list(api_client, flows):
    # Generated clients send a list as a repeated parameter (the schema says form, explode).
    repeated = api_client.get("/api/v1/trade-flows/summary/?group_by=partner&group_by=year")
    assert repeated.status_code == 200
    assert repeated.json() == api_client.get("/api/v1/trade-flows/summary/?group_by=partner,year").json()
    response = api_client.get("/api/v1/trade-flows/summary/?group_by=partner&group_by=partner")
    assert response.status_code == 400 and list(response.json()) == ["group_by"]  # a key given twice


@pytest.mark.parametrize("path", sorted(AGGREGATES))
@pytest.mark.parametrize("param", ["ordering", "page", "page_size"])
def test_aggregates_refuse_paging_and_ordering(api_client, flows, path, param):
    required, ordering = AGGREGATES[path]
    response = api_client.get(path, {**required, param: {"ordering": ordering, "page": "1", "page_size": "10"}[param]})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [param]


def test_the_schema_says_aggregates_neither_page_nor_order(api_client):
    schema = yaml.safe_load(api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content)
    for path in AGGREGATES:
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert not names & {"ordering", "page", "page_size"}, path
    names = {p["name"] for p in schema["paths"][FLOWS]["get"]["parameters"]}
    assert {"ordering", "page", "page_size"} <= names


@pytest.mark.parametrize("ordering", [None, "amount_usd", "-amount_usd"])
def test_rows_without_a_value_sort_last_either_way_on_every_database(api_client, ordering):
    # The pledges' default ordering is -amount_usd: PostgreSQL put NULLs first there, SQLite last.
    without = PledgeFactory(amount_usd=None, usd_basis="none")
    PledgeFactory(amount_usd=Decimal("10.00"))
    PledgeFactory(amount_usd=Decimal("20.00"))
    response = api_client.get("/api/v1/pledges/", {"ordering": ordering} if ordering else {})
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids[-1] == without.id


def test_a_default_ordering_that_is_not_unique_is_made_total_by_the_id(api_client):
    # Resource interests are ordered by resource and actor name: several kinds tie.
    resource, actor = StrategicResourceFactory(), StateFactory()
    for kind in ("seeks_supply", "concerned"):
        ResourceInterestFactory(resource=resource, actor=actor, kind=kind)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/resource-interests/")
    assert response.status_code == 200
    page_sql = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
    order_by = page_sql.rsplit("ORDER BY", 1)[1]
    assert '"geoeconomics_resourceinterest"."id" ASC' in order_by, order_by


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-resource/", "/api/nothing/", "/api/v1/summits/a/b/c/"])
def test_an_unknown_path_under_api_is_a_json_404(api_client, settings, path, debug):
    settings.DEBUG = debug  # as `scripts/run.sh` serves it: Django's HTML 404 page ignores handler404 then
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert response.json() == {"detail": "Not found."}


def test_a_list_without_its_slash_still_redirects(api_client):
    response = api_client.get("/api/v1/summits")
    assert response.status_code == 301 and response["Location"].endswith("/api/v1/summits/")


def test_an_unencoded_plus_in_a_datetime_says_to_send_2b(api_client, flows):
    # `+05:00` in a URL arrives as ' 05:00': the client forgot to percent-encode the '+'.
    response = api_client.get(f"{FLOWS}?modified_since=2025-01-01T00:00:00+05:00")
    assert response.status_code == 400
    assert "%2B" in str(response.json()["modified_since"])
    encoded = api_client.get(f"{FLOWS}?modified_since=2025-01-01T00:00:00%2B05:00")
    assert encoded.status_code == 200 and encoded.json()["count"] == 4


def test_every_model_serializer_names_its_fields():
    # `fields = "__all__"` would publish any column a migration adds, unreviewed.
    import importlib

    from django.apps import apps
    from rest_framework import serializers

    for app in apps.get_app_configs():
        if app.name.startswith("apps."):
            try:
                importlib.import_module(f"{app.name}.api.serializers")
            except ModuleNotFoundError:
                continue
    found = []
    pending = [serializers.ModelSerializer]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("apps.") and hasattr(cls, "Meta"):
            found.append(cls)
            assert isinstance(cls.Meta.fields, (list, tuple)), cls
    assert len(found) >= 20


def test_a_write_to_an_unknown_api_path_is_a_json_404_not_a_csrf_403(editor):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)  # a session cookie: Django's CSRF check applies to ordinary views
    response = client.put("/api/v1/trade-flows/not-an-id/", {"year": 2020}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("body", [{"city_enn": "x"}, {"summit_format": "central-asia-plus-japan"}])
def test_an_unknown_field_in_a_body_is_a_400_naming_it(editor_client, body):
    """The fresh-eyes review: PATCH with a misspelt field answered 200 and ignored it."""
    from tests.factories import SummitFactory

    summit = SummitFactory()
    response = editor_client.patch(f"/api/v1/summits/{summit.slug}/", body, format="json")
    assert_status(response, 400)
    assert list(response.json()) == list(body)


def test_a_get_body_sent_back_as_put_is_accepted(editor_client):
    from tests.factories import SummitFactory

    summit = SummitFactory()
    body = editor_client.get(f"/api/v1/summits/{summit.slug}/").json()
    assert_status(editor_client.put(f"/api/v1/summits/{summit.slug}/", body, format="json"), 200)


def test_a_browsable_api_form_post_is_not_refused_for_its_csrf_token(editor_client):
    """The unknown-field rule must not refuse what an HTML form posts besides the fields."""
    from tests.factories import SummitFactory

    summit = SummitFactory()
    response = editor_client.patch(
        f"/api/v1/summits/{summit.slug}/", {"city_en": "Tokyo", "csrfmiddlewaretoken": "x"}, format="multipart"
    )
    assert_status(response, 200)
    assert response.json()["city_en"] == "Tokyo"
