"""The summits list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

SummitSerializer's output (keys in its order, partial dates, briefs, participants and citations in
the prefetches' order); tests/summits/test_list_sql_path.py holds it to plain DRF's response byte for
byte. Participants and citations are aggregated for the whole page at once, so each related table is
joined once per request, not once per summit.
"""
from apps.core.api.sql import json_actor_brief, json_iso_utc, json_object, json_rows
from apps.core.models import format_partial_date_sql
from apps.sources.models import Source

# `page(id, n)`: the ids the view's queryset chose, in its order.
SUMMIT_PAGE_JSON = f"""WITH t AS MATERIALIZED (SELECT s.*, page.n FROM page JOIN summits_summit s ON s.id = page.id),
 participants AS (SELECT sp.summit_id, ({json_rows("sp.role, a.name_en, sp.id")})::json AS list
  FROM summits_summitparticipant sp JOIN t ON t.id = sp.summit_id JOIN actors_actor a ON a.id = sp.actor_id
  LEFT JOIN actors_actor rb ON rb.id = sp.represented_by_id
  CROSS JOIN LATERAL (SELECT sp.id, {json_actor_brief("a")} AS actor, sp.role,
   CASE WHEN rb.id IS NULL THEN NULL ELSE {json_actor_brief("rb")} END AS represented_by) j
  GROUP BY sp.summit_id),
 citations AS (SELECT c.object_id, ({json_rows("c.source_id, c.paragraph, c.id")})::json AS list
  FROM sources_citation c JOIN t ON t.id = c.object_id JOIN sources_source src ON src.id = c.source_id
  CROSS JOIN LATERAL (SELECT c.id, {json_object(["src.slug", f"{Source.str_sql('src')} AS name"])}
    AS source, src.title AS source_title, src.author AS source_author, src.url AS source_url, c.section,
   c.paragraph, c.key_phrase, c.note) j
  WHERE c.content_type_id = (SELECT id FROM django_content_type WHERE app_label = 'summits' AND model = 'summit')
  GROUP BY c.object_id)
SELECT {json_rows("t.n")}
 FROM t JOIN summits_summitformat f ON f.id = t.format_id LEFT JOIN actors_actor h ON h.id = t.host_id
 LEFT JOIN participants ON participants.summit_id = t.id LEFT JOIN citations ON citations.object_id = t.id
 CROSS JOIN LATERAL (SELECT t.id, coalesce(participants.list, '[]') AS participants,
  {json_iso_utc("t.created_at")} AS created_at, {json_iso_utc("t.updated_at")} AS updated_at,
  t.slug, t.title_en, t.title_ru, t.level, to_char(t.date, 'YYYY-MM-DD') AS date, t.date_precision,
  {format_partial_date_sql("t.date", "t.date_precision")} AS date_display,
  to_char(t.end_date, 'YYYY-MM-DD') AS end_date, t.city_en, t.city_ru, t.ordinal, t.summary_en, {json_object(["f.slug", "f.name_en AS name"])} AS format,
  CASE WHEN h.id IS NULL THEN NULL ELSE {json_actor_brief("h")} END AS host,
  coalesce(citations.list, '[]') AS citations) j"""
