"""How answers travel: gzip for JSON, CSV and public pages (never for pages with CSRF tokens), ETag and
Cache-Control on lists and pages, 304 for an unchanged list, and CORS for anonymous reads of the API."""

import gzip
import json

from tests import factories


def test_json_lists_and_pages_are_gzipped_when_asked(client, db):
    factories.SummitFactory.create_batch(3)
    plain = client.get("/api/v1/summits/?format=json")
    packed = client.get("/api/v1/summits/?format=json", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    page = client.get("/summits/", HTTP_ACCEPT_ENCODING="gzip")
    assert page["Content-Encoding"] == "gzip" and b"<h1>" in gzip.decompress(page.content)


def test_a_streamed_csv_is_gzipped_as_it_streams(client, db):
    factories.SummitFactory.create_batch(3)
    plain = b"".join(client.get("/api/v1/summits/?format=csv").streaming_content)
    packed = client.get("/api/v1/summits/?format=csv", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(packed.streaming_content)) == plain


def test_pages_with_csrf_tokens_are_never_compressed(client, db):
    # BREACH: a secret (the CSRF token) beside text from the request must not go through gzip.
    response = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and "Content-Encoding" not in response
    response = client.get("/api/v1/summits/?format=api", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response


def test_an_unchanged_list_is_a_304_and_anonymous_reads_are_publicly_cacheable(client, db):
    factories.SummitFactory.create_batch(2)
    first = client.get("/api/v1/summits/?format=json")
    assert first["ETag"] and "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    again = client.get("/api/v1/summits/?format=json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    factories.SummitFactory()
    changed = client.get("/api/v1/summits/?format=json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    page = client.get("/summits/")
    assert page["ETag"] and "public" in page["Cache-Control"]
    assert client.get("/summits/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304


def test_signed_in_or_token_reads_are_private(client, db):
    response = client.get("/api/v1/summits/?format=json", HTTP_AUTHORIZATION="Token nonsense")
    assert "public" not in response.get("Cache-Control", "")
    user = factories.UserFactory() if hasattr(factories, "UserFactory") else None
    from django.contrib.auth import get_user_model

    user = user or get_user_model().objects.create_user("reader", password="x")
    client.force_login(user)
    response = client.get("/api/v1/summits/?format=json")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_any_origin_reads_the_api_anonymously(client, db):
    response = client.get("/api/v1/summits/?format=json", HTTP_ORIGIN="https://notebook.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/summits/", HTTP_ORIGIN="https://notebook.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 200 and "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    # The site's pages and the admin are not opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/summits/", HTTP_ORIGIN="https://notebook.example.org")


def test_a_rows_etag_stays_strong_for_a_client_that_accepts_gzip(client, db):
    # requests and browsers always send Accept-Encoding: gzip; If-Match compares the row's version strongly.
    summit = factories.SummitFactory()
    response = client.get(f"/api/v1/summits/{summit.slug}/?format=json", HTTP_ACCEPT_ENCODING="gzip")
    assert response["ETag"] == f'"{summit.row_version}"'
