"""Aggregations over pledges, computed in the database (one GROUP BY)."""
from django.db.models import (
    Aggregate, Case, Count, F, ForeignObjectRel, Func, IntegerField, OneToOneRel, OuterRef, Subquery, Sum, When,
)
from django.db.models.functions import Coalesce, ExtractYear

from apps.actors.models import Actor
from apps.investments.models import AmountQualifier, Pledge

# A pledge's value in USD: its USD equivalent, or its own amount when it is stated in US dollars.
USD_VALUE = Coalesce("amount_usd", Case(When(currency="USD", then="amount")))
# The qualifier of that value ("up_to", "about", ...), null when there is no USD value.
USD_QUALIFIER = Case(
    When(amount_usd__isnull=False, then="amount_usd_qualifier"),
    When(currency="USD", amount__isnull=False, then="amount_qualifier"),
)

# Each qualifier as one bit, so a group's set of qualifiers is one aggregate (QualifierBits) over one
# evaluation of USD_QUALIFIER per pledge; four `COUNT(*) FILTER (WHERE qualifier = …)` evaluated it four times.
QUALIFIER_BITS = {qualifier: 1 << position for position, qualifier in enumerate(AmountQualifier.values)}


class QualifierBit(Func):
    """SQL: the bit of QUALIFIER_BITS for a qualifier expression, null for none (a simple CASE: the
    expression is evaluated once, where Case(When(...)) repeats it in every branch)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in QUALIFIER_BITS)
        return f"CASE {sql} {whens} END", [*params, *(v for pair in QUALIFIER_BITS.items() for v in pair)]


class QualifierBits(Aggregate):
    """The OR of the group's QualifierBit values: which qualifiers occur in the group (0 or null for none).
    SQLite has no BIT_OR; the sum of the distinct single-bit values is the same number."""

    function = "BIT_OR"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="SUM", template="%(function)s(DISTINCT %(expressions)s)")


def qualifiers_of(bits):
    """The set of AmountQualifier values whose bits are set in `bits` (None or 0: empty)."""
    return {qualifier for qualifier, bit in QUALIFIER_BITS.items() if (bits or 0) & bit}


# group_by key → (column expression, output names)
PLEDGE_GROUPS = {
    "donor": {"donor": F("donor__slug"), "donor_name": F("donor__name_en")},
    "recipient": {"recipient": F("recipients__slug"), "recipient_name": F("recipients__name_en")},
    "currency": {"currency": F("currency")},
    "year": {"year": ExtractYear("period_start")},
}


def pledge_summary(*, group_by, pledges=None):
    """USD totals and counts of pledges per group, each total with the qualifier of its parts
    (`total_usd_qualifier`, see total_qualifier). A pledge stated in USD counts with its own amount.

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
        donor = Actor.objects.filter(pk=OuterRef("group_donor_id")).order_by()  # by primary key: no sort
        named = {"group_donor": Subquery(donor.values("slug")[:1]),
                 "group_donor_name": Subquery(donor.values("name_en")[:1])}
    rows = (
        base.counted()
        .alias(usd_value=USD_VALUE, usd_qualifier=USD_QUALIFIER)
        .values(**grouped)
        .annotate(
            # Each pledge is one row per group (a recipient group holds a pledge once), so no DISTINCT.
            count=Count("id"),
            count_with_usd=Count("usd_value"),
            total_usd=Sum("usd_value"),
            usd_qualifiers=QualifierBits(QualifierBit("usd_qualifier")),
            **({"total_amount": Sum("amount")} if "currency" in group_by else {}),
        )
        .annotate(**named)
        .order_by(F("total_usd").desc(nulls_last=True), *aliases)
    )
    out = []
    for row in rows:
        row["total_usd_qualifier"] = total_qualifier(qualifiers_of(row.pop("usd_qualifiers")))
        out.append({key.removeprefix("group_"): value for key, value in row.items() if key != "group_donor_id"})
    return out


def total_qualifier(parts):
    """The qualifier of a sum from the set of its parts' qualifiers: None for no parts; the parts' own when
    they agree or are exact otherwise ("exact" + "up_to" → "up_to": the sum is at most that); "about" when
    bounds of different kinds or estimates mix (an up-to plus an at-least bounds nothing)."""
    if not parts:
        return None
    inexact = parts - {AmountQualifier.EXACT}
    if not inexact:
        return AmountQualifier.EXACT
    if len(inexact) == 1:
        return inexact.pop()
    return AmountQualifier.ABOUT


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
