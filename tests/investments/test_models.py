"""Pledge rules: USD basis, components that must not be counted twice, readable amounts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from apps.investments.models import AmountQualifier, Pledge, UsdBasis
from tests import factories

pytestmark = pytest.mark.django_db


def test_amount_display_keeps_the_qualifier():
    pledge = factories.PledgeFactory.build(
        amount=Decimal("3000000000000"), currency="JPY", amount_qualifier=AmountQualifier.UP_TO
    )
    assert pledge.amount_display == "up to 3,000,000,000,000 JPY"


def test_usd_amount_without_basis_is_refused():
    pledge = factories.PledgeFactory.build(donor=factories.StateFactory(), usd_basis=UsdBasis.NONE)
    with pytest.raises(ValidationError) as raised:
        pledge.full_clean()
    assert "usd_basis" in raised.value.message_dict


def test_converted_usd_amount_needs_rate_and_date():
    pledge = factories.PledgeFactory.build(donor=factories.StateFactory(), usd_basis=UsdBasis.CONVERTED)
    with pytest.raises(ValidationError) as raised:
        pledge.full_clean()
    assert "rate" in raised.value.message_dict["usd_rate"][0]
    pledge.usd_rate, pledge.usd_rate_date = Decimal("0.0065"), datetime.date(2025, 12, 19)
    pledge.full_clean()


def test_component_of_a_counted_pledge_must_not_count_again():
    parent = factories.PledgeFactory(amount_usd=Decimal("100"))
    component = factories.PledgeFactory.build(
        donor=parent.donor, parent=parent, amount_usd=Decimal("40"), counts_in_totals=True
    )
    with pytest.raises(ValidationError) as raised:
        component.full_clean()
    assert "counted twice" in raised.value.message_dict["counts_in_totals"][0]
    component.counts_in_totals = False
    component.full_clean()
    component.save()
    assert Pledge.objects.counted().aggregate(total=Sum("amount_usd"))["total"] == Decimal("100")


def test_currency_is_normalised_to_upper_case():
    pledge = factories.PledgeFactory.build(donor=factories.StateFactory(), currency="jpy")
    pledge.full_clean()
    assert pledge.currency == "JPY"
