"""Aggregations over summits, computed in the database."""
from django.db.models import Count, F, Max, Min

from apps.summits.models import Summit


def summit_scoreboard(*, summits=None):
    """Summits held with each external partner (the partner of the summit's format), most first.

    One GROUP BY over the (already filtered) summits, e.g. a date window and a region.
    """
    summits = Summit.objects.all() if summits is None else summits
    return list(
        summits.order_by()
        .values(partner=F("format__partner__slug"), partner_name=F("format__partner__name_en"))
        .annotate(
            summits=Count("id", distinct=True),
            formats=Count("format", distinct=True),
            first_date=Min("date"),
            last_date=Max("date"),
        )
        .order_by("-summits", "partner")
    )

