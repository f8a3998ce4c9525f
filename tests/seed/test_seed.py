"""The seed: loads on SQLite and PostgreSQL, idempotently and atomically; every fact row is cited."""

import io
import json
import re
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.actors.models import Actor
from apps.core.fixture_loading import FixtureRefused, seed_fixture_paths, seed_load
from apps.sources.models import Citation, Source

from .conftest import ARTICLE_SLUG, seed_models, snapshot

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
    monkeypatch.setattr("apps.core.fixture_loading.seed_fixture_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="seed not loaded"):
        call_command("seed")
    assert not Source.objects.exists()
