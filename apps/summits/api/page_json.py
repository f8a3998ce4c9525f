"""The summits list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

SummitSerializer's output (keys in its order, partial dates, briefs, participants and citations in
the prefetches' order); tests/summits/test_list_sql_path.py holds it to plain DRF's response byte for
byte. Participants and citations are aggregated for the whole page at once, each read by the page's ids
(`= ANY(…)`: one index scan, and fewer joins to plan than a join to the page).

Objects are written as text (apps.core.api.sql.json_text_object): a nested list is spliced in as the text it
already is, not parsed back (::json) as a row_to_json of it would need.
"""

from apps.core.api.sql import (
    FACT_SUPPORT_MEMBERS,
    PAGE_IDS,
    json_actor_brief,
    json_iso_utc,
    json_serializer_object,
    json_text,
    json_text_list,
    json_text_object,
    model_ordering_sql,
)
from apps.core.models import format_partial_date_sql
from apps.sources.api.page_json import fact_citation_ctes
from apps.summits.api.serializers import ParticipationSerializer, SummitSerializer
from apps.summits.models import Summit, SummitParticipant

# The briefs (apps.core.api.briefs) of a page's related rows, under the table aliases the page's SQL gives them;
# tests/core/test_str_sql_twins.py holds each to the brief Python writes for every row.
FORMAT_BRIEF = json_text_object([("slug", json_text("f.slug")), ("name", json_text("f.name_en"))])
REPLACED_BY_BRIEF = json_text_object([("slug", json_text("rs.slug")), ("name", json_text(Summit.str_sql("rs")))])

PARTICIPATION = json_serializer_object(
    ParticipationSerializer,
    {
        "id": json_text("sp.id"),
        "actor": json_actor_brief("a"),
        "role": json_text("sp.role"),
        "represented_by": json_actor_brief("rb", null=True),
    },
    twin=__name__,
)
SUMMIT = json_serializer_object(
    SummitSerializer,
    # (key, SQL) pairs: the keys' order is SummitSerializer's, not this list's.
    dict(
        [
            ("id", json_text("t.id")),
            ("participants", "coalesce(participants.list, '[]')"),
            ("created_at", json_text(json_iso_utc("t.created_at"))),
            ("updated_at", json_text(json_iso_utc("t.updated_at"))),
            ("slug", json_text("t.slug")),
            ("title_en", json_text("t.title_en")),
            ("title_ru", json_text("t.title_ru")),
            ("level", json_text("t.level")),
            ("status", json_text("t.status")),
            ("mode", json_text("t.mode")),
            ("date", json_text("to_char(t.date, 'YYYY-MM-DD')", null=True)),
            ("date_precision", json_text("t.date_precision")),
            ("date_display", json_text(format_partial_date_sql("t.date", "t.date_precision"), null=True)),
            ("end_date", json_text("to_char(t.end_date, 'YYYY-MM-DD')", null=True)),
            ("city_en", json_text("t.city_en")),
            ("city_ru", json_text("t.city_ru")),
            ("ordinal", json_text("t.ordinal", null=True)),
            ("summary_en", json_text("t.summary_en")),
            ("format", FORMAT_BRIEF),
            ("host", json_actor_brief("h", null=True)),
            ("replaced_by", f"CASE WHEN rs.id IS NULL THEN 'null' ELSE {REPLACED_BY_BRIEF} END"),
            *FACT_SUPPORT_MEMBERS,
            ("citations", "coalesce(citations.list, '[]')"),
        ]
    ),
    twin=__name__,
)

# Participants in the order the ORM's prefetch reads them: SummitParticipant's Meta.ordering.
PARTICIPANTS_ORDER = model_ordering_sql(SummitParticipant, {"": "sp", "actor": "a"})

# `page`: the rows the view's queryset chose, every column, `n` their position in its order (apps.core.api.sql.SQLPage).
SUMMIT_PAGE_JSON = f"""WITH participants AS (SELECT sp.summit_id, {json_text_list(PARTICIPATION, PARTICIPANTS_ORDER)} AS list
  FROM summits_summitparticipant sp JOIN actors_actor a ON a.id = sp.actor_id
  LEFT JOIN actors_actor rb ON rb.id = sp.represented_by_id
  WHERE sp.summit_id = {PAGE_IDS} GROUP BY sp.summit_id),
 {fact_citation_ctes("summits", "summit", PAGE_IDS)}
SELECT {json_text_list(SUMMIT, "t.n")}
 FROM page t JOIN summits_summitformat f ON f.id = t.format_id LEFT JOIN actors_actor h ON h.id = t.host_id
 LEFT JOIN summits_summit rs ON rs.id = t.replaced_by_id
 LEFT JOIN participants ON participants.summit_id = t.id LEFT JOIN citations ON citations.object_id = t.id
 LEFT JOIN support ON support.object_id = t.id LEFT JOIN disputes ON disputes.object_id = t.id"""
