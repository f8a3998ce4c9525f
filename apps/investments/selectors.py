"""Aggregations over pledges, computed in the database (one GROUP BY)."""
from django.db.models import Count, F, ForeignObjectRel, OneToOneRel, OuterRef, Subquery, Sum
from django.db.models.functions import ExtractYear

from apps.actors.models import Actor
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
    to its parent. When a filter of `pledges` joins a to-many relation (e.g. recipient, purpose), the
    pledges are reduced to ids first so that the join cannot repeat a row; otherwise (no filter, or
    filters on the pledge's own columns and foreign keys) they are grouped as they are, in one plain
    GROUP BY. With group_by=recipient a pledge to several recipients appears under each of them.
    """
    if pledges is None:
        base = Pledge.objects.all()
    elif pledges.query.distinct or _joins_to_many(pledges.query):
        base = Pledge.objects.filter(pk__in=pledges.values("pk"))
    else:
        base = pledges.order_by()
    columns = {}
    for key in group_by:
        columns.update(PLEDGE_GROUPS[key])
    # Aliased because output names such as 'donor' clash with model fields in .values().
    aliases = {f"group_{name}": expression for name, expression in columns.items()}
    grouped = dict(aliases)
    named = {}
    if "donor" in group_by:
        # Grouped on the donor's id, then named: the pledges are not joined to their donors before
        # grouping (one look-up per group instead of a join per pledge). Same groups: slugs are unique.
        del grouped["group_donor"], grouped["group_donor_name"]
        grouped["group_donor_id"] = F("donor")
        donor = Actor.objects.filter(pk=OuterRef("group_donor_id"))
        named = {"group_donor": Subquery(donor.values("slug")[:1]),
                 "group_donor_name": Subquery(donor.values("name_en")[:1])}
    rows = (
        base.counted()
        .values(**grouped)
        .annotate(
            # Each pledge is one row per group (a recipient group holds a pledge once), so no DISTINCT.
            count=Count("id"),
            count_with_usd=Count("amount_usd", distinct=False),
            total_usd=Sum("amount_usd"),
            **({"total_amount": Sum("amount")} if "currency" in group_by else {}),
        )
        .annotate(**named)
        .order_by(F("total_usd").desc(nulls_last=True), *aliases)
    )
    return [{key.removeprefix("group_"): value for key, value in row.items() if key != "group_donor_id"}
            for row in rows]


def _joins_to_many(query):
    """True when the query joins a reverse foreign key or a many-to-many (a row may then repeat)."""
    for join in query.alias_map.values():
        field = getattr(join, "join_field", None)
        if field is None:
            continue  # the base table
        if isinstance(field, ForeignObjectRel) and not isinstance(field, OneToOneRel):
            return True
        if getattr(field, "many_to_many", False) or getattr(field, "one_to_many", False):
            return True
    return False
