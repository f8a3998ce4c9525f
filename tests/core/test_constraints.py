"""The database itself refuses bad rows: each named constraint, tried with a row that breaks it.

Rows are written with .save() after bypassing model validation, so only the database stands in the way.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.core import registry
from apps.core.models import DatePrecision
from apps.investments.models import UsdBasis
from tests import factories

pytestmark = pytest.mark.django_db

DAY = DatePrecision.DAY
D = datetime.date


def same_actor(field_a, field_b):
    def build(factory):
        actor = factories.StateFactory()
        return factory.build(**{field_a: actor, field_b: actor})

    return build


def citation(**overrides):
    return factories.CitationFactory.build(fact=factories.SummitFactory(), **overrides)


CHECK_CASES = {
    "source_title_not_empty": lambda: factories.SourceFactory.build(title=""),
    "source_published_on_unknown_iff_null": lambda: factories.SourceFactory.build(
        published_on=D(2025, 1, 1), published_on_precision=DatePrecision.UNKNOWN
    ),
    "source_language_not_empty": lambda: factories.SourceFactory.build(language=""),
    "summit_format_name_en_not_empty": lambda: factories.SummitFormatFactory.build(name_en=""),
    "trade_statement_years_in_range": lambda: factories.TradeStatementFactory.build(year_from=1200),
    "citation_key_phrase_not_empty": lambda: citation(key_phrase=""),
    "citation_key_phrase_short": lambda: citation(key_phrase="слово " * 30),
    "citation_paragraph_positive": lambda: citation(paragraph=0),
    "actor_name_en_not_empty": lambda: factories.StateFactory.build(name_en=""),
    "actor_iso3_only_for_states": lambda: factories.GroupingFactory.build(iso3="XCA"),
    "actor_iso3_three_letters": lambda: factories.StateFactory.build(iso3="JP"),
    "actor_country_only_for_persons": lambda: factories.StateFactory.build(country=factories.StateFactory()),
    "actor_relation_subject_not_object": lambda: same_actor("subject", "object")(factories.ActorRelationFactory),
    "actor_relation_end_after_start": lambda: factories.ActorRelationFactory.build(
        start_date=D(2025, 1, 2), start_date_precision=DAY, end_date=D(2025, 1, 1), end_date_precision=DAY
    ),
    "actor_relation_start_date_unknown_iff_null": lambda: factories.ActorRelationFactory.build(
        start_date=None, start_date_precision=DAY
    ),
    "topic_name_en_not_empty": lambda: factories.TopicFactory.build(name_en=""),
    "summit_format_region_not_partner": lambda: same_actor("region", "partner")(factories.SummitFormatFactory),
    "summit_title_en_not_empty": lambda: factories.SummitFactory.build(title_en=""),
    "summit_ordinal_positive": lambda: factories.SummitFactory.build(ordinal=0),
    "summit_end_date_after_day_precise_date": lambda: factories.SummitFactory.build(
        date=D(2025, 12, 20), date_precision=DAY, end_date=D(2025, 12, 19)
    ),
    "summit_date_unknown_iff_null": lambda: factories.SummitFactory.build(date=None, date_precision=DAY),
    "summit_status_valid": lambda: factories.SummitFactory.build(status="rumoured"),
    "summit_mode_valid": lambda: factories.SummitFactory.build(mode="by_letter"),
    "summit_status_has_date": lambda: factories.SummitFactory.build(
        status="cancelled", date=None, date_precision=DatePrecision.UNKNOWN
    ),
    "summit_virtual_has_no_city": lambda: factories.SummitFactory.build(mode="virtual", city_en="Tokyo"),
    "summit_replaced_only_if_postponed_or_cancelled": lambda: factories.SummitFactory.build(
        status="held", replaced_by=factories.SummitFactory()
    ),
    "summit_participant_not_own_representative": lambda: same_actor("actor", "represented_by")(
        factories.SummitParticipantFactory
    ),
    "document_title_en_not_empty": lambda: factories.DocumentFactory.build(title_en=""),
    "pledge_amount_non_negative": lambda: factories.PledgeFactory.build(amount=Decimal("-1")),
    "pledge_amount_usd_non_negative": lambda: factories.PledgeFactory.build(amount_usd=Decimal("-1")),
    "pledge_amount_has_currency": lambda: factories.PledgeFactory.build(currency=""),
    "pledge_usd_basis_consistent": lambda: factories.PledgeFactory.build(usd_basis=UsdBasis.CONVERTED, usd_rate=None),
    "pledge_usd_rate_positive": lambda: factories.PledgeFactory.build(
        usd_basis=UsdBasis.CONVERTED, usd_rate=Decimal("0"), usd_rate_date=D(2025, 1, 1)
    ),
    "pledge_period_end_after_start": lambda: factories.PledgeFactory.build(
        period_start=D(2026, 1, 1), period_start_precision=DAY, period_end=D(2025, 1, 1), period_end_precision=DAY
    ),
    "pledge_period_years_positive": lambda: factories.PledgeFactory.build(period_years=0),
    "trade_flow_reporter_not_partner": lambda: same_actor("reporter", "partner")(factories.TradeFlowFactory),
    "trade_flow_year_in_range": lambda: factories.TradeFlowFactory.build(year=1800),
    "trade_flow_month_in_range": lambda: factories.TradeFlowFactory.build(month=13),
    "trade_flow_flow_valid": lambda: factories.TradeFlowFactory.build(flow="Z"),
    "trade_flow_value_non_negative": lambda: factories.TradeFlowFactory.build(value_usd=Decimal("-0.01")),
    "trade_flow_net_weight_non_negative": lambda: factories.TradeFlowFactory.build(net_weight_kg=Decimal("-1")),
    "trade_flow_quantity_non_negative": lambda: factories.TradeFlowFactory.build(quantity=Decimal("-1")),
    "trade_flow_commodity_not_empty": lambda: factories.TradeFlowFactory.build(commodity_code=""),
    "trade_flow_customs_code_not_empty": lambda: factories.TradeFlowFactory.build(customs_code=""),
    "stated_trade_reporter_not_partner": lambda: same_actor("reporter", "partner")(factories.StatedTradeFigureFactory),
    "stated_trade_flow_valid": lambda: factories.StatedTradeFigureFactory.build(flow="X"),
    "stated_trade_value_non_negative": lambda: factories.StatedTradeFigureFactory.build(value=Decimal("-1")),
    "stated_trade_currency_iso": lambda: factories.StatedTradeFigureFactory.build(currency="US"),
    "stated_trade_qualifier_valid": lambda: factories.StatedTradeFigureFactory.build(value_qualifier="roughly"),
    "stated_trade_period_end_after_start": lambda: factories.StatedTradeFigureFactory.build(
        period_start=D(2025, 1, 1), period_end=D(2024, 1, 1), period_end_precision=DatePrecision.YEAR
    ),
    "trade_measure_year_in_range": lambda: factories.TradeMeasureFactory.build(year=3000),
    "trade_measure_commodity_codes_listed": lambda: factories.TradeMeasureFactory.build(commodity_codes="2805, 2846"),
    "trade_measure_in_force_after_announced": lambda: factories.TradeMeasureFactory.build(
        announced_on=D(2025, 4, 4), in_force_from=D(2025, 4, 3)
    ),
    "trade_statement_subject_not_partner": lambda: same_actor("subject", "partner")(factories.TradeStatementFactory),
    "trade_statement_years_ordered": lambda: factories.TradeStatementFactory.build(year_from=2025, year_to=2024),
    "trade_statement_rank_positive": lambda: factories.TradeStatementFactory.build(rank=0),
    "corridor_name_en_not_empty": lambda: factories.CorridorFactory.build(name_en=""),
    "resource_name_en_not_empty": lambda: factories.StrategicResourceFactory.build(name_en=""),
    "office_role_en_not_empty": lambda: factories.OfficeFactory.build(role_en=""),
    "office_end_after_start": lambda: factories.OfficeFactory.build(
        start_date=D(2025, 1, 2), start_date_precision=DAY, end_date=D(2025, 1, 1), end_date_precision=DAY
    ),
    "office_person_not_organization": lambda: same_actor("person", "organization")(factories.OfficeFactory),
    "assessment_statement_not_empty": lambda: factories.AssessmentFactory.build(statement_en=""),
    "citation_inferred_says_how": lambda: citation(basis="inferred", inference=""),
    "citation_claim_has_value_and_rank": lambda: citation(field="date", value="", rank="preferred"),
    "resource_interest_actor_not_region": lambda: same_actor("actor", "region")(factories.ResourceInterestFactory),
}


def _save_raw(row):
    # Related rows built unsaved by .build() need saving first; the row itself skips full_clean().
    for field in row._meta.concrete_fields:
        if field.is_relation:
            related = getattr(row, field.name, None)
            if related is not None and related.pk is None:
                _save_raw(related)
                setattr(row, field.name, related)
    row.save()


@pytest.mark.parametrize("constraint", sorted(CHECK_CASES))
def test_database_rejects_row_breaking_check(constraint):
    row = CHECK_CASES[constraint]()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        _save_raw(row)
    assert constraint in str(raised.value)


def test_every_check_constraint_has_a_case():
    """A new CheckConstraint must come with a row that breaks it (here)."""
    from django.db.models import CheckConstraint

    names = set()
    for config in registry.domain_apps():
        for model in config.get_models():
            names |= {c.name for c in model._meta.constraints if isinstance(c, CheckConstraint)}
    # Partial-date pairs share one mechanism; one case per mechanism family is enough for the rest.
    covered_by_family = {n for n in names if n.endswith("_unknown_iff_null")}
    # Self-references share one mechanism too; test_row_cannot_point_to_itself tries it.
    self_reference = {
        "actor_not_own_country",
        "topic_not_own_parent",
        "document_does_not_implement_itself",
        "pledge_not_own_parent",
        "summit_not_replaced_by_itself",
        "source_not_its_own_origin",
    }
    missing = names - set(CHECK_CASES) - covered_by_family - self_reference
    assert not missing, f"constraints without a breaking row in CHECK_CASES: {sorted(missing)}"


def test_row_cannot_point_to_itself():
    pledge = factories.PledgeFactory()
    pledge.parent_id = pledge.pk
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        pledge.save()
    assert "pledge_not_own_parent" in str(raised.value)


UNIQUE_CASES = {
    "actor slug": lambda: [factories.StateFactory(slug="japan"), factories.GroupingFactory.build(slug="japan")],
    "actor iso3": lambda: [factories.StateFactory(iso3="JPN"), factories.StateFactory.build(iso3="JPN")],
    "summit ordinal per format": lambda: (lambda s: [s, factories.SummitFactory.build(format=s.format, ordinal=1)])(
        factories.SummitFactory(ordinal=1)
    ),
    "summit participant": lambda: (
        lambda p: [p, factories.SummitParticipantFactory.build(summit=p.summit, actor=p.actor)]
    )(factories.SummitParticipantFactory()),
    "document signatory": lambda: (
        lambda s: [s, factories.DocumentSignatoryFactory.build(document=s.document, actor=s.actor)]
    )(factories.DocumentSignatoryFactory()),
    "annual trade flow": lambda: (
        lambda f: [
            f,
            factories.TradeFlowFactory.build(
                reporter=f.reporter, partner=f.partner, year=f.year, flow=f.flow, commodity_code=f.commodity_code
            ),
        ]
    )(factories.TradeFlowFactory(month=None)),
    "monthly trade flow": lambda: (
        lambda f: [
            f,
            factories.TradeFlowFactory.build(
                reporter=f.reporter,
                partner=f.partner,
                year=f.year,
                month=3,
                flow=f.flow,
                commodity_code=f.commodity_code,
            ),
        ]
    )(factories.TradeFlowFactory(month=3)),
    "citation per fact and place": lambda: (
        lambda c: [
            c,
            factories.CitationFactory.build(
                fact=c.fact, source=c.source, paragraph=c.paragraph, key_phrase=c.key_phrase
            ),
        ]
    )(factories.CitationFactory()),
}


@pytest.mark.parametrize("case", sorted(UNIQUE_CASES))
def test_database_rejects_duplicate_natural_key(case):
    _existing, duplicate = UNIQUE_CASES[case]()
    with pytest.raises(IntegrityError), transaction.atomic():
        _save_raw(duplicate)


def test_annual_and_monthly_rows_of_same_year_coexist():
    annual = factories.TradeFlowFactory(month=None)
    monthly = factories.TradeFlowFactory(
        reporter=annual.reporter, partner=annual.partner, year=annual.year, month=1, flow=annual.flow
    )
    assert monthly.pk != annual.pk
