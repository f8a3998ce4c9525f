"""Aggregations over summits, computed in the database."""
from collections import defaultdict

from django.db.models import Count, F, Max, Min, Q

from apps.core.api.sql import json_actor_brief, json_iso_utc, json_object, json_rows
from apps.summits.models import Document, Summit


def summit_scoreboard(*, summits=None):
    """Per external partner (a state or organisation: the partner of the summit's format), most summits first:

    {partner, partner_name, partner_kind, summits, dated_summits, undated_summits, formats, first_date,
    last_date, cities: [{city_en, city_ru}], documents: [{slug, title_en, kind}]}. Dates are the stored
    first day of each partial date; an undated summit counts in `summits` and `undated_summits` (a date
    filter such as date_after keeps only dated ones). Three queries over the (already filtered) summits.
    """
    summits = Summit.objects.all() if summits is None else summits
    summits = summits.order_by()
    rows = list(
        summits.values(partner=F("format__partner__slug"), partner_name=F("format__partner__name_en"),
                       partner_kind=F("format__partner__kind"))
        .annotate(
            summits=Count("id", distinct=True),
            dated_summits=Count("id", distinct=True, filter=Q(date__isnull=False)),
            undated_summits=Count("id", distinct=True, filter=Q(date__isnull=True)),
            formats=Count("format", distinct=True),
            first_date=Min("date"),
            last_date=Max("date"),
        )
        .order_by("-summits", "partner")
    )
    cities, documents = defaultdict(list), defaultdict(list)
    for partner, city_en, city_ru in (summits.exclude(city_en="").values_list("format__partner__slug", "city_en", "city_ru")
                                      .distinct().order_by("format__partner__slug", "city_en", "city_ru")):
        cities[partner].append({"city_en": city_en, "city_ru": city_ru})
    adopted = (Document.objects.filter(summit__in=summits.values("id"))
               .values_list("summit__format__partner__slug", "slug", "title_en", "kind")
               .order_by("summit__format__partner__slug", "adopted_on", "slug"))
    for partner, slug, title_en, kind in adopted:
        documents[partner].append({"slug": slug, "title_en": title_en, "kind": kind})
    for row in rows:
        row["cities"] = cities.get(row["partner"], [])
        row["documents"] = documents.get(row["partner"], [])
    return rows


def _date(column):
    return f"to_char({column}, 'YYYY-MM-DD')"


# A page of summits as JSON, in SummitSerializer's shape (keys in its order, partial dates, briefs,
# participants and citations in the ORM path's order). The page `t` (in a total order) is read first;
# participants and citations are then aggregated per summit for the whole page at once, so each related
# table is joined once per request, not once per summit.
SUMMIT_PAGE_JSON = f"""WITH t AS MATERIALIZED (
  SELECT * FROM summits_summit t WHERE {{where}} ORDER BY {{order_by}} LIMIT %s OFFSET %s),
 participants AS (SELECT sp.summit_id, ({json_rows("sp.role, a.name_en, sp.id")})::json AS list
  FROM summits_summitparticipant sp JOIN t ON t.id = sp.summit_id JOIN actors_actor a ON a.id = sp.actor_id
  LEFT JOIN actors_actor rb ON rb.id = sp.represented_by_id
  CROSS JOIN LATERAL (SELECT sp.id, {json_actor_brief("a")} AS actor, sp.role,
   CASE WHEN rb.id IS NULL THEN NULL ELSE {json_actor_brief("rb")} END AS represented_by) j
  GROUP BY sp.summit_id),
 citations AS (SELECT c.object_id, ({json_rows("c.source_id, c.paragraph, c.id")})::json AS list
  FROM sources_citation c JOIN t ON t.id = c.object_id JOIN sources_source src ON src.id = c.source_id
  CROSS JOIN LATERAL (SELECT c.id, {json_object([
      "src.slug", "CASE WHEN src.author <> '' THEN src.author || ': ' || src.title ELSE src.title END AS name"])}
    AS source, src.title AS source_title, src.author AS source_author, src.url AS source_url, c.section,
   c.paragraph, c.key_phrase, c.note) j
  WHERE c.content_type_id = (SELECT id FROM django_content_type WHERE app_label = 'summits' AND model = 'summit')
  GROUP BY c.object_id)
SELECT {json_rows("{order_by}")}
 FROM t JOIN summits_summitformat f ON f.id = t.format_id LEFT JOIN actors_actor h ON h.id = t.host_id
 LEFT JOIN participants ON participants.summit_id = t.id LEFT JOIN citations ON citations.object_id = t.id
 CROSS JOIN LATERAL (SELECT t.id, coalesce(participants.list, '[]') AS participants,
  {json_iso_utc("t.created_at")} AS created_at, {json_iso_utc("t.updated_at")} AS updated_at,
  t.slug, t.title_en, t.title_ru, t.level, {_date("t.date")} AS date, t.date_precision,
  CASE t.date_precision WHEN 'unknown' THEN NULL WHEN 'year' THEN to_char(t.date, 'YYYY')
   WHEN 'month' THEN to_char(t.date, 'YYYY-MM') ELSE {_date("t.date")} END AS date_display,
  {_date("t.end_date")} AS end_date, t.city_en, t.city_ru, t.ordinal, t.summary_en, {json_object(["f.slug", "f.name_en AS name"])} AS format,
  CASE WHEN h.id IS NULL THEN NULL ELSE {json_actor_brief("h")} END AS host,
  coalesce(citations.list, '[]') AS citations) j"""
