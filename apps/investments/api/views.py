"""Pledges, and their USD totals grouped in the database."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.actors.models import Actor
from apps.core.api.fields import prefetched_attr
from apps.core.api.filters import raise_for_unknown_slugs
from apps.core.api.pagination import WindowCountPagination
from apps.core.api.schema import group_by_parameter
from apps.core.api.views import AGGREGATE, CatrackViewSet, HistoryMixin, parse_group_by, serialized_rows
from apps.investments.api.page_json import PLEDGE_PAGE_JSON, PURPOSES_ORDERING, RECIPIENTS_ORDERING
from apps.investments.api.serializers import PledgeSerializer
from apps.investments.filters import PledgeFilterSet
from apps.investments.models import AmountQualifier, Pledge
from apps.investments.selectors import PLEDGE_GROUPS, pledge_summary
from apps.sources.api.serializers import citations_prefetch
from apps.summits.models import Topic

PledgeSummaryRow = inline_serializer(
    many=True,
    name="PledgeSummaryRow",
    fields={
        "donor": serializers.CharField(required=False, allow_null=True, help_text="donor slug"),
        "donor_name": serializers.CharField(required=False, allow_null=True),
        "recipient": serializers.CharField(required=False, allow_null=True, help_text="recipient slug"),
        "recipient_name": serializers.CharField(required=False, allow_null=True),
        "currency": serializers.CharField(required=False),
        "year": serializers.IntegerField(required=False, allow_null=True),
        "count": serializers.IntegerField(),
        "count_with_usd": serializers.IntegerField(help_text="pledges in the group that have a USD amount"),
        "total_usd": serializers.DecimalField(
            max_digits=24,
            decimal_places=2,
            allow_null=True,
            help_text="sum of the USD equivalents, and of the amounts of pledges stated in USD",
        ),
        "total_usd_qualifier": serializers.ChoiceField(
            choices=AmountQualifier.choices,
            allow_null=True,
            help_text="exact only when every part is exact; up_to/about/at_least as the parts are; null with no USD",
        ),
        "total_amount": serializers.DecimalField(
            max_digits=24,
            decimal_places=2,
            required=False,
            allow_null=True,
            help_text="sum in the currency itself (only when grouped by currency)",
        ),
    },
)


class PledgeViewSet(HistoryMixin, CatrackViewSet):
    queryset = Pledge.objects.select_related("donor", "summit", "document").prefetch_related(
        # Plain lists (to_attr), read by the serializer's fields: no queryset per pledge and relation. In the
        # SQL twin's order (page_json): the models' Meta.ordering, then the id.
        Prefetch(
            "recipients",
            queryset=Actor.objects.order_by(*RECIPIENTS_ORDERING),
            to_attr=prefetched_attr("recipients"),
        ),
        Prefetch("purposes", queryset=Topic.objects.order_by(*PURPOSES_ORDERING), to_attr=prefetched_attr("purposes")),
        citations_prefetch(),
    )
    pagination_class = WindowCountPagination  # DRF's path (SQLite, ?format=api): the total read with the page
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilterSet
    ordering_fields = ["amount_usd", "amount", "period_start", "created_at", "updated_at", "id"]
    page_json = PLEDGE_PAGE_JSON  # JSON pages on PostgreSQL: one statement counts and renders them
    keeps_shapes = True  # every filter held to a fresh compile: tests/investments/test_list_shapes.py

    @extend_schema(
        parameters=[
            group_by_parameter(
                PLEDGE_GROUPS, "Comma-separated, e.g. donor,year; year is the year the pledge period starts."
            )
        ],
        responses=PledgeSummaryRow,
    )
    @action(**AGGREGATE, extra_query_params=("group_by",))
    def summary(self, request):
        """USD totals and counts per group, over pledges that count in totals (no double counting)."""
        group_by = parse_group_by(request, list(PLEDGE_GROUPS))
        pledges = self.filter_queryset(Pledge.objects.all())
        rows = pledge_summary(group_by=group_by, pledges=pledges)
        if not rows:
            raise_for_unknown_slugs(request)
        return Response(serialized_rows(PledgeSummaryRow, rows))
