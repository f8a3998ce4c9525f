"""named_groups: the ORM's grouped rows, their ids replaced by names looked up after grouping."""
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum

from apps.actors.models import Actor
from apps.core.grouping import named_groups
from apps.investments.models import Pledge
from tests.factories import PledgeFactory, StateFactory

pytestmark = pytest.mark.django_db

DONOR_NAMES = {"by_donor": (Actor, {"donor": "slug", "donor_name": "name_en"})}


def grouped(pledges):
    return pledges.values(by_donor=F("donor"), the_currency=F("currency")).annotate(n=Count("id"), usd=Sum("amount_usd"))


def test_ids_give_way_to_names_in_place_and_values_are_converted_as_the_orm_does():
    japan = StateFactory(slug="japan", name_en="Japan")
    PledgeFactory(donor=japan, currency="JPY", amount_usd=Decimal("1.50"))
    PledgeFactory(donor=japan, currency="JPY", amount_usd=Decimal("2.25"))
    [row] = named_groups(grouped(Pledge.objects.all()), names=DONOR_NAMES, order_by=["donor"])
    assert list(row) == ["donor", "donor_name", "the_currency", "n", "usd"]
    assert row == {"donor": "japan", "donor_name": "Japan", "the_currency": "JPY", "n": 2, "usd": Decimal("3.75")}
    assert type(row["usd"]) is Decimal  # SQLite returns a float for SUM: the ORM's converter makes it a Decimal


def test_order_descending_with_nulls_last_then_ascending():
    for slug, usd in [("b", "5.00"), ("a", "5.00"), ("c", None), ("d", "7.00")]:
        PledgeFactory(donor=StateFactory(slug=slug), amount_usd=usd and Decimal(usd), usd_basis="none" if usd is None
                      else "stated_by_source")
    rows = named_groups(grouped(Pledge.objects.all()), names=DONOR_NAMES, order_by=["-usd", "donor"])
    assert [row["donor"] for row in rows] == ["d", "a", "b", "c"]


def test_a_null_id_names_nothing():
    pledge = PledgeFactory(donor=StateFactory(slug="japan"))
    pledge.recipients.add(StateFactory(slug="korea"))
    PledgeFactory(donor=StateFactory(slug="china"))
    rows = named_groups(Pledge.objects.values(recipient_id=F("recipients")).annotate(n=Count("id")),
                        names={"recipient_id": (Actor, {"recipient": "slug"})}, order_by=["recipient"])
    assert sorted(rows, key=lambda row: row["recipient"] or "") == [{"recipient": None, "n": 1},
                                                                    {"recipient": "korea", "n": 1}]


def test_a_queryset_empty_by_construction_is_no_rows_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert named_groups(grouped(Pledge.objects.filter(pk__in=[])), names=DONOR_NAMES, order_by=["donor"]) == []
