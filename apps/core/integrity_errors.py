"""Readable descriptions of IntegrityError: which rule or unique field a write broke, for the API's 409
Conflict and the admin's form error. Validation catches most bad input first; this covers races (two
clients creating the same slug at once) and rules only the database knows."""

import re
from functools import cache

from django.apps import apps

# PostgreSQL: 'Key (slug)=(tokyo-2025) already exists.'; SQLite: 'UNIQUE constraint failed: summits_summit.slug'.
_POSTGRES_KEY = re.compile(r"Key \((?P<fields>[^)]*)\)=")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")


@cache
def _named_constraints():
    """Every Meta.constraints entry of every model, by name."""
    return {constraint.name: constraint for model in apps.get_models() for constraint in model._meta.constraints}


def integrity_error_detail(error):
    """A readable description of an IntegrityError: {'detail': ..., 'constraint': ..., 'fields': [...]}."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    message_detail = getattr(diag, "message_detail", None) or ""
    text = str(error)
    fields = []
    if match := _POSTGRES_KEY.search(message_detail):
        fields = [f.strip() for f in match["fields"].split(",")]
    elif match := _SQLITE_UNIQUE.search(text):
        fields = [column.split(".")[-1] for column in match["columns"].split(", ")]
    elif match := _SQLITE_CHECK.search(text):
        name = match["name"]

    constraint = _named_constraints().get(name)
    if constraint is not None and getattr(constraint, "violation_error_message", None):
        detail = str(constraint.violation_error_message) % {"name": name}
    elif "foreign key" in text.lower() or "is still referenced" in message_detail or "is not present" in message_detail:
        detail = "The change refers to a row that does not exist, or removes one that others still refer to."
    elif fields or "unique" in text.lower() or "duplicate" in text.lower():
        detail = f"A row with this {', '.join(fields) or 'value'} already exists."
    else:
        detail = "The database refused this change because it breaks a data rule."
    if name and constraint is None and not fields:
        detail = f"{detail} (rule: {name})"
    return {"detail": detail, "constraint": name, "fields": fields}
