"""Text search, defined once: the `q=` filter of every list, /api/v1/search/ and the admin's search boxes.

PostgreSQL: a row matches when its full-text vector matches the words typed, each field analysed in its
language (`…_ru` russian, `…_en` english, names and codes simple; PostgreSQL's russian configuration
also stems Latin words as English), every word as a prefix ('Centr' finds 'Central'); or when a name or
title is within trigram word similarity of a word typed that is not already a word of an actor's name
(Tokaev → Tokayev; Japarov is a name, so it does not also find Japan), or a place within trigram
similarity (Ашхабад → Ашгабат); or when a substring field (Japanese names) contains it. The vector and
the trigram fields are GIN-indexed by apps/search/migrations (TextSearch.indexes(), built from the same
expressions as the query). Ranked by ts_rank plus the best trigram similarity.

SQLite: every word must occur, case-insensitively (Unicode casefold, apps.search.connection), in one of
the fields. SQLite does no stemming (`декларации` does not find `декларация`), no typo tolerance and no
ranking (rank is 0; results keep the list's order).
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Greatest

# pg_trgm thresholds (set on each connection, apps.search.connection). A name or title is a near spelling
# from a word similarity of 0.35: 'Tokaev' scores 0.57 in 'Kassym-Jomart Tokayev' (pg_trgm's default
# 0.6 misses it), while 'Туркменистан' scores 0.31 in 'Таджикистан' and 'Транскаспийский' 0.26 in
# 'Токийская декларация' (shared suffixes, not near spellings). A place (one short name) from a whole-value
# similarity of 0.2: 'Ашхабад' and 'Ашгабат' share only 0.23, 'Ashkhabad' and 'Ashgabat' 0.27.
WORD_SIMILARITY_THRESHOLD = 0.35
PLACE_SIMILARITY_THRESHOLD = 0.2
# The languages PostgreSQL's text search analyses each field in, by the field name's suffix.
CONFIG_BY_SUFFIX = {"_ru": "russian", "_en": "english"}
CONFIGS = ("russian", "english", "simple")
# Shorter words (prepositions) match only as words, not as near spellings: too few trigrams to compare.
FUZZY_MIN_LENGTH = 3
WORD = re.compile(r"\w+")

# Where ts_headline marks a matched word: two private-use characters, not "<mark>", which a stored text may hold
# itself (snippet_html escapes the text and only then turns these into catrack's <mark>…</mark>).
MARK_START, MARK_END = "\ue000", "\ue001"


def language_config(field):
    """'russian' for `title_ru`, 'english' for `title_en`, 'simple' (no stemming) for names and codes."""
    return next((config for suffix, config in CONFIG_BY_SUFFIX.items() if field.endswith(suffix)), "simple")


def is_fuzzy_word(word):
    """Whether a near spelling of `word` may match: letters only (numbers and codes match as typed), long enough."""
    return len(word) >= FUZZY_MIN_LENGTH and not any(char.isdigit() or char == "_" for char in word)


def search_words(value):
    """The words of a query, as full-text and SQLite search see them; [] when there are none."""
    return WORD.findall(value or "")


@dataclass(frozen=True)
class TextSearch:
    """How one model is searched.

    fields: columns in the full-text vector, weight A for those in `names` or `places`, B for the rest.
    names: short columns also matched by trigram word similarity (names, titles); each has a GIN
        gin_trgm_ops index.
    places: one-name columns (cities) matched by whole-value trigram similarity, a looser measure that
        suits a single word; gin_trgm_ops-indexed too.
    substrings: columns matched by substring only (Japanese names: no word boundaries to stem or split).
    configs: a field's text-search configuration where the suffix rule (language_config) is wrong.
    """

    fields: tuple
    names: tuple = ()
    places: tuple = ()
    substrings: tuple = ()
    configs: tuple = ()  # ((field, config), …)

    @property
    def trigram_fields(self):
        return (*self.names, *self.places)

    def config(self, field):
        return dict(self.configs).get(field) or language_config(field)

    def vector(self):
        """The full-text vector expression, as indexed: `setweight(to_tsvector(cfg, coalesce(f,'')), w) || …`."""
        from django.contrib.postgres.search import SearchVector

        return reduce(
            lambda a, b: a + b,
            (
                SearchVector(field, config=self.config(field), weight="A" if field in self.trigram_fields else "B")
                for field in self.fields
            ),
        )

    def indexes(self, prefix):
        """The GIN indexes this search uses on PostgreSQL: the vector, and gin_trgm_ops on each name, place and
        substring field (trigram indexes also serve LIKE '%…%'), so no branch of the OR needs a table scan."""
        from django.contrib.postgres.indexes import GinIndex

        return [
            GinIndex(self.vector(), name=f"{prefix}_search_idx"),
            *(
                GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=f"{prefix}_{field}_trgm")
                for field in (*self.trigram_fields, *self.substrings)
            ),
        ]

    def q(self, value):
        """A Q matching rows for the words of `value` (see the module docstring); None when it has no words
        or the model no searchable fields (nothing matches)."""
        words = search_words(value)
        if not words or not (self.fields or self.substrings):
            return None
        if connection.vendor != "postgresql":
            columns = (*self.fields, *self.substrings)
            return reduce(and_, (reduce(or_, (Q(**{f"{f}__icontains": word}) for f in columns)) for word in words))
        from django.contrib.postgres.search import SearchVectorExact

        condition = Q(SearchVectorExact(self.vector(), full_text_query(words)))
        # Near spellings word by word: every word must be a word of the row or, if it is a near-spelling
        # word (letters only, FUZZY_MIN_LENGTH or more), near one of its names. Trigrams of the whole query
        # would let 'Tokyo summit' match every title holding 'summit'; numbers must match as typed.
        if self.trigram_fields and any(is_fuzzy_word(word) for word in words):
            condition |= reduce(and_, (self._word_or_near_spelling(word) for word in words))
        for field in self.substrings:
            condition |= Q(**{f"{field}__contains": value.strip()})
        return condition

    def _word_or_near_spelling(self, word):
        from django.contrib.postgres.search import SearchVectorExact

        condition = Q(SearchVectorExact(self.vector(), full_text_query([word])))
        if is_fuzzy_word(word):
            near_spelling = reduce(
                or_,
                (
                    *(Q(**{f"{field}__trigram_word_similar": word}) for field in self.names),
                    *(Q(**{f"{field}__trigram_similar": word}) for field in self.places),
                ),
            )
            condition |= near_spelling & ~Q(known_name(word))
        return condition

    def rank(self, value):
        """Relevance of a row for `value`: ts_rank of the vector plus the best trigram word similarity (PostgreSQL)."""
        if connection.vendor != "postgresql":
            return Value(0.0, output_field=FloatField())
        from django.contrib.postgres.search import SearchRank, TrigramSimilarity, TrigramWordSimilarity

        rank = SearchRank(self.vector(), full_text_query(search_words(value)))
        similarities = [
            *(TrigramWordSimilarity(value, field) for field in self.names),
            *(TrigramSimilarity(field, value) for field in self.places),
        ]
        if similarities:
            best = similarities[0] if len(similarities) == 1 else Greatest(*similarities)
            rank = rank + best
        return rank

    def headline(self, field, value):
        """`field` with the words of `value` between MARK_START and MARK_END (PostgreSQL's ts_headline), in the
        field's language; apps.search.selectors.snippet_html makes it HTML."""
        from django.contrib.postgres.search import SearchHeadline

        return SearchHeadline(
            F(field),
            full_text_query(search_words(value)),
            config=self.config(field),
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=30,
            min_words=10,
            max_fragments=2,
        )


def known_name(word):
    """Exists(an actor whose words include `word` or a word it begins): such a word is taken as typed.

    A near spelling is a guess at a name that was mistyped or transliterated otherwise; a word catrack
    already holds as a name is neither. Without this, 'Japarov' (Sadyr Japarov) also found every title
    with 'Japan' (word similarity 0.50) and 'Tokayev' every 'Tokyo' (0.38), while real variants score no
    higher ('Berdymukhamedov' in 'Berdimuhamedov' 0.38), so no threshold separates them (measured with
    pg_trgm on PostgreSQL 15). Actors (states, persons, organisations) are the names people type; the
    table is small and its full-text vector GIN-indexed, so the check is one index probe per word,
    evaluated once per statement (an uncorrelated subquery).
    """
    from django.apps import apps
    from django.contrib.postgres.search import SearchVectorExact
    from django.db.models import Exists

    actor = apps.get_model("actors", "Actor")
    return Exists(actor.objects.order_by().filter(SearchVectorExact(ACTOR_SEARCH.vector(), full_text_query([word]))))


def full_text_query(words):
    """`w1:* & w2:*` parsed in each language configuration, OR-ed: a match in any language counts."""
    from django.contrib.postgres.search import SearchQuery

    raw = " & ".join(f"{word}:*" for word in words)
    return reduce(or_, (SearchQuery(raw, config=config, search_type="raw") for config in CONFIGS))


# The actors' search (apps.search.kinds lists it as the kind `actor`): defined here because known_name reads
# its indexed vector, and kinds.py builds on this module.
ACTOR_SEARCH = TextSearch(
    fields=("name_en", "name_ru", "position_en", "position_ru", "description_en", "iso3", "wikidata_id"),
    names=("name_en", "name_ru"),
    substrings=("name_ja",),
)
