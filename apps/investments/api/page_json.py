"""The pledges list page as JSON, rendered by PostgreSQL (apps.core.api.sql.SQLPage).

PledgeSerializer's output (keys in its order, decimals as DRF writes them, partial dates, the donor's, summit's,
document's and parent's briefs, recipients, purposes and citations in the prefetches' order, what backs each
pledge); tests/investments/test_list_sql_path.py holds it to plain DRF's response byte for byte. The nested lists
are aggregated for the whole page at once, each read by the page's ids (as apps.summits.api.page_json).
"""

from apps.actors.models import Actor
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
from apps.investments.api.serializers import PledgeSerializer
from apps.investments.models import Pledge
from apps.sources.api.page_json import fact_citation_ctes
from apps.summits.api.page_json import SUMMIT_BRIEF, TOPIC_BRIEF
from apps.summits.models import Topic

# The order of a pledge's recipients and purposes, for the ORM's prefetch (PledgeViewSet) and this twin alike: the
# models' Meta.ordering, then the id (two actors may share a name).
RECIPIENTS_ORDERING = (*Actor._meta.ordering, "id")
PURPOSES_ORDERING = (*Topic._meta.ordering, "id")

# The briefs (apps.core.api.briefs) of a page's related rows, under the table aliases the page's SQL gives them;
# tests/core/test_str_sql_twins.py holds each to the brief Python writes for every row.
DOCUMENT_BRIEF = json_text_object([("slug", json_text("d.slug")), ("name", json_text("d.title_en"))])
PURPOSE_BRIEF = TOPIC_BRIEF  # a purpose is a topic, under the same alias
PARENT_BRIEF = json_text_object([("slug", json_text("pp.slug")), ("name", json_text(Pledge.str_sql("pp", "ppd")))])


def _decimal(column):
    # DRF's DecimalField writes the value quantized to the field's places, as a string: numeric(p, s)'s own text.
    return json_text(f"{column}::text", null=True)


PLEDGE = json_serializer_object(
    PledgeSerializer,
    {
        "id": json_text("t.id"),
        "slug": json_text("t.slug"),
        "created_at": json_text(json_iso_utc("t.created_at")),
        "updated_at": json_text(json_iso_utc("t.updated_at")),
        "description_en": json_text("t.description_en"),
        "amount": _decimal("t.amount"),
        "currency": json_text("t.currency"),
        "amount_qualifier": json_text("t.amount_qualifier"),
        "amount_usd": _decimal("t.amount_usd"),
        "amount_usd_qualifier": json_text("t.amount_usd_qualifier"),
        "usd_basis": json_text("t.usd_basis"),
        "usd_rate": _decimal("t.usd_rate"),
        "usd_rate_date": json_day("t.usd_rate_date"),
        "usd_rate_source": json_text("t.usd_rate_source"),
        "period_start": json_day("t.period_start"),
        "period_start_precision": json_text("t.period_start_precision"),
        "period_start_display": json_text(
            format_partial_date_sql("t.period_start", "t.period_start_precision"), null=True
        ),
        "period_years": json_text("t.period_years", null=True),
        "period_end": json_day("t.period_end"),
        "period_end_precision": json_text("t.period_end_precision"),
        "period_end_display": json_text(format_partial_date_sql("t.period_end", "t.period_end_precision"), null=True),
        "instrument": json_text("t.instrument"),
        "status": json_text("t.status"),
        "counts_in_totals": json_text("t.counts_in_totals"),
        "donor": json_actor_brief("da"),
        "summit": json_or_null("s", SUMMIT_BRIEF),
        "document": json_or_null("d", DOCUMENT_BRIEF),
        "parent": json_or_null("pp", PARENT_BRIEF),
        "recipients": "coalesce(recipients.list, '[]')",
        "purposes": "coalesce(purposes.list, '[]')",
        **dict(FACT_SUPPORT_MEMBERS),
        "citations": "coalesce(citations.list, '[]')",
    },
    twin=__name__,
)

RECIPIENTS_ORDER = model_ordering_sql(Actor, {"": "ra"}, RECIPIENTS_ORDERING)
PURPOSES_ORDER = model_ordering_sql(Topic, {"": "tp"}, PURPOSES_ORDERING)

# `page`: the rows the view's queryset chose, every column, `n` their position in its order (apps.core.api.sql.SQLPage).
PLEDGE_PAGE_JSON = f"""WITH recipients AS (SELECT r.pledge_id, {json_text_list(json_actor_brief("ra"), RECIPIENTS_ORDER)} AS list
  FROM investments_pledge_recipients r JOIN actors_actor ra ON ra.id = r.actor_id
  WHERE r.pledge_id = {PAGE_IDS} GROUP BY r.pledge_id),
 purposes AS (SELECT pt.pledge_id, {json_text_list(PURPOSE_BRIEF, PURPOSES_ORDER)} AS list
  FROM investments_pledge_purposes pt JOIN summits_topic tp ON tp.id = pt.topic_id
  WHERE pt.pledge_id = {PAGE_IDS} GROUP BY pt.pledge_id),
 {fact_citation_ctes("investments", "pledge", PAGE_IDS)}
SELECT {json_text_list(PLEDGE, "t.n")}
 FROM page t JOIN actors_actor da ON da.id = t.donor_id
 LEFT JOIN summits_summit s ON s.id = t.summit_id LEFT JOIN summits_document d ON d.id = t.document_id
 LEFT JOIN investments_pledge pp ON pp.id = t.parent_id LEFT JOIN actors_actor ppd ON ppd.id = pp.donor_id
 LEFT JOIN recipients ON recipients.pledge_id = t.id LEFT JOIN purposes ON purposes.pledge_id = t.id
 LEFT JOIN citations ON citations.object_id = t.id
 LEFT JOIN support ON support.object_id = t.id LEFT JOIN disputes ON disputes.object_id = t.id"""
