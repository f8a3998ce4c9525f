"""A row's history as `/<resource>/{id}/history/` serves it: every write to the row, however it was made.

Two records hold the writes. django-simple-history's versions (what save() wrote: the user, a change reason, the
entry a revert goes back to) and the change feed (apps.core.change_capture: database triggers, so also
QuerySet.update(), raw SQL, loaddata and the importer). A row's history is its versions, plus each feed event of
the row that no version records (such writes move `updated_at`, so a version records an update exactly when its
`updated_at` is the event's), plus its many-to-many changes read from the link tables' events (one entry per
change set and field, the linked rows named by slug). Newest first.

Entry: {history_id (a version's id; null for an entry read from the feed), date, change_type (created, changed,
deleted), user (only for staff: show_editors), change_reason, changes: [{field, old, new}]} — a deletion lists
the row's last values (old), a many-to-many change the slugs before and after, and which were added and removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from apps.core.models import ChangeAction, ChangeEvent

CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
FEED_CHANGE_TYPES = {ChangeAction.CREATE: "created", ChangeAction.UPDATE: "changed", ChangeAction.DELETE: "deleted"}


def row_history(model: type[models.Model], pk: Any, versions: Any, *, show_editors: bool = False) -> list[dict]:
    """The history of row `pk` of `model` (see the module docstring); `versions`: its simple-history records."""
    versions = list(versions.select_related("history_user").order_by("history_date", "history_id"))
    records = (
        history_records(versions, show_editors=show_editors)
        + feed_records(model, pk, versions, show_editors=show_editors)
        + link_history_records(model, pk, show_editors=show_editors)
    )
    return sorted(records, key=_newest_first_key, reverse=True)


# Within one millisecond a row is created before it changes and changes before it is deleted.
_CHANGE_TYPE_ORDER = {"created": 0, "changed": 1, "deleted": 2}


def _newest_first_key(record: dict) -> tuple:
    """Sort key of a history entry: its time to the millisecond, then created < changed < deleted. The change
    feed's times on SQLite have milliseconds only (strftime's %f), simple-history's microseconds; compared as they
    are, a deletion in the same millisecond as the creation could sort before it."""
    date = record["date"]
    return (date.replace(microsecond=date.microsecond // 1000 * 1000), _CHANGE_TYPE_ORDER.get(record["change_type"], 1))


def history_records(versions: list, *, show_editors: bool = False) -> list[dict]:
    """Every recorded version (oldest first in, entries out in the same order), each with the fields it changed
    (old → new); a deletion with every field's last value. One query for the versions: they are diffed pairwise
    in Python rather than asking each for its predecessor."""
    records, previous = [], None
    for version in versions:
        if version.history_type == "-":
            changes = [
                {"field": field.name, "old": _plain(getattr(version, field.attname)), "new": None}
                for field in _fields(version.instance_type)
            ]
        elif previous is not None:
            delta = version.diff_against(previous)
            changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
        else:
            changes = []
        records.append(
            {
                "history_id": version.history_id,
                "date": version.history_date,
                "change_type": CHANGE_TYPES.get(version.history_type, version.history_type),
                "user": version.history_user.get_username() if show_editors and version.history_user else None,
                "change_reason": version.history_change_reason,
                "changes": changes,
            }
        )
        previous = version
    return records


def feed_records(model: type[models.Model], pk: Any, versions: list, *, show_editors: bool = False) -> list[dict]:
    """The row's writes that only the change feed saw (QuerySet.update(), raw SQL, loaddata, another client):
    its feed events that no version records, each diffed against the event before it."""
    from apps.core.reverts import row_values

    recorded_types = {version.history_type for version in versions}
    recorded_times = {getattr(version, "updated_at", None) for version in versions}
    fields = _fields(model)
    records, previous = [], None
    for event in ChangeEvent.objects.filter(resource=model._meta.label_lower, object_id=str(pk)).order_by("id"):
        values = row_values(model, event.row) if isinstance(event.row, dict) else None
        recorded = {
            ChangeAction.CREATE: "+" in recorded_types,
            ChangeAction.DELETE: "-" in recorded_types,
            ChangeAction.UPDATE: values is not None and values.get("updated_at") in recorded_times,
        }[event.action]
        if not recorded and values is not None:
            if event.action == ChangeAction.DELETE:
                changes = [{"field": f.name, "old": _plain(values.get(f.attname)), "new": None} for f in fields]
            elif event.action == ChangeAction.UPDATE and previous is not None:
                changes = [
                    {"field": f.name, "old": _plain(previous.get(f.attname)), "new": _plain(values.get(f.attname))}
                    for f in fields
                    if previous.get(f.attname) != values.get(f.attname)
                ]
            else:
                changes = []
            records.append(
                {
                    "history_id": None,
                    "date": event.occurred_at,
                    "change_type": FEED_CHANGE_TYPES[event.action],
                    "user": event.user if show_editors else None,
                    "change_reason": None,
                    "changes": changes,
                }
            )
        previous = values
    return records


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
            records.append(
                {
                    "history_id": None,
                    "date": group[0].occurred_at,
                    "change_type": "changed",
                    "user": group[0].user if show_editors else None,
                    "change_reason": None,
                    "changes": [
                        {
                            "field": field.name,
                            "old": sorted(names[i] for i in before),
                            "new": sorted(names[i] for i in linked),
                            "added": sorted(names[i] for i in linked - before),
                            "removed": sorted(names[i] for i in before - linked),
                        }
                    ],
                }
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
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
