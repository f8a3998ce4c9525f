"""Request bodies within bounds (issue 16): deep or huge JSON is a 400 — also for a signed-in user without
write permission, whose body the CSRF check parses before permissions are checked."""

import json

import pytest
from rest_framework.test import APIClient

from apps.actors.models import Actor
from apps.core.api.parsers import MAX_JSON_BYTES, MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

URL = "/api/v1/actors/"
DEEP = "[" * 5000 + "]" * 5000


def test_deeply_nested_json_is_a_400_for_a_session_user_without_write_permission(django_user_model):
    django_user_model.objects.create_user("reader", password="reader-password-1")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.get(username="reader"))
    client.get("/api-auth/login/")  # a CSRF cookie; the check then reads the body for a token
    assert "csrftoken" in client.cookies
    response = client.post(URL, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [DEEP, '{"a":' * 3000 + "1" + "}" * 3000, json.dumps({"name_en": [[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]})],
)
def test_json_nested_beyond_the_bound_is_a_400_for_a_writer(editor_client, body):
    response = editor_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["detail"]
    assert Actor.objects.count() == 0


def test_a_json_body_beyond_the_size_bound_is_a_400(editor_client):
    body = json.dumps({"slug": "big", "kind": "state", "name_en": "x" * MAX_JSON_BYTES})
    response = editor_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


def test_ordinary_json_still_writes(editor_client):
    body = {"slug": "kyrgyzstan", "kind": "state", "name_en": "Kyrgyzstan", "name_ru": "Киргизия"}
    response = editor_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
