"""Undoing changes: a row back to one of its history entries (with its many-to-many values), or a whole change
set (what one transaction wrote: a request, an admin save, a seed run, an import) undone as a whole.

Both write as any other change does: checked against the models' rules (full_clean), with a history entry
naming who reverted and why, and captured by the change feed's triggers as a new change set of their own.
A row's revert is one transaction. A change set's revert is written in batches of REVERT_BATCH_ROWS rows,
each its own transaction (a large import's revert would otherwise hold the feed's lock, and so every write
to the site, for minutes), with its progress in a ChangeSetRevert row: a partial revert says so and the next
revert continues it. The API (apps.core.api), the admin and `manage.py revert_changeset` call these.
"""

import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Exists, Max, Min, OuterRef, ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone

from apps.core.change_capture import SQLITE_CHANGESET_FUNCTION, feed_row, set_change_reason, start_change
from apps.core.models import ChangeAction, ChangeEvent, ChangeSetRevert

CONFLICT_ROWS_SHOWN = 50


class RevertRefused(Exception):
    """Nothing was reverted. `rows` names the rows in the way: [{"resource", "object_id", "cursor"}] (cursor:
    the feed event that changed the row later, or null); `message` says why."""

    def __init__(self, message, rows=()):
        super().__init__(message)
        self.message = message
        self.rows = list(rows)[:CONFLICT_ROWS_SHOWN]


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


def entry_cutoff(model, pk, history_id, *, using="default"):
    """The feed event of row `pk` of `model` that history entry `history_id` (apps.core.history: a feed event of
    the row or of its many-to-many links) leaves the row at, and the feed cursor the entry ends at: a save writes
    the row, then its many-to-many values, in one change set, and the entry stands for all of that — the events
    of the row and its links in the entry's change set up to the row's next own write. Returns (the row's own
    last event at or before that cursor, the cursor). Raises LookupError when the entry is not this row's, or
    when the row did not exist then (an entry of its deletion)."""
    label = model._meta.label_lower
    events = ChangeEvent.objects.using(using)
    of_row = models.Q(resource=label, object_id=str(pk))
    for field in model._meta.many_to_many:
        through = field.remote_field.through._meta
        if through.auto_created:
            column = through.get_field(field.m2m_field_name()).column
            of_row |= models.Q(resource=through.label_lower, **{f"row__{column}": pk})
    entry = events.filter(of_row, pk=history_id).first()
    if entry is None:
        raise LookupError(f"No history entry {history_id} of this row.")
    cutoff = entry.id
    if entry.changeset is not None:
        same_write = events.filter(of_row, changeset=entry.changeset, id__gt=entry.id)
        next_own = events.filter(resource=label, object_id=str(pk), id__gt=entry.id).aggregate(first=Min("id"))
        if next_own["first"] is not None:
            same_write = same_write.filter(id__lt=next_own["first"])
        cutoff = same_write.aggregate(last=Max("id"))["last"] or entry.id
    own = events.filter(resource=label, object_id=str(pk), id__lte=cutoff).order_by("-id").first()
    if own is None or own.action == ChangeAction.DELETE:
        raise LookupError(f"History entry {history_id} is not a state of this row it can go back to.")
    return own, cutoff


def links_at(model, pk, cutoff, *, using="default"):
    """{many-to-many field name: sorted ids} of row `pk` as they were at feed cursor `cutoff`: the link tables'
    feed events up to it, replayed. A field whose current links predate the feed (no event) is left out: its
    past is unknown."""
    result = {}
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if not through._meta.auto_created:
            continue  # a link model of its own (summit participants) has its own history
        own = through._meta.get_field(field.m2m_field_name()).column
        other = through._meta.get_field(field.m2m_reverse_field_name()).column
        events = ChangeEvent.objects.using(using).filter(resource=through._meta.label_lower, **{f"row__{own}": pk})
        known = set(events.values_list("object_id", flat=True))
        current = {
            str(link_id)
            for link_id in through._base_manager.using(using).filter(**{own: pk}).values_list("pk", flat=True)
        }
        if current - known:
            continue
        links = {}
        for event in events.filter(id__lte=cutoff).order_by("id"):
            if event.action == ChangeAction.DELETE:
                links.pop(event.object_id, None)
            else:
                links[event.object_id] = event.row.get(other)
        result[field.name] = sorted(set(links.values()))
    return result


def revert_row_to_version(row, history_id, *, using="default"):
    """Bring `row` (locked by the caller, its version checked, its writer named by start_change) back to history
    entry `history_id` (apps.core.history: a feed event of the row or its links): its fields as the feed stored
    them (row_values, as a change set's revert reads them) and its many-to-many values (links_at), saved as a new
    change with reason "revert to history entry N".

    Returns the saved row. Raises LookupError (no such entry of this row), ValidationError (the old values
    break a rule now), RevertRefused (a linked row no longer exists), IntegrityError (a unique value is taken).
    """
    model = type(row)
    event, cutoff = entry_cutoff(model, row.pk, history_id, using=using)
    reverted = model(**row_values(model, event.row))
    reverted._state.adding = False  # the same row, saved over (unique checks must not count it twice)
    reverted._state.db = using
    reverted.full_clean()
    links = links_at(model, row.pk, cutoff, using=using)
    for name, ids in links.items():
        target = model._meta.get_field(name).related_model
        missing = sorted(set(ids) - set(target._base_manager.filter(pk__in=ids).values_list("pk", flat=True)))
        if missing:
            raise RevertRefused(
                f"{name}: {len(missing)} of the rows it held then no longer exist.",
                [{"resource": target._meta.label_lower, "object_id": str(pk), "cursor": None} for pk in missing],
            )
    set_change_reason(f"revert to history entry {history_id}", using=using)
    reverted.save(using=using)
    for name, ids in links.items():
        getattr(reverted, name).set(ids)
    return reverted


def revert_changeset(
    changeset: int,
    *,
    username: str | None = None,
    force: bool = False,
    seconds: float | None = None,
    using: str = "default",
) -> ChangeSetRevert:
    """Undo change set `changeset` as a new change set: a row it created is deleted, a row it deleted comes back
    with the same id and its last values, a row it changed gets the values it had before (link tables
    likewise, so many-to-many values come back too); each row is then checked against its model's rules.

    Written in batches (revert_changeset_batches): at most settings.REVERT_BATCH_ROWS rows a transaction, so
    other writers wait for a batch, not for the whole revert. Runs batches until the change set is reverted,
    or, with `seconds`, until that many seconds have passed (at least one batch): the web's bound, so a
    revert stops soon after its client has gone. Returns the ChangeSetRevert: `state` 'done', or 'partial'
    with `rows` of `rows_total` done; calling again continues after the last batch written, never reverting a
    row twice. A change set of at most REVERT_BATCH_ROWS rows is one transaction: all or nothing.

    Raises LookupError (no such change set); RevertRefused when a row it touched was changed by a later change
    set (unless force=True, which overwrites those later changes), when a row to delete is still referred to
    by rows outside the change set, or when an update's earlier values were never recorded; ValidationError
    {"<resource> <id>": [messages]} when a restored row breaks a rule; IntegrityError when the database
    refuses it. The batch that raises writes nothing; batches written before it stay, and the error's
    `revert` attribute is then the ChangeSetRevert saying how far it got (else None).
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    progress = None
    # Inside a caller's transaction the batches are its savepoints: correct, but others wait for all of them.
    batches = revert_changeset_batches(changeset, username=username, force=force, using=using)
    try:
        for progress in batches:
            if deadline is not None and time.monotonic() >= deadline:
                break
    except (LookupError, RevertRefused, ValidationError, IntegrityError) as error:
        # Batches written before (by this call or an earlier one) stay: the error says how far it got.
        error.revert = (
            ChangeSetRevert.objects.using(using).filter(changeset=changeset, finished_at__isnull=True).first()
        )  # type: ignore[union-attr]
        raise
    finally:
        batches.close()
    assert progress is not None  # the first batch returns or raises
    return progress


def revert_changeset_batches(
    changeset: int, *, username: str | None = None, force: bool = False, using: str = "default"
) -> Iterator[ChangeSetRevert]:
    """Revert `changeset` one batch at a time (revert_changeset says what and what it raises), yielding the
    ChangeSetRevert after each batch has committed; stopping the iteration stops the revert between batches.

    Rows are reverted once each, to their values before the change set's first event on them, in descending
    order of that event (so rows that refer to others are deleted before them, and rows referred to come back
    first). Each batch takes the feed's lock (every write to a captured table waits for it meanwhile), reads
    the progress row, checks its rows for later changes (excluding the revert's own), writes them, checks
    them against their models' rules, gives its events the revert's change set and records its progress.
    """
    first = True
    while True:
        progress = _revert_batch(changeset, username=username, force=force, check_all=first, using=using)
        first = False
        yield progress
        if progress.finished_at is not None:
            return


def _revert_batch(changeset, *, username, force, check_all, using):
    with transaction.atomic(using=using):
        # The feed's lock: one writer (and one batch) at a time; the events name who reverted and why.
        start_change(username, lock=True, reason=f"revert of change set {changeset}", using=using)
        events = ChangeEvent.objects.using(using).filter(changeset=changeset)
        progress = (
            ChangeSetRevert.objects.using(using)
            .select_for_update()
            .filter(changeset=changeset, finished_at__isnull=True)
            .first()
        )
        if progress is None:
            rows_total = events.values("resource", "object_id").distinct().count()
            if not rows_total:
                raise LookupError(f"No change set {changeset} in the change feed.")
            progress = ChangeSetRevert(
                changeset=changeset, reverted_by=current_changeset(using), rows_total=rows_total, user=username or ""
            )
        firsts = events.values("resource", "object_id").annotate(first=Min("id"))
        if progress.position is not None:
            firsts = firsts.filter(first__lt=progress.position)
        if not force and check_all:  # a revert starting or resuming: refused before anything is written
            _refuse_later_changes(changeset, progress.reverted_by, using, before=progress.position)
        batch = list(firsts.order_by("-first")[: settings.REVERT_BATCH_ROWS])
        if not force and not check_all:  # a row may have changed since the revert started
            _refuse_later_changes(changeset, progress.reverted_by, using, rows=batch)
        now = timezone.now()
        first_events = ChangeEvent.objects.using(using).in_bulk([row["first"] for row in batch])
        for row in batch:
            event = first_events[row["first"]]
            model = apps.get_model(event.resource)
            _restore(model, event.object_id, _state_before(event, using), now=now, using=using)
        errors = {}
        for row in batch:
            model = apps.get_model(row["resource"])
            restored = model._base_manager.using(using).filter(pk=row["object_id"]).first()
            if restored is None:
                continue
            try:
                restored.full_clean()
            except ValidationError as error:
                errors[f"{row['resource']} {row['object_id']}"] = error.messages
        if errors:
            raise ValidationError(errors)
        this_transaction = current_changeset(using)
        if this_transaction != progress.reverted_by:  # a later batch: its events join the revert's change set
            ChangeEvent.objects.using(using).filter(changeset=this_transaction).update(changeset=progress.reverted_by)
        progress.rows += len(batch)
        if batch:
            progress.position = batch[-1]["first"]
        if progress.rows >= progress.rows_total or not batch:
            progress.finished_at = now
        progress.save(using=using)
        return progress


def _refuse_later_changes(changeset, reverted_by, using, *, rows=None, before=None):
    """RevertRefused naming rows of `changeset` that a change set other than it and its revert `reverted_by`
    changed after it did: among `rows` ([{"resource", "object_id"}]), else among the rows whose first event
    in the change set is before cursor `before` (those not reverted yet; None: all its rows)."""
    mine = ChangeEvent.objects.using(using).filter(changeset=changeset)
    of_row = {"resource": OuterRef("resource"), "object_id": OuterRef("object_id")}
    later = (
        ChangeEvent.objects.using(using)
        .filter(id__gt=mine.aggregate(start=Min("id"))["start"])
        .exclude(changeset__in=[changeset, reverted_by])
        .filter(Exists(mine.filter(**of_row, id__lt=OuterRef("id"))))
    )
    if rows is not None:
        ids = defaultdict(list)
        for row in rows:
            ids[row["resource"]].append(row["object_id"])
        keys = models.Q(pk__in=[])
        for resource, object_ids in ids.items():
            keys |= models.Q(resource=resource, object_id__in=object_ids)
        later = later.filter(keys)
    elif before is not None:
        later = later.filter(Exists(mine.filter(**of_row, id__lt=before)))
    conflicts = list(later.order_by("id").values("resource", "object_id", "id")[:CONFLICT_ROWS_SHOWN])
    if conflicts:
        raise RevertRefused(
            "Rows of this change set were changed afterwards; revert those changes first, or force.",
            [{"resource": c["resource"], "object_id": c["object_id"], "cursor": c["id"]} for c in conflicts],
        )


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


def _restore(model, object_id, target, *, now, using):
    current = model._base_manager.using(using).select_for_update().filter(pk=object_id).first()
    if target is None:
        if current is None:
            return
        _refuse_cascade(current, using)
        current.delete(using=using)
        return
    instance = model(**row_values(model, target))
    if hasattr(instance, "updated_at"):
        instance.updated_at = max(now, current.updated_at) if current is not None else now
    # raw: the stored values exactly as they were (created_at kept); the feed's triggers record the write.
    instance.save_base(raw=True, force_insert=current is None, force_update=current is not None, using=using)


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
