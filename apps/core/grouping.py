"""Aggregates grouped on ids and named afterwards: the GROUP BY never joins the rows it groups to the
tables that name the groups (one look-up per group, not a join per row)."""

from django.core.exceptions import EmptyResultSet

from apps.core.replicas import read_connection


def named_groups(queryset, *, groups, aggregates, names=None, order_by=()):
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
    names = names or {}
    # Positional aliases inside: output names such as 'currency' clash with model fields in .values().
    aliases = {column: f"group_{position}" for position, column in enumerate(groups)}
    grouped = (
        queryset.order_by()
        .values(**{aliases[column]: expression for column, expression in groups.items()})
        .annotate(**aggregates)
    )
    connection = read_connection(grouped)
    compiler = grouped.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # matches nothing by construction (e.g. `__in` an empty list)
        return []
    quote = connection.ops.quote_name
    columns, expressions, select, joins = [], [], [], []
    outputs = {alias: column for column, alias in aliases.items()} | {column: column for column in aggregates}
    for expression, _, alias in compiler.select:
        column = outputs[alias]
        if column not in names:
            columns.append(column)
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
            columns.append(output)
            expressions.append(field.get_col(table))
            select.append(f"{table}.{quote(field.column)} AS {quote(output)}")
    # Empty values last either way, on PostgreSQL and SQLite alike (as every list: StrictOrderingFilter).
    order = ", ".join(
        f"{quote(name.removeprefix('-'))} {'DESC' if name.startswith('-') else 'ASC'} NULLS LAST" for name in order_by
    )
    order = f" ORDER BY {order}" if order else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(select)} FROM ({sql}) g{''.join(joins)}{order}", params)
        rows = cursor.fetchall()
    converters = compiler.get_converters(expressions)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(columns, row)) for row in rows]
