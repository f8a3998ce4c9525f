"""The pledges page takes its donor totals from the API's selector (apps.investments.selectors.pledge_summary):
a page computes no figure of its own (issue 27: a pledge stated in USD without amount_usd counted 1000.00 in the
API and nothing on the page)."""

import re
from decimal import Decimal

import pytest

from apps.investments.models import AmountQualifier, UsdBasis
from tests import factories

pytestmark = pytest.mark.django_db


def _page_total(page, slug):
    row = re.search(rf'<tr><td><a href="/actors/{slug}/">.*?</tr>', page, re.S).group(0)
    return re.search(r'<td class="num">(?:<span class="qualifier">[^<]*</span> )?([^<]*)</td>', row).group(1), row


def test_a_pledge_stated_in_usd_counts_the_same_on_the_page_and_in_the_api(client, api_client):
    donor = factories.StateFactory(slug="usd-donor", name_en="USD donor", name_ru="Донор")
    factories.PledgeFactory(
        donor=donor,
        amount=Decimal("1000.00"),
        currency="USD",
        amount_usd=None,
        amount_qualifier=AmountQualifier.EXACT,
        usd_basis=UsdBasis.NONE,
    )
    factories.PledgeFactory(
        donor=donor, amount=Decimal(300), amount_usd=Decimal("2.00"), amount_usd_qualifier=AmountQualifier.EXACT
    )
    summary = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor"}).json()
    (api_row,) = [row for row in summary if row["donor"] == "usd-donor"]
    assert Decimal(api_row["total_usd"]) == Decimal("1002.00")
    total, row = _page_total(client.get("/pledges/").content.decode(), "usd-donor")
    assert Decimal(total.replace(",", "")) == Decimal(api_row["total_usd"])
    assert "without a USD figure" not in row  # its USD figure is its own amount
    assert "amount in US dollars" in row


def test_the_page_totals_every_pledge_not_only_the_ones_it_lists(client, monkeypatch):
    monkeypatch.setattr("apps.site.views.PLEDGES_SHOWN", 1)
    donor = factories.StateFactory(slug="many", name_en="Many", name_ru="Много")
    for usd in ("5.00", "7.00"):
        factories.PledgeFactory(donor=donor, amount_usd=Decimal(usd), amount_usd_qualifier=AmountQualifier.EXACT)
    total, _row = _page_total(client.get("/pledges/").content.decode(), "many")
    assert Decimal(total.replace(",", "")) == Decimal("12.00")
