"""The columns a serializer reads, derived from its fields and the models' metadata, for `.only()`.

A viewset loads only what its serializer shows (`SummitViewSet`, the citations nested in every fact):
the list of columns is read from the serializer here, so a field added to a serializer needs no second
edit in a viewset. A field whose columns cannot be told (a SerializerMethodField, a source that is no
column) raises ImproperlyConfigured naming the serializer and the field, when the viewset's queryset is
built (at import, i.e. start-up), never a silent extra query per row.
"""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from rest_framework import serializers

from apps.core.api.briefs import brief_serializer
from apps.core.api.fields import BriefRelatedField, PartialDateField

# Fields (by class) that read no column of the row: what backs a fact reads its prefetched citations.
_READS_NO_COLUMN: list[type] = []


def reads_no_column(field_class: type) -> type:
    """Class decorator: fields of `field_class` (source '*') read no column of the row (they read a prefetch)."""
    _READS_NO_COLUMN.append(field_class)
    return field_class


def brief_columns(model, prefix: str) -> list[str]:
    """The `.only()` names (under `prefix`, e.g. 'host') a BriefRelatedField of `model` reads: the key, the
    brief serializer's own fields (slug, an actor's kind) and the columns `model.__str__` reads, which the
    model declares next to its __str__ as `str_columns`.

    Raises ImproperlyConfigured if `model` declares no `str_columns`."""
    str_columns = getattr(model, "str_columns", None)
    if str_columns is None:
        raise ImproperlyConfigured(
            f"{model.__name__} declares no str_columns (the columns its __str__ reads), which its brief needs"
        )
    # The name (source '*': str() of the row) reads str_columns.
    own = [field.source for field in brief_serializer(model)().fields.values() if field.source != "*"]
    names = [model._meta.pk.name, *own, *str_columns]
    return [f"{prefix}__{name}" for name in dict.fromkeys(names)]


def serializer_columns(serializer_class) -> list[str]:
    """The `.only()` names that `serializer_class` (a ModelSerializer) reads from a row of its Meta.model and
    the rows its to-one relations name, in its fields' order. To-many fields (nested lists, many=True) read
    prefetches, not columns, and add nothing.

    Raises ImproperlyConfigured, naming the serializer and field, for a field whose columns cannot be told."""
    model = serializer_class.Meta.model
    columns: list[str] = []
    for name, field in serializer_class().fields.items():

        def unknown(why: str, name: str = name) -> ImproperlyConfigured:
            return ImproperlyConfigured(
                f"{serializer_class.__name__}.{name}: {why}; the columns it reads cannot be derived for .only()"
            )

        if isinstance(field, (serializers.ListSerializer, serializers.ManyRelatedField)):
            continue  # a to-many relation: read from its prefetch
        if isinstance(field, PartialDateField):
            columns += [field.date_field, f"{field.date_field}_precision"]
            continue
        if isinstance(field, tuple(_READS_NO_COLUMN)):
            continue
        if field.source == "*" or isinstance(field, serializers.SerializerMethodField):
            raise unknown(f"a {type(field).__name__} reading the whole row")
        path = field.source.split(".")
        current = model
        for i, part in enumerate(path):
            try:
                model_field = current._meta.get_field(part)
            except FieldDoesNotExist:
                raise unknown(f"'{field.source}' is no column of {current.__name__}") from None
            if not model_field.concrete or model_field.many_to_many:
                raise unknown(f"'{field.source}' is no column of {current.__name__}")
            if model_field.is_relation and i < len(path) - 1:
                current = model_field.related_model
            elif i < len(path) - 1:
                raise unknown(f"'{field.source}' goes through a column that is no relation")
        joined = "__".join(path)
        if isinstance(field, BriefRelatedField):
            columns += brief_columns(model_field.related_model, joined)
        else:
            columns.append(joined)
    return list(dict.fromkeys(columns))
