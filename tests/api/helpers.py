"""One generic test suite for every API resource (after NetBox's APIViewTestCases).

A resource's test class names its URL basename, factory, create payload and filter cases; the
methods below test list, detail, filters, ordering, strictness, CSV, permissions, writes, history
and the number of SQL queries, the same way for every resource.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.models import FactModel
from tests.factories import CitationFactory, StateFactory


@dataclass
class Narrows:
    """`?param=value(first)` returns the first row of `make()` and not the second."""

    param: str
    value: Callable
    make: Callable | None = None  # () -> (matching, not matching); default: two factory rows

    def __str__(self):
        return self.param


def assert_status(response, expected):
    """Like NetBox's assertHttpStatus: a wrong status shows the body, so the failure explains itself."""
    codes = expected if isinstance(expected, (tuple, list, set)) else (expected,)
    body = b"<stream>" if response.streaming else response.content[:2000]
    assert response.status_code in codes, f"{response.status_code} (wanted {expected}): {body!r}"


def csv_rows(response):
    assert_status(response, 200)
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(content)))


@pytest.mark.django_db
class APIResourceTests:
    basename: str
    factory: Callable
    lookup: str = "pk"  # "slug" for slugged resources
    filters: list = []
    create_data: Callable | None = None  # (self) -> a valid POST payload
    update_data: dict = {}  # a valid PATCH payload of plain fields
    invalid_data: dict | None = None  # (field → bad value) that must come back as a 400 naming the field
    actor_param: str | None = None  # an actor filter, for the unknown-slug test
    max_list_queries: int = 4
    has_history: bool = True

    # -- hooks ---------------------------------------------------------------------------------

    def make(self):
        return self.factory()

    def make_rich(self):
        """A row with what its representation nests (citations, related rows), for query counts."""
        obj = self.make()
        if isinstance(obj, FactModel):
            CitationFactory(fact=obj)
            CitationFactory(fact=obj)
        return obj

    def pytest_generate_tests(self, metafunc):
        if "filter_case" in metafunc.fixturenames:
            metafunc.parametrize("filter_case", self.filters, ids=[str(case) for case in self.filters])

    # -- helpers -------------------------------------------------------------------------------

    def list_url(self):
        return reverse(f"{self.basename}-list")

    def detail_url(self, obj):
        return reverse(f"{self.basename}-detail", kwargs={self.lookup: getattr(obj, self.lookup)})

    def ids(self, response):
        assert_status(response, 200)
        return {row["id"] for row in response.json()["results"]}

    # -- reading -------------------------------------------------------------------------------

    def test_list(self, api_client):
        objs = [self.make() for _ in range(3)]
        response = api_client.get(self.list_url())
        body = response.json()
        assert body["count"] == len(self.factory._meta.model.objects.all())
        assert {obj.pk for obj in objs} <= {row["id"] for row in body["results"]}
        assert {"count", "next", "previous", "results"} <= set(body)

    def test_pagination(self, api_client):
        for _ in range(3):
            self.make()
        total = self.factory._meta.model.objects.count()
        body = api_client.get(self.list_url(), {"page_size": 2}).json()
        assert body["count"] == total and len(body["results"]) == 2 and body["next"] and body["previous"] is None
        assert api_client.get(self.list_url(), {"page_size": 2, "page": 2}).json()["count"] == total
        assert_status(api_client.get(self.list_url(), {"page": 99}), 404)
        assert_status(api_client.get(self.list_url(), {"page_size": 0}), 400)
        assert "page_size" in api_client.get(self.list_url(), {"page_size": "lots"}).json()

    def test_detail(self, api_client):
        obj = self.make()
        cited = isinstance(obj, FactModel)
        if cited:
            citation = CitationFactory(fact=obj, note="supports the claim")
        response = api_client.get(self.detail_url(obj))
        assert_status(response, 200)
        body = response.json()
        assert body["id"] == obj.pk
        if cited:
            [nested] = body["citations"]
            assert nested["key_phrase"] == citation.key_phrase
            assert nested["source"]["slug"] == citation.source.slug
            assert nested["source_title"] == citation.source.title
            assert nested["source_author"] == citation.source.author
            assert nested["source_url"] == citation.source.url
            assert nested["paragraph"] == citation.paragraph
            assert nested["section"] == citation.section
            assert nested["note"] == "supports the claim"

    def test_filter_narrows(self, api_client, filter_case):
        matching, other = filter_case.make() if filter_case.make else (self.make(), self.make())
        value = filter_case.value(matching)
        ids = self.ids(api_client.get(self.list_url(), {filter_case.param: value}))
        assert matching.pk in ids
        assert other.pk not in ids
        # The CSV export honours the same filters.
        params = {filter_case.param: value, "format": "csv"}
        rows = csv_rows(api_client.get(self.list_url(), params))
        assert {int(row["id"]) for row in rows} == ids or len(ids) == 50

    def test_modified_since(self, api_client):
        obj = self.make()
        since = (obj.updated_at - datetime.timedelta(seconds=1)).isoformat()
        assert obj.pk in self.ids(api_client.get(self.list_url(), {"modified_since": since}))
        later = (obj.updated_at + datetime.timedelta(days=1)).isoformat()
        assert obj.pk not in self.ids(api_client.get(self.list_url(), {"modified_since": later}))
        response = api_client.get(self.list_url(), {"modified_since": "yesterday"})
        assert_status(response, 400)
        assert "modified_since" in response.json()

    def test_ordering(self, api_client):
        for _ in range(3):
            self.make()
        up = api_client.get(self.list_url(), {"ordering": "created_at"})
        down = api_client.get(self.list_url(), {"ordering": "-created_at"})
        assert_status(up, 200)
        stamps = [row["created_at"] for row in up.json()["results"]]
        assert stamps == sorted(stamps)
        assert [row["created_at"] for row in down.json()["results"]] == sorted(stamps, reverse=True)
        response = api_client.get(self.list_url(), {"ordering": "no_such_field"})
        assert_status(response, 400)
        assert "ordering" in response.json()

    def test_unknown_parameter_is_400(self, api_client):
        self.make()
        response = api_client.get(self.list_url(), {"yeer": "2025"})
        assert_status(response, 400)
        assert "yeer" in response.json()

    def test_unknown_slug_is_400(self, api_client):
        if self.actor_param is None:
            pytest.skip("no actor filter")
        response = api_client.get(self.list_url(), {self.actor_param: "no-such-actor"})
        assert_status(response, 400)
        assert self.actor_param in response.json()
        response = api_client.get(self.list_url(), {self.actor_param: "no-such-actor", "format": "csv"})
        assert_status(response, 400)
        # A real actor that nothing refers to is an empty answer, not an error.
        idle = StateFactory()
        response = api_client.get(self.list_url(), {self.actor_param: idle.slug})
        assert_status(response, 200)
        assert response.json()["count"] == 0

    def test_q_search_runs(self, api_client):
        self.make()
        assert_status(api_client.get(self.list_url(), {"q": "zzzz-nothing-matches"}), 200)
        assert api_client.get(self.list_url(), {"q": "zzzznothing"}).json()["count"] == 0

    def test_csv_streams_every_row(self, api_client):
        objs = [self.make() for _ in range(3)]
        response = api_client.get(self.list_url(), {"format": "csv", "page_size": 1})
        assert "attachment" in response["Content-Disposition"]
        # The file name says what and when: catrack-topics-2026-12-07.csv (UTC date).
        resource = self.list_url().removeprefix("/api/v1/").strip("/")
        assert f'filename="catrack-{resource}-{timezone.now():%Y-%m-%d}.csv"' in response["Content-Disposition"]
        rows = csv_rows(response)
        assert len(rows) == self.factory._meta.model.objects.count()
        assert {obj.pk for obj in objs} <= {int(row["id"]) for row in rows}
        assert all(not isinstance(value, (dict, list)) for row in rows for value in row.values())

    def test_list_queries_do_not_grow_with_page_size(self, api_client):
        for _ in range(6):
            self.make_rich()
        api_client.get(self.list_url(), {"page_size": 1})  # warm caches (content types) once
        counts = []
        for size in (2, 6):
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(self.list_url(), {"page_size": size})
            assert_status(response, 200)
            assert len(response.json()["results"]) == size
            counts.append(sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]))
        assert counts[0] == counts[1], f"queries grow with page size: {counts}"
        assert counts[1] <= self.max_list_queries, f"{counts[1]} queries for one list page"

    # -- writing -------------------------------------------------------------------------------

    def test_anonymous_cannot_write(self, api_client):
        obj = self.make()
        model = self.factory._meta.model
        before = model.objects.count()
        payload = self.create_data() if self.create_data else {}
        assert_status(api_client.post(self.list_url(), payload, format="json"), (401, 403))
        assert_status(api_client.patch(self.detail_url(obj), self.update_data, format="json"), (401, 403))
        assert_status(api_client.delete(self.detail_url(obj)), (401, 403))
        assert model.objects.count() == before

    def test_user_without_permission_cannot_write(self, api_client, django_user_model):
        api_client.force_authenticate(django_user_model.objects.create_user("reader"))
        payload = self.create_data() if self.create_data else {}
        assert_status(api_client.post(self.list_url(), payload, format="json"), 403)

    def test_editor_creates_updates_deletes(self, editor_client):
        if self.create_data is None:
            pytest.skip("no create payload")
        model = self.factory._meta.model
        response = editor_client.post(self.list_url(), self.create_data(), format="json")
        assert_status(response, 201)
        obj = model.objects.get(pk=response.json()["id"])
        response = editor_client.patch(self.detail_url(obj), self.update_data, format="json")
        assert_status(response, 200)
        for field, value in self.update_data.items():
            assert response.json()[field] == value
        obj.refresh_from_db()
        response = editor_client.delete(self.detail_url(obj))
        assert_status(response, 204)
        assert not model.objects.filter(pk=obj.pk).exists()

    def test_invalid_write_is_400_naming_fields(self, editor_client):
        model = self.factory._meta.model
        before = model.objects.count()
        response = editor_client.post(self.list_url(), {}, format="json")
        assert_status(response, 400)
        assert response.json(), "a 400 must say which fields are wrong"
        if self.invalid_data is not None and self.create_data is not None:
            response = editor_client.post(self.list_url(), {**self.create_data(), **self.invalid_data}, format="json")
            assert_status(response, 400)
            assert set(self.invalid_data) & set(response.json()) or "non_field_errors" in response.json(), (
                response.json()
            )
        assert model.objects.count() == before

    def test_history(self, editor_client, api_client):
        if not self.has_history or self.create_data is None:
            pytest.skip("no history for this resource")
        created = editor_client.post(self.list_url(), self.create_data(), format="json")
        assert_status(created, 201)
        obj = self.factory._meta.model.objects.get(pk=created.json()["id"])
        assert_status(editor_client.patch(self.detail_url(obj), self.update_data, format="json"), 200)
        obj.refresh_from_db()
        url = reverse(f"{self.basename}-history", kwargs={self.lookup: getattr(obj, self.lookup)})
        response = api_client.get(url)
        assert_status(response, 200)
        # Writes of the row itself; many-to-many entries (their changes list `added`) are tested in
        # tests/api/test_history_of_deleted_rows.py.
        changed, made = [
            record for record in response.json() if not any("added" in change for change in record["changes"])
        ]
        assert made["change_type"] == "created" and changed["change_type"] == "changed"
        assert changed["user"] is None  # who edited: for staff only (tests/api/test_infrastructure.py)
        fields = {change["field"]: change for change in changed["changes"]}
        for field, value in self.update_data.items():
            assert fields[field]["new"] == value
            assert fields[field]["old"] != value


def sql_and_orm_paths(viewset, client, path, params=None, **headers):
    """The response of a list's SQL path (apps.core.api.sql), after asserting the ORM path's is the same.

    Same status, content type and body, byte for byte; `response.queries` holds the SQL path's statements.
    """
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fast = client.get(path, params, **headers)
    fast.queries = [query["sql"] for query in queries.captured_queries]  # a view of a log the next request clears
    with mock.patch.object(viewset, "sql_pages", False):
        slow = client.get(path, params, **headers)
    assert (fast.status_code, fast.get("Content-Type")) == (slow.status_code, slow.get("Content-Type"))
    assert fast.content == slow.content, (fast.content[:800], slow.content[:800])
    return fast


def took_sql_path(response):
    return any("string_agg" in sql for sql in response.queries)
