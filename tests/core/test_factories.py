"""Every factory builds a valid row that passes the model's own validation and the database's rules."""

import pytest

from tests import factories

ALL_FACTORIES = [
    factories.SourceFactory,
    factories.StateFactory,
    factories.PersonFactory,
    factories.GroupingFactory,
    factories.ActorRelationFactory,
    factories.TopicFactory,
    factories.SummitFormatFactory,
    factories.SummitFactory,
    factories.SummitParticipantFactory,
    factories.DocumentFactory,
    factories.DocumentSignatoryFactory,
    factories.PledgeFactory,
    factories.CitationFactory,
    factories.TradeFlowFactory,
    factories.TradeMeasureFactory,
    factories.TradeStatementFactory,
    factories.CorridorFactory,
    factories.CorridorStakeFactory,
    factories.StrategicResourceFactory,
    factories.ResourceInterestFactory,
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_valid_rows(factory):
    first, second = factory(), factory()
    assert first.pk != second.pk
    for row in (first, second):
        row.full_clean()
        assert str(row)
