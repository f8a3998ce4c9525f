"""What each new database connection needs for text search.

SQLite: its LIKE folds ASCII only, so `city=токио`, `q=япония` and the admin's search found nothing
for Cyrillic typed in another case. SQLite lets an application replace LIKE (sqlite3_create_function
on "like"), so every Django lookup compiled to LIKE (iexact, icontains, istartswith…, and contains,
which SQLite never made case-sensitive) compares Unicode casefolded text. Cost: SQLite can no longer
use an index for LIKE 'x%' (it never could for the icontains lookups search uses).

PostgreSQL: the trigram thresholds of `%>` and `%` (apps.search.text).
"""

import re
from functools import lru_cache

from apps.search.text import PLACE_SIMILARITY_THRESHOLD, WORD_SIMILARITY_THRESHOLD


@lru_cache(maxsize=512)
def _like_regex(pattern, escape):
    parts, chars = [], iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "").casefold()))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char.casefold()))
    return re.compile("".join(parts), re.DOTALL)


def sqlite_like(pattern, value, escape=None):
    """SQL `value LIKE pattern [ESCAPE escape]` with Unicode casefolding; NULL in, NULL out.

    SQLite calls like(pattern, value[, escape]) for `value LIKE pattern`.
    """
    if pattern is None or value is None:
        return None
    return _like_regex(pattern, escape).fullmatch(str(value).casefold()) is not None


def prepare_connection(sender, connection, **kwargs):
    """connection_created receiver: the SQLite LIKE above, or PostgreSQL's trigram threshold."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, sqlite_like, deterministic=True)
        connection.connection.create_function("like", 3, sqlite_like, deterministic=True)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Placeholders until pg_trgm loads in this session, then pg_trgm's own settings.
            # One command per execute: a prepared statement holds one (PREPARE_THRESHOLD).
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD:f}")
            cursor.execute(f"SET pg_trgm.similarity_threshold = {PLACE_SIMILARITY_THRESHOLD:f}")
