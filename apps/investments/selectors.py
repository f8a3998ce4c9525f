"""Aggregations over pledges, computed in the database (one GROUP BY)."""

import functools
from collections.abc import Sequence
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    ForeignObjectRel,
    Func,
    IntegerField,
    OneToOneRel,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.sql import Query

from apps.actors.models import Actor
from apps.core.grouping import named_groups
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

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in QUALIFIER_BITS)
        return f"CASE {sql} {whens} END", [*params, *(v for pair in QUALIFIER_BITS.items() for v in pair)]


class QualifierBits(Aggregate):
    """The OR of the group's QualifierBit values: which qualifiers occur in the group (0 or null for none).
    SQLite has no BIT_OR; the sum of the distinct single-bit values is the same number."""

    function = "BIT_OR"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="SUM", template="%(function)s(DISTINCT %(expressions)s)")


def qualifiers_of(bits: int | None) -> set[str]:
    """The set of AmountQualifier values whose bits are set in `bits` (None or 0: empty)."""
    return {qualifier for qualifier, bit in QUALIFIER_BITS.items() if (bits or 0) & bit}


# group_by key → the pledges' column grouped on. An actor (ACTOR_KEYS) is grouped on its id and named after
# grouping (apps.core.grouping): `<key>` is its slug, `<key>_name` its English name.
PLEDGE_GROUPS = {
    "donor": F("donor"),
    "recipient": F("recipients"),
    "currency": F("currency"),
    "year": ExtractYear("period_start"),
}
ACTOR_KEYS = {"donor", "recipient"}


def pledge_summary(*, group_by: Sequence[str], pledges: QuerySet[Pledge] | None = None) -> list[dict[str, Any]]:
    """USD totals and counts of pledges per group, each total with the qualifier of its parts
    (`total_usd_qualifier`, see total_qualifier). A pledge stated in USD counts with its own amount.

    Only pledges that count in totals (`Pledge.counted()`) are summed, so a component is never added
    to its parent. When a filter of `pledges` joins a to-many relation (e.g. recipient, purpose), the
    pledges are reduced to ids first so that the join cannot repeat a row; otherwise (no filter, or
    filters on the pledge's own columns and foreign keys) they are grouped as they are, in one plain
    GROUP BY. With group_by=recipient a pledge to several recipients appears under each of them.
    Rows: the largest USD total first (none last), then by the groups' columns in `group_by` order.
    """
    base: Any  # a PledgeQuerySet
    if pledges is None:
        base = Pledge.objects.all()
    elif pledges.query.distinct or _joins_to_many(pledges.query):
        base = Pledge.objects.filter(pk__in=pledges.values("pk"))
    else:
        base = pledges
    groups, names, ordering = {}, {}, ["-total_usd"]
    for key in group_by:
        if key in ACTOR_KEYS:
            groups[f"{key}_id"] = PLEDGE_GROUPS[key]
            names[f"{key}_id"] = (Actor, {key: "slug", f"{key}_name": "name_en"})
            ordering += [key, f"{key}_name"]
        else:
            groups[key] = PLEDGE_GROUPS[key]
            ordering.append(key)
    rows = named_groups(
        base.counted().alias(usd_value=USD_VALUE, usd_qualifier=USD_QUALIFIER),
        groups=groups,
        names=names,
        aggregates={
            # Each pledge is one row per group (a recipient group holds a pledge once), so no DISTINCT.
            "count": Count("id"),
            "count_with_usd": Count("usd_value"),
            "total_usd": Sum("usd_value"),
            "usd_qualifiers": QualifierBits(QualifierBit("usd_qualifier")),
            **({"total_amount": Sum("amount")} if "currency" in group_by else {}),
        },
        order_by=ordering,
    )
    for row in rows:
        row["total_usd_qualifier"] = total_qualifier_of_bits(row.pop("usd_qualifiers"))
    return rows


@functools.cache  # one per set of bits: 16
def total_qualifier_of_bits(bits: int | None) -> str | None:
    """total_qualifier of the qualifiers whose QUALIFIER_BITS are set in `bits` (None or 0: none)."""
    return total_qualifier(qualifiers_of(bits))


def total_qualifier(parts: set[str]) -> str | None:
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


def _joins_to_many(query: Query) -> bool:
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
