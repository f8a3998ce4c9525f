"""Loading fact fixtures into the database: the seed (fixtures/seed/*.json, `manage.py seed`) and another
article's folder (`manage.py load_facts`), both through load_fixture_rows."""

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializedObject
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from apps.core.change_capture import lock_change_feed, set_change_reason
from apps.core.models import FOLLOW_CHANGED_KEYS, ChangeEvent


def seed_fixture_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "seed"


def seed_fixture_paths(fixture_dir: str | Path | None = None) -> list[Path]:
    """The seed's fixture files in load order: their names start with a two-digit number."""
    return sorted(Path(fixture_dir or seed_fixture_dir()).glob("[0-9][0-9]_*.json"))


@dataclass(frozen=True)
class SeedConflict:
    """A seeded row an analyst changed whose fixture now says otherwise: the analyst's values were kept."""

    label: str  # "app_label.model"
    pk: object
    fields: dict  # field name → (fixture value, current value)

    def __str__(self) -> str:
        values = "; ".join(
            f"{name}: fixture {fixture!r}, current {current!r}" for name, (fixture, current) in self.fields.items()
        )
        return f"{self.label} {self.pk}: kept the analyst's values ({values})"


@dataclass(frozen=True)
class SeedResult:
    skipped: bool
    files: int
    objects: int  # objects in the fixtures
    new: int  # rows that did not exist before
    updated: int = 0  # rows brought to their fixture values
    conflicts: tuple = ()  # SeedConflict for each row an analyst changed, left as the analyst made it


def _fixture_objects(paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """Every object of the fixture files, as JSON; FixtureRefused naming the file that is no JSON list."""
    objects = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                objects.extend(json.load(f))
        except (OSError, ValueError, TypeError) as exc:
            raise FixtureRefused(f"{Path(path).name}: {exc}") from exc
    return objects


def _seeded_before(paths: Sequence[Path]) -> bool:
    """Whether a row the seed's first fixture file names by slug (its sources) is in the database already."""
    first = [o for o in _fixture_objects(paths[:1]) if "slug" in o.get("fields", {})]
    if not first:
        return False
    model = apps.get_model(first[0]["model"])
    return model._default_manager.filter(
        slug__in=[o["fields"]["slug"] for o in first if o["model"] == first[0]["model"]]
    ).exists()


def seed_load(*, once: bool = False, force: bool = False, fixture_dir: str | Path | None = None) -> SeedResult:
    """Load every seed fixture in one transaction (see seed_rows for what happens to each row).

    With once=True nothing is loaded when any of the seed's sources is already in the database (a
    container restart). Raises FileNotFoundError without fixtures; FixtureRefused (naming the file, the
    object and the field) for a bad reference or a broken rule, with nothing written.
    """
    paths = seed_fixture_paths(fixture_dir)
    if not paths:
        raise FileNotFoundError(f"no seed fixtures (NN_*.json) in {fixture_dir or seed_fixture_dir()}")
    objects = _fixture_objects(paths)
    if once and _seeded_before(paths):
        return SeedResult(skipped=True, files=len(paths), objects=len(objects), new=0)
    with transaction.atomic():
        new, updated, conflicts = seed_rows(paths, force=force)
    return SeedResult(
        skipped=False, files=len(paths), objects=len(objects), new=new, updated=updated, conflicts=tuple(conflicts)
    )


class FixtureRefused(ValueError):
    """Fixtures were not loaded; the message names the file, the object and the field of each fault."""


@dataclass(frozen=True)
class FixtureLoadResult:
    files: int
    objects: int
    new: int  # rows that did not exist before
    changed: int  # existing rows whose values the fixtures changed


def _object_label(deserialized: DeserializedObject) -> str:
    instance: Any = deserialized.object
    try:
        key = instance.natural_key() if hasattr(instance, "natural_key") else None
    except ObjectDoesNotExist:  # a part of the key is a reference not resolved yet
        key = None
    # A citation's natural key holds ids; its source and key phrase say more to an analyst.
    if instance._meta.label == "sources.Citation":
        key = (instance.source_id and instance.source.slug, instance.key_phrase)
    return f"{instance._meta.label_lower} {list(key) if key else instance.pk}"


def _rule_errors(path: Path, position: int, deserialized: DeserializedObject, *, constraints: bool = True) -> str:
    """'file, object N (model [natural key]): field F: message' per broken rule of the row; '' if none.

    constraints=False leaves out the unique and check constraints, for a row the database has just
    accepted (it enforces them on every write); clean(), the fields' own checks and references remain.
    """
    try:
        deserialized.object.full_clean(validate_unique=constraints, validate_constraints=constraints)
    except ValidationError as exc:
        return "\n".join(
            f"{path.name}, object {position} ({_object_label(deserialized)}): field {field}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
    return ""


def _missing_references(where: str, references: Iterable[tuple[Any, Any]]) -> str:
    """'<where>: field F: no app.model with natural key [...]' for each reference that names no row; '' if none.

    references: (field, natural key) pairs, a many-to-many field with a list of keys. A reference to a row of
    a later file waits until every file is in (DeserializedObject.deferred_fields); one the row's own natural
    key or a required column needs cannot wait, so its row is refused at once."""
    missing = []
    for field, key in references:
        if not isinstance(key, list):
            continue  # an id, or no reference
        model = field.related_model
        for one in key if field.many_to_many else [key]:
            try:
                model._default_manager.get_by_natural_key(*one)
            except (ObjectDoesNotExist, TypeError):
                missing.append(f"{where}: field {field.name}: no {model._meta.label_lower} with natural key {one!r}")
    return "\n".join(missing)


def _row_missing_references(path: Path, position: int, deserialized: DeserializedObject) -> str:
    where = f"{path.name}, object {position} ({_object_label(deserialized)})"
    return _missing_references(where, (deserialized.deferred_fields or {}).items())


def _json_missing_references(path: Path, position: int) -> str:
    """_missing_references of object `position` of the file, read as JSON (for an object that could not
    even be built); '' when that is not the fault."""
    from django.apps import apps

    try:
        obj = _fixture_objects([path])[position - 1]
        model = apps.get_model(obj["model"])
        fields = obj.get("fields", {})
        references = [
            (model._meta.get_field(name), value)
            for name, value in fields.items()
            if model._meta.get_field(name).is_relation
        ]
    except Exception:  # the fault is elsewhere; the caller says what the deserializer said
        return ""
    key = f" {[fields['slug']]}" if "slug" in fields else ""
    return _missing_references(f"{path.name}, object {position} ({obj['model']}{key})", references)


def load_fixture_rows(
    paths: Sequence[Path], write_row: Callable[[DeserializedObject], bool]
) -> list[tuple[Path, int, DeserializedObject]]:
    """The one way catrack loads fixtures (`seed`, `load_facts`): every object of `paths` (Django JSON, natural
    keys, apps.core.serialization) in order, each written by `write_row(row)` (a DeserializedObject; returns
    True when it wrote the row) in a savepoint; references to rows of later files are filled in at the end;
    then every written row is checked against its model's rules in the final state. Call it inside a
    transaction: a raised FixtureRefused leaves that transaction to be rolled back whole.

    Returns the written rows as [(path, position, row)]. Raises FixtureRefused naming the file, the object
    (its position and natural key) and the field when a file is unreadable, a reference names no row, or a
    row breaks a rule (the database's or the model's; several broken rows are all named).
    """
    written, deferred = [], []
    for path in map(Path, paths):
        done = 0  # objects of this file read so far: a failure to read is at object done + 1
        try:
            with open(path, encoding="utf-8") as stream:
                rows = serializers.deserialize("json", stream, handle_forward_references=True)
                for position, row in enumerate(rows, start=1):
                    try:
                        with transaction.atomic():
                            wrote = write_row(row)
                    except DatabaseError as exc:  # a database rule: named by field where the model can
                        raise FixtureRefused(
                            _row_missing_references(path, position, row)
                            or _rule_errors(path, position, row)
                            or f"{path.name}, object {position} ({_object_label(row)}): {exc}"
                        ) from exc
                    if wrote:
                        written.append((path, position, row))
                        if row.deferred_fields:  # a row left alone (an analyst's) keeps its references too
                            deferred.append((path, position, row))
                    done = position
        except FixtureRefused:
            raise
        except (OSError, ValueError, serializers.base.DeserializationError, DatabaseError) as exc:
            raise FixtureRefused(
                _json_missing_references(path, done + 1) or f"{path.name}, object {done + 1}: {exc}"
            ) from exc
    for path, position, row in deferred:  # references to rows of later files
        try:
            with transaction.atomic():
                row.save_deferred_fields()
        except (ObjectDoesNotExist, DatabaseError) as exc:
            raise FixtureRefused(
                _row_missing_references(path, position, row)
                or f"{path.name}, object {position} ({_object_label(row)}): {exc}"
            ) from exc
    errors = [
        error for path, position, row in written if (error := _rule_errors(path, position, row, constraints=False))
    ]
    if errors:
        raise FixtureRefused("\n".join(errors))
    _reset_sequences({type(row.object) for _path, _position, row in written})
    return written


def _reset_sequences(models: Iterable[type[Model]]) -> None:
    """After rows were written with their ids (a fixture may still carry them), the next new row's id follows."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def fixtures_load(*, paths: Sequence[Path]) -> FixtureLoadResult:
    """Load an analyst's fixture files in order, in one transaction (load_fixture_rows: checked against every
    model rule, refused whole naming file, object and field). Every row is written as its fixture says.

    Returns a FixtureLoadResult. Raises FixtureRefused, with nothing written.
    """
    stored = {}  # id(row) → the row's stored values before, or None for a new row

    def write_row(row: DeserializedObject) -> bool:
        instance = row.object
        stored[id(row)] = (
            type(instance)._base_manager.filter(pk=instance.pk).values().first() if instance.pk is not None else None
        )
        row.save()
        return True

    with transaction.atomic():
        loaded = load_fixture_rows(paths, write_row)
    new = sum(1 for *_rest, row in loaded if stored[id(row)] is None)
    changed = sum(
        1
        for *_rest, row in loaded
        if stored[id(row)] is not None
        and stored[id(row)] != type(row.object)._base_manager.filter(pk=row.object.pk).values().first()
    )
    return FixtureLoadResult(files=len(paths), objects=len(loaded), new=new, changed=changed)


SEED_CHANGE_REASON = "seed"
# Who the change feed says made the seed's changes; not a possible username (Django allows no parentheses).
SEED_USER = "(seed)"
# Fields the seed never compares or copies: the row's own bookkeeping.
_SEED_BOOKKEEPING = {"created_at", "updated_at"}


def seed_rows(paths: Sequence[Path], *, force: bool = False) -> tuple[int, int, list[SeedConflict]]:
    """Bring the database to the fixtures' rows without undoing anyone's work; returns (new, updated, conflicts).

    Rows are matched by natural key (fixtures carry no ids). For each fixture row:
    - a row that does not exist is created;
    - a row equal to its fixture (fields and many-to-many) is left alone;
    - a row that differs and that nobody changed since the seed wrote it (seeded_unchanged) is updated;
    - a row an analyst changed is kept as it is and reported as a SeedConflict, unless force=True, which
      overwrites it. That includes a row whose natural key (its slug, say) an analyst changed: its history
      (the change feed) still holds the key the seed gave it (FOLLOW_CHANGED_KEYS), so it is found, not created a second
      time, and the rows that refer to it by that key still find it.
    Every row written is checked against the model's rules (load_fixture_rows: refused whole naming file,
    object and field). Every create and update is in the change feed as the seed's (user "(seed)", reason "seed"
    or "seed --force");
    `updated_at` becomes the time of the seed, never earlier than it was, so `modified_since` sees the change.
    """
    lock_change_feed()
    first_event = ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    now = timezone.now()
    counts = {"new": 0, "updated": 0}
    conflicts = []

    def write_row(row: DeserializedObject) -> bool:
        fixture: Any = row.object  # a TimeStampedModel
        model = type(fixture)
        current: Any = model._base_manager.filter(pk=fixture.pk).first() if fixture.pk is not None else None
        if current is None:
            fixture.created_at = fixture.updated_at = now
            set_change_reason(SEED_CHANGE_REASON)
            row.save()
            counts["new"] += 1
            return True
        differences = _seed_differences(row, current)
        if not differences:
            return False
        if force or seeded_unchanged(current, fixture):
            fixture.created_at = current.created_at
            fixture.updated_at = max(now, current.updated_at)
            set_change_reason(SEED_CHANGE_REASON if not force else f"{SEED_CHANGE_REASON} --force")
            row.save()
            counts["updated"] += 1
            return True
        conflicts.append(SeedConflict(model._meta.label_lower, current.pk, differences))
        return False

    following = FOLLOW_CHANGED_KEYS.set({})
    try:
        load_fixture_rows(paths, write_row)
    finally:
        FOLLOW_CHANGED_KEYS.reset(following)
        set_change_reason(None)  # the reason ends with the seed, not with an enclosing transaction
    # The feed's lock is held since the start: every event after first_event is the seed's own. Named here,
    # not by start_change, whose name would last to the end of an enclosing transaction.
    ChangeEvent.objects.filter(id__gt=first_event).update(user=SEED_USER)
    return counts["new"], counts["updated"], conflicts


def seeded_unchanged(current: Any, fixture: Any) -> bool:
    """True when nobody but the seed changed `current` since it was seeded: the last change event of the
    row (apps.core.change_capture, which sees every write) is the seed's. For a row with no event (written
    before the feed existed): it still carries the timestamp its fixture gave it."""
    last_event = (
        ChangeEvent.objects.filter(resource=current._meta.label_lower, object_id=str(current.pk))
        .order_by("-id")
        .values_list("user")
        .first()
    )  # (user,) or None: user itself may be null
    if last_event is not None:
        return last_event == (SEED_USER,)
    return current.updated_at == fixture.updated_at


def _seed_differences(row: DeserializedObject, current: Model) -> dict[str, tuple[Any, Any]]:
    """{field: (fixture value, current value)} for every field and many-to-many the fixture gives that differs."""
    fixture = row.object
    derived = getattr(type(fixture), "database_derived_fields", ())  # kept by the database, never by a fixture
    differences = {}
    for field in fixture._meta.concrete_fields:
        if (
            field.primary_key
            or field.name in _SEED_BOOKKEEPING
            or field.name in derived
            or field.attname in row.deferred_fields
        ):
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
