"""The schema as a generated client reads it: every parameter described, one error body (the `Error` component)
declared on every 4xx response, and the API's real error bodies of that shape."""

import jsonschema
import pytest
import yaml
from rest_framework import exceptions

from apps.core.api.exceptions import exception_handler
from tests.factories import SummitFactory


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    return yaml.safe_load(response.content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_parameter_is_described(schema):
    undescribed = [
        f"{name}: {parameter['in']} {parameter['name']}"
        for name, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert not undescribed, f"{len(undescribed)} undescribed, e.g. {undescribed[:10]}"


def test_every_error_response_is_the_one_error_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    other = [
        f"{name} {code}"
        for name, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code.startswith("4") and response.get("content", {}).get("application/json", {}).get("schema") != error
    ]
    assert not other, other[:10]
    component = schema["components"]["schemas"]["Error"]
    jsonschema.validate(component["example"], component)


@pytest.mark.django_db
def test_the_apis_error_bodies_are_of_that_shape(schema, api_client, editor_client):
    component = schema["components"]["schemas"]["Error"]
    summit = SummitFactory()
    bodies = {
        "unknown parameter": api_client.get("/api/v1/summits/", {"yeer": "2025"}),
        "bad value": api_client.get("/api/v1/summits/", {"year": "twenty"}),
        "no such row": api_client.get("/api/v1/summits/atlantis/"),
        "page past the end": api_client.get("/api/v1/summits/", {"page": "9"}),
        "anonymous write": api_client.delete(f"/api/v1/summits/{summit.slug}/"),
        "stale If-Match": editor_client.patch(
            f"/api/v1/summits/{summit.slug}/", {"city_en": "Osaka"}, format="json", HTTP_IF_MATCH='"0"'
        ),
        "bad field": editor_client.patch(f"/api/v1/summits/{summit.slug}/", {"status": "rumoured"}, format="json"),
    }
    for what, response in bodies.items():
        assert 400 <= response.status_code < 500, (what, response.status_code)
        jsonschema.validate(response.json(), component)
    # A ValidationError raised with bare messages (no parameter named) is an object too, not a JSON list.
    response = exception_handler(exceptions.ValidationError(["Two rules disagree."]), {})
    assert response.data == {"non_field_errors": ["Two rules disagree."]}
    jsonschema.validate(response.data, component)
