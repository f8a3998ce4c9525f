"""Source.root_origin (issue 24): each source's independent origin, stored once and kept by the database on
every path that writes `origin` — the API, the admin, loaddata, a bulk update, raw SQL — so the counts of
independent origins join it instead of walking every citation's chain. A cycle stays refused everywhere."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.sources.models import Source
from tests.api.helpers import assert_status
from tests.factories import CitationFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db


def _roots():
    """{slug: slug of the stored root, or None}, as the database holds them."""
    return {
        slug: root
        for slug, root in Source.objects.filter(slug__startswith="wire-").values_list("slug", "root_origin__slug")
    }


def _chain():
    """wire-story ← wire-repost ← wire-repost-of-repost, written through the API's model save."""
    story = SourceFactory(slug="wire-story")
    repost = SourceFactory(slug="wire-repost", origin=story)
    SourceFactory(slug="wire-repost-of-repost", origin=repost)
    return story


def test_the_api_stores_the_root_and_passes_a_new_one_down_the_chain(editor_client):
    _chain()
    assert _roots() == {"wire-story": None, "wire-repost": "wire-story", "wire-repost-of-repost": "wire-story"}
    SourceFactory(slug="wire-agency")
    response = editor_client.patch(
        reverse("source-detail", args=["wire-story"]), {"origin": "wire-agency"}, format="json"
    )
    assert_status(response, 200)
    assert _roots() == {
        "wire-agency": None,
        "wire-story": "wire-agency",
        "wire-repost": "wire-agency",
        "wire-repost-of-repost": "wire-agency",
    }
    response = editor_client.patch(reverse("source-detail", args=["wire-story"]), {"origin": None}, format="json")
    assert_status(response, 200)
    assert _roots()["wire-repost-of-repost"] == "wire-story" and _roots()["wire-story"] is None


def test_the_admin_stores_the_root(admin_client):
    story = _chain()
    form = {
        "slug": "wire-late-repost",
        "kind": "article",
        "title": "Late repost",
        "language": "en",
        "published_on_precision": "unknown",
        "rights": "cite_only",
        "origin": Source.objects.get(slug="wire-repost-of-repost").pk,
    }
    response = admin_client.post(reverse("admin:sources_source_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Source.objects.get(slug="wire-late-repost").root_origin == story


def test_a_bulk_update_and_raw_sql_keep_the_roots_right():
    story = _chain()
    agency = SourceFactory(slug="wire-agency")
    Source.objects.filter(slug="wire-repost").update(origin=agency)  # no save(), no signal
    assert _roots()["wire-repost-of-repost"] == "wire-agency" and _roots()["wire-repost"] == "wire-agency"
    Source.objects.filter(slug="wire-repost").update(root_origin=story)  # the root is never hand-written
    assert _roots()["wire-repost"] == "wire-agency"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sources_source SET origin_id = NULL WHERE slug = 'wire-repost'")
    assert _roots() == {
        "wire-story": None,
        "wire-agency": None,
        "wire-repost": None,
        "wire-repost-of-repost": "wire-repost",
    }


def test_a_bulk_update_that_closes_a_cycle_is_refused():
    _chain()
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.filter(slug="wire-story").update(origin=Source.objects.get(slug="wire-repost-of-repost"))
    assert Source.objects.get(slug="wire-story").origin is None


def test_loaddata_stores_the_root(tmp_path):
    _chain()
    fixture = tmp_path / "republication.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "sources.source",
                    "fields": {
                        "slug": "wire-loaded",
                        "title": "Loaded",
                        "language": "en",
                        "origin": ["wire-repost"],
                        "root_origin": None,  # as a dump of an old database would carry it: recomputed
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert _roots()["wire-loaded"] == "wire-story"


def test_the_counts_read_the_stored_root(api_client):
    story = _chain()
    summit = SummitFactory()
    for source in Source.objects.filter(slug__startswith="wire-"):
        CitationFactory(source=source, fact=summit)
    body = api_client.get(reverse("summit-detail", args=[summit.slug])).json()
    assert body["independent_origins"] == 1
    response = api_client.get(reverse("summit-list"), {"format": "csv"})
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert {row["slug"]: row["independent_origins"] for row in rows}[summit.slug] == "1"
    SourceFactory(slug="wire-other-agency")
    Source.objects.filter(pk=story.pk).update(origin=Source.objects.get(slug="wire-other-agency"))
    body = api_client.get(reverse("summit-detail", args=[summit.slug])).json()
    assert body["independent_origins"] == 1  # still one story: its root moved, the chain with it


def test_sources_filter_by_their_independent_origin(api_client):
    _chain()
    body = api_client.get(reverse("source-list"), {"root_origin": "wire-story"}).json()
    assert sorted(row["slug"] for row in body["results"]) == ["wire-repost", "wire-repost-of-repost"]
