"""Issue 25, part B: every donor's pledges around the C5+X meetings, and the corrections of the seed's fact check
(fixtures/seed/18_*.json; fixtures/README.md "Pledges, stated trade figures and corrections")."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.core.models import DatePrecision
from apps.investments.models import Pledge, UsdBasis
from apps.sources.models import Citation, Source
from apps.summits.models import Document

pytestmark = pytest.mark.usefixtures("seeded_once", "seeded")


def test_pledges_come_from_at_least_five_donors():
    donors = set(Pledge.objects.values_list("donor__slug", flat=True))
    assert {"japan", "european-union", "china", "united-states", "italy"} <= donors


def test_every_pledge_amount_has_its_currency_and_every_usd_amount_its_basis():
    for pledge in Pledge.objects.all():
        assert pledge.amount is not None and len(pledge.currency) == 3, pledge.slug
        if pledge.amount_usd is not None:
            assert pledge.usd_basis == UsdBasis.STATED_BY_SOURCE, pledge.slug  # no conversion of our own
        assert Citation.objects.for_object(pledge).exclude(source__slug="velizade-japanese-move").exists(), pledge.slug


def test_the_eus_12_billion_package_and_its_parts_are_counted_once():
    package = Pledge.objects.get(slug="eu-global-gateway-12bn-central-asia")
    assert (package.amount, package.currency, package.summit.slug) == (
        Decimal("12000000000"),
        "EUR",
        "eu-central-asia-1",
    )
    assert (package.amount_usd, package.usd_basis) == (Decimal("13200000000"), UsdBasis.STATED_BY_SOURCE)
    parts = package.components.all()
    assert parts.count() == 4 and not parts.filter(counts_in_totals=True).exists()
    assert parts.aggregate(total=Sum("amount"))["total"] == package.amount  # 3 + 2.5 + 6.4 + 0.1 (Azernews)
    counted = Pledge.objects.counted().filter(donor__slug="european-union")
    assert counted.aggregate(total=Sum("amount"))["total"] == package.amount


def test_chinas_pledges_at_xian_and_astana_keep_what_each_source_says():
    xian = Pledge.objects.get(slug="china-26bn-yuan-central-asia-xian")
    assert (xian.amount, xian.currency, xian.instrument, xian.summit.slug) == (
        Decimal("26000000000"),
        "CNY",
        "loans_and_grants",
        "china-central-asia-1",
    )
    # NHK: about $3.7 billion; Trend: $3.6 billion. Both cited.
    phrases = {c.key_phrase for c in Citation.objects.for_object(xian)}
    assert {
        "26 billion yuan, or about 3.7 billion dollars, in loans and grants",
        "China will provide 26 billion yuan ($3.6 billion)",
    } <= phrases
    astana = Pledge.objects.get(slug="china-1-5bn-yuan-grants-central-asia-2025")
    assert (astana.amount, astana.currency, astana.instrument, astana.summit.slug) == (
        Decimal("1500000000"),
        "CNY",
        "grant",
        "china-central-asia-2",
    )
    assert (astana.period_start, astana.period_start_precision) == (datetime.date(2025, 1, 1), DatePrecision.YEAR)
    assert Citation.objects.for_object(astana).filter(source__language="zh").exists()  # Xi's words in Chinese


def test_agreements_signed_are_told_apart_from_money_pledged():
    italy = Pledge.objects.filter(donor__slug="italy")
    assert set(italy.values_list("instrument", flat=True)) == {"signed_agreements"}
    assert not italy.filter(summit__isnull=False).exists()  # no source ties the bilateral deals to the summit


def test_the_tokyo_initiative_summary_agrees_with_its_summit_link():
    initiative = Document.objects.get(slug="tokyo-initiative-ca-jad")
    assert initiative.summit.slug == "central-asia-plus-japan-1"
    assert "no summit is linked" not in initiative.summary_en


@pytest.mark.parametrize(
    "slug, printed",
    [
        ("mofa-japan-tokyo-dialogue-4", datetime.date(2010, 2, 18)),
        ("zakon-kz-biden-invite-2023", datetime.date(2023, 8, 19)),
    ],
)
def test_sources_whose_pages_print_a_date_have_it(slug, printed):
    source = Source.objects.get(slug=slug)
    assert (source.published_on, source.published_on_precision) == (printed, DatePrecision.DAY)


def test_a_fact_cited_only_to_the_press_now_cites_the_official_page_too():
    official = Source.objects.get(slug="president-uz-daines-rogers-2024-03-27")
    assert official.kind == "official_statement"
    assert Citation.objects.filter(source=official, content_type__model="summit").exists()
