"""A list page that PostgreSQL counts and renders to JSON in one statement (the way PostgREST serves).

For the lists analysts page through at scale (trade flows, summits, pledges): the ORM path builds Python objects
per row, which cost more than the database's own work. Here nothing about *which* rows is written
twice: the view's ordinary queryset (`filter_queryset()`: every filter, `q`, the ordering) is compiled
by the ORM into the matching rows (counted) and the page's ids (those rows in the ORDER BY the ORM compiles,
once per ordering: ordering_sql), and a resource's JSON statement (its `page_json` module) only renders
those rows. Tests (tests/*/test_list_sql_path.py) compare this path's responses with plain
DRF's byte for byte, filter by filter.
"""

import functools

from django.core.exceptions import EmptyResultSet, FieldError, ImproperlyConfigured
from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import Count, Window
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from apps.core.api.counts import ExactCount, exact_count
from apps.core.api.pagination import LastPageFromTheEnd, PageNumberWithoutCount
from apps.core.replicas import read_connection

# The column of `page` holding the count of every matching row, where it is counted with the page (count_with_page).
PAGE_TOTAL = "page_total"
# The CTE of every row the list's filters match, where the page and its count are both read from them (SQLPage).
MATCHING = "matching"
# The ids of the page's rows (the `page` CTE SQLPage.fetch writes), for a page_json's nested lists: `= ANY(…)` of them.
PAGE_IDS = "ANY(ARRAY(SELECT id FROM page))"


class RawJSON(str):
    """JSON text PostgreSQL rendered, spliced into the response as it is (apps.core.api.renderers.JSONRenderer)."""


class SQLPagePaginator(PageNumberWithoutCount, LastPageFromTheEnd, DjangoPaginator):
    """Django's Paginator over a SQLPage (below): the count comes with the page, in the same statement."""

    def page(self, number):
        number = self.validate_number_without_count(number)
        total, rows = self.object_list.fetch(
            limit=self.per_page, offset=(number - 1) * self.per_page, total=self.__dict__.get("count")
        )
        self.__dict__["count"] = total
        if number > self.num_pages:  # num_pages is 1 for an empty list: page 1 of nothing is fine
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page([RawJSON(rows)], number, self)

    @property
    def count(self):
        # Only `?page=last` asks before page(): it needs the total to know which page that is.
        if "count" not in self.__dict__:
            self.__dict__["count"] = self.object_list.count()
        return self.__dict__["count"]

    def reads_from_the_end(self):
        return self.object_list.queryset.ordered

    def tail(self, size):
        _, rows = self.object_list.fetch(limit=size, offset=0, from_the_end=True, total=self.count)
        return [RawJSON(rows)]


class SQLPage:
    """A filtered, ordered queryset whose count and JSON page one statement returns.

    `page_json` is a SELECT of one text value, the page's rows as a JSON array. It reads them from
    `page`: the page's rows as the queryset's own SQL selects them (every column of the model's table, under its
    name), in its order, with `n` their 1-based position. The page's rows are read once, by the page's own
    index scan: a page that joined its ids back to the table read each id's index entry once per partition of a
    partitioned table (25 partitions: 1,250 index probes for a page of 50 trade flows, docs/benchmarks.md).
    """

    paginator_class = SQLPagePaginator  # CatrackPagination pages it with this

    def __init__(self, queryset, *, page_json, count_with_page=False, compiled=None):
        # count_with_page: count the matching rows with the page, not in a sub-select of their own: the page is read
        # from the matching rows (a CTE) and its count too, or, for an ordering that joins or reverses, counted by a
        # window over them (as apps.core.api.pagination.WindowCountPaginator). For a list whose filters cost more
        # than reading every matching row (the pledges' claims filters group every citation; the documents' search):
        # they then run once, not twice. The count is kept as any other (page=last reads it). A list of many rows
        # whose count an index-only scan reads (trade flows) keeps the sub-select, which reads no row it does not
        # count.
        # compiled: the queryset's SQL from the request's kept shape (apps.core.api.shapes); `queryset` is then a
        # function that builds it, called only where a page needs more than that SQL (page=last, count=estimated).
        self.page_json, self.count_with_page, self.compiled = page_json, count_with_page, compiled
        if compiled is None:
            self.queryset = queryset
        else:
            self._build = queryset

    @functools.cached_property
    def queryset(self):
        """The filtered, ordered queryset (built here only where the page came with `compiled`)."""
        return self._build()

    def fetch(self, *, limit, offset, from_the_end=False, total=None):
        """(total matching rows, the page's rows as JSON text): one round trip. `from_the_end`: the page is the
        list's last `limit` rows (`offset` 0), read in the reverse order (page=last); `total`: the count, if
        already known, is not taken again. The count is the one kept for this list where the change feed has not
        moved since (apps.core.api.counts), decided in the same statement: count and page are of one snapshot."""
        compiled = None if from_the_end else self.compiled
        if compiled is not None:
            matching, params, order_by = compiled.matching, list(compiled.params), compiled.order_by
            # As the queryset's: a kept shape is read where the model's reads go (apps.core.replicas).
            database = read_connection(self.model)
            distinct = False  # a kept shape orders apart from its query: ordering_sql() refuses DISTINCT
        else:
            statement = self.count_statement()
            if statement is None:  # a queryset that matches nothing by construction (`.none()`, `IN ()`)
                return 0, "[]"
            table_rows, matching, params = statement
            # The read's own connection: the replica for the read API where one is configured (apps.core.replicas).
            database = read_connection(self.queryset)
            queryset = table_rows.reverse() if from_the_end else table_rows
            order_by, distinct = ordering_sql(queryset.query), queryset.query.distinct
        standalone = order_by is not None and matching.startswith("SELECT ")
        # DISTINCT is applied after a window: the window would count duplicates.
        counted_with_page = total is None and self.count_with_page and not distinct
        # The matching rows read once, into a CTE the page and its count both read: the filters are written (and
        # planned) once, where a window's count needed a second copy of them for an empty page's count.
        once = counted_with_page and standalone
        if total is None:
            count = ExactCount(database, f"SELECT count(*) FROM ({matching}) matching", params)
            if once:
                counted, count_params = count.select_sql(of_statement=f"(SELECT count(*) FROM {MATCHING})")
            elif counted_with_page:
                counted, count_params = count.select_sql(with_page=f"(SELECT {PAGE_TOTAL} FROM page LIMIT 1)")
            else:
                counted, count_params = count.select_sql()
            feed = count.from_sql()
        else:
            count, counted, count_params, feed = None, f"NULL, {int(total)}", [], ""
        ctes = ""
        if once:
            # Ordered under the table's own name: the ORDER BY compiled for the table (ordering_sql) reads the CTE's
            # columns, which are the table's (count_statement).
            ctes = f"{MATCHING} AS MATERIALIZED ({matching}), "
            table = database.ops.quote_name(self.model._meta.db_table)
            rows = f"SELECT * FROM {MATCHING} {table} ORDER BY {order_by} LIMIT {int(limit)} OFFSET {int(offset)}"
            rows_params, counted_with_page = params, False
        elif standalone:
            select = matching
            if counted_with_page:
                # The window in the compiled select's own list (not DISTINCT: above): the queryset compiled once.
                select = f"SELECT COUNT(*) OVER () AS {PAGE_TOTAL}, {matching.removeprefix('SELECT ')}"
            rows, rows_params = f"{select} ORDER BY {order_by} LIMIT {int(limit)} OFFSET {int(offset)}", params
        else:
            if counted_with_page:
                queryset = queryset.annotate(**{PAGE_TOTAL: Window(Count("*"))})
            rows, rows_params = queryset[offset : offset + limit].query.sql_with_params()
        # Numbered in the rows' order (backwards for rows read from the end): a sub-select with LIMIT is not
        # merged into the outer query, and a window with no ORDER BY reads its rows as they come. The outer
        # select keeps the table's columns only (a DISTINCT also selects the ordering's, a search its rank).
        n = "-row_number() OVER ()" if from_the_end else "row_number() OVER ()"
        columns = [field.column for field in self.model._meta.concrete_fields]
        columns += [PAGE_TOTAL] if counted_with_page else []
        selected = ", ".join(database.ops.quote_name(column) for column in columns)
        page = f"SELECT {selected}, {n} AS n FROM ({rows}) numbered"
        with database.cursor() as cursor:
            cursor.execute(
                f"WITH {ctes}page AS MATERIALIZED ({page}) SELECT {counted}, ({self.page_json}){feed}",
                [*rows_params, *count_params],
            )
            position, total, page_rows = cursor.fetchone()
        return (total if count is None else count.result(position, total)), page_rows

    def count_statement(self):
        """(the queryset as read here, its SQL without ORDER BY, params), or None for a queryset that matches nothing
        by construction. Every column of the model's own table (the model's default select: nothing joined for show,
        nothing deferred), compiled once: counted (PostgreSQL drops the columns the count does not read, so it stays
        an index-only scan) and, in the ordering compiled once per ordering, the page."""
        rows = table_rows(self.queryset)
        try:
            matching, params = rows.order_by().query.sql_with_params()
        except EmptyResultSet:
            return None
        return rows, matching, list(params)

    @property
    def model(self):
        return self.queryset.model if self.compiled is None else self.compiled.model

    def count(self):
        """The exact count alone (page=last asks it first): the same statement's count as fetch() takes, kept or not
        alike (apps.core.api.counts)."""
        statement = self.count_statement()
        return 0 if statement is None else exact_count(statement[0])


def table_rows(queryset):
    """`queryset` selecting every column of its model's table under its name and nothing else (the model's default
    select: nothing joined for show, nothing deferred), as the SQL page reads it."""
    # Each clone copies the whole query: only what is there is undone.
    if queryset.query.select_related is not False:
        queryset = queryset.select_related(None)
    if queryset.query.deferred_loading != (frozenset(), True):
        queryset = queryset.defer(None)
    return queryset


def ordering_sql(query):
    """The ORDER BY clause Django compiles for `query`'s ordering, or None where it cannot stand apart from the
    query: an ordering that joins another table, takes parameters or reverses, a DISTINCT, grouped or combined
    query. Compiling the ten-term total ordering of the trade flows was half of compiling a page's ids
    (docs/benchmarks.md); it depends only on the model and the terms, so it is compiled once per ordering."""
    if (
        query.distinct
        or query.group_by is not None
        or query.combinator
        or not query.standard_ordering
        or query.extra_order_by
        or not query.order_by
        or query.low_mark
        or query.high_mark is not None
    ):
        return None
    try:
        return _ordering_of(query.model, tuple(query.order_by))
    except TypeError:  # an unhashable term (an expression holding a list): compiled with the query
        return None


@functools.lru_cache(maxsize=256)  # orderings are the resources' defaults and `?ordering=` of ordering_fields
def _ordering_of(model, terms):
    try:
        query = model._base_manager.order_by(*terms).values("pk").query
        _, order_by, _ = query.get_compiler(connection=connection).pre_sql_setup()
    except FieldError:  # orders by an annotation of the query (a search rank): compiled with the query
        return None
    sql, params = [], []
    for _, (term_sql, term_params, _) in order_by:
        sql.append(term_sql)
        params += term_params
    joined = [alias for alias, count in query.alias_refcount.items() if count and alias != query.base_table]
    if params or joined or not sql:
        return None  # joins another table, or takes parameters
    return ", ".join(sql)


def json_iso_utc(column):
    """SQL for a timestamp as the API writes it: datetime.isoformat() in UTC with 'Z', microseconds only if any."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {column}) = {column}"
        """ THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END)"""
    )


def json_text(expression, *, null=False):
    """SQL of `expression`'s JSON text (PostgreSQL's to_json: the escaping row_to_json uses); `null`: it may be
    NULL, written as JSON null."""
    return f"coalesce(to_json({expression})::text, 'null')" if null else f"to_json({expression})::text"


def json_text_object(members):
    """SQL text of a compact JSON object (`{"a":1}`, as DRF writes it) of `members`: (key, SQL of the value's
    JSON text) pairs, in order. Written as text: row_to_json of a sub-select looks every column's type up again
    for every row (docs/benchmarks.md, "Figures behind the code")."""
    return (
        "("
        + " || ".join(f"""'{"{" if i == 0 else ","}"{key}":' || {value}""" for i, (key, value) in enumerate(members))
        + " || '}')"
    )


def json_serializer_object(serializer_class, members, *, twin):
    """SQL text of a JSON object as `serializer_class` writes it: its fields' keys in its order (read from the
    serializer, not restated), each value's SQL from `members` ({field name: SQL of its JSON text}). `twin` names
    the SQL twin in the error.

    Raises ImproperlyConfigured, naming the serializer and the field, for a field of the serializer `members`
    cannot render, or a member the serializer has no field for: at import of the twin, i.e. start-up."""
    names = list(serializer_class().fields)
    for name in names:
        if name not in members:
            raise ImproperlyConfigured(
                f"{serializer_class.__name__}.{name}: the SQL twin {twin} cannot render this field; add its SQL there"
            )
    for name in members:
        if name not in names:
            raise ImproperlyConfigured(
                f"{twin} renders '{name}', which {serializer_class.__name__} has no field for; remove it there"
            )
    return json_text_object([(name, members[name]) for name in names])


def model_ordering_sql(model, aliases, ordering=None):
    """SQL ORDER BY terms of `model`'s Meta.ordering (what the ORM's prefetch of its rows orders by), so a twin's
    nested list is in the ORM's order without restating it. `aliases`: {relation path ('' for the model itself,
    'actor' for actor__…): its table alias in the twin's SQL}; `ordering`: other terms than Meta.ordering's.

    Raises ImproperlyConfigured, naming the model and term, for a term that is no column path or whose relation
    has no alias (so the twin cannot order by it)."""
    terms = []
    for term in model._meta.ordering if ordering is None else ordering:
        if not isinstance(term, str) or term == "?":
            raise ImproperlyConfigured(f"{model.__name__}.Meta.ordering: {term!r} cannot be written in SQL here")
        name = term.lstrip("-")
        *relations, last = name.split("__")
        current = model
        for relation in relations:
            current = current._meta.get_field(relation).related_model
        path = "__".join(relations)
        if path not in aliases:
            raise ImproperlyConfigured(f"{model.__name__}.Meta.ordering: '{term}' needs an alias for '{path}'")
        fields = {f.attname: f for f in current._meta.concrete_fields} | {
            f.name: f for f in current._meta.concrete_fields
        }
        if last not in fields:
            raise ImproperlyConfigured(f"{model.__name__}.Meta.ordering: '{term}' is no column of {current.__name__}")
        column = fields[last].column
        terms.append(f"{aliases[path]}.{column}{' DESC' if term.startswith('-') else ''}")
    return ", ".join(terms)


def json_text_list(member, order_by):
    """SQL aggregate: the rows' `member` (JSON text) as a compact JSON array, in `order_by` order."""
    return f"'[' || coalesce(string_agg({member}, ',' ORDER BY {order_by}), '') || ']'"


def json_actor_brief(alias, *, null=False):
    """An actor (table alias) as BriefRelatedField shows it: {slug, name, kind}; `null`: an outer join's, which
    may be no row (JSON null)."""
    brief = json_text_object(
        [
            ("slug", json_text(f"{alias}.slug")),
            ("name", json_text(f"{alias}.name_en")),
            ("kind", json_text(f"{alias}.kind")),
        ]
    )
    return json_or_null(alias, brief) if null else brief


def json_or_null(alias, member):
    """JSON text `member` of an outer join's row (table alias), or JSON null where the join found no row."""
    return f"CASE WHEN {alias}.id IS NULL THEN 'null' ELSE {member} END"


def json_day(column):
    """A date column as DRF's DateField writes it ("YYYY-MM-DD"), JSON null for NULL."""
    return json_text(f"to_char({column}, 'YYYY-MM-DD')", null=True)


# What backs each fact of a page (apps.sources.corroboration), as the JSON keys FactSerializer writes before
# `citations`: read from the CTEs fact_support_ctes() defines, joined to the page's facts as `support` and `disputes`.
FACT_SUPPORT_MEMBERS = [
    ("basis", json_text("support.basis", null=True)),
    ("independent_origins", "coalesce(support.independent_origins, 0)::text"),
    ("official_sources", "coalesce(support.official_sources, 0)::text"),
    ("disputed_fields", "coalesce(disputes.list, '[]')"),
]


def fact_support_ctes(app_label, model, page_ids):
    """Two CTEs over the citations of the page's facts (`object_id = {page_ids}`) of fact model app_label.model:
    `support(object_id, basis, independent_origins, official_sources)` and `disputes(object_id, list)`."""
    from apps.sources.corroboration import SUPPORT_AGGREGATES_SQL, citations_sql, disputed_fields_sql

    aggregates = ", ".join(f"{sql} AS {name}" for name, sql in SUPPORT_AGGREGATES_SQL.items())
    return (
        f"support AS (SELECT c.object_id, {aggregates} {citations_sql(app_label, model, sources=True)} "
        f"AND c.object_id = {page_ids} GROUP BY c.object_id),\n"
        f" disputes AS (SELECT d.object_id, {json_text_list(json_text('d.field'), 'd.field')} AS list FROM "
        f"({disputed_fields_sql(app_label, model, where=f'c.object_id = {page_ids}')}) d GROUP BY d.object_id)"
    )


def json_rows(row_serializer, groups):
    """The rows of `groups` (apps.core.grouping.NamedGroups: a summary's GROUP BY, named) as one compact JSON array
    PostgreSQL renders, the bytes serialized_rows(row_serializer, groups.rows()) writes through DRF's JSON (same
    keys, order, values; decimals as strings), in the statement's order; None when a field of the serializer has no
    SQL twin here (then serialize in Python). The statement's columns are named as the fields' sources.

    For a few thousand groups DRF's per-row Python costs more than the GROUP BY itself (docs/benchmarks.md)."""
    columns = set(groups.columns)
    members = []
    for name, key, field in row_plan(type(row_serializer.child)):
        if key not in columns:
            if field.default is not empty or field.required:
                return None  # DRF's own rules for a missing key (a default, or an error): Python's to apply
            if field.allow_null:
                members.append((name, "'null'"))  # a group not asked for: null, as DRF writes it
            continue  # not required and not nullable: left out, as DRF does
        value = f'g."{key}"'
        if isinstance(field, serializers.DecimalField):
            if not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING) or field.localize:
                return None  # a JSON number, or the locale's digits: Python's
            # DRF quantizes to the field's places and writes the digits (no exponent): numeric's own text.
            value = f"round({value}, {int(field.decimal_places)})::text"
        elif not isinstance(field, (serializers.IntegerField, serializers.CharField)):
            return None  # floats, dates…: Python writes them (e.g. repr of a float), not restated here
        members.append((name, json_text(value, null=True)))
    if groups.sql is None:  # matches nothing by construction
        return RawJSON("[]")
    with groups.connection.cursor() as cursor:
        # ARRAY(query) keeps the query's row order (its ORDER BY); a plain projection of it keeps it too.
        cursor.execute(
            f"SELECT '[' || array_to_string(ARRAY(SELECT {json_text_object(members)} FROM ({groups.sql}) g), ',') || ']'",
            groups.params,
        )
        return RawJSON(cursor.fetchone()[0])


@functools.cache  # one per row serializer class
def row_plan(serializer_class):
    """[(key written, row key read, field)] of a row serializer class's readable fields, in its order (one plan per
    class: DRF builds the fields anew for every instance)."""
    return [(field.field_name, field.source, field) for field in serializer_class()._readable_fields]
