"""What backs a fact: its basis (stated by a source, or inferred only), how many independent origins and
official sources cite it, and on which fields its sources differ. One definition, read by the API's JSON
(apps.core.api.serializers.FactSerializer and the SQL pages), the CSV columns and the list filters.

- independent origins: the distinct roots of the citing sources' origin chains (Source.origin, its end stored
  as Source.root_origin): two republications of one wire story count once;
- official sources: distinct citing sources with is_official;
- basis: `stated` when at least one citation is stated, `inferred` when every citation is inferred, null
  for a fact without citations;
- disputed fields: fields whose claims (Citation.field/value) give more than one distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from apps.sources.models import Citation, CitationBasis

# A citation's independent origin: its source's stored root (Source.root_origin, kept by the database), or
# the source itself. Read through the join to the source every consumer makes anyway: no walk per citation.
INDEPENDENT_ORIGIN_SQL = "coalesce({source}.root_origin_id, {source}.id)"


def with_root_origin(citations: QuerySet) -> QuerySet:
    """Citations annotated with `root_origin_id`: the id of their source's independent origin."""
    return citations.annotate(root_origin_id=Coalesce(F("source__root_origin_id"), F("source_id")))


@dataclass(frozen=True)
class FactSupport:
    basis: str | None
    independent_origins: int
    official_sources: int
    disputed_fields: tuple[str, ...]


def fact_support(citations) -> FactSupport:
    """From a fact's citations (each with basis, source_id, field, value, source.is_official and
    root_origin_id, as citations_prefetch loads them)."""
    citations = list(citations)
    if not citations:
        return FactSupport(None, 0, 0, ())
    basis = CitationBasis.STATED if any(c.basis == CitationBasis.STATED for c in citations) else CitationBasis.INFERRED
    roots = {getattr(c, "root_origin_id", None) or c.source_id for c in citations}
    official = {c.source_id for c in citations if c.source.is_official}
    values: dict[str, set] = {}
    for c in citations:
        if c.field:
            values.setdefault(c.field, set()).add(c.value)
    disputed = tuple(sorted(name for name, found in values.items() if len(found) > 1))
    return FactSupport(str(basis), len(roots), len(official), disputed)


def citations_of_model(model) -> QuerySet:
    return Citation.objects.filter(content_type=ContentType.objects.get_for_model(model))


def disputed_fact_ids(model) -> QuerySet:
    """Ids of `model`'s facts with a field whose claims give more than one value."""
    return (
        citations_of_model(model)
        .exclude(field="")
        .order_by()
        .values("object_id", "field")
        .annotate(values=Count("value", distinct=True))
        .filter(values__gt=1)
        .values("object_id")
    )


def fact_ids_with_origins(model, minimum: int) -> QuerySet:
    """Ids of `model`'s facts cited by at least `minimum` independent origins."""
    return (
        with_root_origin(citations_of_model(model))
        .order_by()
        .values("object_id")
        .annotate(origins=Count("root_origin_id", distinct=True))
        .filter(origins__gte=minimum)
        .values("object_id")
    )


def fact_ids_with_official_source(model) -> QuerySet:
    return citations_of_model(model).filter(source__is_official=True).values("object_id")


def basis_filter(model, basis: str) -> Q:
    """Q over `model`'s facts: `stated` — at least one stated citation; `inferred` — cited, and inferred only."""
    citations = citations_of_model(model).filter(object_id=OuterRef("pk"))
    stated = Exists(citations.filter(basis=CitationBasis.STATED))
    if basis == CitationBasis.STATED:
        return Q(stated)
    return Q(Exists(citations)) & ~Q(stated)


# The same summary in PostgreSQL, for the SQL pages and COPY: `c` the citations, `src` their sources.
SUPPORT_AGGREGATES_SQL = {
    "basis": "CASE WHEN bool_or(c.basis = 'stated') THEN 'stated' ELSE 'inferred' END",
    "independent_origins": f"count(DISTINCT {INDEPENDENT_ORIGIN_SQL.format(source='src')})",
    "official_sources": "count(DISTINCT c.source_id) FILTER (WHERE src.is_official)",
}
