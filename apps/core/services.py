"""Loading the seeded facts (fixtures/seed/*.json) into the database."""
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction
from django.utils import timezone

from apps.core.change_capture import lock_change_feed
from apps.core.models import ChangeEvent
from apps.sources.models import Source


def seed_fixture_dir():
    return Path(settings.BASE_DIR) / "fixtures" / "seed"


def seed_fixture_paths(fixture_dir=None):
    """The seed's fixture files in load order: their names start with a two-digit number."""
    return sorted(Path(fixture_dir or seed_fixture_dir()).glob("[0-9][0-9]_*.json"))


@dataclass(frozen=True)
class SeedConflict:
    """A seeded row an analyst changed whose fixture now says otherwise: the analyst's values were kept."""

    label: str  # "app_label.model"
    pk: object
    fields: dict  # field name → (fixture value, current value)

    def __str__(self):
        values = "; ".join(f"{name}: fixture {fixture!r}, current {current!r}"
                           for name, (fixture, current) in self.fields.items())
        return f"{self.label} {self.pk}: kept the analyst's values ({values})"


@dataclass(frozen=True)
class SeedResult:
    skipped: bool
    files: int
    objects: int  # objects in the fixtures
    new: int  # rows that did not exist before
    updated: int = 0  # rows brought to their fixture values
    conflicts: tuple = ()  # SeedConflict for each row an analyst changed, left as the analyst made it


def _fixture_objects(paths):
    objects = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            objects.extend(json.load(f))
    return objects


def seed_source_slugs(paths=None):
    return [o["fields"]["slug"] for o in _fixture_objects(paths or seed_fixture_paths()) if o["model"] == "sources.source"]


def seed_load(*, once=False, force=False, fixture_dir=None):
    """Load every seed fixture in one transaction (see seed_rows for what happens to each row).

    With once=True nothing is loaded when any of the seed's sources is already in the database (a
    container restart). Raises FileNotFoundError without fixtures; DeserializationError or
    DatabaseError for a bad fixture, with nothing written.
    """
    paths = seed_fixture_paths(fixture_dir)
    if not paths:
        raise FileNotFoundError(f"no seed fixtures (NN_*.json) in {fixture_dir or seed_fixture_dir()}")
    objects = _fixture_objects(paths)
    if once and Source.objects.filter(slug__in=seed_source_slugs(paths)).exists():
        return SeedResult(skipped=True, files=len(paths), objects=len(objects), new=0)
    with transaction.atomic():
        new, updated, conflicts = seed_rows(paths, force=force)
    return SeedResult(skipped=False, files=len(paths), objects=len(objects), new=new, updated=updated,
                      conflicts=tuple(conflicts))


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


SEED_CHANGE_REASON = "seed"
# Who the change feed says made the seed's changes; not a possible username (Django allows no parentheses).
SEED_USER = "(seed)"
# Fields the seed never compares or copies: the row's own bookkeeping.
_SEED_BOOKKEEPING = {"created_at", "updated_at"}


def seed_rows(paths, *, force=False):
    """Bring the database to the fixtures' rows without undoing anyone's work; returns (new, updated, conflicts).

    - a row that does not exist is created;
    - a row equal to its fixture (fields and many-to-many) is left alone;
    - a row that differs and that nobody changed since the seed wrote it (seeded_unchanged) is updated;
    - a row an analyst changed is kept as it is and reported as a SeedConflict, unless force=True, which
      overwrites it.
    Every create and update gets a history entry (reason "seed", "seed --force"); `updated_at` becomes
    the time of the seed, never earlier than it was, so `modified_since` sees the change.
    """
    lock_change_feed()
    first_event = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    now = timezone.now()
    new = updated = 0
    conflicts, deferred = [], []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for row in serializers.deserialize("json", f, handle_forward_references=True):
                fixture = row.object
                model = type(fixture)
                current = model._base_manager.filter(pk=fixture.pk).first() if fixture.pk is not None else None
                if current is None:
                    fixture.created_at = fixture.updated_at = now
                    row.save()
                    _record_history(fixture, update=False, reason=SEED_CHANGE_REASON, date=now)
                    new += 1
                else:
                    differences = _seed_differences(row, current)
                    if not differences:
                        _record_initial_history(current, date=now)
                    elif force or seeded_unchanged(current, fixture):
                        fixture.created_at = current.created_at
                        fixture.updated_at = max(now, current.updated_at)
                        row.save()
                        reason = SEED_CHANGE_REASON if not force else f"{SEED_CHANGE_REASON} --force"
                        _record_history(fixture, update=True, reason=reason, date=now)
                        updated += 1
                    else:
                        conflicts.append(SeedConflict(model._meta.label_lower, current.pk, differences))
                if row.deferred_fields:
                    deferred.append(row)
    for row in deferred:
        row.save_deferred_fields()
    # The feed's lock is held since the start: every event after first_event is the seed's own.
    ChangeEvent.objects.filter(id__gt=first_event).update(user=SEED_USER)
    return new, updated, conflicts


def seeded_unchanged(current, fixture):
    """True when nobody but the seed changed `current` since it was seeded: the last change event of the
    row (apps.core.change_capture, which sees every write) is the seed's. For a row with no event (written
    before the feed existed): its last history entry is the seed's, or, without history, it still
    carries the timestamp its fixture gave it."""
    last_event = (ChangeEvent.objects.filter(resource=current._meta.label_lower, object_id=str(current.pk))
                  .order_by("-id").values_list("user").first())  # (user,) or None: user itself may be null
    if last_event is not None:
        return last_event == (SEED_USER,)
    history = getattr(type(current), "history", None)
    if history is not None:
        last = history.filter(**{current._meta.pk.attname: current.pk}).order_by("-history_date", "-history_id").first()
        if last is not None:
            return (last.history_change_reason or "").startswith(SEED_CHANGE_REASON)
    return current.updated_at == fixture.updated_at


def _seed_differences(row, current):
    """{field: (fixture value, current value)} for every field and many-to-many the fixture gives that differs."""
    fixture = row.object
    differences = {}
    for field in fixture._meta.concrete_fields:
        if field.primary_key or field.name in _SEED_BOOKKEEPING or field.attname in row.deferred_fields:
            continue
        ours, theirs = field.value_from_object(fixture), field.value_from_object(current)
        if ours != theirs:
            differences[field.name] = (ours, theirs)
    for name, ids in (row.m2m_data or {}).items():
        ours = sorted(ids)
        theirs = sorted(getattr(current, name).values_list("pk", flat=True))
        if ours != theirs:
            differences[name] = (ours, theirs)
    return differences


def _record_history(instance, *, update, reason, date):
    history = getattr(type(instance), "history", None)
    if history is not None:
        history.bulk_history_create([instance], update=update, default_change_reason=reason, default_date=date)


def _record_initial_history(instance, *, date):
    """A row seeded before the seed recorded history gets its initial entry (its values as they are)."""
    history = getattr(type(instance), "history", None)
    if history is not None and not history.filter(**{instance._meta.pk.attname: instance.pk}).exists():
        _record_history(instance, update=False, reason=f"{SEED_CHANGE_REASON}: initial entry", date=date)
