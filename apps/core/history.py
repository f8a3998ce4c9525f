"""A row's history as `/<resource>/{id}/history/` serves it: every write to the row, however it was made.

One record holds the writes: the change feed (apps.core.change_capture: database triggers, so save(), the admin,
the API, QuerySet.update(), raw SQL, loaddata, the seed and the importer alike). A row's history is its feed
events, each diffed against the one before it, plus its many-to-many changes read from the link tables' events
(one entry per change set and field, the linked rows named by slug). Newest first.

Entry: {history_id (the feed event's id: /api/v1/changes/ cursor; what a revert points at), date, change_type
(created, changed, deleted), user (only for staff: show_editors), change_reason, changes: [{field, old, new}]} —
a deletion lists the row's last values (old), a many-to-many change the slugs before and after, and which were
added and removed (its history_id: the last link event of the change).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from apps.core.models import ChangeAction, ChangeEvent

FEED_CHANGE_TYPES = {ChangeAction.CREATE: "created", ChangeAction.UPDATE: "changed", ChangeAction.DELETE: "deleted"}


def row_history(model: type[models.Model], pk: Any, *, show_editors: bool = False) -> list[dict]:
    """The history of row `pk` of `model` (see the module docstring), newest first; [] for a row the feed never
    saw. Two queries for the row, one per many-to-many field."""
    records = feed_records(model, pk, show_editors=show_editors) + link_history_records(
        model, pk, show_editors=show_editors
    )
    return sorted(records, key=lambda record: record["history_id"], reverse=True)  # ids follow commit order


def feed_records(model: type[models.Model], pk: Any, *, show_editors: bool = False) -> list[dict]:
    """The row's own feed events (oldest first), each with the fields it changed (old → new) against the event
    before it; a creation lists none, a deletion every field's last value."""
    from apps.core.reverts import row_values

    fields = _fields(model)
    records: list[dict] = []
    previous = None
    for event in row_events(model, pk):
        values = row_values(model, event.row) if isinstance(event.row, dict) else None
        if values is None:
            changes = []
        elif event.action == ChangeAction.DELETE:
            changes = [{"field": f.name, "old": _plain(values.get(f.attname)), "new": None} for f in fields]
        elif event.action == ChangeAction.UPDATE and previous is not None:
            changes = [
                {"field": f.name, "old": _plain(previous.get(f.attname)), "new": _plain(values.get(f.attname))}
                for f in fields
                if f.name != "updated_at" and previous.get(f.attname) != values.get(f.attname)
            ]  # updated_at moves on every write: the entry's date
        else:
            changes = []  # a creation, or an update whose earlier values predate the feed
        records.append(_entry(event, FEED_CHANGE_TYPES[event.action], changes, show_editors=show_editors))
        previous = values
    return records


def row_events(model: type[models.Model], pk: Any) -> models.QuerySet[ChangeEvent]:
    """The feed events of row `pk` of `model` itself (not its links), oldest first."""
    return ChangeEvent.objects.filter(resource=model._meta.label_lower, object_id=str(pk)).order_by("id")


def _entry(event: ChangeEvent, change_type: str, changes: list[dict], *, show_editors: bool) -> dict:
    return {
        "history_id": event.id,
        "date": event.occurred_at,
        "change_type": change_type,
        "user": event.user if show_editors else None,
        "change_reason": event.reason,
        "changes": changes,
    }


def link_history_records(model: type[models.Model], pk: Any, *, show_editors: bool = False) -> list[dict]:
    """The many-to-many changes of row `pk` (pledge recipients, grouping members, corridor markets...), from the
    change feed's events of the link tables: one entry per change set and field, with the linked rows' slugs
    before (`old`) and after (`new`), `added` and `removed`; also when a deleted row took its links with it. Link
    models of their own (summit participants) have their own history."""
    records = []
    for field in model._meta.many_to_many:
        through = field.remote_field.through._meta
        if not through.auto_created:
            continue
        own = through.get_field(field.m2m_field_name()).column
        other = through.get_field(field.m2m_reverse_field_name()).column
        events = list(ChangeEvent.objects.filter(resource=through.label_lower, **{f"row__{own}": pk}).order_by("id"))
        names = _slugs(field.related_model, {event.row.get(other) for event in events})
        linked: set = set()
        for group in _by_changeset(events):
            before = set(linked)
            for event in group:
                target = event.row.get(other)
                (linked.add if event.action == ChangeAction.CREATE else linked.discard)(target)
            if before == linked:
                continue
            change = {
                "field": field.name,
                "old": sorted(names[i] for i in before),
                "new": sorted(names[i] for i in linked),
                "added": sorted(names[i] for i in linked - before),
                "removed": sorted(names[i] for i in before - linked),
            }
            records.append(
                {**_entry(group[-1], "changed", [change], show_editors=show_editors), "date": group[0].occurred_at}
            )
    return records


def _by_changeset(events: list[ChangeEvent]) -> Iterable[list[ChangeEvent]]:
    group: list[ChangeEvent] = []
    for event in events:
        if group and (event.changeset is None or event.changeset != group[-1].changeset):
            yield group
            group = []
        group.append(event)
    if group:
        yield group


def _slugs(target: type[models.Model], ids: set) -> dict:
    """{id: the row's slug} (its last slug in the feed for a row deleted since; the id where there is none)."""
    ids = {pk for pk in ids if pk is not None}
    if not any(field.name == "slug" for field in target._meta.concrete_fields):
        return {pk: pk for pk in ids}
    names = dict(target._base_manager.filter(pk__in=ids).values_list("pk", "slug"))
    for pk in ids - set(names):
        last = (
            ChangeEvent.objects.filter(resource=target._meta.label_lower, object_id=str(pk))
            .order_by("-id")
            .values_list("row", flat=True)
            .first()
        )
        names[pk] = (last or {}).get("slug") or pk
    return names


def _fields(model: type[models.Model]) -> list[models.Field]:
    # Fields the database derives (Source.root_origin) are no one's change: history shows what writers wrote.
    derived = getattr(model, "database_derived_fields", ())
    return [field for field in model._meta.concrete_fields if not field.primary_key and field.name not in derived]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
