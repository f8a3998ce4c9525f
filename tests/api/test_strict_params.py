"""Strict means strict: a query parameter the API cannot honour exactly is a 400 naming it, never a 500 and
never "ignored, here is every row" (issue 16's probes)."""

import pytest

from apps.core.api.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS
from apps.core.api.pagination import MAX_PAGE_OFFSET
from catrack.urls import router
from tests.api.helpers import assert_status
from tests.factories import PledgeFactory, StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db

LISTS = [prefix for prefix, viewset, _basename in router.registry if getattr(viewset, "ordering_fields", None)]


def assert_400_naming(response, param):
    assert_status(response, 400)
    assert param in response.json(), response.json()


@pytest.mark.parametrize("prefix", LISTS)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_doubled_minus_in_ordering_is_a_400_on_every_list_and_export(api_client, prefix, fmt):
    viewset = next(v for p, v, _b in router.registry if p == prefix)
    field = viewset.ordering_fields[0]
    response = api_client.get(f"/api/v1/{prefix}/", {"ordering": f"--{field}", "format": fmt})
    assert_status(response, 400)
    assert "ordering" in response.content.decode()


@pytest.mark.parametrize("ordering", ["year,-year", "-year,year", "value_usd,year,value_usd"])
def test_a_field_ordered_twice_is_a_400(api_client, ordering):
    assert_400_naming(api_client.get("/api/v1/trade-flows/", {"ordering": ordering}), "ordering")


def test_summaries_and_scoreboard_refuse_a_bad_ordering(api_client):
    for url, params in [
        ("/api/v1/trade-flows/summary/", {"group_by": "year"}),
        ("/api/v1/pledges/summary/", {"group_by": "donor"}),
        ("/api/v1/summits/scoreboard/", {}),
    ]:
        assert api_client.get(url, params).status_code == 200, url
        response = api_client.get(url, {**params, "ordering": "--year"})
        assert response.status_code == 400, (url, response.content[:300])
        assert "ordering" in response.json(), response.json()


@pytest.mark.parametrize("prefix, param", [("trade-flows", "annual"), ("pledges", "counts_in_totals")])
@pytest.mark.parametrize("value", ["maybe", "yes please", "2"])
def test_a_boolean_that_is_neither_true_nor_false_is_a_400(api_client, prefix, param, value):
    TradeFlowFactory()
    PledgeFactory()
    assert_400_naming(api_client.get(f"/api/v1/{prefix}/", {param: value}), param)


@pytest.mark.parametrize("value, expected", [("true", 1), ("false", 1), ("1", 1), ("0", 1)])
def test_booleans_still_filter(api_client, value, expected):
    TradeFlowFactory(month=None)
    TradeFlowFactory(month=5)
    body = api_client.get("/api/v1/trade-flows/", {"annual": value}).json()
    assert body["count"] == expected


@pytest.mark.parametrize("value", ["\n", " ", "japan\n", "ja pan", "%", "japan;"])
def test_a_slug_with_characters_no_slug_has_is_a_400(api_client, value):
    StateFactory(slug="japan")
    TradeFlowFactory()
    assert_400_naming(api_client.get("/api/v1/trade-flows/", {"reporter": value}), "reporter")


@pytest.mark.parametrize("value", ["２", "1_0", " 1", "1.0", "+1", "٣"])
def test_a_page_number_is_ascii_digits_only(api_client, value):
    assert_400_naming(api_client.get("/api/v1/actors/", {"page": value}), "page")


@pytest.mark.parametrize("value", ["５０", "1_0"])
def test_a_page_size_is_ascii_digits_only(api_client, value):
    assert_400_naming(api_client.get("/api/v1/actors/", {"page_size": value}), "page_size")


@pytest.mark.parametrize("prefix", ["actors", "trade-flows", "summits"])
def test_a_page_deeper_than_the_cap_is_a_400_pointing_to_modified_since(api_client, prefix):
    deepest = MAX_PAGE_OFFSET // 50 + 1  # starts exactly at the cap: still served (404 past the end)
    assert api_client.get(f"/api/v1/{prefix}/", {"page": deepest}).status_code == 404
    for page, size in [(deepest + 1, None), (13001, None), (MAX_PAGE_OFFSET // 500 + 2, 500)]:
        params = {"page": page, **({"page_size": size} if size else {})}
        response = api_client.get(f"/api/v1/{prefix}/", params)
        assert_400_naming(response, "page")
        assert "modified_since" in response.json()["page"]


def test_search_text_is_bounded_in_length_and_words(api_client):
    assert api_client.get("/api/v1/summits/", {"q": "a" * SEARCH_MAX_LENGTH}).status_code == 200
    assert_400_naming(api_client.get("/api/v1/summits/", {"q": "a" * (SEARCH_MAX_LENGTH + 1)}), "q")
    words = " ".join(["tokyo"] * SEARCH_MAX_WORDS)
    assert api_client.get("/api/v1/summits/", {"q": words}).status_code == 200
    assert_400_naming(api_client.get("/api/v1/summits/", {"q": words + " x"}), "q")
    assert_400_naming(api_client.get("/api/v1/summits/", {"q": " ".join(["w"] * 10_000)}), "q")


@pytest.mark.parametrize("prefix", ["actors", "trade-flows", "summits", "documents"])
def test_page_zero_is_a_400_naming_page(api_client, prefix):
    # Before: 404 {"detail": "Invalid page."}, as for a page past the end.
    assert_400_naming(api_client.get(f"/api/v1/{prefix}/", {"page": "0"}), "page")
    assert_400_naming(api_client.get(f"/api/v1/{prefix}/", {"page": "000"}), "page")


@pytest.mark.parametrize("prefix", ["actors", "trade-flows", "summits", "documents"])
def test_a_page_past_the_end_is_a_json_404_saying_where_the_list_ends(api_client, prefix):
    TradeFlowFactory()  # an actor or two and a flow; summits and documents stay empty
    count = api_client.get(f"/api/v1/{prefix}/").json()["count"]
    response = api_client.get(f"/api/v1/{prefix}/", {"page": "7", "page_size": "2"})
    assert_status(response, 404)
    assert response["Content-Type"] == "application/json"
    pages = max(1, -(-count // 2))
    assert response.json() == {
        "detail": f"Page 7 is past the end of the list: {count} matching rows, {pages} "
        f"page{'' if pages == 1 else 's'} of 2; page=last is the last page."
    }


@pytest.mark.parametrize(
    "path, param, value, listed",
    [
        ("/api/v1/trade-flows/", "flow", "Z", "choose X, M, RX or RM."),  # a multiple choice
        ("/api/v1/trade-statements/", "level", "x", "choose "),  # a single choice
        ("/api/v1/actors/", "kind", "planet", "state"),
    ],
)
def test_a_value_outside_the_choices_is_a_400_that_lists_them(api_client, path, param, value, listed):
    response = api_client.get(path, {param: value})
    assert_400_naming(response, param)
    message = response.json()[param][0]
    assert message.startswith(f"'{value}' is not a choice here;") and listed in message, message
