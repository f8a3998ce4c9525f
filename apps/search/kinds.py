"""What is searchable: each model's TextSearch, and the kinds /api/v1/search/ returns.

One entry per model: the `q=` filter of its list, its admin search box and the search endpoint all
read it from here. A change to `fields`, `names`, `places` or `configs` changes the indexed expression: add a
migration re-creating that model's indexes (apps/search/migrations/0001_text_search_indexes.py).
"""

from dataclasses import dataclass
from functools import lru_cache

from apps.search.text import ACTOR_SEARCH, TextSearch


@dataclass(frozen=True)
class SearchKind:
    """A kind of hit in /api/v1/search/.

    kind: the name clients filter by (`?kind=summit`), also the API route's basename (its detail URL is
    `<kind>-detail`); model: app label and model name; related: what the model's __str__ (the hit's
    title) reads from other tables; via: a foreign key through which a row is also found when the row it points to
    matches (a corridor's stakes when the corridor matches).
    """

    kind: str
    model: str
    search: TextSearch
    related: tuple = ()
    via: str = ""
    index_prefix: str = ""
    # The migration of apps/search that creates its indexes: a kind added later gets a migration of its own
    # (which runs after its model's), so 0001 never asks for a model that does not exist yet.
    indexed_in: str = "0001_text_search_indexes"


KINDS = (
    SearchKind(
        "summit",
        "summits.Summit",
        TextSearch(
            fields=("title_en", "title_ru", "city_en", "city_ru", "summary_en"),
            names=("title_en", "title_ru"),
            places=("city_en", "city_ru"),
        ),
        index_prefix="summit",
    ),
    SearchKind(
        "document",
        "summits.Document",
        TextSearch(fields=("title_en", "title_ru", "summary_en"), names=("title_en", "title_ru")),
        index_prefix="document",
    ),
    SearchKind(
        "pledge",
        "investments.Pledge",
        TextSearch(fields=("description_en", "usd_rate_source")),
        related=("donor",),
        index_prefix="pledge",
    ),
    SearchKind("actor", "actors.Actor", ACTOR_SEARCH, index_prefix="actor"),
    SearchKind(
        "corridor",
        "geoeconomics.Corridor",
        TextSearch(
            fields=("name_en", "name_ru", "abbreviation", "goals_en", "description_en"),
            names=("name_en", "name_ru", "abbreviation"),
        ),
        index_prefix="corridor",
    ),
    SearchKind(
        "corridor-stake",
        "geoeconomics.CorridorStake",
        TextSearch(fields=("description_en",)),
        via="corridor",
        related=("actor", "corridor"),
        index_prefix="stake",
    ),
    SearchKind(
        "resource",
        "geoeconomics.StrategicResource",
        TextSearch(fields=("name_en", "name_ru", "description_en"), names=("name_en", "name_ru")),
        index_prefix="resource",
    ),
    SearchKind(
        "trade-measure",
        "trade.TradeMeasure",
        TextSearch(fields=("goods_en", "targets_description_en", "commodity_codes", "description_en")),
        related=("imposing_actor",),
        index_prefix="measure",
    ),
    SearchKind(
        "trade-statement",
        "trade.TradeStatement",
        TextSearch(fields=("statement_en",)),
        related=("subject", "partner"),
        index_prefix="statement",
    ),
    SearchKind(
        "stated-trade-figure",
        "trade.StatedTradeFigure",
        TextSearch(fields=("note",)),
        related=("reporter", "partner"),
        index_prefix="stated_trade",
        indexed_in="0002_stated_trade_figure_indexes",
    ),
    SearchKind(
        "source",
        "sources.Source",
        TextSearch(
            fields=("title", "subtitle", "title_en", "author", "publisher", "note"),
            names=("title", "title_en"),
            # A source's title is in its own language; russian also stems English (asciiword → english_stem).
            configs=(("title", "russian"), ("subtitle", "russian")),
        ),
        index_prefix="source",
    ),
    # A citation by its key phrase (verbatim, in the page's language) and note; in /api/v1/search/ the fact
    # it supports is found through it too (apps.search.selectors).
    SearchKind(
        "citation",
        "sources.Citation",
        TextSearch(
            fields=("key_phrase", "note", "inference", "section"),
            configs=(("key_phrase", "russian"), ("section", "russian")),
        ),
        related=("source",),
        index_prefix="citation",
    ),
)

# Searched by `q=` on their lists but not hits of their own in /api/v1/search/ (bulk statistics).
LIST_ONLY = {
    "trade.TradeFlow": (TextSearch(fields=("commodity_code", "quantity_unit")), "trade_flow"),
}


@lru_cache(maxsize=1)
def text_search_by_model():
    """{'summits.Summit': TextSearch, …} for every searchable model."""
    return {
        **{kind.model: kind.search for kind in KINDS},
        **{label: search for label, (search, _) in LIST_ONLY.items()},
    }


def index_definitions(migration="0001_text_search_indexes"):
    """(model label, index prefix, TextSearch) of every model whose search indexes `migration` (of apps/search)
    creates."""
    return [(kind.model, kind.index_prefix, kind.search) for kind in KINDS if kind.indexed_in == migration] + [
        (label, prefix, search)
        for label, (search, prefix) in LIST_ONLY.items()
        if migration == "0001_text_search_indexes"
    ]


KIND_NAMES = tuple(kind.kind for kind in KINDS)


def text_search_of(model):
    """The model's TextSearch, or None if it has none."""
    return text_search_by_model().get(model._meta.label)


def model_text_search(model, fields=None):
    """What `q=` and the admin's search box search on `model` (apps.core.registry.register_text_search): its
    TextSearch, else one over `fields` (None: no search)."""
    search = text_search_of(model)
    if search is None and fields is not None:
        search = TextSearch(fields=tuple(fields))
    return search
