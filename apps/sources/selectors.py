"""Reads over sources and citations: checking a source's citations against the source's own text."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from apps.sources.locators import citation_text_problems, text_paragraphs
from apps.sources.models import Citation, Source, SourceText


@dataclass
class CitationCheck:
    source_slug: str
    checked: int = 0
    paragraphs: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not self.failures


def _describe(citation: Citation) -> str:
    return (
        f"citation {citation.pk} ({citation.content_type.app_label}.{citation.content_type.model} {citation.object_id})"
    )


def citations_verify(*, source_slug: str, text: str) -> CitationCheck:
    """Check every citation of the source against `text`: locator exists, section matches, key phrase verbatim.

    Raises Source.DoesNotExist for an unknown slug. A source with no citations is a failure too: a
    typo in the slug must not pass silently.
    """
    source = Source.objects.get(slug=source_slug)
    paragraphs = {p.number: p for p in text_paragraphs(text)}
    report = CitationCheck(source_slug=source_slug, paragraphs=len(paragraphs))
    citations = Citation.objects.filter(source=source).select_related("content_type").order_by("paragraph", "id")
    for citation in citations:
        report.checked += 1
        where = _describe(citation)
        report.failures.extend(
            f"{where}: {message}" for _field, message in citation_text_problems(citation, paragraphs)
        )
    if not report.checked:
        report.failures.append(f"source {source_slug} has no citations to check")
    return report


def stored_texts_verify() -> list[CitationCheck]:
    """citations_verify for every source whose text catrack holds (SourceText), by source slug: each of its
    citations against the stored text. A citation is checked against the text when written (Citation.clean),
    but a write that skips validation (a bulk update, raw SQL, loaddata) or a citation written before the text
    was stored is not; this finds them. One query per source with a stored text, plus one for the texts."""
    return [
        citations_verify(source_slug=slug, text=text)
        for slug, text in SourceText.objects.values_list("source__slug", "text").order_by("source__slug")
    ]


# A source's detail lists at most this many facts (bounded work per request); `facts_total` says how many.
SOURCE_FACTS_LIMIT = 500


def source_facts(*, source: Source, limit: int = SOURCE_FACTS_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """The facts a source supports: ([{fact_type, fact_id, slug, name, citations}], total), by fact type
    then id, at most `limit` of them. One query for the citations, one per fact type for the names."""
    from collections import defaultdict

    from django.db.models import Count

    counts = (
        Citation.objects.filter(source=source)
        .values("content_type", "object_id")
        .annotate(citations=Count("id"))
        .order_by("content_type__app_label", "content_type__model", "object_id")
    )
    total = counts.count()
    rows = list(counts[:limit])
    by_type: defaultdict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_type[row["content_type"]].append(row["object_id"])
    from django.contrib.contenttypes.models import ContentType

    names: dict[tuple[int, int], tuple[str, str | None, str]] = {}
    for content_type_id, ids in by_type.items():
        content_type = ContentType.objects.get_for_id(content_type_id)
        model = content_type.model_class()
        if model is None:  # a model removed since: its facts are listed as deleted ones
            continue
        for pk, fact in model._base_manager.in_bulk(ids).items():
            names[content_type_id, pk] = (
                f"{content_type.app_label}.{content_type.model}",
                getattr(fact, "slug", None),
                str(fact),
            )
    facts = []
    for row in rows:
        fact_type, slug, name = names.get((row["content_type"], row["object_id"]), (None, None, None))
        if fact_type is None:  # a citation whose fact was deleted (generic relations do not cascade)
            continue
        facts.append(
            {
                "fact_type": fact_type,
                "fact_id": row["object_id"],
                "slug": slug,
                "name": name,
                "citations": row["citations"],
            }
        )
    return facts, total


def disagreement_groups(claims: "QuerySet[Citation]") -> QuerySet:
    """(content_type, object_id, field) of every fact field whose claims in `claims` (a Citation queryset) give
    more than one distinct value, ordered by fact type, fact id and field: the rows of /api/v1/disagreements/."""
    from django.db.models import Count

    return (
        claims.exclude(field="")
        .order_by()
        .values("content_type", "object_id", "field")
        .annotate(values=Count("value", distinct=True))
        .filter(values__gt=1)
        .order_by("content_type__app_label", "content_type__model", "object_id", "field")
    )


def disagreements(groups: Iterable[dict[str, Any]]) -> list[dict]:
    """Each group (disagreement_groups' dicts) with the fact, its column's value, the value the preference rule
    picks (apps.sources.claims.rule_preferred_value; None for a tie the analyst decides) and every value with its
    sources: {fact_type, fact_id, fact_slug, fact_name, field, column_value, rule_prefers, values: [{value, rank,
    independent_origins, official_sources, claims: [{citation_id, source, source_name, source_url,
    is_official, origin, basis, inference, rank, rank_reason, key_phrase}]}]}. Values: the preferred first, then
    by independent origins (most first), then by value. Three queries whatever the page size, plus one per fact type."""
    from collections import defaultdict
    from functools import reduce
    from operator import or_

    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from apps.sources.claims import ClaimRank, column_claim_value, origin_roots, rule_preferred_value

    groups = list(groups)
    if not groups:
        return []
    match = reduce(
        or_, (Q(content_type_id=g["content_type"], object_id=g["object_id"], field=g["field"]) for g in groups)
    )
    by_group = defaultdict(list)
    for claim in Citation.objects.filter(match).select_related("source").order_by("id"):
        by_group[claim.content_type_id, claim.object_id, claim.field].append(claim)
    roots = origin_roots()
    root_slugs = dict(Source.objects.values_list("id", "slug"))
    facts: dict[tuple[int, int], Any] = {}
    for content_type_id in {g["content_type"] for g in groups}:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        assert model is not None, f"content type {content_type_id} has no model"  # citations point at fact models
        ids = [g["object_id"] for g in groups if g["content_type"] == content_type_id]
        for pk, row in model._base_manager.in_bulk(ids).items():
            facts[content_type_id, pk] = row
    rank_order: dict[str, int] = {ClaimRank.PREFERRED: 0, ClaimRank.ALTERNATIVE: 1, ClaimRank.DEPRECATED: 2}
    rows = []
    for group in groups:
        key = (group["content_type"], group["object_id"], group["field"])
        fact, claims = facts.get(key[:2]), by_group[key]
        if fact is None:  # claims of a deleted fact (generic relations do not cascade)
            continue
        content_type = ContentType.objects.get_for_id(key[0])
        values = defaultdict(list)
        for claim in claims:
            values[claim.value].append(claim)
        listed: list[dict[str, Any]] = []
        for value, value_claims in values.items():
            best_rank = min((c.rank for c in value_claims), key=lambda r: rank_order.get(r, 3))
            listed.append(
                {
                    "value": value,
                    "rank": best_rank,
                    "independent_origins": len({roots.get(c.source_id, c.source_id) for c in value_claims}),
                    "official_sources": len({c.source_id for c in value_claims if c.source.is_official}),
                    "claims": [
                        {
                            "citation_id": c.pk,
                            "source": c.source.slug,
                            "source_name": str(c.source),
                            "source_url": c.source.url,
                            "is_official": c.source.is_official,
                            "origin": root_slugs.get(roots.get(c.source_id, c.source_id)),
                            "basis": c.basis,
                            "inference": c.inference,
                            "rank": c.rank,
                            "rank_reason": c.rank_reason,
                            "key_phrase": c.key_phrase,
                        }
                        for c in value_claims
                    ],
                }
            )
        listed.sort(key=lambda v: (rank_order.get(v["rank"], 3), -v["independent_origins"], v["value"]))
        rows.append(
            {
                "fact_type": f"{content_type.app_label}.{content_type.model}",
                "fact_id": fact.pk,
                "fact_slug": getattr(fact, "slug", None),
                "fact_name": str(fact),
                "field": key[2],
                "column_value": column_claim_value(fact, key[2]),
                "rule_prefers": rule_preferred_value(claims, roots),
                "values": listed,
            }
        )
    return rows


def disagreement_csv_rows(rows: list[dict]) -> list[dict]:
    """One CSV row per (fact, field, value) of `rows` (disagreements()), its sources `;`-joined."""
    return [
        {
            "fact_type": row["fact_type"],
            "fact_id": row["fact_id"],
            "fact_slug": row["fact_slug"],
            "fact_name": row["fact_name"],
            "field": row["field"],
            "column_value": row["column_value"],
            "rule_prefers": row["rule_prefers"],
            "value": value["value"],
            "rank": value["rank"],
            "independent_origins": value["independent_origins"],
            "official_sources": value["official_sources"],
            "sources": [claim["source"] for claim in value["claims"]],
            "bases": [claim["basis"] for claim in value["claims"]],
            "rank_reasons": [claim["rank_reason"] for claim in value["claims"] if claim["rank_reason"]],
        }
        for row in rows
        for value in row["values"]
    ]
