"""Streaming CSV export of a whole filtered queryset, in constant memory."""
from django.db import models
from django.http import StreamingHttpResponse

from apps.core.csv_cells import csv_writer
from apps.core.models import format_partial_date

CHUNK_SIZE = 2000


class _Echo:
    """csv.writer wants a file; this one hands each line back instead of storing it."""

    def write(self, value):
        return value


def csv_columns_for(model):
    """Flat columns for a model: its fields, FKs and M2Ms by slug (or id), partial dates as known."""
    columns = []
    field_names = {f.name for f in model._meta.concrete_fields}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            related = field.related_model
            if "slug" in {f.name for f in related._meta.concrete_fields}:
                columns.append((field.name, _related_slug(field.name)))
            else:
                columns.append((field.name, _attr(field.attname)))
            continue
        columns.append((field.name, _attr(field.attname)))
        if f"{field.name}_precision" in field_names:
            columns.append((f"{field.name}_display", _partial_date(field.name)))
    for field in model._meta.many_to_many:
        columns.append((field.name, _many_slugs(field.name)))
    return columns


def _attr(name):
    return lambda obj: getattr(obj, name)


def _related_slug(name):
    def get(obj):
        related = getattr(obj, name)
        return related.slug if related is not None else None

    return get


def _partial_date(name):
    return lambda obj: format_partial_date(getattr(obj, name), getattr(obj, f"{name}_precision"))


def _many_slugs(name):
    def get(obj):
        return ";".join(getattr(item, "slug", str(item.pk)) for item in getattr(obj, name).all())

    return get


def csv_prefetches(model):
    """The joins csv_columns_for needs, so each chunk costs a fixed number of queries."""
    select = [f.name for f in model._meta.concrete_fields if f.is_relation
              and "slug" in {g.name for g in f.related_model._meta.concrete_fields}]
    many = [f.name for f in model._meta.many_to_many if not _has_custom_through(f)]
    through = [f.name for f in model._meta.many_to_many if _has_custom_through(f)]
    return select, many + through


def _has_custom_through(field):
    return not field.remote_field.through._meta.auto_created


def csv_stream_response(queryset, *, filename, columns=None):
    model = queryset.model
    columns = columns or csv_columns_for(model)
    select, many = csv_prefetches(model)
    queryset = queryset.select_related(*select).prefetch_related(*many)
    writer = csv_writer(_Echo())

    def rows():
        yield writer.writerow([name for name, _ in columns])
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield writer.writerow([_cell(get(obj)) for _, get in columns])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    return value
