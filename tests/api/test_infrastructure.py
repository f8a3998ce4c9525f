"""The API as a whole: root, browsable API, schema and docs, strictness, search, conflicts."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from catrack.urls import router
from tests.api.helpers import assert_status
from tests.factories import (
    CitationFactory,
    PersonFactory,
    PledgeFactory,
    StateFactory,
    SummitFactory,
    SummitParticipantFactory,
)

RESOURCES = [prefix for prefix, _viewset, _basename in router.registry]


@pytest.mark.django_db
def test_root_lists_every_resource(api_client):
    body = api_client.get("/api/v1/").json()
    assert set(RESOURCES) <= set(body)
    assert {"actors", "summits", "pledges", "trade-flows", "documents", "citations", "corridors"} <= set(body)


@pytest.mark.django_db
def test_root_lists_every_endpoint_of_the_schema_with_a_working_link(api_client):
    """Before, the root left out search and the aggregates (trade-flows/summary, pledges/summary, …)."""
    from drf_spectacular.generators import SchemaGenerator

    body = api_client.get("/api/v1/").json()
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    # The lists' `<resource>.csv` operations are their format suffix (apps.core.api.schema.csv_export_operations).
    endpoints = {
        f"http://testserver{path}"
        for path, operations in paths.items()
        if "get" in operations and "{" not in path and path.startswith("/api/v1/") and not path.endswith(".csv")
    }
    assert any(path.endswith("/summits.csv") for path in paths)
    assert endpoints == set(body.values())
    assert {
        "search",
        "changes",
        "trade-flows/summary",
        "trade-flows/mirror",
        "pledges/summary",
        "summits/scoreboard",
    } <= set(body)
    for name, url in body.items():
        # mirror needs a reporter and a partner; search needs q: a 400 naming them, not a 404
        assert api_client.get(url).status_code in (200, 400), name


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", RESOURCES)
def test_browsable_api_renders_each_list(api_client, prefix):
    SummitParticipantFactory()
    response = api_client.get(f"/api/v1/{prefix}/", HTTP_ACCEPT="text/html")
    assert_status(response, 200)
    assert b"<html" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", RESOURCES)
def test_browsable_api_renders_forms_for_an_editor(editor_client, prefix):
    """An editor sees the write forms too, with related rows offered by slug."""
    SummitParticipantFactory()
    PledgeFactory()
    CitationFactory()
    response = editor_client.get(f"/api/v1/{prefix}/", HTTP_ACCEPT="text/html")
    assert_status(response, 200)
    assert b"<form" in response.content


@pytest.mark.django_db
def test_browsable_api_detail_for_an_editor(editor_client):
    summit = SummitFactory()
    response = editor_client.get(f"/api/v1/summits/{summit.slug}/", HTTP_ACCEPT="text/html")
    assert_status(response, 200)
    assert f'value="{summit.format.slug}"'.encode() in response.content


@pytest.mark.django_db
def test_schema_and_docs(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert_status(response, 200)
    schema = yaml.safe_load(response.content)
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/trade-flows/"]["get"]["parameters"]}
    assert params["year_min"]["type"] == "integer"
    # Several reporters: a list of slugs (repeated or comma-separated)
    assert params["reporter"]["type"] == "array" and params["reporter"]["items"]["type"] == "string"
    assert params["modified_since"]["format"] == "date-time"
    assert params["page_size"]["type"] == "integer"
    assert "/api/v1/pledges/{id}/history/" in schema["paths"]
    assert "/api/v1/pledges/summary/" in schema["paths"]
    assert_status(api_client.get("/api/docs/"), 200)


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


@pytest.mark.django_db
def test_unknown_output_format_is_400(api_client):
    response = api_client.get("/api/v1/actors/", {"format": "xml"})
    assert_status(response, 400)
    assert "format" in response.json()


@pytest.mark.django_db
def test_several_unknown_parameters_are_all_named(api_client):
    body = api_client.get("/api/v1/summits/", {"yeer": "2025", "contry": "japan", "year": "2025"}).json()
    assert {"yeer", "contry"} == set(body)


@pytest.mark.django_db
def test_malformed_values_are_400_naming_the_parameter(api_client):
    for path, params in [
        ("/api/v1/summits/", {"year": "twenty"}),
        ("/api/v1/summits/", {"date_after": "2025-13-45"}),
        ("/api/v1/pledges/", {"amount_usd_min": "lots"}),
        ("/api/v1/pledges/", {"status": "promised"}),
        ("/api/v1/trade-flows/", {"flow": "Z"}),
        ("/api/v1/trade-flows/", {"year": "2024.5"}),
    ]:
        response = api_client.get(path, params)
        assert_status(response, 400)
        assert set(params) <= set(response.json()), (path, response.json())


@pytest.mark.django_db
def test_deleting_a_referenced_row_is_409_not_500(editor_client):
    summit = SummitFactory()
    PledgeFactory(summit=summit)
    response = editor_client.delete(f"/api/v1/summits/{summit.slug}/")
    assert_status(response, 409)
    assert "pledges" in response.json()["detail"]
    assert_status(editor_client.get(f"/api/v1/summits/{summit.slug}/"), 200)


@pytest.mark.django_db
def test_token_authentication_allows_writes(api_client, editor):
    from apps.core.models import ApiToken

    _, key = ApiToken.issue(editor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.patch(f"/api/v1/actors/{StateFactory().slug}/", {"name_en": "Japan"}, format="json")
    assert_status(response, 200)


@pytest.mark.django_db
@pytest.mark.postgres_only
def test_full_text_search_finds_english_and_russian_words_and_prefixes(api_client):
    wanted = SummitFactory(
        title_en="First Central Asia plus Japan summit", title_ru="Первый саммит Центральная Азия + Япония"
    )
    SummitFactory(title_en="Other meeting", title_ru="Другая встреча")
    for q in ["japan", "Japan summit", "Япония", "япония", "саммит центральн", "Centr"]:
        body = api_client.get("/api/v1/summits/", {"q": q}).json()
        assert [row["id"] for row in body["results"]] == [wanted.pk], q


@pytest.mark.django_db
def test_history_records_who_changed_what_and_names_editors_to_staff_only(editor_client, api_client, admin_user):
    summit = SummitFactory(title_en="Draft title")
    CitationFactory(fact=summit)
    assert_status(
        editor_client.patch(f"/api/v1/summits/{summit.slug}/", {"title_en": "Final title"}, format="json"), 200
    )
    url = f"/api/v1/summits/{summit.slug}/history/"
    staff_client = APIClient()
    staff_client.force_authenticate(admin_user)
    assert staff_client.get(url).json()[0]["user"] == "editor"
    # Anonymous callers and signed-in non-staff users see what changed, not who changed it.
    assert editor_client.get(url).json()[0]["user"] is None
    history = api_client.get(url).json()
    assert history[0]["change_type"] == "changed" and history[0]["user"] is None
    assert {"field": "title_en", "old": "Draft title", "new": "Final title"} in history[0]["changes"]
    assert history[-1]["change_type"] == "created"


@pytest.mark.django_db
def test_person_brief_and_partial_dates_in_csv(api_client):
    leader = PersonFactory()
    summit = SummitFactory(date="2025-12-01", date_precision="month", host=leader.country)
    response = api_client.get("/api/v1/summits/", {"format": "csv"})
    content = b"".join(response.streaming_content).decode()
    header, row = content.splitlines()[:2]
    assert "date_display" in header.split(",")
    assert "2025-12" in row.split(",") and summit.slug in row and leader.country.slug in row


@pytest.mark.django_db
def test_unknown_slug_in_aggregates_and_detail_is_400(api_client):
    summit = SummitFactory()
    for path, params in [
        ("/api/v1/pledges/summary/", {"group_by": "donor", "donor": "atlantis"}),
        ("/api/v1/trade-flows/summary/", {"group_by": "year", "partner": "atlantis"}),
        ("/api/v1/summits/scoreboard/", {"region": "atlantis"}),
        (f"/api/v1/summits/{summit.slug}/", {"participant": "atlantis"}),
    ]:
        response = api_client.get(path, params)
        assert_status(response, 400)
        assert set(params) - {"group_by"} <= set(response.json())


@pytest.mark.django_db
def test_unmatched_api_url_is_a_json_404(api_client):
    response = api_client.get("/api/v1/summits/not a slug!/")
    assert_status(response, 404)
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_aggregate_decimals_are_strings_as_documented(api_client):
    PledgeFactory(donor=StateFactory(slug="japan"))
    [row] = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor"}).json()
    assert isinstance(row["total_usd"], str)


def test_each_resource_is_one_include_of_the_api_urls_and_its_routes_resolve_and_reverse_as_drf_writes_them():
    """A path is tried against two patterns per resource, not against every route of the resources before it
    (flat, /api/v1/trade-flows/ was tried against about 100 of 162). Every DRF route keeps its name, its
    regex and its format suffix."""
    from django.urls import resolve, reverse
    from django.urls.resolvers import URLResolver
    from rest_framework.routers import DefaultRouter

    grouped = router.urls
    resolvers = [url for url in grouped if isinstance(url, URLResolver)]
    assert len(resolvers) == len(RESOURCES)
    # and each list's format suffix (`^trade-flows\.(?P<format>…)`), and the API root with and without one
    assert len(grouped) <= 2 * len(RESOURCES) + 2
    flat = DefaultRouter.get_urls(router)  # DRF's own list of the same routes
    assert len(flat) > 100
    for url in flat:
        if not url.name or url.name == router.root_view_name:
            continue
        names = url.pattern.regex.groupindex
        kwargs = {name: {"format": "json", "pk": "7", "history_id": "3"}.get(name, "x-1") for name in names}
        path = reverse(url.name, kwargs=kwargs)
        assert url.pattern.regex.fullmatch(path.removeprefix("/api/v1/")), (url.name, path)
        match = resolve(path)
        assert (match.url_name, match.kwargs) == (url.name, kwargs)
        assert match.func.cls is url.callback.cls
