"""The seed: loads on SQLite and PostgreSQL, idempotently and atomically; every fact row is cited."""

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.actors.models import Actor
from apps.core.models import FactModel
from apps.core.services import FixtureRefused, seed_fixture_paths, seed_load
from apps.sources.models import Citation, Source

from .conftest import ARTICLE_SLUG

README = Path(settings.BASE_DIR) / "fixtures" / "README.md"


def seed_models():
    return sorted(
        {apps.get_model(o["model"]) for p in seed_fixture_paths() for o in json.loads(p.read_text(encoding="utf-8"))},
        key=lambda m: m._meta.label,
    )


def snapshot():
    """Every row of every seeded table, serialised: equal snapshots mean nothing changed."""
    return {m._meta.label: serializers.serialize("json", m._base_manager.order_by("pk")) for m in seed_models()}


def fact_models():
    return [m for m in apps.get_models() if issubclass(m, FactModel)]


# ---------------------------------------------------------------- loading


def test_seed_loads_every_fixture_object_once(db):
    result = seed_load()
    assert result.files == len(seed_fixture_paths()) >= 11
    assert result.new == result.objects > 250
    assert Citation.objects.filter(source__slug=ARTICLE_SLUG).count() >= 141


def test_second_seed_changes_nothing(seeded):
    before = {label: len(json.loads(rows)) for label, rows in snapshot().items()}
    first = snapshot()
    result = seed_load()
    assert result.new == 0
    assert snapshot() == first  # same rows, same values, same timestamps
    assert {label: len(json.loads(rows)) for label, rows in snapshot().items()} == before


def test_plain_loaddata_twice_makes_no_duplicates(db):
    paths = [str(p) for p in seed_fixture_paths()]
    call_command("loaddata", *paths, verbosity=0)
    counts = {m: m._base_manager.count() for m in seed_models()}
    call_command("loaddata", *paths, verbosity=0)
    assert {m: m._base_manager.count() for m in seed_models()} == counts
    assert Actor.objects.filter(slug="japan").count() == 1


def test_seed_command_reports_new_rows_then_zero(db):
    out = io.StringIO()
    call_command("seed", stdout=out)
    call_command("seed", stdout=out)
    first, second = out.getvalue().splitlines()
    objects, files, new = re.fullmatch(r"Seed: (\d+) objects from (\d+) files, (\d+) new\.", first).groups()
    assert int(new) == int(objects) == sum(m._base_manager.count() for m in seed_models())
    assert int(files) == len(seed_fixture_paths())
    assert second == f"Seed: {objects} objects from {files} files, 0 new."


def test_seed_once_loads_an_empty_database_and_then_leaves_corrections_alone(db):
    out = io.StringIO()
    call_command("seed", "--once", stdout=out)
    assert Source.objects.filter(slug=ARTICLE_SLUG).exists()
    japan = Actor.objects.get(slug="japan")
    japan.description_en = "Corrected by an analyst."
    japan.save()
    call_command("seed", "--once", stdout=out)
    assert "already loaded" in out.getvalue().splitlines()[-1]
    japan.refresh_from_db()
    assert japan.description_en == "Corrected by an analyst."
    # Without --once the correction stays too, reported as a conflict (tests/seed/test_seed_respects_analysts.py).
    call_command("seed", stdout=out)
    japan.refresh_from_db()
    assert japan.description_en == "Corrected by an analyst."


def test_a_broken_fixture_leaves_nothing_half_written(db, tmp_path):
    shutil.copy(seed_fixture_paths()[0], tmp_path / "01_sources.json")
    (tmp_path / "02_actors.json").write_text(
        json.dumps(
            [
                {
                    "model": "actors.actor",
                    "pk": 9000001,
                    "fields": {
                        "slug": "x",
                        "kind": "state",
                        "name_en": "X",
                        "name_ru": "X",
                        "country": 12345,
                        "created_at": "2026-01-01T00:00:00Z",
                        "updated_at": "2026-01-01T00:00:00Z",
                    },
                }
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(FixtureRefused, match=r"02_actors\.json, object 1 \(actors\.actor \['x'\]\): field country"):
        seed_load(fixture_dir=tmp_path)  # the actor's country 12345 does not exist
    assert not Source.objects.exists()
    assert not Actor.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"partner": ["vladimir-putin"]}, "partner"),  # a person as a format's partner
        ({"region": ["no-such-region"]}, "region"),  # a reference to a missing row
    ],
)
def test_the_seed_runs_the_model_rules_and_names_file_object_and_field(db, tmp_path, fields, field):
    """`seed` checks every row it writes like `load_facts` does (one code path), refusing the whole seed."""
    for path in seed_fixture_paths():
        shutil.copy(path, tmp_path / path.name)
    summits = tmp_path / "04_summits.json"
    objects = json.loads(summits.read_text(encoding="utf-8"))
    position, obj = next((n, o) for n, o in enumerate(objects, start=1) if o["model"] == "summits.summitformat")
    obj["fields"].update(fields)
    summits.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FixtureRefused) as refused:
        seed_load(fixture_dir=tmp_path)
    assert f"04_summits.json, object {position} (summits.summitformat ['{obj['fields']['slug']}']" in str(refused.value)
    assert f"field {field}" in str(refused.value) or f"{field}:" in str(refused.value)
    assert not Source.objects.exists() and not Actor.objects.exists()


def test_seed_command_names_a_broken_fixture(db, tmp_path, monkeypatch):
    (tmp_path / "01_sources.json").write_text(
        '[{"model": "sources.source", "pk": 1, "fields": {"slug": ', encoding="utf-8"
    )
    monkeypatch.setattr("apps.core.services.seed_fixture_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="seed not loaded"):
        call_command("seed")
    assert not Source.objects.exists()


def test_rows_created_after_the_seed_get_fresh_ids(seeded):
    # The fixtures carry no ids: seeded rows take them from the sequence, and so does the next row.
    highest = Actor.objects.order_by("-pk").values_list("pk", flat=True).first()
    actor = Actor.objects.create(slug="new-state", kind="state", name_en="New state", name_ru="Новое государство")
    assert actor.pk > highest


# ---------------------------------------------------------------- citations


def test_every_seeded_fact_row_has_a_citation_with_locator_and_key_phrase(seeded):
    """Rows of the article keep their citations to it; rows added from public sources cite those."""
    seeded_fact_models = [m for m in fact_models() if m in seed_models()]
    assert len(seeded_fact_models) >= 13
    for model in seeded_fact_models:
        rows = list(model._base_manager.all())
        assert rows, f"{model._meta.label}: no seeded rows"
        for row in rows:
            citations = Citation.objects.for_object(row)
            assert citations.exists(), f"{model._meta.label} {row.pk} ({row}) has no citation"
            for citation in citations:
                if citation.source.slug == ARTICLE_SLUG:  # the article's locator: its paragraph number
                    assert citation.paragraph and citation.paragraph >= 1, citation
                assert 0 < len(citation.key_phrase) <= 120, citation
                assert citation.note, citation


def test_every_citation_points_at_an_existing_row(seeded):
    for citation in Citation.objects.select_related("content_type"):
        model = citation.content_type.model_class()
        assert model._base_manager.filter(pk=citation.object_id).exists(), citation


def test_checklist_in_fixtures_readme_is_covered_by_citation_notes(seeded):
    checklist = re.findall(r"^\| (C\d\d) \|", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert checklist == [f"C{n:02d}" for n in range(1, len(checklist) + 1)], "checklist numbers must run C01, C02…"
    assert len(checklist) >= 40
    cited = set()
    for note in Citation.objects.values_list("note", flat=True):
        cited.update(re.findall(r"\[(C\d\d)\]", note))
    # C01 is the source itself: its row, not a citation, covers it.
    assert Source.objects.filter(slug=ARTICLE_SLUG, author__contains="Velizade", language="ru").exists()
    assert set(checklist) - {"C01"} <= cited, f"not cited: {sorted(set(checklist) - {'C01'} - cited)}"
    assert cited <= set(checklist), f"cited but not in the checklist: {sorted(cited - set(checklist))}"


def test_verify_citations_passes_on_the_real_article(seeded, article_text, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(article_text, encoding="utf-8")
    out = io.StringIO()
    call_command("verify_citations", ARTICLE_SLUG, str(path), stdout=out)
    assert out.getvalue().startswith("OK: 152 citations of velizade-japanese-move")


def test_verify_citations_catches_an_edited_article(seeded, article_text, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(article_text.replace("до 3 трлн иен", "до 4 трлн иен"), encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 152"):
        call_command("verify_citations", ARTICLE_SLUG, str(path), stderr=io.StringIO())


@pytest.mark.parametrize(
    "model_label, slug, phrase",
    [
        (
            "investments.Pledge",
            "japan-3-trillion-yen-central-asia",
            "Япония пообещала направить до 3 трлн иен - порядка $20 млрд",
        ),
        ("summits.Summit", "central-asia-plus-japan-1", "Первый в истории саммит"),
    ],
)
def test_admin_change_page_shows_the_seeded_citations(admin_client, seeded, model_label, slug, phrase):
    model = apps.get_model(model_label)
    row = model.objects.get(slug=slug)
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
    assert response.status_code == 200
    assert phrase in response.content.decode()
