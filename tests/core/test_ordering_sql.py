"""The list pages' ORDER BY compiled once per ordering (apps.core.api.sql.ordering_sql), and where it is not."""

import pytest
from django.db import connection

from apps.core.api.filters import total_ordering
from apps.core.api.sql import ordering_sql
from apps.summits.models import Summit
from apps.trade.models import TradeFlow

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def _compiled_order_by(queryset):
    sql, _ = queryset.values("pk").query.sql_with_params()
    return sql.split(" ORDER BY ", 1)[1]


@pytest.mark.parametrize("model", [TradeFlow, Summit])
def test_the_cached_ordering_is_what_django_compiles_with_the_query(model):
    queryset = model.objects.filter(pk__gt=0).order_by(*total_ordering(model, model._meta.ordering))
    assert ordering_sql(queryset.query) == _compiled_order_by(queryset)
    assert ordering_sql(queryset.query).startswith(f"{connection.ops.quote_name(model._meta.db_table)}.")


@pytest.mark.parametrize(
    "queryset",
    [
        Summit.objects.order_by("format__slug", "id"),  # joins another table
        Summit.objects.order_by("-date").reverse(),  # reversed
        Summit.objects.order_by("title_en").distinct(),
        Summit.objects.all(),  # no explicit ordering: the model's, compiled with the query
    ],
    ids=["join", "reversed", "distinct", "default"],
)
def test_orderings_that_cannot_stand_apart_are_compiled_with_the_query(queryset):
    assert ordering_sql(queryset.query) is None


def test_an_ordering_by_an_annotation_is_compiled_with_the_query():
    from django.db.models import Value

    queryset = Summit.objects.annotate(rank=Value(1)).order_by("-rank", "id")
    assert ordering_sql(queryset.query) is None
