"""apps.core.api.sql.where_sql: filters it expresses, and those it hands back to the ORM path (None)."""
import django_filters
import pytest
from django.http import QueryDict

from apps.core.api.filters import CatrackFilterSet, actor_filter
from apps.core.api.sql import where_sql
from apps.trade.models import FlowCode, TradeFlow

pytestmark = pytest.mark.django_db


class Flows(CatrackFilterSet):
    reporter = actor_filter("reporter", "Reporter")
    region = actor_filter("reporter__region", "Reporter's region")
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    not_year = django_filters.NumberFilter(field_name="year", exclude=True)
    unit = django_filters.CharFilter(field_name="quantity_unit", lookup_expr="iexact")
    flow = django_filters.MultipleChoiceFilter(choices=FlowCode.choices, distinct=False)
    flow_distinct = django_filters.MultipleChoiceFilter(field_name="flow", choices=FlowCode.choices)
    flow_or_none = django_filters.ChoiceFilter(field_name="flow", choices=FlowCode.choices, null_label="none")
    annual = django_filters.BooleanFilter(field_name="month", lookup_expr="isnull")

    class Meta:
        model = TradeFlow
        fields = []


def sql_for(query):
    filterset = Flows(QueryDict(query), queryset=TradeFlow.objects.all(), only_given=True)
    assert filterset.is_valid(), filterset.errors
    return where_sql(filterset, alias="t")


def test_expressible_filters_become_parameterised_sql():
    sql, params = sql_for("reporter=japan&year_min=2020&flow=X&flow=M&annual=false")
    assert sql == ('t."reporter_id" = (SELECT "id" FROM "actors_actor" WHERE "slug" = %s LIMIT 1)'
                   ' AND t."year" >= %s AND t."flow" IN (%s, %s) AND t."month" IS NOT NULL')
    assert params == ["japan", 2020, "X", "M"]


def test_no_filter_is_true_and_an_empty_value_filters_nothing():
    assert sql_for("") == ("TRUE", [])
    assert sql_for("year_min=") == ("TRUE", [])


@pytest.mark.parametrize("query", [
    "region=central-asia",  # a path across a relation
    "not_year=2020",  # exclude
    "unit=KG",  # a lookup other than the plain comparisons
    "flow_distinct=X",  # DISTINCT on the ORM path
    "flow_or_none=null",  # the null choice means IS NULL there
    "q=kg",  # a method
])
def test_other_filters_hand_the_request_to_the_orm_path(query):
    assert sql_for(query) is None
