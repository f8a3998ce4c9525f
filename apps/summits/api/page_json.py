"""The summits and documents list pages as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

SummitSerializer's and DocumentSerializer's output (keys in their order, partial dates, briefs, participants,
signatories, topics and citations in the prefetches' order); tests/summits/test_list_sql_path.py and
tests/summits/test_document_list_sql_path.py hold them to plain DRF's responses byte for byte. Nested lists are
aggregated for the whole page at once, each read by the page's ids (`= ANY(…)`: one index scan, and fewer joins
to plan than a join to the page).

Objects are written as text (apps.core.api.sql.json_text_object): a nested list is spliced in as the text it
already is, not parsed back (::json) as a row_to_json of it would need.
"""

from apps.core.api.sql import (
    FACT_SUPPORT_MEMBERS,
    PAGE_IDS,
    json_actor_brief,
    json_day,
    json_iso_utc,
    json_or_null,
    json_serializer_object,
    json_text,
    json_text_list,
    json_text_object,
    model_ordering_sql,
)
from apps.core.models import format_partial_date_sql
from apps.sources.api.page_json import fact_citation_ctes
from apps.summits.api.serializers import (
    DocumentSerializer,
    ParticipationSerializer,
    SigningSerializer,
    SummitSerializer,
)
from apps.summits.models import DocumentSignatory, Summit, SummitParticipant, Topic

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
            ("date", json_day("t.date")),
            ("date_precision", json_text("t.date_precision")),
            ("date_display", json_text(format_partial_date_sql("t.date", "t.date_precision"), null=True)),
            ("end_date", json_day("t.end_date")),
            ("city_en", json_text("t.city_en")),
            ("city_ru", json_text("t.city_ru")),
            ("ordinal", json_text("t.ordinal", null=True)),
            ("summary_en", json_text("t.summary_en")),
            ("format", FORMAT_BRIEF),
            ("host", json_actor_brief("h", null=True)),
            ("replaced_by", json_or_null("rs", REPLACED_BY_BRIEF)),
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

# A document's summit, the document it implements and its topics, as their briefs (apps.core.api.briefs).
SUMMIT_BRIEF = json_text_object([("slug", json_text("s.slug")), ("name", json_text(Summit.str_sql("s")))])
IMPLEMENTS_BRIEF = json_text_object([("slug", json_text("i.slug")), ("name", json_text("i.title_en"))])
TOPIC_BRIEF = json_text_object([("slug", json_text("tp.slug")), ("name", json_text("tp.name_en"))])

SIGNING = json_serializer_object(
    SigningSerializer,
    {"id": json_text("ds.id"), "actor": json_actor_brief("a"), "signed_by": json_actor_brief("sb", null=True)},
    twin=__name__,
)
DOCUMENT = json_serializer_object(
    DocumentSerializer,
    {
        "id": json_text("t.id"),
        "signatories": "coalesce(signatories.list, '[]')",
        "created_at": json_text(json_iso_utc("t.created_at")),
        "updated_at": json_text(json_iso_utc("t.updated_at")),
        "slug": json_text("t.slug"),
        "kind": json_text("t.kind"),
        "title_en": json_text("t.title_en"),
        "title_ru": json_text("t.title_ru"),
        "adopted_on": json_day("t.adopted_on"),
        "adopted_on_precision": json_text("t.adopted_on_precision"),
        "adopted_on_display": json_text(format_partial_date_sql("t.adopted_on", "t.adopted_on_precision"), null=True),
        "summary_en": json_text("t.summary_en"),
        "url": json_text("t.url"),
        "summit": json_or_null("s", SUMMIT_BRIEF),
        "implements": json_or_null("i", IMPLEMENTS_BRIEF),
        "topics": "coalesce(topics.list, '[]')",
        **dict(FACT_SUPPORT_MEMBERS),
        "citations": "coalesce(citations.list, '[]')",
    },
    twin=__name__,
)

# In the orders DocumentViewSet's prefetches read them: the models' Meta.ordering, then the id.
SIGNATORIES_ORDERING = (*DocumentSignatory._meta.ordering, "id")
TOPICS_ORDERING = (*Topic._meta.ordering, "id")
SIGNATORIES_ORDER = model_ordering_sql(DocumentSignatory, {"": "ds", "actor": "a"}, SIGNATORIES_ORDERING)
TOPICS_ORDER = model_ordering_sql(Topic, {"": "tp"}, TOPICS_ORDERING)

DOCUMENT_PAGE_JSON = f"""WITH signatories AS (SELECT ds.document_id, {json_text_list(SIGNING, SIGNATORIES_ORDER)} AS list
  FROM summits_documentsignatory ds JOIN actors_actor a ON a.id = ds.actor_id
  LEFT JOIN actors_actor sb ON sb.id = ds.signed_by_id
  WHERE ds.document_id = {PAGE_IDS} GROUP BY ds.document_id),
 topics AS (SELECT dt.document_id, {json_text_list(TOPIC_BRIEF, TOPICS_ORDER)} AS list
  FROM summits_document_topics dt JOIN summits_topic tp ON tp.id = dt.topic_id
  WHERE dt.document_id = {PAGE_IDS} GROUP BY dt.document_id),
 {fact_citation_ctes("summits", "document", PAGE_IDS)}
SELECT {json_text_list(DOCUMENT, "t.n")}
 FROM page t LEFT JOIN summits_summit s ON s.id = t.summit_id LEFT JOIN summits_document i ON i.id = t.implements_id
 LEFT JOIN signatories ON signatories.document_id = t.id LEFT JOIN topics ON topics.document_id = t.id
 LEFT JOIN citations ON citations.object_id = t.id
 LEFT JOIN support ON support.object_id = t.id LEFT JOIN disputes ON disputes.object_id = t.id"""
