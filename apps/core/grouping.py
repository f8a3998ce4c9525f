"""Aggregates grouped on ids and named afterwards: the GROUP BY never joins the rows it groups to the
tables that name the groups (one look-up per group, not a join per row)."""
from django.core.exceptions import EmptyResultSet
from django.db import connections


def named_groups(grouped, *, names, order_by):
    """The rows of `grouped`, with each id column replaced by the named row's columns: a list of dicts.

    grouped: an unordered `.values(...).annotate(...)` queryset whose columns all have names (keyword
    `.values()`, annotations). names: {id column of `grouped`: (model, {output column: the model's field})},
    each looked up by the model's primary key after grouping (a null id names nothing: nulls). order_by:
    output columns, `-column` for descending with nulls last, else ascending (the database's default for
    nulls). Keys of a row: `grouped`'s columns in order, each id column giving way to its names.

    One statement, the ORM's own SQL in a sub-select; values converted as the ORM converts them. Naming
    in the sub-select instead (a correlated Subquery per group) keeps PostgreSQL from grouping in
    parallel, and a join before grouping repeats the look-up for every row.
    """
    connection = connections[grouped.db]
    compiler = grouped.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # matches nothing by construction (e.g. `__in` an empty list)
        return []
    quote = connection.ops.quote_name
    columns, expressions, select, joins = [], [], [], []
    for expression, _, column in compiler.select:
        if column not in names:
            columns.append(column)
            expressions.append(expression)
            select.append(f"g.{quote(column)} AS {quote(column)}")
            continue
        model, fields = names[column]
        table = f"n{len(joins)}"
        joins.append(f" LEFT JOIN {quote(model._meta.db_table)} {table}"
                     f" ON {table}.{quote(model._meta.pk.column)} = g.{quote(column)}")
        for output, field_name in fields.items():
            field = model._meta.get_field(field_name)
            columns.append(output)
            expressions.append(field.get_col(table))
            select.append(f"{table}.{quote(field.column)} AS {quote(output)}")
    order = ", ".join(f"{quote(name[1:])} DESC NULLS LAST" if name.startswith("-") else f"{quote(name)} ASC"
                      for name in order_by)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(select)} FROM ({sql}) g{''.join(joins)} ORDER BY {order}", params)
        rows = cursor.fetchall()
    converters = compiler.get_converters(expressions)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(columns, row)) for row in rows]
