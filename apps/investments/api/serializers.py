"""Pledges for the API."""

from apps.investments.models import Pledge
from apps.sources.api.serializers import FactSerializer


class PledgeSerializer(FactSerializer):
    class Meta:
        model = Pledge
        fields = [
            "id",
            "slug",
            "citations",
            "created_at",
            "updated_at",
            "description_en",
            "amount",
            "currency",
            "amount_qualifier",
            "amount_usd",
            "amount_usd_qualifier",
            "usd_basis",
            "usd_rate",
            "usd_rate_date",
            "usd_rate_source",
            "period_start",
            "period_start_precision",
            "period_years",
            "period_end",
            "period_end_precision",
            "instrument",
            "status",
            "counts_in_totals",
            "donor",
            "summit",
            "document",
            "parent",
            "recipients",
            "purposes",
        ]
