"""A list page that PostgreSQL counts and renders to JSON in one statement (the way PostgREST serves).

For the lists analysts page through at scale (trade flows, summits): the ORM path compiles several
queries and builds Python objects per row, which cost more than the database's own work. Here the
request is validated exactly as on the ORM path (the same FilterSet, ordering and page-size checks,
the same 400s), then its filters become a WHERE clause derived from the filters' own declarations:
one source of truth for what `?year_min=` means. A filter this cannot express (a `method`, an `exclude`, a lookup outside
OPERATORS, a path across a relation) makes the view take the ORM path instead. Tests
(tests/*/test_list_sql_path.py) compare the two paths' responses byte for byte, filter by filter.
"""
import django_filters
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django_filters.constants import EMPTY_VALUES

from apps.core.api.filters import SlugFilter
from apps.core.api.pagination import PageNumberWithoutCount
from apps.core.api.renderers import RawJSON

OPERATORS = {"exact": "=", "gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}


def where_sql(filterset, alias):
    """(`cond AND cond …`, params) for a validated FilterSet's given filters, or None if one is not expressible."""
    model = filterset._meta.model
    quote = connection.ops.quote_name
    clauses, params = [], []
    for name, declared in filterset.filters.items():
        value = filterset.form.cleaned_data.get(name)
        if value in EMPTY_VALUES:  # django-filter skips these too
            continue
        if (declared.method is not None or declared.exclude or declared.distinct
                or declared.extra.get("null_label") is not None):  # `?level=null` means IS NULL there
            return None
        try:
            field = model._meta.get_field(declared.field_name)
        except FieldDoesNotExist:  # a path across a relation (`format__partner`)
            return None
        if isinstance(declared, SlugFilter):
            if declared.lookup_expr != "exact":
                return None
            target = declared.slug_model._meta
            # As SlugFilter.filter() writes it: PostgreSQL runs the sub-select once, then uses the id.
            row_id = (f"(SELECT {quote(target.pk.column)} FROM {quote(target.db_table)}"
                      f" WHERE {quote('slug')} = %s LIMIT 1)")
            if field.many_to_many:
                # Through a link table (summit participants): EXISTS, where the ORM joins; the same rows
                # as long as a pair is linked once (a unique constraint on the link table).
                through = field.remote_field.through._meta
                own = through.get_field(field.m2m_field_name()).column
                other = through.get_field(field.m2m_reverse_field_name()).column
                clauses.append(f"EXISTS (SELECT 1 FROM {quote(through.db_table)} m WHERE m.{quote(own)} ="
                               f" {alias}.{quote(model._meta.pk.column)} AND m.{quote(other)} = {row_id})")
            elif field.concrete:
                clauses.append(f"{alias}.{quote(field.column)} = {row_id}")
            else:
                return None
            params.append(value)
            continue
        if not field.concrete or field.many_to_many:
            return None
        column = f"{alias}.{quote(field.column)}"
        if isinstance(declared, django_filters.MultipleChoiceFilter):
            if declared.conjoined or declared.lookup_expr != "exact":
                return None
            values = [field.get_db_prep_value(item, connection) for item in value]
            # One value as `=`, as the ORM writes it: PostgreSQL can then read the page in index order.
            clauses.append(f"{column} = %s" if len(values) == 1 else f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
        elif declared.lookup_expr == "isnull":
            clauses.append(f"{column} IS {'' if value else 'NOT '}NULL")
        elif declared.lookup_expr in OPERATORS and not field.is_relation:
            clauses.append(f"{column} {OPERATORS[declared.lookup_expr]} %s")
            params.append(field.get_db_prep_value(value, connection))
        else:
            return None
    return " AND ".join(clauses) or "TRUE", params


def order_by_sql(model, ordering, alias):
    """`ORDER BY` terms for field names such as ['-year', 'id'] (local columns only), or None."""
    quote = connection.ops.quote_name
    terms = []
    for name in ordering:
        if not isinstance(name, str):
            return None
        try:
            field = model._meta.get_field(name.lstrip("-"))
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.many_to_many:
            return None
        terms.append(f"{alias}.{quote(field.column)}{' DESC' if name.startswith('-') else ''}")
    return ", ".join(terms)


class SQLPagePaginator(PageNumberWithoutCount, DjangoPaginator):
    """Django's Paginator over a SQLPage (below): the count comes with the page, in the same statement."""

    def page(self, number):
        number = self.validate_number_without_count(number)
        total, rows = self.object_list.fetch(limit=self.per_page, offset=(number - 1) * self.per_page)
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


class SQLPage:
    """A filtered, ordered list of `table` (as `t`) whose count and JSON page one statement returns.

    `page_json` is a SELECT of one text value, the page's rows as a JSON array; it holds `{where}`,
    `{order_by}` and then the LIMIT and OFFSET placeholders (as in apps.trade.selectors).
    """

    alias = "t"
    paginator_class = SQLPagePaginator  # CatrackPagination pages it with this

    def __init__(self, *, table, page_json, where, params, order_by):
        self.table, self.page_json = table, page_json
        self.where, self.params, self.order_by = where, params, order_by

    def fetch(self, *, limit, offset):
        """(total matching rows, the page's rows as JSON text): one round trip."""
        page = self.page_json.format(where=self.where, order_by=self.order_by)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({self._count_sql()}), ({page})", [*self.params, *self.params, limit, offset])
            return cursor.fetchone()

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(self._count_sql(), self.params)
            return cursor.fetchone()[0]

    def _count_sql(self):
        return f"SELECT count(*) FROM {connection.ops.quote_name(self.table)} {self.alias} WHERE {self.where}"


def json_iso_utc(column):
    """SQL for a timestamp as the API writes it: datetime.isoformat() in UTC with 'Z', microseconds only if any."""
    return (f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {column}) = {column}"
            """ THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END)""")


def json_object(columns):
    """SQL for a compact JSON object (`{"a":1}`, as DRF writes it) of `columns`: `expression AS key` items."""
    return f"(SELECT row_to_json(o) FROM (SELECT {', '.join(columns)}) o)"


def json_rows(order_by):
    """SQL aggregate: the rows' `j` (one row object each) as compact JSON array text, in `order_by` order."""
    return f"'[' || coalesce(string_agg(row_to_json(j)::text, ',' ORDER BY {order_by}), '') || ']'"


def json_actor_brief(alias):
    """SQL for an actor (table alias) as BriefRelatedField shows it: {slug, name, kind}."""
    return json_object([f"{alias}.slug", f"{alias}.name_en AS name", f"{alias}.kind"])
