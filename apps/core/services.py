"""Loading the seeded facts (fixtures/seed/*.json) into the database."""
import json
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from apps.sources.models import Source


def seed_fixture_dir():
    return Path(settings.BASE_DIR) / "fixtures" / "seed"


def seed_fixture_paths(fixture_dir=None):
    """The seed's fixture files in load order: their names start with a two-digit number."""
    return sorted(Path(fixture_dir or seed_fixture_dir()).glob("[0-9][0-9]_*.json"))


@dataclass(frozen=True)
class SeedResult:
    skipped: bool
    files: int
    objects: int  # objects in the fixtures
    new: int  # rows that did not exist before


def _fixture_objects(paths):
    objects = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            objects.extend(json.load(f))
    return objects


def seed_source_slugs(paths=None):
    return [o["fields"]["slug"] for o in _fixture_objects(paths or seed_fixture_paths()) if o["model"] == "sources.source"]


def seed_load(*, once=False, fixture_dir=None):
    """Load every seed fixture in one transaction; fixture rows overwrite their own primary keys only.

    With once=True nothing is loaded when any of the seed's sources is already in the database, so a
    container restart never overwrites corrections analysts made to seeded rows.
    """
    paths = seed_fixture_paths(fixture_dir)
    if not paths:
        raise FileNotFoundError(f"no seed fixtures (NN_*.json) in {fixture_dir or seed_fixture_dir()}")
    objects = _fixture_objects(paths)
    if once and Source.objects.filter(slug__in=seed_source_slugs(paths)).exists():
        return SeedResult(skipped=True, files=len(paths), objects=len(objects), new=0)
    models = {apps.get_model(o["model"]) for o in objects}
    with transaction.atomic():
        before = {model: model._base_manager.count() for model in models}
        call_command("loaddata", *[str(p) for p in paths], verbosity=0)
        new = sum(model._base_manager.count() - before[model] for model in models)
    return SeedResult(skipped=False, files=len(paths), objects=len(objects), new=new)
