"""Page-number pagination with a client-chosen page size, bounded and validated."""

import re

from django.core.paginator import EmptyPage, InvalidPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from apps.core.api.counts import exact_count

MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**62
# The deepest row a page may start at. OFFSET reads and throws away every row before the page
# (docs/benchmarks.md, "Figures behind the code"); deeper, narrow the list with
# filters (modified_since, year, …) or take everything at once with format=csv.
MAX_PAGE_OFFSET = 10_000
# count=estimated: lists up to this many matching rows are counted exactly, longer ones only that far. It is the deepest
# row any page can show (MAX_PAGE_OFFSET plus the largest page), so paging never needs more than this exactly.
EXACT_COUNT_UP_TO = MAX_PAGE_OFFSET + MAX_PAGE_SIZE
COUNT_MODES = ("exact", "estimated")
# Python's int() also reads '２' (full-width) and '1_0'; a page number is plain ASCII digits.
ASCII_DIGITS = re.compile(r"[0-9]{1,20}")


class LastPageFromTheEnd:
    """`page=last` read from the end of the list: the last rows in the reverse of the list's (total) order, put
    back in order. OFFSET reads and throws away every row before the page (page=last of 648k trade flows read
    them all); this reads only the page, after the count every page takes. Mixed into every paginator here."""

    def last_page(self):
        """The last page (page 1 of an empty list), built from at most `per_page` rows read from the end."""
        number = self.num_pages  # counts
        bottom = (number - 1) * self.per_page
        if bottom == 0 or not self.reads_from_the_end():
            return self.page(number)
        return self._get_page(self.tail(self.count - bottom), number, self)

    def reads_from_the_end(self):
        # The reverse of an order is the same rows backwards only for a total order: every list here has one
        # (StrictOrderingFilter; search orders by rank, kind, id). An unordered queryset has no end to read from.
        return isinstance(self.object_list, QuerySet) and self.object_list.ordered

    def tail(self, size):
        """The last `size` rows of the list, in the list's order."""
        return list(self.object_list.reverse()[:size])[::-1]


class CatrackPaginator(LastPageFromTheEnd, DjangoPaginator):
    """Django's Paginator, with page=last read from the end and the exact count kept while the change feed has not
    moved (apps.core.api.counts.exact_count)."""

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return exact_count(self.object_list)
        return super().count


class CountedPaginator(CatrackPaginator):
    """A paginator told its count, which it does not count again: the search counts its hits per kind in one
    query (apps.search.selectors.search_kind_counts), and the page and the API show those numbers."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


def bounded_count(queryset: QuerySet, up_to: int) -> tuple[int, bool]:
    """(rows of `queryset`, exact?) reading at most `up_to` + 1 rows: the exact count when there are at most `up_to`,
    else `up_to` + 1 and False, meaning "at least that many" (as Elasticsearch's `track_total_hits`). The work is
    bounded whatever the table's size, where a count of every matching row grows with the data (166,712 rows for
    one reporter's exports at 10M flows). Not PostgreSQL's planner estimate: for a filter through a join (an actor
    by slug) it was 1,243 rows for 16,770 at 1M flows."""
    counted = queryset.order_by()[: up_to + 1].count()
    return counted, counted <= up_to


class CatrackPagination(PageNumberPagination):
    """Pages of `page_size` rows (default 50, at most MAX_PAGE_SIZE), `page` from 1 (or `last`).

    The rule for `page`: anything but ASCII digits from 1 (`0`, `-1`, `1.0`, `x`) or `last` is a 400
    naming `page`, as is a page starting deeper than MAX_PAGE_OFFSET rows; a well-formed page past the
    end of the list is a 404 whose JSON `detail` says how many pages there are.

    `count=estimated` (default `exact`): `count` is exact up to EXACT_COUNT_UP_TO matching rows, above that a lower
    bound (bounded_count), and the page says which with `count_exact`; `page=last` then needs an exact count. Paging
    by `next` reaches as deep as with the exact count: no page starts deeper than MAX_PAGE_OFFSET.
    """

    count_query_param = "count"
    count_exact = True

    django_paginator_class = CatrackPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50)."

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number (1-based).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": self.page_size_query_description,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": self.count_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"exact (default): `count` is every matching row. estimated: exact up to {EXACT_COUNT_UP_TO:,} "
                    f"rows; for a longer list `count` is {EXACT_COUNT_UP_TO + 1:,}, meaning at least that many, and "
                    "`count_exact` is false: a page's work then no longer grows with the list's length."
                ),
                "schema": {"type": "string", "enum": list(COUNT_MODES), "default": "exact"},
            },
        ]

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "description": "With count=estimated only: false when `count` is a lower bound (more than "
                f"{EXACT_COUNT_UP_TO:,} matching rows).",
            },
            **{key: value for key, value in response["properties"].items() if key != "count"},
        }
        return response

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.request.query_params.get(self.count_query_param) == "estimated":
            body = response.data
            response.data = {"count": body.pop("count"), "count_exact": self.count_exact, **body}
        return response

    def paginate_queryset(self, queryset, request, view=None):
        self.check_page_number(request)
        # A SQLPage (apps.core.api.sql) brings its own paginator: count and page in one statement.
        paginator_class = getattr(queryset, "paginator_class", type(self).django_paginator_class)
        # DRF's paginate_queryset, with a 404 that says where the list ends.
        self.request = request
        page_size = self.get_page_size(request)
        paginator = paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        last_page = request.query_params.get(self.page_query_param) in self.last_page_strings
        if request.query_params.get(self.count_query_param) == "estimated" and not isinstance(
            paginator, CountedPaginator
        ):
            # Known before the page is read: the paginators then take it as given (their count is a cached_property).
            counted = getattr(queryset, "queryset", queryset)  # a SQLPage's own queryset
            paginator.__dict__["count"], self.count_exact = bounded_count(counted, EXACT_COUNT_UP_TO)
            if last_page and not self.count_exact:
                raise ValidationError(
                    {
                        self.page_query_param: f"page=last needs the exact count of these {paginator.count:,}+ rows: "
                        "leave out count=estimated, or narrow the list with filters."
                    }
                )
        try:
            if last_page:
                self.page = paginator.last_page()
            else:
                self.page = paginator.page(page_number)
        except InvalidPage:
            pages = paginator.num_pages  # every paginator here has counted by now (1 for an empty list)
            raise NotFound(
                f"Page {page_number} is past the end of the list: {paginator.count} matching rows, "
                f"{pages} page{'' if pages == 1 else 's'} of {page_size}; page=last is the last page."
            ) from None
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True  # the browsable API's page links
        return list(self.page)

    def check_page_number(self, request):
        """400 naming `page` for anything but ASCII digits from 1 or `last`, and for a page starting deeper
        than MAX_PAGE_OFFSET rows; 400 naming `count` for anything but exact or estimated."""
        mode = request.query_params.get(self.count_query_param)
        if mode is not None and mode not in COUNT_MODES:
            raise ValidationError({self.count_query_param: f"exact or estimated, not {mode[:30]!r}."})
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw in self.last_page_strings:
            return
        if not ASCII_DIGITS.fullmatch(raw) or int(raw) < 1:
            raise ValidationError({self.page_query_param: f"A page number (ASCII digits, from 1), not {raw[:30]!r}."})
        if (int(raw) - 1) * self.get_page_size(request) > MAX_PAGE_OFFSET:
            raise ValidationError(
                {
                    self.page_query_param: (
                        f"Pages start at most {MAX_PAGE_OFFSET:,} rows deep. Narrow the list with filters "
                        "(modified_since for rows changed since your last sync, year, …) or fetch every row with "
                        "format=csv."
                    )
                }
            )

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # DRF silently falls back to the default on a bad value; a typo must not go unnoticed.
        if not ASCII_DIGITS.fullmatch(raw):
            raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {raw[:30]!r}."})
        size = int(raw)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {size}."})
        return size


class PageNumberWithoutCount:
    """Django's Paginator.validate_number without the count, for paginators that read it with the page."""

    def validate_number_without_count(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])  # an OFFSET beyond bigint is a database error
        return number


class WindowCountPaginator(PageNumberWithoutCount, CatrackPaginator):
    """Reads the total with the page (COUNT(*) OVER ()) instead of a separate COUNT query.

    For resources whose page already needs several prefetch queries; the window costs little on
    small tables. Falls back to COUNT for DISTINCT querysets (the window would count duplicates) and
    for an empty page.
    """

    def page(self, number):
        if self.object_list.query.distinct or "count" in self.__dict__:  # DISTINCT, or a count already taken
            return super().page(number)
        number = self.validate_number_without_count(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list.annotate(_total_rows=Window(Count("*")))[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = rows[0]._total_rows
            return self._get_page(rows, number, self)
        return super().page(number)  # counts, then raises EmptyPage or returns page 1 of an empty list


class WindowCountPagination(CatrackPagination):
    django_paginator_class = WindowCountPaginator
    counts_with_page = True  # and so does a JSON page PostgreSQL renders (apps.core.api.sql.SQLPage)
