"""Issue 25, part B: bilateral trade of the five with Japan, China, Russia, the EU and the United States, as
presidents, ministries, statistics offices and customs services state it (fixtures/seed/18_3_*.json)."""

import datetime
from decimal import Decimal

import pytest

from apps.core.models import DatePrecision
from apps.sources.models import Citation
from apps.trade.models import StatedTradeFigure

pytestmark = pytest.mark.usefixtures("seeded_once", "seeded")

CA5 = ["kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"]
PARTNERS = ["china", "russia", "european-union", "united-states", "japan"]
NOT_FOUND = {("tajikistan", "united-states"), ("turkmenistan", "united-states")}  # fixtures/README.md


def test_each_of_the_five_has_stated_figures_with_each_partner_wherever_a_source_gives_one():
    pairs = set()
    for reporter, partner in StatedTradeFigure.objects.values_list("reporter__slug", "partner__slug"):
        pairs.add((reporter, partner) if reporter in CA5 else (partner, reporter))  # Japan's exports to Turkmenistan
    expected = {(state, partner) for state in CA5 for partner in PARTNERS} - NOT_FOUND
    assert expected <= pairs


def test_every_stated_figure_cites_a_public_source_and_its_words():
    for figure in StatedTradeFigure.objects.all():
        citations = Citation.objects.for_object(figure)
        assert citations.exists(), figure.slug
        for citation in citations:
            assert citation.paragraph and 0 < len(citation.key_phrase) <= 120, figure.slug
            assert citation.basis == "stated" or citation.inference, figure.slug  # an inference is written out


def test_where_sources_differ_each_figure_is_its_own_row():
    kyrgyz_russian = StatedTradeFigure.objects.filter(
        reporter__slug="kyrgyzstan",
        partner__slug="russia",
        flow="turnover",
        period_start=datetime.date(2024, 1, 1),
        period_start_precision=DatePrecision.YEAR,
    )
    assert {(f.value, f.stated_by.slug) for f in kyrgyz_russian} == {
        (Decimal("3200000000"), "kyrgyzstan"),
        (Decimal("4100000000"), "russia"),
    }
    kyrgyz_chinese = StatedTradeFigure.objects.filter(
        reporter__slug="kyrgyzstan", partner__slug="china", period_start__year=2024
    )
    assert {f.slug: f.value for f in kyrgyz_chinese}.items() >= {
        "kyrgyzstan-china-turnover-2024-china-customs": Decimal("22700000000"),
        "kyrgyzstan-china-turnover-2024-01-11-kyrgyz-statistics": Decimal("5100000000"),
    }.items()


def test_periods_and_qualifiers_read_as_the_sources_state_them():
    months = StatedTradeFigure.objects.get(slug="kyrgyzstan-china-turnover-2024-01-11-kyrgyz-statistics")
    assert (months.period_start, months.period_start_precision, months.period_end, months.period_end_precision) == (
        datetime.date(2024, 1, 1),
        DatePrecision.MONTH,
        datetime.date(2024, 11, 1),
        DatePrecision.MONTH,
    )
    year = StatedTradeFigure.objects.get(slug="kazakhstan-china-turnover-2024-tokayev")
    assert (year.period_start_precision, year.period_end, year.stated_by.slug) == (
        DatePrecision.YEAR,
        None,
        "kassym-jomart-tokayev",
    )
    assert StatedTradeFigure.objects.get(slug="uzbekistan-russia-turnover-2024-khodjaev").value_qualifier == "at_least"
    assert StatedTradeFigure.objects.get(slug="tajikistan-russia-turnover-2024").value_qualifier == "about"
    euro = StatedTradeFigure.objects.get(slug="kyrgyzstan-eu-turnover-2022")
    assert (euro.value, euro.currency) == (Decimal("1319000000"), "EUR")
