"""The citations nested in every fact, as PostgreSQL writes them into a JSON page (apps.core.api.sql.SQLPage).

CitationBriefSerializer's output (keys in its order, the source's brief, in Citation's Meta.ordering, as the ORM's
prefetch reads them), for the JSON pages of summits (apps.summits.api.page_json) and pledges
(apps.investments.api.page_json); their tests/*/test_list_sql_path.py hold it to DRF's bytes.
"""

from apps.core.api.sql import (
    fact_support_ctes,
    json_serializer_object,
    json_text,
    json_text_list,
    json_text_object,
    model_ordering_sql,
)
from apps.sources.api.serializers import CitationBriefSerializer
from apps.sources.corroboration import citations_sql
from apps.sources.models import Citation, Source

# A source's brief (apps.core.api.briefs) under the alias `src`; tests/core/test_str_sql_twins.py holds it to Python's.
SOURCE_BRIEF = json_text_object([("slug", json_text("src.slug")), ("name", json_text(Source.str_sql("src")))])

CITATION = json_serializer_object(
    CitationBriefSerializer,
    {
        "id": json_text("c.id"),
        "source": SOURCE_BRIEF,
        "source_title": json_text("src.title"),
        "source_author": json_text("src.author"),
        "source_url": json_text("src.url"),
        "section": json_text("c.section"),
        "paragraph": json_text("c.paragraph", null=True),
        "key_phrase": json_text("c.key_phrase"),
        "note": json_text("c.note"),
        "basis": json_text("c.basis"),
        "inference": json_text("c.inference"),
        "field": json_text("c.field"),
        "value": json_text("c.value"),
        "rank": json_text("c.rank"),
        "rank_reason": json_text("c.rank_reason"),
    },
    twin=__name__,
)

# In Citation's Meta.ordering, as citations_prefetch reads them.
CITATIONS_ORDER = model_ordering_sql(Citation, {"": "c"})


def fact_citation_ctes(app_label: str, model: str, page_ids: str) -> str:
    """Three CTEs over the citations of a page's facts (`object_id = {page_ids}`) of fact model app_label.model, to
    be joined to the facts on `object_id`: `citations(object_id, list)`, the JSON array of each fact's citations,
    and fact_support_ctes()'s `support` and `disputes`."""
    return (
        f"citations AS (SELECT c.object_id, {json_text_list(CITATION, CITATIONS_ORDER)} AS list\n"
        f"  {citations_sql(app_label, model, sources=True)} AND c.object_id = {page_ids}\n"
        "  GROUP BY c.object_id),\n"
        f" {fact_support_ctes(app_label, model, page_ids)}"
    )
