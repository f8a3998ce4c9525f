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


class FixtureRefused(ValueError):
    """A fixture folder was not loaded; the message names the file, the object and the field."""


@dataclass(frozen=True)
class FixtureLoadResult:
    files: int
    objects: int
    new: int  # rows that did not exist before
    changed: int  # existing rows whose values the fixtures changed


def _object_label(deserialized):
    instance = deserialized.object
    key = instance.natural_key() if hasattr(instance, "natural_key") else None
    # A citation's natural key holds ids; its source and key phrase say more to an analyst.
    if instance._meta.label == "sources.Citation":
        key = (instance.source_id and instance.source.slug, instance.key_phrase)
    return f"{instance._meta.label_lower} {list(key) if key else instance.pk}"


def _rule_errors(path, position, deserialized):
    """'file, object N (model [natural key]): field F: message' per broken rule of the row; '' if none."""
    from django.core.exceptions import ValidationError

    try:
        deserialized.object.full_clean()
    except ValidationError as exc:
        return "\n".join(f"{path.name}, object {position} ({_object_label(deserialized)}): field {field}: {' '.join(messages)}"
                         for field, messages in exc.message_dict.items())
    return ""


def fixtures_load(*, paths):
    """Load an analyst's fixture files (Django JSON, natural keys; apps.core.serialization) in order, in
    one transaction, then check every loaded row against its model's rules (full_clean) in the final
    state, so rows may refer to rows of later files.

    Returns a FixtureLoadResult. Raises FixtureRefused (nothing written) naming the file, the object
    (its position and natural key) and the field when a file is unreadable, a reference names no row,
    or a row breaks a rule; several broken rows are all named.
    """
    from django.core import serializers
    from django.core.management.color import no_style
    from django.db import DatabaseError, connection

    paths = [Path(p) for p in paths]
    loaded = []  # (path, position, DeserializedObject, stored values before or None)
    with transaction.atomic():
        for path in paths:
            done = 0  # objects of this file loaded so far: a failure is at object done + 1
            try:
                with open(path, encoding="utf-8") as stream:
                    for position, deserialized in enumerate(serializers.deserialize("json", stream), start=1):
                        instance = deserialized.object
                        stored = None
                        if instance.pk is not None:
                            stored = type(instance)._base_manager.filter(pk=instance.pk).values().first()
                        try:
                            with transaction.atomic():
                                deserialized.save()
                        except DatabaseError as exc:  # a database rule: named by field where the model can
                            raise FixtureRefused(_rule_errors(path, position, deserialized) or
                                                 f"{path.name}, object {position} ({_object_label(deserialized)}): {exc}")
                        loaded.append((path, position, deserialized, stored))
                        done = position
            except (OSError, ValueError, serializers.base.DeserializationError, DatabaseError) as exc:
                raise FixtureRefused(f"{path.name}, object {done + 1}: {exc}") from exc
        errors = [error for path, position, deserialized, _stored in loaded
                  if (error := _rule_errors(path, position, deserialized))]
        if errors:
            raise FixtureRefused("\n".join(errors))
        models = {type(d.object) for _p, _n, d, _s in loaded}
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    new = sum(1 for *_rest, stored in loaded if stored is None)
    changed = sum(
        1 for _p, _n, d, stored in loaded
        if stored is not None and stored != type(d.object)._base_manager.filter(pk=d.object.pk).values().first()
    )
    return FixtureLoadResult(files=len(paths), objects=len(loaded), new=new, changed=changed)
