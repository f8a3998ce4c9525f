"""named_groups: aggregates per group from the ORM's GROUP BY, ids replaced by names looked up after grouping."""

from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum

from apps.actors.models import Actor
from apps.core.grouping import named_groups
from apps.investments.models import Pledge
from tests.factories import PledgeFactory, StateFactory

pytestmark = pytest.mark.django_db

BY_DONOR = {
    "groups": {"donor_id": F("donor"), "currency": F("currency")},
    "names": {"donor_id": (Actor, {"donor": "slug", "donor_name": "name_en"})},
    "aggregates": {"n": Count("id"), "usd": Sum("amount_usd")},
}


def test_ids_give_way_to_names_in_place_and_values_are_converted_as_the_orm_does():
    japan = StateFactory(slug="japan", name_en="Japan")
    PledgeFactory(donor=japan, currency="JPY", amount_usd=Decimal("1.50"))
    PledgeFactory(donor=japan, currency="JPY", amount_usd=Decimal("2.25"))
    [row] = named_groups(Pledge.objects.all(), **BY_DONOR, order_by=["donor"])
    assert list(row) == ["donor", "donor_name", "currency", "n", "usd"]
    assert row == {"donor": "japan", "donor_name": "Japan", "currency": "JPY", "n": 2, "usd": Decimal("3.75")}
    assert type(row["usd"]) is Decimal  # SQLite returns a float for SUM: the ORM's converter makes it a Decimal


def test_order_descending_with_nulls_last_then_ascending():
    for slug, usd in [("b", "5.00"), ("a", "5.00"), ("c", None), ("d", "7.00")]:
        PledgeFactory(
            donor=StateFactory(slug=slug),
            amount_usd=usd and Decimal(usd),
            usd_basis="stated_by_source" if usd else "none",
        )
    rows = named_groups(Pledge.objects.order_by("-id"), **BY_DONOR, order_by=["-usd", "donor"])
    assert [row["donor"] for row in rows] == ["d", "a", "b", "c"]


def test_a_null_id_names_nothing():
    pledge = PledgeFactory(donor=StateFactory(slug="japan"))
    pledge.recipients.add(StateFactory(slug="korea"))
    PledgeFactory(donor=StateFactory(slug="china"))
    rows = named_groups(
        Pledge.objects.all(),
        groups={"recipient_id": F("recipients")},
        names={"recipient_id": (Actor, {"recipient": "slug"})},
        aggregates={"n": Count("id")},
    )
    assert sorted(rows, key=lambda row: row["recipient"] or "") == [
        {"recipient": None, "n": 1},
        {"recipient": "korea", "n": 1},
    ]


def test_a_queryset_empty_by_construction_is_no_rows_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert named_groups(Pledge.objects.filter(pk__in=[]), **BY_DONOR, order_by=["donor"]) == []
