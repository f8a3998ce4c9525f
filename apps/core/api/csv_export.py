"""Exports of a whole filtered queryset: streamed CSV in constant memory, and bounded XLSX.

On PostgreSQL a list whose columns are all plain (no many-to-many, no partial dates) streams from
`COPY (the filtered queryset's own SQL) TO STDOUT`: the database writes the CSV, Python only passes
the bytes on (database speed). Elsewhere rows are written here, in the same bytes: LF line ends,
NULL and empty text as an empty field, decimals as stored, times as the JSON API writes them.
"""
import codecs
import io

from django.db import connection, models
from django.db.models import F, Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.core.csv_cells import csv_writer
from apps.core.models import format_partial_date

CHUNK_SIZE = 2000
COPY_CHUNK_BYTES = 256 * 1024  # COPY hands over one row per message: pass them on in larger pieces
CSV_FORMATS = {"csv": False, "csv-excel": True}  # format -> with a UTF-8 byte-order mark (for Excel)
EXPORT_FORMATS = {*CSV_FORMATS, "xlsx"}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 100_000  # bounded work per request; larger exports are CSV
_JSON_DATETIME = serializers.DateTimeField()


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


def copy_columns_for(model):
    """The same columns as csv_columns_for, as SQL expressions for COPY; None if one has no plain SQL form."""
    if model._meta.many_to_many:
        return None
    field_names = {f.name for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = []
    for field in model._meta.concrete_fields:
        if f"{field.name}_precision" in field_names:
            return None
        if field.is_relation:
            has_slug = "slug" in {f.name for f in field.related_model._meta.concrete_fields}
            columns.append((field.name, F(f"{field.name}__slug") if has_slug else F(field.attname)))
        elif isinstance(field, models.DateTimeField):
            from apps.core.api.sql import json_iso_utc

            column = f"{quote(model._meta.db_table)}.{quote(field.column)}"
            columns.append((field.name, RawSQL(json_iso_utc(column), (), output_field=models.TextField())))
        elif isinstance(field, (models.CharField, models.TextField)):
            # Empty text as an empty field, as the Python writer has it (COPY would write "" for it); text a
            # spreadsheet would run as a formula written as text, as csv_writer does.
            columns.append((field.name, NullIf(FormulaSafe(F(field.name)), Value(""), output_field=models.TextField())))
        elif isinstance(field, (models.DecimalField, models.IntegerField, models.BigAutoField, models.AutoField)):
            columns.append((field.name, F(field.name)))
        else:
            return None  # booleans, dates, JSON…: COPY would write them unlike the Python writer
    return columns


class FormulaSafe(Func):
    """apps.core.csv_cells.formula_safe in SQL (PostgreSQL regular expressions), over a column (no
    parameters: the template names the expression four times): text starting with = + - @ tab or CR,
    unless it is a plain number, gets a leading "'"."""

    template = (r"CASE WHEN %(expressions)s ~ '^[=+@\t\r-]'"
                r" AND %(expressions)s !~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$'"
                r" THEN '''' || %(expressions)s ELSE %(expressions)s END")
    output_field = models.TextField()


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


def export_response(queryset, *, export_format, filename, columns=None):
    """The whole filtered queryset as `export_format` (csv, csv-excel or xlsx): a streamed or bounded response."""
    if export_format == "xlsx":
        return xlsx_response(queryset, filename=filename, columns=columns)
    bom = CSV_FORMATS[export_format]
    copy_columns = copy_columns_for(queryset.model) if columns is None else None
    if (copy_columns is not None and connection.vendor == "postgresql"
            and timezone.get_current_timezone_name() == "UTC"):  # the SQL writes times in UTC
        return _csv_response(_copy_chunks(queryset, copy_columns), filename=filename, bom=bom)
    return _csv_response(_python_lines(queryset, columns), filename=filename, bom=bom)


def _csv_response(chunks, *, filename, bom):
    def body():
        if bom:
            yield codecs.BOM_UTF8
        yield from chunks

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _rows(queryset, columns):
    """The header, then each object's cells (Python values), in constant memory."""
    model = queryset.model
    columns = columns or csv_columns_for(model)
    select, many = csv_prefetches(model)
    queryset = queryset.select_related(*select).prefetch_related(*many)
    yield [name for name, _ in columns]
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [_cell(get(obj)) for _, get in columns]


def _python_lines(queryset, columns):
    """CSV lines written row by row (SQLite, and lists with many-to-many or partial-date columns)."""
    writer = csv_writer(_Echo(), lineterminator="\n")
    for row in _rows(queryset, columns):
        yield writer.writerow(row).encode()


def copy_sql(queryset, columns):
    """`COPY (…) TO STDOUT` of the filtered, ordered queryset's own SQL, with `columns` (name, expression)."""
    aliases = {f"csv_{number}": expression for number, (_, expression) in enumerate(columns)}
    query = queryset.annotate(**aliases).values_list(*aliases).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    import psycopg

    connection.ensure_connection()
    select = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    return f"COPY ({select}) TO STDOUT (FORMAT csv)"


def _copy_chunks(queryset, columns):
    writer = csv_writer(_Echo(), lineterminator="\n")
    statement = copy_sql(queryset, columns)
    yield writer.writerow([name for name, _ in columns]).encode()
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= COPY_CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def xlsx_bytes(rows):
    """An .xlsx file (bytes) of one sheet holding `rows` (lists of cells; the first is the header).

    Text stays text: a value starting with '=' is written as a string, never as a formula. Control
    characters a worksheet cannot hold (XML 1.0 forbids them) are written as U+FFFD, not refused.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cell(value):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if isinstance(value, str) and value.startswith("="):
            text = WriteOnlyCell(sheet, value)
            text.data_type = "s"
            return text
        return value

    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(queryset, *, filename, columns=None):
    """The queryset as a spreadsheet, the CSV's columns; a 400 beyond XLSX_MAX_ROWS rows (use CSV then)."""
    count = queryset.count()
    if count > XLSX_MAX_ROWS:
        raise ValidationError({"format": f"{count} rows are more than a spreadsheet export holds "
                                         f"({XLSX_MAX_ROWS}); narrow the filters or use format=csv."})
    response = HttpResponse(xlsx_bytes(_rows(queryset, columns)), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):  # a datetime: as the JSON API writes it
        return _JSON_DATETIME.to_representation(value)
    return value
