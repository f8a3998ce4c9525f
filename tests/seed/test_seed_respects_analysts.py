"""Re-running the seed never undoes an analyst's work: rows nobody changed follow the fixtures, rows an
analyst changed keep the analyst's values and are reported, --force overwrites with history; every seeded
row's creation is in the change feed (its history), as the seed's, and updated_at never moves backwards.
A test that re-seeds a seeded database starts from `seeded` (first in its arguments: seeded before the editor's
rows, the seed can be copied, tests/seed_copy.py)."""

import io
import json
import shutil

import pytest
from django.core.management import call_command

from apps.actors.models import Actor
from apps.core.fixture_loading import SEED_USER, seed_fixture_paths, seed_load
from apps.core.models import ChangeAction, ChangeEvent
from tests.seed.test_seed import seed_models

pytestmark = pytest.mark.django_db


def edited_fixtures(tmp_path, edits):
    """A copy of the seed fixtures in which actors have new field values (a new seed version); edits:
    {slug: {field: value}}."""
    for path in seed_fixture_paths():
        shutil.copy(path, tmp_path / path.name)
    actors = tmp_path / "02_actors.json"
    objects = json.loads(actors.read_text(encoding="utf-8"))
    for obj in objects:
        if obj["model"] == "actors.actor" and obj["fields"]["slug"] in edits:
            obj["fields"].update(edits[obj["fields"]["slug"]])
    actors.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def analyst_edits(editor_client, slug, **fields):
    response = editor_client.patch(f"/api/v1/actors/{slug}/", fields, format="json")
    assert response.status_code == 200, response.content


def test_reseeding_keeps_an_analysts_correction_reports_the_conflict_and_never_moves_updated_at_back(
    seeded, editor_client
):
    analyst_edits(editor_client, "japan", description_en="Corrected by an analyst.")
    japan = Actor.objects.get(slug="japan")
    corrected_at = japan.updated_at

    out = io.StringIO()
    call_command("seed", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(" 0 new.")  # CI's check of a second seed still holds
    conflict = next(line for line in lines if line.startswith("Conflict: actors.actor"))
    assert "description_en: fixture 'Per the article" in conflict and "current 'Corrected by an analyst.'" in conflict
    japan.refresh_from_db()
    assert japan.description_en == "Corrected by an analyst."
    assert japan.updated_at == corrected_at
    history = editor_client.get("/api/v1/actors/japan/history/").json()
    assert history[0]["changes"] == [
        {"field": "description_en", "old": history[0]["changes"][0]["old"], "new": "Corrected by an analyst."}
    ]
    assert history[0]["changes"][0]["old"].startswith("Per the article")  # the seeded value is in history


def test_force_overwrites_with_a_history_entry_and_a_later_updated_at(seeded, editor_client):
    analyst_edits(editor_client, "japan", description_en="Corrected by an analyst.")
    corrected_at = Actor.objects.get(slug="japan").updated_at

    out = io.StringIO()
    call_command("seed", "--force", stdout=out)
    assert "Updated to the fixtures: 1 rows" in out.getvalue()
    japan = Actor.objects.get(slug="japan")
    assert japan.description_en.startswith("Per the article")
    assert japan.updated_at > corrected_at
    modified = editor_client.get("/api/v1/actors/", {"modified_since": corrected_at.isoformat()}).json()
    assert "japan" in [row["slug"] for row in modified["results"]]
    latest = editor_client.get("/api/v1/actors/japan/history/").json()[0]
    assert latest["change_reason"] == "seed --force"
    assert latest["changes"][0]["old"] == "Corrected by an analyst."


def test_a_new_fixture_value_reaches_rows_nobody_changed_but_not_rows_an_analyst_changed(
    seeded, tmp_path, editor_client
):
    analyst_edits(editor_client, "china", name_ja="分析者の修正")
    before = {a.slug: a.updated_at for a in Actor.objects.all()}
    fixtures = edited_fixtures(tmp_path, {"japan": {"name_ja": "日本国"}, "china": {"name_ja": "中華人民共和国"}})

    result = seed_load(fixture_dir=fixtures)
    assert (result.new, result.updated) == (0, 1)
    assert [(c.label, c.fields["name_ja"][0]) for c in result.conflicts] == [("actors.actor", "中華人民共和国")]
    japan, china = Actor.objects.get(slug="japan"), Actor.objects.get(slug="china")
    assert (japan.name_ja, china.name_ja) == ("日本国", "分析者の修正")
    assert japan.updated_at > before["japan"] and china.updated_at == before["china"]
    last = ChangeEvent.objects.filter(resource="actors.actor", object_id=str(japan.pk)).last()
    assert (last.reason, last.user) == ("seed", SEED_USER)


def test_every_seeded_fact_has_its_creation_in_the_history(db):
    seed_load()
    for model in seed_models():
        ids = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
        created = ChangeEvent.objects.filter(resource=model._meta.label_lower, action=ChangeAction.CREATE)
        assert ids and ids == set(created.values_list("object_id", flat=True)), model
        assert set(created.values_list("user", "reason")) == {(SEED_USER, "seed")}, model


def test_a_database_loaded_with_loaddata_is_in_the_history_and_the_next_seed_changes_nothing(db):
    call_command("loaddata", *[str(p) for p in seed_fixture_paths()], verbosity=0)  # raw: no save(), no user
    creations = ChangeEvent.objects.filter(resource="actors.actor", action=ChangeAction.CREATE)
    assert creations.count() == Actor.objects.count()
    result = seed_load()
    assert (result.new, result.updated, result.conflicts) == (0, 0, ())
    assert ChangeEvent.objects.filter(resource="actors.actor").count() == Actor.objects.count()


def test_a_row_whose_slug_an_analyst_changed_is_kept_not_seeded_twice(seeded, editor_client):
    """Rows are matched by natural key; the key the seed gave is found in the row's history after an
    analyst renamed it, so the seed reports a conflict instead of creating a second row (or failing on the
    summit's unique ordinal)."""
    from apps.summits.models import Summit

    summit = Summit.objects.get(slug="central-asia-plus-japan-1")
    response = editor_client.patch(f"/api/v1/summits/{summit.slug}/", {"slug": "tokyo-summit-2025"}, format="json")
    assert response.status_code == 200, response.content
    count = Summit.objects.count()

    result = seed_load()
    assert (result.new, result.updated) == (0, 0)
    assert [(c.label, c.pk, c.fields["slug"]) for c in result.conflicts] == [
        ("summits.summit", summit.pk, ("central-asia-plus-japan-1", "tokyo-summit-2025"))
    ]
    assert Summit.objects.count() == count and Summit.objects.get(pk=summit.pk).slug == "tokyo-summit-2025"

    result = seed_load(force=True)
    assert (result.new, result.updated, result.conflicts) == (0, 1, ())
    assert Summit.objects.get(pk=summit.pk).slug == "central-asia-plus-japan-1"
