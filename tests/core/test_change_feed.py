"""The change feed: a consumer that replays /api/v1/changes/ from the start rebuilds every captured table
exactly, whatever wrote to it (API, admin, seed and re-seed, bulk update, raw SQL, cascades, many-to-many
changes, deletes), and a deleted row leaves a tombstone with who, when and its last values."""

import csv
import io
import json
import shutil

import pytest
from django.db import connection, connections

from apps.actors.models import Actor
from apps.core.change_capture import captured_models, feed_row
from apps.core.fixture_loading import seed_fixture_paths, seed_load
from apps.core.models import ChangeEvent
from apps.geoeconomics.models import Corridor
from apps.summits.models import Summit
from tests.factories import CitationFactory, StateFactory, SummitFormatFactory, SummitParticipantFactory

pytestmark = pytest.mark.django_db


def replay(client, page_size=37):
    """What a consumer holds after following the feed from the start: {resource: {object id: row}}."""
    mirror, url, params = {}, "/api/v1/changes/", {"page_size": page_size}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        for event in body["results"]:
            rows = mirror.setdefault(event["resource"], {})
            if event["action"] == "delete":
                rows.pop(event["object_id"], None)
            else:
                rows[event["object_id"]] = event["row"]
        url, params = body["next"], None
    return mirror


def assert_mirror_is_exact(mirror):
    for model, label in captured_models():
        assert mirror.get(label, {}) == row_snapshots(model), label


def test_replaying_the_feed_rebuilds_every_resource_after_every_kind_of_write(editor_client, tmp_path):
    seed_load()
    japan = Actor.objects.get(slug="japan")
    # Create through the API, with many-to-many values.
    created = editor_client.post(
        "/api/v1/pledges/",
        {"donor": "japan", "recipients": ["kazakhstan"], "amount": "5", "currency": "JPY"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pledge_url = f"/api/v1/pledges/{created.json()['id']}/"
    # Edit, and change its recipients (many-to-many).
    assert editor_client.patch(pledge_url, {"description_en": "edited"}, format="json").status_code == 200
    assert (
        editor_client.patch(pledge_url, {"recipients": ["uzbekistan", "kyrgyzstan"]}, format="json").status_code == 200
    )
    # A corridor market that is then deleted: the link row goes with it.
    market = StateFactory()
    corridor = Corridor.objects.first()
    corridor.markets.add(market)
    market.delete()
    # A summit deleted through the API cascades to its participants and citations.
    summit = Summit.objects.create(
        slug="to-delete", format=Summit.objects.first().format, title_en="Gone", status="planned"
    )  # undated, so not held
    SummitParticipantFactory(summit=summit, actor=japan)
    CitationFactory(fact=summit)
    assert editor_client.delete("/api/v1/summits/to-delete/").status_code == 204
    # Writes that bypass save(): a bulk update and raw SQL.
    Actor.objects.filter(slug="china").update(name_ja="中国 (bulk)")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE actors_actor SET name_ru = 'Япония (SQL)' WHERE slug = 'japan'")
    # A re-seed from changed fixtures (rows nobody changed follow them) and a delete through the API.
    for path in seed_fixture_paths():
        shutil.copy(path, tmp_path / path.name)
    actors = json.loads((tmp_path / "02_actors.json").read_text(encoding="utf-8"))
    for obj in actors:
        if obj["fields"]["slug"] == "kazakhstan":
            obj["fields"]["name_ja"] = "カザフスタン共和国"
    (tmp_path / "02_actors.json").write_text(json.dumps(actors, ensure_ascii=False), encoding="utf-8")
    assert seed_load(fixture_dir=tmp_path).updated == 1
    assert editor_client.delete(pledge_url).status_code == 204

    assert_mirror_is_exact(replay(editor_client))


def test_a_delete_leaves_a_tombstone_with_who_when_and_the_last_values(editor_client, editor):
    actor = StateFactory(slug="atlantis", name_en="Atlantis")
    assert editor_client.delete("/api/v1/actors/atlantis/").status_code == 204
    since_start = editor_client.get("/api/v1/changes/").json()["results"]
    (tombstone,) = [e for e in since_start if e["action"] == "delete" and e["resource"] == "actors.actor"]
    assert tombstone["object_id"] == str(actor.pk)
    assert tombstone["row"]["slug"] == "atlantis" and tombstone["row"]["name_en"] == "Atlantis"
    assert tombstone["occurred_at"]
    assert tombstone["user"] is None  # the editor is not staff: names are for signed-in staff (issue 16)
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    since_start = editor_client.get("/api/v1/changes/").json()["results"]
    (tombstone,) = [e for e in since_start if e["action"] == "delete" and e["resource"] == "actors.actor"]
    assert tombstone["user"] == editor.username  # on SQLite too (it could not say who before)


def test_the_csv_feed_links_its_next_page_as_the_json_does(editor_client):
    for slug in ("one", "two", "three"):
        StateFactory(slug=slug)
    slugs, url, params = [], "/api/v1/changes/", {"format": "csv", "page_size": 2}
    while url:
        response = editor_client.get(url, params)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        slugs += [json.loads(row["row"])["slug"] for row in csv.DictReader(io.StringIO(response.content.decode()))]
        link = response.headers.get("Link")
        url, params = (link.removeprefix("<").removesuffix('>; rel="next"') if link else None), None
        assert url is None or "format=csv" in url
    assert slugs == ["one", "two", "three"]
    page = editor_client.get("/api/v1/changes/", {"page_size": 2})
    assert page["Link"] == f'<{page.json()["next"]}>; rel="next"'


def test_since_takes_a_cursor_or_a_timestamp_and_refuses_anything_else(editor_client):
    StateFactory(slug="first")
    first = editor_client.get("/api/v1/changes/").json()
    StateFactory(slug="second")
    after = editor_client.get("/api/v1/changes/", {"since": first["cursor"]}).json()
    assert [e["row"]["slug"] for e in after["results"]] == ["second"]
    moment = after["results"][0]["occurred_at"]
    by_time = editor_client.get("/api/v1/changes/", {"since": moment}).json()
    assert [e["row"]["slug"] for e in by_time["results"]] == ["second"]
    for bad in ("yesterday", "2025-12-19T00:00:00", "-1"):
        response = editor_client.get("/api/v1/changes/", {"since": bad})
        assert response.status_code == 400 and "since" in response.json()
    assert editor_client.get("/api/v1/changes/", {"sinse": "1"}).status_code == 400


def test_a_delete_in_the_admin_leaves_a_tombstone_naming_who_deleted(admin_client, admin_user):
    from django.urls import reverse

    actor = StateFactory(slug="lemuria")
    response = admin_client.post(reverse("admin:actors_actor_delete", args=[actor.pk]), {"post": "yes"})
    assert response.status_code == 302
    (tombstone,) = [e for e in admin_client.get("/api/v1/changes/").json()["results"] if e["action"] == "delete"]
    assert tombstone["row"]["slug"] == "lemuria"
    assert tombstone["user"] == admin_user.username  # on SQLite too


def test_row_times_in_the_feed_are_written_as_the_resource_writes_them(editor_client):
    created = editor_client.post(
        "/api/v1/summits/",
        {
            "slug": "timed",
            "format": SummitFormatFactory().slug,
            "title_en": "Timed",
            "date": None,
            "date_precision": "unknown",
            "status": "planned",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    detail = editor_client.get("/api/v1/summits/timed/").json()
    (listed,) = editor_client.get("/api/v1/summits/").json()["results"]
    (event,) = [
        e
        for e in editor_client.get("/api/v1/changes/").json()["results"]
        if e["resource"] == "summits.summit" and e["object_id"] == str(created.json()["id"])
    ]
    for column in ("created_at", "updated_at"):
        assert event["row"][column] == detail[column] == listed[column]
        assert event["row"][column].endswith("Z") and "T" in event["row"][column]


def row_snapshots(model, using="default"):
    """{object id (str): row} of every row of `model`, as the feed serves a row (triggers' JSON, feed_row):
    what a consumer that replayed the feed should hold."""
    connection = connections[using]
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        sql = f'SELECT t.id::text, to_jsonb(t) FROM "{table}" t'
    else:
        columns = [field.column for field in model._meta.concrete_fields]
        sql = (
            "SELECT CAST(t.id AS TEXT), json_object("
            + ", ".join(f"'{column}', t.\"{column}\"" for column in columns)
            + f') FROM "{table}" t'
        )
    field = ChangeEvent._meta.get_field("row")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        label = model._meta.label_lower
        return {pk: feed_row(label, field.from_db_value(value, None, connection)) for pk, value in cursor.fetchall()}
