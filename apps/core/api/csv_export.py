"""Exports of a whole filtered queryset: streamed CSV in constant memory, and bounded XLSX.

A list's CSV columns are defined once (csv_columns_for): each Column says how the Python writer gets
its cell from a row and, beside it, the same cell as SQL. On PostgreSQL every list streams from
`COPY (the filtered queryset's own SQL, with those expressions) TO STDOUT`: the database writes the
CSV, Python only passes the bytes on (database speed). On SQLite (or outside UTC) the rows are written
here, in the same bytes (tests/api/test_list_csv.py compares them for every list): LF line ends, NULL
and empty text as an empty field, decimals as stored, times as the JSON API writes them, partial dates
as format_partial_date, many-to-many links as `;`-joined slugs in the related model's order.
"""

import codecs
import datetime
import io
import re
from dataclasses import dataclass
from typing import Callable

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, models
from django.db.models import F, Func, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Cast, Concat, NullIf, Replace
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.core.api.csv_dialect import PLAIN, CSVDialect, mark_dialect
from apps.core.api.sql import json_iso_utc
from apps.core.csv_cells import FORMULA_STARTS, PLAIN_NUMBER, csv_writer, is_number_text
from apps.core.models import format_partial_date, format_partial_date_sql
from apps.core.replicas import read_connection

CHUNK_SIZE = 2000
COPY_CHUNK_BYTES = 256 * 1024  # COPY hands over one row per message: pass them on in larger pieces
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 100_000  # bounded work per request; larger exports are CSV
MANY_SEPARATOR = ";"  # between the slugs of a many-to-many cell
_JSON_DATETIME = serializers.DateTimeField()


class _Echo:
    """csv.writer wants a file; this one hands each line back instead of storing it."""

    def write(self, value):
        return value


@dataclass(frozen=True)
class Column:
    """One CSV column of a list.

    `name` is its header; `get(row)` its cell for the Python writer (a model instance in, a value out:
    None is an empty field); `sql` the same cell as an ORM expression over the list's queryset, giving
    exactly the text the Python writer writes (NULL for an empty field), or None when the cell has no
    SQL form (then the list is written by Python). `select` (a select_related name) and `prefetch` (a
    Prefetch) are what the getter reads, so each chunk of rows costs a fixed number of queries. `decimal`:
    the cell is a decimal number (written with the CSV's decimal mark, apps.core.api.csv_dialect).
    """

    name: str
    get: Callable
    sql: object = None
    select: str | None = None
    prefetch: Prefetch | None = None
    decimal: bool = False


def csv_columns_for(model):
    """A model's flat CSV columns (list of Column), in field order: fields; a foreign key as the related
    slug (else its id); a GenericForeignKey's pair as `<name>_type` ('app_label.model', as the JSON's
    ContentTypeField) and `<name>_id`; a partial date's `<field>_display` after the date; many-to-many
    links last, as `;`-joined slugs (else ids)."""
    field_names = {f.name for f in model._meta.concrete_fields}
    generic = {}
    for private in model._meta.private_fields:
        if isinstance(private, GenericForeignKey):
            generic[private.ct_field] = (f"{private.name}_type", "type")
            generic[private.fk_field] = (f"{private.name}_id", "id")
    columns = []
    for field in model._meta.concrete_fields:
        if field.name in generic:
            name, part = generic[field.name]
            columns.append(_content_type_column(name, field) if part == "type" else _plain_column(name, field))
        elif field.is_relation:
            columns.append(_foreign_key_column(field))
        else:
            columns.append(_plain_column(field.name, field))
            if f"{field.name}_precision" in field_names:
                columns.append(_partial_date_column(field.name))
    columns.extend(_many_column(field) for field in model._meta.many_to_many)
    if _is_fact_model(model):
        columns.extend(fact_support_columns(model))
    return columns


def _is_fact_model(model):
    from apps.core.models import FactModel

    return issubclass(model, FactModel)


def fact_support_columns(model):
    """What backs each fact (apps.sources.corroboration), the columns the JSON writes before its citations:
    basis, independent_origins, official_sources and disputed_fields (`;`-joined)."""
    from apps.sources.api.serializers import citations_prefetch, fact_support_of
    from apps.sources.corroboration import INDEPENDENT_ORIGIN_SQL, citations_sql

    opts = model._meta

    def of(pk, *, sources=False):
        return f"{citations_sql(opts.app_label, opts.model_name, sources=sources)} AND c.object_id = {pk}"

    def basis(pk):
        return (
            f"(SELECT CASE WHEN bool_or(c.basis = 'stated') THEN 'stated' WHEN count(*) > 0 THEN 'inferred' END "
            f"{of(pk)})"
        )

    def origins(pk):
        return f"(SELECT count(DISTINCT {INDEPENDENT_ORIGIN_SQL.format(source='src')}) {of(pk, sources=True)})"

    def official(pk):
        return (
            f"(SELECT count(DISTINCT c.source_id) {of(pk)} AND c.source_id IN "
            "(SELECT id FROM sources_source WHERE is_official))"
        )

    def disputed(pk):
        return (
            f"(SELECT string_agg(d.field, '{MANY_SEPARATOR}' ORDER BY d.field) FROM (SELECT c.field {of(pk)} "
            "AND c.field <> '' GROUP BY c.field HAVING count(DISTINCT c.value) > 1) d)"
        )

    def part(name, join=False):
        def get(obj):
            value = getattr(fact_support_of(obj), name)
            return MANY_SEPARATOR.join(value) if join else value

        return get

    return [
        Column("basis", part("basis"), SQLOf(basis, F("pk")), prefetch=citations_prefetch()),
        Column("independent_origins", part("independent_origins"), SQLOf(origins, F("pk"))),
        Column("official_sources", part("official_sources"), SQLOf(official, F("pk"))),
        Column("disputed_fields", part("disputed_fields", join=True), SQLOf(disputed, F("pk"))),
    ]


def _has_slug(model):
    return "slug" in {f.name for f in model._meta.concrete_fields}


def _text(expression):
    """SQL text as the Python writer writes a str cell: formula-safe, empty text as an empty field."""
    return NullIf(FormulaSafe(expression), Value(""), output_field=models.TextField())


def _plain_column(name, field):
    column = field.attname

    def get(obj):
        return getattr(obj, column)

    if isinstance(field, models.DateTimeField):
        sql = SQLOf(json_iso_utc, F(column))  # what _list_cell writes: the JSON API's text
    elif isinstance(field, models.DateField):
        sql = SQLOf(lambda date: f"to_char({date}, 'YYYY-MM-DD')", F(column))  # str(date)
    elif isinstance(field, models.BooleanField):
        sql = SQLOf(lambda flag: f"CASE WHEN {flag} THEN 'True' WHEN NOT {flag} THEN 'False' END", F(column))
    elif isinstance(field, (models.CharField, models.TextField)):
        sql = _text(F(column))
    elif isinstance(field, (models.DecimalField, models.IntegerField, models.AutoField)):
        sql = F(column)  # COPY writes them as Python's str() does (decimals with the column's scale)
    else:
        sql = None  # floats, JSON, …: COPY would write them unlike the Python writer
    return Column(name, get, sql, decimal=isinstance(field, (models.DecimalField, models.FloatField)))


def _foreign_key_column(field):
    name, attname = field.name, field.attname
    if not _has_slug(field.related_model):
        return Column(name, lambda obj: getattr(obj, attname), F(attname))  # the related row's id

    def get(obj):
        related = getattr(obj, name)
        return related.slug if related is not None else None

    return Column(name, get, _text(F(f"{name}__slug")), select=name)


def _content_type_column(name, field):
    attname = field.attname

    def get(obj):
        content_type = ContentType.objects.get_for_id(getattr(obj, attname))  # cached by Django
        return f"{content_type.app_label}.{content_type.model}"

    sql = Concat(F(f"{field.name}__app_label"), Value("."), F(f"{field.name}__model"), output_field=models.TextField())
    return Column(name, get, sql)


def _partial_date_column(name):
    precision = f"{name}_precision"

    def get(obj):
        return format_partial_date(getattr(obj, name), getattr(obj, precision))

    return Column(f"{name}_display", get, SQLOf(format_partial_date_sql, F(name), F(precision)))


def _many_column(field):
    """`;`-joined slugs (else ids) of the linked rows, in the related model's order then by id."""
    related = field.related_model
    has_slug = _has_slug(related)
    order = [*related._meta.ordering, "pk"]
    name = field.name

    def get(obj):
        return MANY_SEPARATOR.join(item.slug if has_slug else str(item.pk) for item in getattr(obj, name).all())

    prefetch = Prefetch(name, queryset=related._default_manager.order_by(*order))
    if not all(isinstance(key, str) for key in order):
        return Column(name, get, None, prefetch=prefetch)
    # The same links, read through the link table in the same order, as one array per row.
    through = field.remote_field.through
    target = field.m2m_reverse_field_name()
    links = (
        through._default_manager.filter(**{field.m2m_field_name(): OuterRef("pk")})
        .order_by(*(f"-{target}__{key[1:]}" if key.startswith("-") else f"{target}__{key}" for key in order))
        .values(f"{target}__slug" if has_slug else target)
    )
    joined = Func(
        _ArraySubquery(links), Value(MANY_SEPARATOR), function="array_to_string", output_field=models.TextField()
    )
    return Column(name, get, _text(joined), prefetch=prefetch)


class _ArraySubquery(Subquery):
    """ARRAY(subquery): the subquery's values in its own order (as django.contrib.postgres's)."""

    template = "ARRAY(%(subquery)s)"
    output_field = models.TextField()  # only passed on to array_to_string


class SQLOf(Func):
    """An expression whose SQL one of catrack's SQL twins writes (format_partial_date_sql,
    json_iso_utc…): `write` gets the compiled SQL of each argument, which must be a plain column
    (the text may repeat it)."""

    output_field = models.TextField()

    def __init__(self, write, *expressions):
        super().__init__(*expressions)
        self.write = write

    def as_sql(self, compiler, connection, **extra_context):
        parts = []
        for expression in self.get_source_expressions():
            sql, params = compiler.compile(expression)
            if params:
                raise ValueError("SQLOf takes columns, not parameters")
            parts.append(sql)
        return self.write(*parts), []


# The same patterns as csv_cells, as PostgreSQL regular expressions: the starts as a character class
# ('-' last, tab and CR as escapes), the plain number anchored (Python uses fullmatch).
_FORMULA_START = "[" + "".join({"\t": r"\t", "\r": r"\r"}.get(c, c) for c in FORMULA_STARTS if c != "-") + "-]"
_PLAIN_NUMBER = PLAIN_NUMBER.pattern


class FormulaSafe(Func):
    """apps.core.csv_cells.formula_safe in SQL (PostgreSQL regular expressions, the same patterns): text
    starting with = + - @ tab or CR, unless it is a plain number, gets a leading "'". Over a column the
    test is a CASE (cheapest); over any other expression (a subquery) one regexp_replace, which reads it
    once."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra_context):
        (expression,) = self.get_source_expressions()
        sql, params = compiler.compile(expression)
        starts, number = f"'^{_FORMULA_START}'", f"'^{_PLAIN_NUMBER}$'"
        if isinstance(expression, models.expressions.Col) and not params:
            return (f"CASE WHEN {sql} ~ {starts} AND {sql} !~ {number} THEN '''' || {sql} ELSE {sql} END"), []
        return f"regexp_replace({sql}, '^(?={_FORMULA_START})(?!{_PLAIN_NUMBER}$)', '''')", params


def csv_response(queryset, *, filename, columns=None, dialect: CSVDialect = PLAIN, byte_order_mark=False):
    """The whole filtered queryset as CSV, streamed (from COPY where every column has an SQL form).

    `columns`: a list of Column (default csv_columns_for the queryset's model); `dialect`: a CSV's field
    separator and decimal mark (apps.core.api.csv_dialect.csv_dialect), said in its headers; `filename`
    without its extension; `byte_order_mark`: begin with UTF-8's, for Excel (the csv-excel format,
    apps.core.api.renderers)."""
    columns = columns or csv_columns_for(queryset.model)
    if copy_writes(columns):
        chunks = _copy_chunks(queryset, columns, dialect)
    else:
        chunks = _python_lines(queryset, columns, dialect)
    return mark_dialect(
        _csv_response(chunks, filename=filename, bom=byte_order_mark, delimiter=dialect.delimiter), dialect
    )


def export_filename(resource, *, when=None):
    """What an export holds and when it was made: 'catrack-pledges-2026-12-07' (UTC date, no extension)."""
    when = when or timezone.now()
    return f"catrack-{resource}-{when.astimezone(datetime.timezone.utc):%Y-%m-%d}"


def copy_writes(columns):
    """Whether PostgreSQL's COPY writes a CSV of these columns: on PostgreSQL, in UTC (the SQL writes
    times in UTC), every column with an SQL form."""
    return (
        connection.vendor == "postgresql"
        and timezone.get_current_timezone_name() == "UTC"
        and all(column.sql is not None for column in columns)
    )


# The first cell of the last row of an export the server stopped before its end (docs/api-guide.md).
INCOMPLETE_EXPORT_MARK = "#INCOMPLETE EXPORT"


def incomplete_export_row(error, delimiter=","):
    """The CSV line that ends an export cut short by `error` (the export's statement timeout, or any failure
    after the status line went out): one cell starting INCOMPLETE_EXPORT_MARK and saying why, so neither a
    person nor a program takes the rows before it for the whole list. A 200 and the rows are already sent."""
    from apps.core.api.exceptions import QUERY_CANCELED

    # psycopg's own error from COPY (the raw cursor), or Django's wrapping it.
    if QUERY_CANCELED in (getattr(error, "sqlstate", None), getattr(error.__cause__, "sqlstate", None)):
        reason = "the export ran longer than the server's export time limit (EXPORT_STATEMENT_TIMEOUT)"
    else:
        reason = "the server failed while writing it"
    text = (
        f"{INCOMPLETE_EXPORT_MARK}: {reason}. The rows above are not every matching row. Narrow the filters "
        "(year, modified_since, ...) and export again."
    )
    return csv_writer(_Echo(), delimiter=delimiter).writerow([text]).encode()


def _csv_response(chunks, *, filename, bom, delimiter=","):
    def body():
        if bom:
            yield codecs.BOM_UTF8
        try:
            yield from chunks
        except Exception as error:  # not GeneratorExit: a client that leaves reads nothing more
            # Every chunk ends on a whole line (a row, or COPY's rows), so the mark is a row of its own. The error
            # goes on: the server logs it and ends the response without its last chunk, which clients report too.
            yield incomplete_export_row(error, delimiter)
            raise

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _rows(queryset, columns):
    """The header, then each object's cells (Python values), in constant memory."""
    columns = columns or csv_columns_for(queryset.model)
    # The list's own prefetches serve its JSON; the CSV's columns say what they read.
    queryset = (
        queryset.select_related(*(column.select for column in columns if column.select))
        .prefetch_related(None)
        .prefetch_related(*(column.prefetch for column in columns if column.prefetch))
    )
    getters = [column.get for column in columns]
    yield [column.name for column in columns]
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [_list_cell(get(obj)) for get in getters]


def _python_lines(queryset, columns, dialect: CSVDialect = PLAIN):
    """CSV lines written row by row by Python (SQLite; PostgreSQL outside UTC)."""
    writer = csv_writer(_Echo(), delimiter=dialect.delimiter, decimal_mark=dialect.decimal_mark)
    for row in _rows(queryset, columns):
        yield writer.writerow(row).encode()


def copy_sql(queryset, columns, dialect: CSVDialect = PLAIN):
    """`COPY (…) TO STDOUT` of the filtered, ordered queryset's own SQL, selecting each Column's `sql` (a decimal
    one with the dialect's decimal mark), fields separated by the dialect's delimiter."""
    aliases = {
        f"csv_{number}": _with_decimal_mark(column.sql, dialect.decimal_mark) if column.decimal else column.sql
        for number, column in enumerate(columns)
    }
    delimiter = dialect.delimiter
    query = queryset.annotate(**aliases).values_list(*aliases).query
    database = read_connection(queryset)  # the replica for the read API where one is configured
    sql, params = query.get_compiler(connection=database).as_sql()
    import psycopg

    database.ensure_connection()
    select = psycopg.ClientCursor(database.connection).mogrify(sql, params)
    options = (
        "FORMAT csv" if delimiter == "," else f"FORMAT csv, DELIMITER E'{delimiter.encode('unicode_escape').decode()}'"
    )
    return f"COPY ({select}) TO STDOUT ({options})"


def _with_decimal_mark(sql, decimal_mark):
    """A decimal column's SQL as text with `decimal_mark` for its point (as csv_cells.with_decimal_mark writes it)."""
    if decimal_mark == ".":
        return sql
    return Replace(Cast(sql, models.TextField()), Value("."), Value(decimal_mark), output_field=models.TextField())


def _copy_chunks(queryset, columns, dialect: CSVDialect = PLAIN):
    """The header (written here), then the rows as COPY writes them, in pieces of COPY_CHUNK_BYTES."""
    writer = csv_writer(_Echo(), delimiter=dialect.delimiter)
    try:
        statement = copy_sql(queryset, columns, dialect)
    except EmptyResultSet:  # matches nothing by construction (e.g. `q` where no text field can match): no rows
        statement = None
    yield writer.writerow([column.name for column in columns]).encode()
    if statement is None:
        return
    buffer = bytearray()
    with read_connection(queryset).cursor() as cursor:
        # Without JIT: a list's cost estimate counts each row's subqueries (many-to-many columns, what backs each
        # fact), so a few thousand rows pass jit_above_cost, and compiling them took longer than running them
        # (docs/benchmarks.md, "Figures behind the code").
        cursor.execute("SELECT set_config('jit', 'off', false)")
        try:
            with cursor.cursor.copy(statement) as copy:
                for data in copy:
                    buffer += data
                    if len(buffer) >= COPY_CHUNK_BYTES:
                        yield bytes(buffer)
                        buffer.clear()
        finally:
            try:
                cursor.execute("RESET jit")
            except DatabaseError:  # a failed transaction, which rolls the setting back with it
                pass
    if buffer:
        yield bytes(buffer)


XLSX_MAX_CELL_CHARACTERS = 32767  # Excel's "Total number of characters that a cell can contain"
XLSX_WIDTH_SAMPLE = 200  # rows read to size the columns
XLSX_MAX_WIDTH = 60
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def xlsx_bytes(rows, *, numbers_from_text=False):
    """An .xlsx file (bytes) of one sheet holding `rows` (lists of cells; the first is the header).

    The header is bold, frozen and carries an AutoFilter; columns are as wide as their first
    XLSX_WIDTH_SAMPLE rows need (at most XLSX_MAX_WIDTH characters). Dates are date cells (yyyy-mm-dd),
    times (written as in JSON, `2026-11-30T12:00:00Z`) datetime cells in UTC, numbers number cells; with
    `numbers_from_text` (a table of text cells, e.g. a summary) a plain decimal without a leading zero is
    read back as a number ('0042', a code, stays text). Text stays text: a value starting with '=' is
    written as a string, never as a formula. Control characters a worksheet cannot hold (XML 1.0 forbids
    them) are written as U+FFFD, not refused. A text longer than a cell holds (XLSX_MAX_CELL_CHARACTERS,
    Excel's limit) is cut and ends saying so, with its full length: JSON and CSV carry it whole.
    """
    from itertools import chain, islice

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    rows = iter(rows)
    header = next(rows, [])
    sample = list(islice(rows, XLSX_WIDTH_SAMPLE))

    def typed(value):
        if isinstance(value, str):
            if ISO_DATETIME.fullmatch(value):
                return datetime.datetime.fromisoformat(value.removesuffix("Z")), "yyyy-mm-dd hh:mm:ss"
            if ISO_DATE.fullmatch(value):
                return datetime.date.fromisoformat(value), "yyyy-mm-dd"
            if numbers_from_text and is_number_text(value):
                from decimal import Decimal

                return Decimal(value), None
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            if len(value) > XLSX_MAX_CELL_CHARACTERS:
                note = f" [cut: {len(value)} characters, a cell holds {XLSX_MAX_CELL_CHARACTERS}; format=json has all]"
                value = value[: XLSX_MAX_CELL_CHARACTERS - len(note)] + note
            return value, None
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.timezone.utc).replace(tzinfo=None), "yyyy-mm-dd hh:mm:ss"
        if isinstance(value, datetime.date):
            return value, "yyyy-mm-dd"
        return value, None

    def cell(value):
        value, number_format = typed(value)
        if isinstance(value, str) and value.startswith("="):
            text = WriteOnlyCell(sheet, value)
            text.data_type = "s"
            return text
        if number_format:
            dated = WriteOnlyCell(sheet, value)
            dated.number_format = number_format
            return dated
        return value

    widths = [len(str(name)) for name in header]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            shown = (
                19
                if isinstance(value, datetime.datetime) or (isinstance(value, str) and ISO_DATETIME.fullmatch(value))
                else len(str(value))
            )
            widths[index] = max(widths[index], shown)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 6), XLSX_MAX_WIDTH) + 2
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    titles = []
    for name in header:
        title = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(name)))
        title.font = bold
        titles.append(title)
    sheet.append(titles)
    count = 0
    for row in chain(sample, rows):
        sheet.append([cell(value) for value in row])
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(queryset, *, filename, columns=None):
    """The queryset as a spreadsheet, the CSV's columns; a 400 beyond XLSX_MAX_ROWS rows (use CSV then)."""
    count = queryset.count()
    if count > XLSX_MAX_ROWS:
        raise ValidationError(
            {
                "format": f"{count} rows are more than a spreadsheet export holds "
                f"({XLSX_MAX_ROWS}); narrow the filters or use format=csv."
            }
        )
    response = HttpResponse(xlsx_bytes(_rows(queryset, columns)), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _list_cell(value):
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):  # a datetime: as the JSON API writes it
        return _JSON_DATETIME.to_representation(value)
    return value
