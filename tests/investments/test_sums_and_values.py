"""Sums that hold and values that are checked: no pledge cycle, never a part counted with its counted whole,
summary totals with their qualifier and with pledges stated in USD, ISO 4217 currencies, no -0."""

from decimal import Decimal

import pytest

from apps.investments.models import AmountQualifier, Pledge, UsdBasis
from tests.api.helpers import assert_status
from tests.factories import PledgeFactory, StateFactory

pytestmark = pytest.mark.django_db


def patch(client, pledge, data):
    return client.patch(f"/api/v1/pledges/{pledge.pk}/", data, format="json")


def donor_summary(client):
    response = client.get("/api/v1/pledges/summary/", {"group_by": "donor"})
    assert_status(response, 200)
    return {row["donor"]: row for row in response.json()}


def test_a_parent_cannot_be_made_to_count_while_its_component_counts(editor_client):
    japan = StateFactory(slug="japan")
    whole = PledgeFactory(donor=japan, amount_usd=Decimal("100"), counts_in_totals=False)
    PledgeFactory(donor=japan, amount_usd=Decimal("60"), parent=whole, counts_in_totals=True)

    response = patch(editor_client, whole, {"counts_in_totals": True})
    assert_status(response, 400)
    assert "counts_in_totals" in response.json()
    assert not Pledge.objects.get(pk=whole.pk).counts_in_totals
    assert Decimal(donor_summary(editor_client)["japan"]["total_usd"]) == Decimal("60.00")  # not 160


def test_a_component_cannot_count_under_a_counted_grandparent(editor_client):
    whole = PledgeFactory(counts_in_totals=True)
    middle = PledgeFactory(donor=whole.donor, parent=whole, counts_in_totals=False)
    part = PledgeFactory(donor=whole.donor, parent=middle, counts_in_totals=False)
    response = patch(editor_client, part, {"counts_in_totals": True})
    assert_status(response, 400)
    assert str(whole.pk) in response.json()["counts_in_totals"][0]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_no_pledge_can_be_its_own_ancestor(editor_client, depth):
    chain = [PledgeFactory(counts_in_totals=False)]
    for _ in range(depth):
        chain.append(PledgeFactory(donor=chain[0].donor, parent=chain[-1], counts_in_totals=False))
    top = chain[0]
    response = patch(editor_client, top, {"parent": chain[-1].pk if depth else top.pk})
    assert_status(response, 400)
    assert "parent" in response.json()
    assert Pledge.objects.get(pk=top.pk).parent_id is None


def test_summary_totals_carry_the_qualifier_of_their_parts_and_count_pledges_stated_in_usd(api_client):
    japan, korea, china = StateFactory(slug="japan"), StateFactory(slug="korea"), StateFactory(slug="china")
    PledgeFactory(donor=japan, amount_usd=Decimal("100"), amount_usd_qualifier=AmountQualifier.EXACT)
    PledgeFactory(donor=japan, amount_usd=Decimal("50"), amount_usd_qualifier=AmountQualifier.UP_TO)
    # Stated in US dollars, no separate USD equivalent: its amount is its USD value.
    PledgeFactory(
        donor=korea,
        amount=Decimal("7"),
        currency="USD",
        amount_qualifier=AmountQualifier.ABOUT,
        amount_usd=None,
        usd_basis=UsdBasis.NONE,
    )
    PledgeFactory(donor=korea, amount_usd=Decimal("3"), amount_usd_qualifier=AmountQualifier.EXACT)
    PledgeFactory(donor=china, amount_usd=Decimal("1"), amount_usd_qualifier=AmountQualifier.EXACT)
    PledgeFactory(donor=china, amount_usd=None, usd_basis=UsdBasis.NONE)  # JPY only: no USD value

    rows = donor_summary(api_client)
    assert (rows["japan"]["total_usd"], rows["japan"]["total_usd_qualifier"]) == ("150.00", "up_to")
    assert (rows["korea"]["total_usd"], rows["korea"]["count_with_usd"], rows["korea"]["total_usd_qualifier"]) == (
        "10.00",
        2,
        "about",
    )
    assert (rows["china"]["total_usd"], rows["china"]["count"], rows["china"]["total_usd_qualifier"]) == (
        "1.00",
        2,
        "exact",
    )


@pytest.mark.parametrize("currency", ["ZZZ", "YEN", "XYZ", "jp"])
def test_a_currency_must_be_an_iso_4217_code(editor_client, currency):
    response = editor_client.post(
        "/api/v1/pledges/", {"donor": StateFactory().slug, "amount": "5", "currency": currency}, format="json"
    )
    assert_status(response, 400)
    assert "currency" in response.json()
    assert not Pledge.objects.exists()


def test_a_lower_case_iso_code_is_stored_upper_case(editor_client):
    response = editor_client.post(
        "/api/v1/pledges/", {"donor": StateFactory().slug, "amount": "5", "currency": "jpy"}, format="json"
    )
    assert_status(response, 201)
    assert response.json()["currency"] == "JPY"
    assert Pledge.objects.get().currency == "JPY"


def test_minus_zero_is_stored_and_answered_as_zero(editor_client):
    response = editor_client.post(
        "/api/v1/pledges/",
        {
            "donor": StateFactory().slug,
            "amount": "-0",
            "currency": "USD",
            "amount_usd": "-0.00",
            "usd_basis": "stated_by_source",
        },
        format="json",
    )
    assert_status(response, 201)
    body = response.json()
    read = editor_client.get(f"/api/v1/pledges/{body['id']}/").json()
    assert (body["amount"], body["amount_usd"]) == ("0.00", "0.00") == (read["amount"], read["amount_usd"])
