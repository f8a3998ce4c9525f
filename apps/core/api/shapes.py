"""A list's rows compiled once per *shape* of its request and reused with each request's values bound.

The SQL page of a list (apps.core.api.sql.SQLPage) needs two pieces of SQL: the matching rows and their ORDER BY.
Building them (each filter's `.filter()`, the ordering, the ORM's compile) was a third of the trade list's Python
(docs/benchmarks.md, session 15). For the lists that keep shapes (`CatrackViewSet.keeps_shapes`), the request is
still validated as always (every parameter, every filter's form field, the ordering), but where a request of the
same shape came before, the SQL compiled then is reused with this request's values bound in place of that one's.

The shape: the view and FilterSet classes, the ordering asked for, and for each filter given its name and the kind
of its value: its type, a list's length and which values (of any filter) repeat an earlier one; an empty value, a boolean and None are part
of the shape themselves (they change the SQL, `IS NULL` and the like, not a parameter). Nothing is written by hand:
the SQL kept is the ORM's compile of the request that came first, and each of its parameters is the value of one
filter slot. A shape is kept only if all of this holds, checked when it is first seen (`learn`):
- every parameter of the compile is, by type and value, exactly one of the request's filter values;
- the filters, run again on other values of the same shape (each string, number and time moved), compile to the
  same SQL with those values as the parameters, in the same places (no constant mistaken for a value, no value
  that changes the SQL);
- no filter read the database while filtering (a check of several slugs: its answer is not the shape's), and no
  filter given a value filters through a `method` (its own code may branch on the value);
- the ordering compiles apart from the query (apps.core.api.sql.ordering_sql).
Otherwise the shape is remembered as not kept and every request of it is built as before.
tests/trade/test_list_shapes.py holds the kept SQL to a fresh compile, filter by filter.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import decimal
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet
from django_filters.constants import EMPTY_VALUES

# Values bound into a kept statement: a type moved to another value of the same type by `_other`.
_MOVABLE = (str, int, decimal.Decimal, float, datetime.datetime, datetime.date)
# A list longer than this is never kept: its shape (a key item per value) would hold ~140 bytes per value for a
# ~2 bytes of query string (`flow=X,X,…`: 180 kB a 2.7 kB request, 512 of them per process). No list filter of a kept
# list needs more: four flows; two slugs or more read the database (not kept).
_MAX_ITEMS = 8


@dataclass(frozen=True)
class Compiled:
    """The SQL of a list's filtered, ordered rows of `model`: `matching` selects every column of the model's table (no
    ORDER BY) with `params`; `order_by` is its ORDER BY clause, which takes no parameters."""

    model: type
    matching: str
    params: tuple[Any, ...]
    order_by: str


@dataclass(frozen=True)
class _Template:
    model: type
    matching: str
    # For each parameter of `matching`: the index of the request value it is, and the type the ORM wrapped that value
    # in (psycopg's Int2 for a smallint column), or None.
    slots: tuple[tuple[int, type | None], ...]
    order_by: str

    def bind(self, values: Sequence[Any]) -> Compiled:
        params = tuple(values[slot] if wrap is None else wrap(values[slot]) for slot, wrap in self.slots)
        return Compiled(self.model, self.matching, params, self.order_by)


_NOT_KEPT = object()  # a shape seen, whose SQL is built for every request


class _Shapes:
    """A bounded, thread-safe LRU: shape -> _Template or _NOT_KEPT. One per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: collections.OrderedDict[Hashable, object] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: object) -> None:
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_shapes = _Shapes(size=512)


def forget_shapes() -> None:
    """Forget every kept shape of this process (tests)."""
    _shapes.clear()


def shape_and_values(cleaned_data: dict[str, Any]) -> tuple[Hashable, list[Any]] | None:
    """(the shape of a FilterSet's cleaned values, the values bound in order), or None for a value of a kind that is
    never bound (a model instance, a range object…) or a list of more than _MAX_ITEMS values."""
    shape: list[Hashable] = []
    values: list[Any] = []
    for name, value in cleaned_data.items():
        if isinstance(value, list):
            if len(value) > _MAX_ITEMS:
                return None
            items: list[Hashable] = []
            for index, item in enumerate(value):
                kind = _kind(item)
                if kind is None:
                    return None
                if kind == "bound":
                    items.append((type(item).__name__, _first_equal(values, item)))
                    values.append(item)
                else:
                    items.append(kind)
            shape.append((name, "list", tuple(items)))
            continue
        kind = _kind(value)
        if kind is None:
            return None
        if kind == "bound":
            shape.append((name, type(value).__name__, _first_equal(values, value)))
            values.append(value)
        else:
            shape.append((name, kind))
    return tuple(shape), values


def _first_equal(values: Sequence[Any], value: Any) -> int:
    """The index `value` will have in `values`, or that of the first value equal to it: which value it repeats is part
    of the shape. A repeat may be compiled once (a filter dedupes) and its parameter cannot say which value it is, so
    such a shape is not kept (template_of); it must not be the shape of different values (year_min=year_max=2020 left
    the shape of every year range not kept)."""
    return next((index for index, earlier in enumerate(values) if _same(earlier, value)), len(values))


def _kind(value: Any) -> Hashable | None:
    """ "bound" for a value bound as a parameter; the value itself where it is the shape; None where never kept."""
    if value is None or isinstance(value, bool):
        return ("is", value)
    if isinstance(value, _MOVABLE):
        if value in EMPTY_VALUES:
            return ("is", value)
        return "bound"
    return None


def _other(value: Any) -> Any:
    """Another value of `value`'s type (never equal to it), for learn()'s check. Raises OverflowError (an
    ArithmeticError) past the type's last value (datetime.max)."""
    if isinstance(value, str):
        return value + "~"
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(microseconds=1)
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=1)
    return value + 1  # int, Decimal, float


def moved(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """`cleaned_data` with every bound value moved to another of its type (`_other`), the shape the same."""
    result: dict[str, Any] = {}
    for name, value in cleaned_data.items():
        if isinstance(value, list):
            result[name] = [_other(item) if _kind(item) == "bound" else item for item in value]
        else:
            result[name] = _other(value) if _kind(value) == "bound" else value
    return result


def compile_rows(queryset: QuerySet[Any, Any]) -> Compiled | None:
    """The Compiled SQL of `queryset` as the SQL page reads it (every column of the model's table, nothing joined for
    show: apps.core.api.sql.SQLPage.count_statement), or None where it matches nothing by construction or its
    ordering does not compile apart (it is then built for every request)."""
    from apps.core.api.sql import ordering_sql, table_rows

    rows = table_rows(queryset)
    order_by = ordering_sql(rows.query)
    if order_by is None:
        return None
    try:
        matching, params = rows.order_by().query.sql_with_params()
    except (EmptyResultSet, FullResultSet):
        return None
    if not matching.startswith("SELECT "):
        return None  # the page cannot append its ORDER BY to it (SQLPage.fetch)
    return Compiled(rows.model, matching, tuple(params), order_by)


def _same(a: Any, b: Any) -> bool:
    # 1, 1.0 and True are equal in Python, Decimal('1.0') and Decimal('1.00') too; a parameter is the value itself.
    return type(a) is type(b) and a == b and str(a) == str(b)


def template_of(compiled: Compiled, values: Sequence[Any]) -> _Template | None:
    """`compiled` with each parameter replaced by the index of the one value of `values` it is (or wraps), or None
    where a parameter is none of them (a constant, or a value the filter made another) or more than one."""
    slots = []
    for param in compiled.params:
        matches = [index for index, value in enumerate(values) if _is(param, value)]
        if len(matches) != 1:
            return None
        slots.append((matches[0], None if type(param) is type(values[matches[0]]) else type(param)))
    return _Template(compiled.model, compiled.matching, tuple(slots), compiled.order_by)


def _is(param: Any, value: Any) -> bool:
    """Whether `param` is `value`, or `value` wrapped in a subclass of its type (the ORM's Int2 of an int)."""
    return isinstance(param, type(value)) and param == value and str(param) == str(value)


@contextlib.contextmanager
def _watching_queries() -> Iterator[list[str]]:
    """Yields a list that holds the SQL of every statement any connection runs inside the block."""
    ran: list[str] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        ran.append(sql)
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(watch))
        yield ran


def kept_rows(
    key: Hashable,
    cleaned_data: dict[str, Any],
    *,
    build: Callable[[dict[str, Any] | None], QuerySet[Any, Any]],
    methods: frozenset[str],
) -> tuple[Compiled | None, QuerySet[Any, Any] | None]:
    """(the request's Compiled rows from its kept shape, None) or (None, its queryset, built by `build(None)`).

    `key`: what besides the filter values decides the SQL (the view and FilterSet classes, the ordering asked for);
    `cleaned_data`: the FilterSet's validated values; `build(data)`: the filtered, ordered queryset, filtered with
    `data` in place of the cleaned values (None: the request's own), exactly as the list builds it; `methods`: the
    names of the filters that filter through a method. A shape not seen before is learned here (module docstring).
    """
    found = shape_and_values(cleaned_data)
    if found is None:
        return None, build(None)
    shape, values = found
    key = (key, shape)
    entry = _shapes.get(key)
    if isinstance(entry, _Template):
        return entry.bind(values), None
    if entry is _NOT_KEPT:
        return None, build(None)
    with _watching_queries() as ran:
        queryset = build(None)
    if not ran:
        _shapes.put(key, learn(queryset, cleaned_data, values, build=build, methods=methods) or _NOT_KEPT)
    else:
        _shapes.put(key, _NOT_KEPT)
    return None, queryset


def learn(
    queryset: QuerySet[Any, Any],
    cleaned_data: dict[str, Any],
    values: Sequence[Any],
    *,
    build: Callable[[dict[str, Any] | None], QuerySet[Any, Any]],
    methods: frozenset[str],
) -> _Template | None:
    """The template of `queryset`'s shape, or None where it is not to be kept (module docstring's checks)."""
    if any(name in methods and _kind(value) == "bound" for name, value in cleaned_data.items()):
        return None
    if any(isinstance(value, list) and name in methods for name, value in cleaned_data.items()):
        return None
    compiled = compile_rows(queryset)
    if compiled is None:
        return None
    template = template_of(compiled, values)
    if template is None:
        return None
    try:
        other_data = moved(cleaned_data)
    except ArithmeticError:  # no other value of its type (9999-12-31T23:59:59.999999): not a shape to keep
        return None
    other_found = shape_and_values(other_data)
    if other_found is None:
        return None
    try:
        with _watching_queries() as ran:
            other = compile_rows(build(other_data))
    except Exception:  # a moved value a filter refuses: not a shape to keep
        return None
    if ran or other is None:
        return None
    expected = template.bind(other_found[1])
    if (other.matching, other.order_by) != (expected.matching, expected.order_by):
        return None
    if len(other.params) != len(expected.params) or not all(map(_same, other.params, expected.params)):
        return None
    return template
