"""Aggregations over pledges, computed in the database (one GROUP BY)."""
from django.db.models import Count, F, Sum
from django.db.models.functions import ExtractYear

from apps.investments.models import Pledge

# group_by key → (column expression, output names)
PLEDGE_GROUPS = {
    "donor": {"donor": F("donor__slug"), "donor_name": F("donor__name_en")},
    "recipient": {"recipient": F("recipients__slug"), "recipient_name": F("recipients__name_en")},
    "currency": {"currency": F("currency")},
    "year": {"year": ExtractYear("period_start")},
}


def pledge_summary(*, group_by, pledges=None):
    """USD totals and counts of pledges per group.

    Only pledges that count in totals (`Pledge.counted()`) are summed, so a component is never added
    to its parent. `pledges` (already filtered) is reduced to ids first so that filter joins cannot
    repeat a row. With group_by=recipient a pledge to several recipients appears under each of them.
    """
    base = Pledge.objects.all() if pledges is None else Pledge.objects.filter(pk__in=pledges.values("pk"))
    columns = {}
    for key in group_by:
        columns.update(PLEDGE_GROUPS[key])
    # Aliased because output names such as 'donor' clash with model fields in .values().
    aliases = {f"group_{name}": expression for name, expression in columns.items()}
    rows = (
        base.counted()
        .values(**aliases)
        .annotate(
            count=Count("id", distinct=True),
            count_with_usd=Count("amount_usd", distinct=False),
            total_usd=Sum("amount_usd"),
            **({"total_amount": Sum("amount")} if "currency" in group_by else {}),
        )
        .order_by(F("total_usd").desc(nulls_last=True), *aliases)
    )
    return [{key.removeprefix("group_"): value for key, value in row.items()} for row in rows]
