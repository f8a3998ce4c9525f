"""The summits list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

SummitSerializer's output (keys in its order, partial dates, briefs, participants and citations in
the prefetches' order); tests/summits/test_list_sql_path.py holds it to plain DRF's response byte for
byte. Participants and citations are aggregated for the whole page at once, each read by the page's ids
(`= ANY(…)`: one index scan, and fewer joins to plan than a join to the page).

Objects are written as text, `'{"id":' || … || '}'`, each value through to_json (PostgreSQL's JSON
escaping, the same as row_to_json's): row_to_json of sub-selects looks every column's type up again for
every row, and a nested list was parsed back from text (::json) to be spliced in. On the 1M bench
(?participant=, 50 summits, 250 participants, 50 citations) this statement took 0.3 ms less.
"""
from apps.core.api.sql import json_iso_utc
from apps.core.models import format_partial_date_sql
from apps.sources.models import Source


def _object(members):
    """SQL text of a compact JSON object (as DRF writes it) of `members`: (key, SQL of the value's JSON text)."""
    return "(" + " || ".join(f"""'{"{" if i == 0 else ","}"{key}":' || {value}""" for i, (key, value) in enumerate(members)) + " || '}')"


def _value(expression, *, null=False):
    """SQL of `expression`'s JSON text; `null`: it may be NULL (JSON null)."""
    return f"coalesce(to_json({expression})::text, 'null')" if null else f"to_json({expression})::text"


def _list(member, order_by):
    """SQL aggregate: the rows' `member` (JSON text) as a JSON array, in `order_by` order."""
    return f"'[' || coalesce(string_agg({member}, ',' ORDER BY {order_by}), '') || ']'"


def _actor_brief(alias, *, null=False):
    """An actor (table alias) as BriefRelatedField shows it: {slug, name, kind}; `null`: a LEFT JOIN's, maybe none."""
    brief = _object([("slug", _value(f"{alias}.slug")), ("name", _value(f"{alias}.name_en")),
                     ("kind", _value(f"{alias}.kind"))])
    return f"CASE WHEN {alias}.id IS NULL THEN 'null' ELSE {brief} END" if null else brief


PAGE_IDS = "ANY(ARRAY(SELECT id FROM page))"

PARTICIPATION = _object([
    ("id", _value("sp.id")), ("actor", _actor_brief("a")), ("role", _value("sp.role")),
    ("represented_by", _actor_brief("rb", null=True)),
])
CITATION = _object([
    ("id", _value("c.id")),
    ("source", _object([("slug", _value("src.slug")), ("name", _value(Source.str_sql("src")))])),
    ("source_title", _value("src.title")), ("source_author", _value("src.author")), ("source_url", _value("src.url")),
    ("section", _value("c.section")), ("paragraph", _value("c.paragraph", null=True)),
    ("key_phrase", _value("c.key_phrase")), ("note", _value("c.note")),
])
SUMMIT = _object([
    ("id", _value("t.id")),
    ("participants", "coalesce(participants.list, '[]')"),
    ("created_at", _value(json_iso_utc("t.created_at"))), ("updated_at", _value(json_iso_utc("t.updated_at"))),
    ("slug", _value("t.slug")), ("title_en", _value("t.title_en")), ("title_ru", _value("t.title_ru")),
    ("level", _value("t.level")), ("date", _value("to_char(t.date, 'YYYY-MM-DD')", null=True)),
    ("date_precision", _value("t.date_precision")),
    ("date_display", _value(format_partial_date_sql("t.date", "t.date_precision"), null=True)),
    ("end_date", _value("to_char(t.end_date, 'YYYY-MM-DD')", null=True)),
    ("city_en", _value("t.city_en")), ("city_ru", _value("t.city_ru")), ("ordinal", _value("t.ordinal", null=True)),
    ("summary_en", _value("t.summary_en")),
    ("format", _object([("slug", _value("f.slug")), ("name", _value("f.name_en"))])),
    ("host", _actor_brief("h", null=True)),
    ("citations", "coalesce(citations.list, '[]')"),
])

# `page(id, n)`: the ids the view's queryset chose, in its order.
SUMMIT_PAGE_JSON = f"""WITH t AS MATERIALIZED (SELECT s.*, page.n FROM page JOIN summits_summit s ON s.id = page.id),
 participants AS (SELECT sp.summit_id, {_list(PARTICIPATION, "sp.role, a.name_en, sp.id")} AS list
  FROM summits_summitparticipant sp JOIN actors_actor a ON a.id = sp.actor_id
  LEFT JOIN actors_actor rb ON rb.id = sp.represented_by_id
  WHERE sp.summit_id = {PAGE_IDS} GROUP BY sp.summit_id),
 citations AS (SELECT c.object_id, {_list(CITATION, "c.source_id, c.paragraph, c.id")} AS list
  FROM sources_citation c JOIN sources_source src ON src.id = c.source_id
  WHERE c.content_type_id = (SELECT id FROM django_content_type WHERE app_label = 'summits' AND model = 'summit')
   AND c.object_id = {PAGE_IDS}
  GROUP BY c.object_id)
SELECT {_list(SUMMIT, "t.n")}
 FROM t JOIN summits_summitformat f ON f.id = t.format_id LEFT JOIN actors_actor h ON h.id = t.host_id
 LEFT JOIN participants ON participants.summit_id = t.id LEFT JOIN citations ON citations.object_id = t.id"""
