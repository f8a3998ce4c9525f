"""Undoing changes: a row back to one of its history entries (with its many-to-many values), or a whole change
set (what one transaction wrote: a request, an admin save, a seed run, an import) undone at once.

Both write as any other change does: in one transaction, checked against the models' rules (full_clean; a
broken rule refuses the whole revert), with a history entry naming who reverted and why, and captured by the
change feed's triggers as a new change set of their own. The API (apps.core.api) and the admin call these.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Exists, OuterRef, ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone

from apps.core.change_capture import SQLITE_CHANGESET_FUNCTION, feed_row, start_change
from apps.core.models import ChangeAction, ChangeEvent

CONFLICT_ROWS_SHOWN = 50


class RevertRefused(Exception):
    """Nothing was reverted. `rows` names the rows in the way: [{"resource", "object_id", "cursor"}] (cursor:
    the feed event that changed the row later, or null); `message` says why."""

    def __init__(self, message, rows=()):
        super().__init__(message)
        self.message = message
        self.rows = list(rows)[:CONFLICT_ROWS_SHOWN]


@dataclass(frozen=True)
class ChangeSetRevert:
    changeset: int  # the change set reverted
    reverted_by: int  # the change set the revert itself wrote
    rows: int  # rows brought back to their earlier state


def current_changeset(using="default"):
    """The change set id of the current transaction: what the capture triggers write in `changeset`."""
    connection = connections[using]
    sql = (
        "SELECT pg_current_xact_id()::text::bigint"
        if connection.vendor == "postgresql"
        else f"SELECT {SQLITE_CHANGESET_FUNCTION}()"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def permission_model(model):
    """The model whose permissions govern writes to `model`: a many-to-many link table's owner, else itself."""
    return model._meta.auto_created or model


def changeset_models(changeset):
    """The models a change set wrote to (link tables as their owning model): what a reverter needs the
    change permission of."""
    labels = ChangeEvent.objects.filter(changeset=changeset).values_list("resource", flat=True).distinct()
    return {permission_model(apps.get_model(label)) for label in labels}


def row_values(model, row):
    """{attname: Python value} of a captured row (a feed event's `row`, keyed by column)."""
    row = feed_row(model._meta.label_lower, row)
    values = {}
    for field in model._meta.concrete_fields:
        value = row.get(field.column)
        if isinstance(field, models.DecimalField) and isinstance(value, float):
            value = Decimal(repr(value))  # JSON numbers come back as floats: keep the digits written
        values[field.attname] = None if value is None else field.to_python(value)
    return values


def links_at(model, pk, version):
    """{many-to-many field name: sorted ids} of row `pk` as they were at history entry `version`: the link
    tables' feed events up to the row's next history entry (a save writes its history entry, then its
    many-to-many values). A field whose current links predate the feed (no event) is left out: its past
    is unknown."""
    later = (
        type(version)
        .objects.filter(**{model._meta.pk.attname: pk, "history_date__gt": version.history_date})
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    result = {}
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if not through._meta.auto_created:
            continue  # a link model of its own (summit participants) has its own history
        own = through._meta.get_field(field.m2m_field_name()).column
        other = through._meta.get_field(field.m2m_reverse_field_name()).column
        events = ChangeEvent.objects.filter(resource=through._meta.label_lower, **{f"row__{own}": pk})
        known = set(events.values_list("object_id", flat=True))
        current = {str(link_id) for link_id in through.objects.filter(**{own: pk}).values_list("pk", flat=True)}
        if current - known:
            continue
        if later is not None:
            events = events.filter(occurred_at__lt=later)
        links = {}
        for event in events.order_by("id"):
            if event.action == ChangeAction.DELETE:
                links.pop(event.object_id, None)
            else:
                links[event.object_id] = event.row.get(other)
        result[field.name] = sorted(set(links.values()))
    return result


def revert_row_to_version(row, history_id, *, user=None):
    """Bring `row` (locked by the caller, its version checked) back to history entry `history_id`: its fields
    and its many-to-many values (links_at), saved as a new change with reason "revert to history entry N".

    Returns the saved row. Raises LookupError (no such entry of this row), ValidationError (the old values
    break a rule now), RevertRefused (a linked row no longer exists), IntegrityError (a unique value is taken).
    """
    model = type(row)
    version = row.history.filter(history_id=history_id).first()
    if version is None:
        raise LookupError(f"No history entry {history_id} of this row.")
    reverted = version.instance
    reverted._state.adding = False  # the same row, saved over (unique checks must not count it twice)
    reverted.full_clean()
    links = links_at(model, row.pk, version)
    for name, ids in links.items():
        target = model._meta.get_field(name).related_model
        missing = sorted(set(ids) - set(target._base_manager.filter(pk__in=ids).values_list("pk", flat=True)))
        if missing:
            raise RevertRefused(
                f"{name}: {len(missing)} of the rows it held then no longer exist.",
                [{"resource": target._meta.label_lower, "object_id": str(pk), "cursor": None} for pk in missing],
            )
    reverted._change_reason = f"revert to history entry {history_id}"
    if user is not None:
        reverted._history_user = user
    reverted.save()
    for name, ids in links.items():
        getattr(reverted, name).set(ids)
    return reverted


def revert_changeset(changeset, *, username=None, user=None, force=False, using="default"):
    """Undo change set `changeset` in one transaction, itself a new change set: a row it created is deleted,
    a row it deleted comes back with the same id and its last values, a row it changed gets the values it
    had before (link tables likewise, so many-to-many values come back too). Every row is then checked
    against its model's rules.

    Returns a ChangeSetRevert. Raises LookupError (no such change set); RevertRefused when a row it touched
    was changed by a later change set (unless force=True, which overwrites those later changes), when a
    row to delete is still referred to by rows outside the change set, or when an update's earlier values
    were never recorded; ValidationError {"<resource> <id>": [messages]} when a restored row breaks a rule;
    IntegrityError when the database refuses it. Nothing is written on any error.
    """
    with transaction.atomic(using=using):
        start_change(username, lock=True, using=using)
        events = list(ChangeEvent.objects.using(using).filter(changeset=changeset).order_by("id"))
        if not events:
            raise LookupError(f"No change set {changeset} in the change feed.")
        if not force:
            later = (
                ChangeEvent.objects.using(using)
                .filter(id__gt=events[0].id)
                .exclude(changeset=changeset)
                .filter(
                    Exists(
                        ChangeEvent.objects.filter(
                            changeset=changeset, resource=OuterRef("resource"), object_id=OuterRef("object_id")
                        )
                    )
                )
                .order_by("id")
            )
            conflicts = list(later.values("resource", "object_id", "id")[:CONFLICT_ROWS_SHOWN])
            if conflicts:
                raise RevertRefused(
                    "Rows of this change set were changed afterwards; revert those changes first, or force.",
                    [{"resource": c["resource"], "object_id": c["object_id"], "cursor": c["id"]} for c in conflicts],
                )
        now = timezone.now()
        reason = f"revert of change set {changeset}"
        touched = {}
        for event in reversed(events):
            model = apps.get_model(event.resource)
            target = _state_before(event, using)
            _restore(model, event.object_id, target, now=now, reason=reason, user=user, using=using)
            touched[(event.resource, event.object_id)] = model
        errors = {}
        for (label, object_id), model in touched.items():
            row = model._base_manager.using(using).filter(pk=object_id).first()
            if row is None:
                continue
            try:
                row.full_clean()
            except ValidationError as error:
                errors[f"{label} {object_id}"] = error.messages
        if errors:
            raise ValidationError(errors)
        return ChangeSetRevert(changeset=changeset, reverted_by=current_changeset(using), rows=len(touched))


def _state_before(event, using):
    """The row's values before `event` (a dict of columns), or None when it did not exist then."""
    if event.action == ChangeAction.CREATE:
        return None
    if event.action == ChangeAction.DELETE:
        return event.row  # the tombstone: its last values
    prior = (
        ChangeEvent.objects.using(using)
        .filter(resource=event.resource, object_id=event.object_id, id__lt=event.id)
        .order_by("-id")
        .first()
    )
    if prior is None or prior.action == ChangeAction.DELETE:
        raise RevertRefused(
            "A row's values before this change set were never recorded (changed before the change feed existed).",
            [{"resource": event.resource, "object_id": event.object_id, "cursor": event.id}],
        )
    return prior.row


def _restore(model, object_id, target, *, now, reason, user, using):
    current = model._base_manager.using(using).select_for_update().filter(pk=object_id).first()
    history = getattr(model, "history", None)
    if target is None:
        if current is None:
            return
        _refuse_cascade(current, using)
        current._change_reason = reason
        if user is not None:
            current._history_user = user
        current.delete(using=using)
        return
    instance = model(**row_values(model, target))
    if hasattr(instance, "updated_at"):
        instance.updated_at = max(now, current.updated_at) if current is not None else now
    # raw: the stored values exactly as they were (created_at kept), then the history entry written here.
    instance.save_base(raw=True, force_insert=current is None, force_update=current is not None, using=using)
    if history is not None:
        history.bulk_history_create(
            [instance], update=current is not None, default_user=user, default_change_reason=reason, default_date=now
        )


def _refuse_cascade(row, using):
    # Deleting a row the change set created must not take rows written since (they would vanish unseen).
    collector = Collector(using=using, origin=row)
    try:
        collector.collect([row])
    except (ProtectedError, RestrictedError) as error:
        blocking = getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", ())
        raise RevertRefused(
            "Rows written since still refer to a row this change set created.",
            [{"resource": o._meta.label_lower, "object_id": str(o.pk), "cursor": None} for o in blocking],
        ) from None
    others = [
        (m._meta.label_lower, o.pk)
        for m, objs in collector.data.items()
        for o in objs
        if not (m is type(row) and o.pk == row.pk)
    ]
    for queryset in collector.fast_deletes:
        others += [
            (queryset.model._meta.label_lower, pk) for pk in queryset.values_list("pk", flat=True)[:CONFLICT_ROWS_SHOWN]
        ]
    if others:
        raise RevertRefused(
            "Rows written since still refer to a row this change set created.",
            [{"resource": label, "object_id": str(pk), "cursor": None} for label, pk in others],
        )
