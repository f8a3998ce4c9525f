"""Odd input in the admin's search, autocomplete and date hierarchy is never a 500 (issue 26), on both databases."""

import pytest
from django.test import Client

from tests.factories import ActorFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def test_a_nul_byte_in_an_autocomplete_search(admin_client):
    ActorFactory(slug="kazakhstan", name_en="Kazakhstan")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "summits", "model_name": "summitparticipant", "field_name": "actor", "term": "Kaz\x00akh"},
    )
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/summits/summit/",
        "/admin/actors/actor/",
        "/admin/core/changeevent/",
        "/admin/summits/topic/",
        "/admin/trade/tradeflow/",
    ],
)
def test_a_nul_byte_in_a_change_list_search(admin_client, path):
    assert admin_client.get(path, {"q": "a\x00b"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"date__year": "99999999999999999999"},
        {"date__year": "2020", "date__month": "99999999999999999999"},
        {"date__year": "2020", "date__month": "1", "date__day": "99999999999999999999"},
    ],
)
def test_a_huge_year_in_the_date_hierarchy_is_a_wrong_parameter(admin_client, params):
    SummitFactory()
    response = admin_client.get("/admin/summits/summit/", params)
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].endswith("?e=1")
