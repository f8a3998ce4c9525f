"""List pages driven by the API's own FilterSets: filters, facets, sortable columns, pages and format links.

A list page names the resource's FilterSet (the one its API list uses), the facets it counts and the
columns it sorts by (names from the API's `ordering_fields`), so a page's URL and the API's take the
same parameters: `/summits/?partner=japan&year=2025` and `/api/v1/summits/?partner=japan&year=2025`
select the same rows, and the page's JSON · CSV · XLSX links carry its filters and order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import Count, Expression, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from apps.core.api.filters import SlugFilter, crosses_to_many, ordering_terms, renamed_params, total_ordering
from apps.core.api.pagination import EXACT_COUNT_UP_TO, bounded_count
from apps.core.api.routes import viewset_for

# Parameters of a list page besides its FilterSet's filters.
PAGE_PARAM, ORDERING_PARAM = "page", "ordering"
FORMATS = (("JSON", "json"), ("CSV", "csv"), ("XLSX", "xlsx"))
# The most time a facet's counts may take on PostgreSQL (a GROUP BY over every row the other filters select: about
# 0.3 s a facet over 1M trade flows, ten times that at 10M); one that runs out is left out and the page says why. As
# Datasette's facet_time_limit_ms. A page's count stops at EXACT_COUNT_UP_TO rows (the API's count=estimated).
FACET_TIME_LIMIT_MS = 200


@dataclass(frozen=True)
class Facet:
    """Counts of the listed rows per value of one filter (`param`), each value a link that sets it.

    `value` is the field path (or expression) whose values the filter takes (`format__partner__slug` for
    `partner`); `label_path` a path to each value's name (`format__partner__name_en`); `choices` the
    labels of a choice field's values. Counted over the rows the other filters select, so the other
    values stay in view.
    """

    param: str
    title: str
    value: str | Expression
    label_path: str | None = None
    choices: Any = None
    limit: int = 12


@dataclass(frozen=True)
class Column:
    """A sortable column: `key` is one of the API list's ordering fields (which the page's `ordering` takes)."""

    key: str
    title: str
    numeric: bool = False


@dataclass
class Listing:
    """What a list page shows: its rows (the current page), facets, columns with sort links, the active
    filters (each with a link that drops it), pager links, format links and any errors (a 400)."""

    rows: list
    count: int
    # False when `count` is a lower bound: more rows match than a page counts (EXACT_COUNT_UP_TO).
    count_exact: bool = True
    count_bound: int = EXACT_COUNT_UP_TO
    page: Any = None
    facets: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    active: list = field(default_factory=list)
    formats: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    pager: dict = field(default_factory=dict)
    query: str = ""
    q: str = ""
    hidden: list = field(default_factory=list)
    # Every row the filters select (unordered, not paged), for totals over all of them; None after a bad filter.
    filtered: Any = None

    @property
    def status(self) -> int:
        return 400 if self.errors else 200


def explore(
    request: HttpRequest,
    *,
    filterset_class: type[django_filters.FilterSet],
    queryset: QuerySet,
    api_basename: str,
    facets: tuple[Facet, ...] = (),
    columns: tuple[Column, ...] = (),
    default_ordering: tuple[str, ...] = (),
    page_size: int | None = 50,
) -> Listing:
    """Filter, count facets, sort and page `queryset` as the request's query string says.

    The filters are the FilterSet's (validated as in the API: a bad value is an error naming the
    parameter, shown on the page with status 400); `ordering` takes what the API list's `ordering` takes
    (its ordering_fields, `-` for descending, several repeated or comma-separated: StrictOrderingFilter's
    rule, ordering_terms), and a column's link sorts by it first, then by the terms before; `page` a page number (`page_size` None: every row on one page). Parameters the page
    does not know (e.g. `utm_source`) are left out of its links. Queries: the count, the page's rows,
    one per facet.
    """
    # A filter's old name (the FilterSet's `aliases`) works on a page as in the API.
    filter_names = set(filterset_class.base_filters) | set(getattr(filterset_class, "aliases", {}))
    params = _known(request.GET, filter_names)
    errors = []
    aliases = getattr(filterset_class, "aliases", {})
    try:  # old names under their new ones, so the page's links use the new names
        params = renamed_params(params, aliases)
    except ValidationError as error:  # both names of one filter: say so, keep the new one
        errors = [f"{name}: {' '.join(map(str, messages))}" for name, messages in error.detail.items()]
        for old in aliases:
            params.pop(old, None)
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.is_valid():
        errors += [f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()]
        rows_qs = queryset.none()
    elif errors:
        rows_qs = queryset.none()
    else:
        try:
            rows_qs = filterset.qs
        except ValidationError as error:  # several slugs, one of them unknown (SlugsFilter)
            errors = [f"{name}: {' '.join(map(str, messages))}" for name, messages in error.detail.items()]
            rows_qs = queryset.none()
    filtered = None if errors else rows_qs
    sortable = set(viewset_for(api_basename).ordering_fields)
    ordering, bad = ordering_terms(request.GET.getlist(ORDERING_PARAM), sortable)
    if bad:
        errors.append(f"ordering: cannot sort by {', '.join(bad)}; choose {', '.join(sorted(sortable))}.")
        ordering = []
    else:
        if ordering:
            params.setlist(ORDERING_PARAM, [",".join(ordering)])
    rows_qs = rows_qs.order_by(*total_ordering(queryset.model, ordering or default_ordering))

    listing = Listing(
        rows=[], count=0, errors=errors, query=params.urlencode(), q=params.get("q", ""), filtered=filtered
    )
    listing.hidden = [(name, value) for name, values in params.lists() if name != "q" for value in values]
    if page_size is None:
        listing.rows = list(rows_qs)
        listing.count = len(listing.rows)
    else:
        paginator = Paginator(rows_qs, page_size)
        # Counted up to a bound, as the API's count=estimated: a count of every row grows with the table.
        paginator.__dict__["count"], listing.count_exact = bounded_count(rows_qs, EXACT_COUNT_UP_TO)
        listing.count_bound = EXACT_COUNT_UP_TO
        listing.page = paginator.get_page(request.GET.get(PAGE_PARAM))
        listing.rows = list(listing.page.object_list)
        listing.count = paginator.count
        listing.pager = pager_links(params, listing.page, exact=listing.count_exact)
    if not errors and not listing.count:
        listing.errors = errors = _unknown_slugs(filterset)
    listing.columns = [_column(params, column, ordering) for column in columns]
    listing.active = [
        {"param": name, "value": value, "remove": _link(params, name, None)}
        for name, values in params.lists()
        if name in filter_names
        for value in values
    ]
    if not errors:
        listing.facets = []
        for facet in facets:
            counted = _facet(request, filterset_class, queryset, params, facet, time_left=not timed_out(listing.facets))
            listing.facets.append(counted)
    api_params = [(name, value) for name, values in params.lists() for value in values]
    listing.formats = [
        (title, _api_url(f"{api_basename}-list", [*api_params, ("format", fmt)])) for title, fmt in FORMATS
    ]
    return listing


def _known(query: QueryDict, filter_names: set[str]) -> QueryDict:
    """The query's filters and its ordering, without empty values, `page` and unknown parameters."""
    known = QueryDict(mutable=True)
    for name, values in query.lists():
        values = [value for value in values if value != ""]
        if name in filter_names and values:
            known.setlist(name, values)
    return known


def _unknown_slugs(filterset) -> list[str]:
    """An empty list because a slug names nothing: say which (as the API's 400 does)."""
    errors = []
    for name, filter_ in filterset.filters.items():
        values = filterset.form.cleaned_data.get(name)
        if not isinstance(filter_, SlugFilter) or not values:
            continue
        for value in values if isinstance(values, list) else [values]:
            if value and not filter_.slug_model._default_manager.filter(slug=value).exists():
                errors.append(f"{name}: no {filter_.slug_model._meta.verbose_name} with slug '{value}'.")
    return errors


def _link(params: QueryDict, name: str, value: str | None) -> str:
    """This page's query string with `name` set to `value` (dropped for None), back on its first page."""
    changed = params.copy()
    changed.pop(PAGE_PARAM, None)
    if value is None:
        changed.pop(name, None)
    else:
        changed.setlist(name, [value])
    return f"?{changed.urlencode()}" if changed else "?"


def pager_links(params: QueryDict, page, *, exact: bool = True) -> dict:
    """Links to the first, previous, next and last pages of `page` (a django.core.paginator Page), each
    keeping `params` (the filters and order), with the page's number and the number of pages; `exact` False: the
    paginator's count is a lower bound, so neither the number of pages nor the last page is known (None)."""

    def to(number):
        changed = params.copy()
        changed.setlist(PAGE_PARAM, [str(number)])
        return f"?{changed.urlencode()}"

    return {
        "number": page.number,
        "pages": page.paginator.num_pages if exact else None,
        "first": to(1) if page.number > 1 else None,
        "previous": to(page.previous_page_number()) if page.has_previous() else None,
        "next": to(page.next_page_number()) if page.has_next() else None,
        "last": to(page.paginator.num_pages) if exact and page.number < page.paginator.num_pages else None,
    }


def _column(params: QueryDict, column: Column, ordering: list[str]) -> dict:
    """A column header: its sort state (by the first term) and a link that sorts by it first (the other way if it
    already is first), then by the other terms of the current order, so clicks build a sort on several keys."""
    current = ordering[0] if ordering else ""
    descending = current == f"-{column.key}"
    ascending = current == column.key
    then = [term for term in ordering if term.removeprefix("-") != column.key]
    return {
        "title": column.title,
        "numeric": column.numeric,
        "sort": "descending" if descending else "ascending" if ascending else None,
        "url": _link(params, ORDERING_PARAM, ",".join([f"-{column.key}" if ascending else column.key, *then])),
    }


def timed_out(facets: list[dict]) -> bool:
    """Whether one of these facets ran out of time: the next ones count about as many rows, so they are not tried."""
    return any(facet.get("timed_out") for facet in facets)


def _facet(request, filterset_class, queryset, params: QueryDict, facet: Facet, *, time_left: bool = True) -> dict:
    """A facet's values with their counts over the rows the other filters select; `time_left` False: not counted,
    marked timed out (an earlier facet of the page ran out of FACET_TIME_LIMIT_MS)."""
    if not time_left:
        return {"param": facet.param, "title": facet.title, "values": [], "timed_out": True}
    others = params.copy()
    others.pop(facet.param, None)
    others.pop(ORDERING_PARAM, None)
    base = filterset_class(others, queryset=queryset, request=request)
    try:
        rows = base.qs if base.is_valid() else queryset.none()
    except ValidationError:
        rows = queryset.none()
    rows = rows.order_by()
    if isinstance(facet.value, str):
        value_name, rows = facet.value, rows.filter(**{f"{facet.value}__isnull": False})
    else:
        value_name, rows = "facet_value", rows.annotate(facet_value=facet.value).filter(facet_value__isnull=False)
    names = [value_name, *([facet.label_path] if facet.label_path else [])]
    # DISTINCT only where a row can come more than once: a value reached through a to-many relation (a
    # summit's participants), or a queryset whose annotations join one (a source's citation count).
    distinct = bool(queryset.query.annotations) or (
        isinstance(facet.value, str) and crosses_to_many(queryset.model, facet.value.rsplit("__", 1)[0])
    )
    counted = within_time_limit(
        rows.values(*names).annotate(n=Count("pk", distinct=distinct)).order_by("-n", value_name)[: facet.limit],
        FACET_TIME_LIMIT_MS,
    )
    if counted is None:
        return {"param": facet.param, "title": facet.title, "values": [], "timed_out": True}
    chosen = set(params.getlist(facet.param))
    choices = dict(facet.choices or ())
    values = []
    for row in counted:
        value = str(row[value_name])
        label = row[facet.label_path] if facet.label_path else choices.get(row[value_name], value)
        values.append(
            {
                "value": value,
                "label": label,
                "count": row["n"],
                "active": value in chosen,
                "url": _link(params, facet.param, None if value in chosen else value),
            }
        )
    return {
        "param": facet.param,
        "title": facet.title,
        "values": values,
        "clear": _link(params, facet.param, None) if chosen else None,
    }


def _api_url(name: str, params: list[tuple[str, str]]) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def within_time_limit(queryset: QuerySet, milliseconds: int) -> list | None:
    """The rows of `queryset`, or None when PostgreSQL took longer than `milliseconds` (statement_timeout for this
    statement alone: SET LOCAL in its own transaction or savepoint, put back after it where an outer transaction
    goes on); on SQLite, which has no such limit, always the rows. Costs one SET a call (three inside an outer
    transaction), never a SELECT."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    outer = connection.in_atomic_block  # SET LOCAL outlives a released savepoint: then it is put back
    try:
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            if outer:
                cursor.execute("SHOW statement_timeout")
                (previous,) = cursor.fetchone()
            cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
            rows = list(queryset)
            if outer:
                # SET takes no parameters: the value PostgreSQL itself showed (digits and a unit), else its default.
                restored = f"'{previous}'" if re.fullmatch(r"[0-9]+[a-z]*", previous) else "DEFAULT"
                cursor.execute(f"SET LOCAL statement_timeout = {restored}")
            return rows
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled: the time ran out
            return None
        raise
