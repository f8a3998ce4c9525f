"""factory-boy factories for every catrack model, with deterministic sequences."""

import datetime
from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from apps.actors.models import Actor, ActorKind, ActorRelation, Office, RelationKind
from apps.core.models import DatePrecision
from apps.geoeconomics.models import (
    Corridor,
    CorridorStake,
    InterestKind,
    ResourceCategory,
    ResourceInterest,
    StakeRole,
    StrategicResource,
)
from apps.investments.models import AmountQualifier, Instrument, Pledge, UsdBasis
from apps.sources.models import Assessment, Citation, Source
from apps.summits.models import (
    Document,
    DocumentKind,
    DocumentSignatory,
    ParticipantRole,
    Summit,
    SummitFormat,
    SummitParticipant,
    SummitStatus,
    Topic,
)
from apps.trade.models import (
    FlowCode,
    StatedFlow,
    StatedTradeFigure,
    TradeFlow,
    TradeLevel,
    TradeMeasure,
    TradeMeasureKind,
    TradeStatement,
    TradeTrend,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# ISO 3166-1's user-assigned alpha-3 codes (AAA–AAZ, QMA–QZZ, XAA–XZZ, ZZA–ZZZ): no country has one, so a
# factory's state never takes a code the seed or Comtrade's areas hold (the plain sequence reached KOR).
USER_ASSIGNED_ISO3 = (
    [f"X{a}{b}" for a in LETTERS for b in LETTERS]
    + [f"Q{a}{b}" for a in LETTERS[LETTERS.index("M") :] for b in LETTERS]
    + [f"AA{b}" for b in LETTERS]
    + [f"ZZ{b}" for b in LETTERS]
)


def _iso3(n):
    """A user-assigned ISO 3166-1 alpha-3 code from a sequence number, unique over 1,092 numbers in a row."""
    return USER_ASSIGNED_ISO3[n % len(USER_ASSIGNED_ISO3)]


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Статья {n}")
    title_en = factory.Sequence(lambda n: f"Article {n}")
    author = "Test Author"
    language = "ru"
    url = factory.Sequence(lambda n: f"https://example.org/articles/{n}")


class StateFactory(DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ("slug",)

    kind = ActorKind.STATE
    slug = factory.Sequence(lambda n: f"state-{n}")
    name_en = factory.Sequence(lambda n: f"State {n}")
    name_ru = factory.Sequence(lambda n: f"Государство {n}")
    iso3 = factory.Sequence(_iso3)


ActorFactory = StateFactory


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Actor

    kind = ActorKind.PERSON
    slug = factory.Sequence(lambda n: f"person-{n}")
    name_en = factory.Sequence(lambda n: f"Person {n}")
    name_ru = factory.Sequence(lambda n: f"Персона {n}")
    country = factory.SubFactory(StateFactory)
    position_en = "Head of state"


class GroupingFactory(DjangoModelFactory):
    class Meta:
        model = Actor

    kind = ActorKind.GROUPING
    slug = factory.Sequence(lambda n: f"grouping-{n}")
    name_en = factory.Sequence(lambda n: f"Grouping {n}")
    name_ru = factory.Sequence(lambda n: f"Группа {n}")


class ActorRelationFactory(DjangoModelFactory):
    class Meta:
        model = ActorRelation

    subject = factory.SubFactory(StateFactory)
    object = factory.SubFactory(StateFactory)
    kind = RelationKind.COMPETITOR


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(StateFactory)
    role_en = "President"
    role_ru = "президент"


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_ru = factory.Sequence(lambda n: f"Тема {n}")


class SummitFormatFactory(DjangoModelFactory):
    class Meta:
        model = SummitFormat
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"format-{n}")
    name_en = factory.Sequence(lambda n: f"Region + Partner {n}")
    region = factory.SubFactory(GroupingFactory)
    partner = factory.SubFactory(StateFactory)


class SummitFactory(DjangoModelFactory):
    class Meta:
        model = Summit

    slug = factory.Sequence(lambda n: f"summit-{n}")
    format = factory.SubFactory(SummitFormatFactory)
    title_en = factory.Sequence(lambda n: f"Summit {n}")
    title_ru = factory.Sequence(lambda n: f"Саммит {n}")
    date = factory.Sequence(lambda n: datetime.date(2000 + n % 25, 1 + n % 12, 1 + n % 28))
    date_precision = DatePrecision.DAY
    city_en = "Tokyo"
    city_ru = "Токио"
    host = factory.SelfAttribute("format.partner")
    ordinal = None
    # An undated meeting cannot be held (Summit.clean): such a factory summit is an announced one.
    status = factory.LazyAttribute(lambda summit: SummitStatus.HELD if summit.date else SummitStatus.PLANNED)


class SummitParticipantFactory(DjangoModelFactory):
    class Meta:
        model = SummitParticipant

    summit = factory.SubFactory(SummitFactory)
    actor = factory.SubFactory(StateFactory)
    role = ParticipantRole.PARTICIPANT


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    slug = factory.Sequence(lambda n: f"document-{n}")
    kind = DocumentKind.DECLARATION
    title_en = factory.Sequence(lambda n: f"Declaration {n}")
    title_ru = factory.Sequence(lambda n: f"Декларация {n}")
    summit = factory.SubFactory(SummitFactory)


class DocumentSignatoryFactory(DjangoModelFactory):
    class Meta:
        model = DocumentSignatory

    document = factory.SubFactory(DocumentFactory)
    actor = factory.SubFactory(StateFactory)


class PledgeFactory(DjangoModelFactory):
    class Meta:
        model = Pledge

    donor = factory.SubFactory(StateFactory)
    amount = factory.Sequence(lambda n: Decimal(1_000_000 * (n + 1)))
    currency = "JPY"
    amount_qualifier = AmountQualifier.EXACT
    amount_usd = factory.LazyAttribute(lambda o: (o.amount / 150).quantize(Decimal("0.01")))
    amount_usd_qualifier = AmountQualifier.ABOUT
    usd_basis = UsdBasis.STATED_BY_SOURCE
    instrument = Instrument.OFFICIAL_ASSISTANCE


class CitationFactory(DjangoModelFactory):
    class Meta:
        model = Citation
        exclude = ["fact"]

    fact = factory.SubFactory(SummitFactory)
    source = factory.SubFactory(SourceFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.fact))
    object_id = factory.LazyAttribute(lambda o: o.fact.pk)
    section = "Lead"
    paragraph = factory.Sequence(lambda n: n + 1)
    key_phrase = factory.Sequence(lambda n: f"ключевая фраза {n}")


class TradeFlowFactory(DjangoModelFactory):
    class Meta:
        model = TradeFlow

    reporter = factory.SubFactory(StateFactory)
    partner = factory.SubFactory(StateFactory)
    year = factory.Sequence(lambda n: 2000 + n % 25)
    month = None
    flow = FlowCode.EXPORT
    commodity_code = "TOTAL"
    value_usd = factory.Sequence(lambda n: Decimal(1000 * (n + 1)))


class StatedTradeFigureFactory(DjangoModelFactory):
    class Meta:
        model = StatedTradeFigure

    slug = factory.Sequence(lambda n: f"stated-trade-{n}")
    reporter = factory.SubFactory(StateFactory)
    partner = factory.SubFactory(StateFactory)
    flow = StatedFlow.TURNOVER
    period_start = factory.Sequence(lambda n: datetime.date(2000 + n % 25, 1, 1))
    period_start_precision = DatePrecision.YEAR
    value = factory.Sequence(lambda n: Decimal(1_000_000 * (n + 1)))
    currency = "USD"


class TradeMeasureFactory(DjangoModelFactory):
    class Meta:
        model = TradeMeasure

    kind = TradeMeasureKind.EXPORT_RESTRICTION
    imposing_actor = factory.SubFactory(StateFactory)
    goods_en = "rare earth elements"
    year = 2025


class TradeStatementFactory(DjangoModelFactory):
    class Meta:
        model = TradeStatement

    subject = factory.SubFactory(StateFactory)
    partner = factory.SubFactory(StateFactory)
    year_from = 2024
    year_to = 2025
    level = TradeLevel.LIMITED
    trend = TradeTrend.STABLE
    statement_en = "Trade remains limited."


class CorridorFactory(DjangoModelFactory):
    class Meta:
        model = Corridor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"corridor-{n}")
    name_en = factory.Sequence(lambda n: f"Corridor {n}")
    name_ru = factory.Sequence(lambda n: f"Маршрут {n}")


class CorridorStakeFactory(DjangoModelFactory):
    class Meta:
        model = CorridorStake

    corridor = factory.SubFactory(CorridorFactory)
    actor = factory.SubFactory(StateFactory)
    role = StakeRole.SUPPORTER


class StrategicResourceFactory(DjangoModelFactory):
    class Meta:
        model = StrategicResource
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"resource-{n}")
    name_en = factory.Sequence(lambda n: f"Resource {n}")
    name_ru = factory.Sequence(lambda n: f"Ресурс {n}")
    category = ResourceCategory.CRITICAL_MINERAL


class ResourceInterestFactory(DjangoModelFactory):
    class Meta:
        model = ResourceInterest

    resource = factory.SubFactory(StrategicResourceFactory)
    actor = factory.SubFactory(StateFactory)
    kind = InterestKind.SEEKS_SUPPLY


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    slug = factory.Sequence(lambda n: f"assessment-{n}")
    statement_en = factory.Sequence(lambda n: f"An author's judgement {n}.")


def history_events(row_or_model, **filters):
    """The change feed's events (the one history, apps.core.history) of a row, or of every row of a model:
    a queryset of ChangeEvent, oldest first; `filters` narrow it (action=ChangeAction.CREATE, user=...)."""
    from apps.core.models import ChangeEvent

    events = ChangeEvent.objects.filter(resource=row_or_model._meta.label_lower, **filters)
    if not isinstance(row_or_model, type):
        events = events.filter(object_id=str(row_or_model.pk))
    return events.order_by("id")
