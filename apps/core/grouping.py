"""Aggregates grouped on ids and named afterwards: the GROUP BY never joins the rows it groups to the
tables that name the groups (one look-up per group, not a join per row)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Model, QuerySet

from apps.core.replicas import read_connection


class NamedGroups:
    """The statement of named_groups (below), compiled once: read its rows (`rows()`), or wrap its SQL in
    another statement (apps.core.api.sql.json_rows renders them as JSON) — the same SQL either way.

    `columns`: the output columns, in order; `sql`, `params`: the statement, or None when the queryset
    matches nothing by construction (e.g. `__in` an empty list); `connection`: the one it reads on.
    """

    def __init__(
        self,
        queryset: QuerySet[Any],
        *,
        groups: Mapping[str, Any],
        aggregates: Mapping[str, Any],
        names: Mapping[str, tuple[type[Model], Mapping[str, str]]] | None = None,
        order_by: Sequence[str] = (),
    ) -> None:
        names = names or {}
        # Positional aliases inside: output names such as 'currency' clash with model fields in .values().
        aliases = {column: f"group_{position}" for position, column in enumerate(groups)}
        grouped = (
            queryset.order_by()
            .values(**{aliases[column]: expression for column, expression in groups.items()})
            .annotate(**aggregates)
        )
        self.connection = connection = read_connection(grouped)
        self._compiler = compiler = grouped.query.get_compiler(connection=connection)
        try:
            inner, params = compiler.as_sql()
        except EmptyResultSet:
            inner, params = None, ()
        quote = connection.ops.quote_name
        self.columns: list[str] = []
        expressions, select, joins = [], [], []
        outputs = {alias: column for column, alias in aliases.items()} | {column: column for column in aggregates}
        for expression, _, alias in compiler.select:
            column = outputs[alias]
            if column not in names:
                self.columns.append(column)
                expressions.append(expression)
                select.append(f"g.{quote(alias)} AS {quote(column)}")
                continue
            model, fields = names[column]
            table = f"n{len(joins)}"
            joins.append(
                f" LEFT JOIN {quote(model._meta.db_table)} {table}"
                f" ON {table}.{quote(model._meta.pk.column)} = g.{quote(alias)}"
            )
            for output, field_name in fields.items():
                field = model._meta.get_field(field_name)
                self.columns.append(output)
                expressions.append(field.get_col(table))
                select.append(f"{table}.{quote(field.column)} AS {quote(output)}")
        self._converters = compiler.get_converters(expressions)
        # Empty values last either way, on PostgreSQL and SQLite alike (as every list: StrictOrderingFilter).
        order = ", ".join(
            f"{quote(name.removeprefix('-'))} {'DESC' if name.startswith('-') else 'ASC'} NULLS LAST"
            for name in order_by
        )
        order = f" ORDER BY {order}" if order else ""
        self.sql = None if inner is None else f"SELECT {', '.join(select)} FROM ({inner}) g{''.join(joins)}{order}"
        self.params = params

    def rows(self) -> list[dict[str, Any]]:
        """The groups as dicts keyed by `columns`, values converted as the ORM converts them (no query for a
        queryset that matches nothing by construction)."""
        if self.sql is None:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        if self._converters:
            rows = self._compiler.apply_converters(rows, self._converters)
        return [dict(zip(self.columns, row)) for row in rows]


def named_groups(
    queryset: QuerySet[Any],
    *,
    groups: Mapping[str, Any],
    aggregates: Mapping[str, Any],
    names: Mapping[str, tuple[type[Model], Mapping[str, str]]] | None = None,
    order_by: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """`aggregates` of the rows of `queryset` per group: a list of dicts, keyed by output column.

    groups: output column → the expression grouped on. names: {a column of `groups`: (model, {output
    column: the model's field})}: that column, the model's primary key, gives way to the fields of the row
    it names, looked up after grouping (a null id names nothing: nulls). aggregates: output column →
    aggregate expression (as `.annotate()` takes it). order_by: output columns, `-column` for descending;
    nulls last either way. Keys of a row: the groups' columns
    in order, each named column giving way to its names, then the aggregates'.

    One statement, the ORM's own GROUP BY in a sub-select; values converted as the ORM converts them.
    Naming in the sub-select instead (a correlated Subquery per group) keeps PostgreSQL from grouping in
    parallel, and a join before grouping repeats the look-up for every row.
    """
    return NamedGroups(queryset, groups=groups, aggregates=aggregates, names=names, order_by=order_by).rows()
