"""API tests for corridors, corridor stakes, strategic resources and resource interests."""

from apps.geoeconomics.models import ResourceCategory, StakeRole
from tests.api.helpers import APIResourceTests, Narrows
from tests.factories import (
    CorridorFactory,
    CorridorStakeFactory,
    GroupingFactory,
    ResourceInterestFactory,
    StateFactory,
    StrategicResourceFactory,
)


def _corridor_with(field):
    def make():
        corridor = CorridorFactory()
        getattr(corridor, field).add(StateFactory())
        return corridor, CorridorFactory()

    return make


def _corridor_with_stake():
    stake = CorridorStakeFactory()
    return stake.corridor, CorridorFactory()


class TestCorridorAPI(APIResourceTests):
    basename = "corridor"
    factory = CorridorFactory
    lookup = "slug"
    actor_param = "country"
    # Page with its total (window count), then countries, markets, bypasses, stakes, citations: three
    # separate actor lists are what a corridor is; still fixed whatever the page size.
    max_list_queries = 6
    update_data = {"name_en": "Middle Corridor"}
    filters = [
        Narrows("country", lambda c: c.countries.get().slug, _corridor_with("countries")),
        Narrows("market", lambda c: c.markets.get().slug, _corridor_with("markets")),
        Narrows("bypasses", lambda c: c.bypasses.get().slug, _corridor_with("bypasses")),
        Narrows("stakeholder", lambda c: c.stakes.get().actor.slug, _corridor_with_stake),
        Narrows("q", lambda c: c.name_ru),
    ]

    def make_rich(self):
        corridor = super().make_rich()
        corridor.countries.add(StateFactory(), StateFactory())
        corridor.markets.add(StateFactory())
        CorridorStakeFactory(corridor=corridor)
        return corridor

    def create_data(self):
        return {
            "slug": "titr",
            "name_en": "Trans-Caspian route",
            "abbreviation": "TITR",
            "countries": [StateFactory().slug, StateFactory().slug],
        }


class TestCorridorStakeAPI(APIResourceTests):
    basename = "corridor-stake"
    factory = CorridorStakeFactory
    actor_param = "actor"
    update_data = {"role": StakeRole.FINANCIER}
    filters = [
        Narrows("corridor", lambda s: s.corridor.slug),
        Narrows("actor", lambda s: s.actor.slug),
        Narrows(
            "role", lambda s: s.role, lambda: (CorridorStakeFactory(role=StakeRole.BENEFICIARY), CorridorStakeFactory())
        ),
    ]

    def create_data(self):
        return {"corridor": CorridorFactory().slug, "actor": StateFactory().slug, "role": StakeRole.SUPPORTER}


def _resource_with_interest():
    interest = ResourceInterestFactory()
    return interest.resource, StrategicResourceFactory()


class TestStrategicResourceAPI(APIResourceTests):
    basename = "resource"
    factory = StrategicResourceFactory
    lookup = "slug"
    actor_param = "actor"
    update_data = {"name_en": "Uranium"}
    filters = [
        Narrows(
            "category",
            lambda r: r.category,
            lambda: (StrategicResourceFactory(category=ResourceCategory.ENERGY), StrategicResourceFactory()),
        ),
        Narrows("actor", lambda r: r.interests.get().actor.slug, _resource_with_interest),
        Narrows("q", lambda r: r.name_en),
    ]

    def make_rich(self):
        resource = super().make_rich()
        ResourceInterestFactory(resource=resource, region=GroupingFactory())
        return resource

    def create_data(self):
        return {"slug": "rare-earths", "name_en": "Rare earths", "category": ResourceCategory.CRITICAL_MINERAL}


class TestResourceInterestAPI(APIResourceTests):
    basename = "resource-interest"
    factory = ResourceInterestFactory
    actor_param = "actor"
    update_data = {"description_en": "Seeks uranium from Kazakhstan"}
    filters = [
        Narrows("resource", lambda i: i.resource.slug),
        Narrows("actor", lambda i: i.actor.slug),
        Narrows(
            "region",
            lambda i: i.region.slug,
            lambda: (ResourceInterestFactory(region=GroupingFactory()), ResourceInterestFactory()),
        ),
    ]

    def create_data(self):
        return {"resource": StrategicResourceFactory().slug, "actor": StateFactory().slug, "kind": "seeks_supply"}
