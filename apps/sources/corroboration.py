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
from django.db.models import Exists, Expression, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
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


def content_type_sql(app_label: str, model: str) -> str:
    """SQL of the id of content type app_label.model (`'investments', 'pledge'`): a scalar sub-select with the two
    names written in, no parameter; PostgreSQL runs it once per statement. How every statement reads the citations of
    one fact model (citations_sql): the SQL pages, the CSV columns and the list filters. Raises ValueError for a name
    that is not an identifier (they come from a model's Meta, never from a request)."""
    if not (app_label.isidentifier() and model.isidentifier()):
        raise ValueError(f"Not a model's app_label and model_name: {app_label!r}, {model!r}")
    return f"(SELECT id FROM django_content_type WHERE app_label = '{app_label}' AND model = '{model}')"


def citations_sql(app_label: str, model: str, *, sources: bool = False) -> str:
    """`FROM sources_citation c WHERE <c is a citation of app_label.model's facts>` (no parameters), joining each
    citation's source as `src` where `sources`; further conditions are ANDed after it."""
    joined = " JOIN sources_source src ON src.id = c.source_id" if sources else ""
    return f"FROM sources_citation c{joined} WHERE c.content_type_id = {content_type_sql(app_label, model)}"


class ContentTypeOf(Expression):
    """content_type_sql() of `model` (its concrete model's content type) in an ORM query: the citations of a fact
    model selected without a parameter. A constant bound as a parameter would keep a list from keeping its request
    shapes (apps.core.api.shapes binds the request's values only), and ContentType.objects.get_for_model is a
    Python lookup per use."""

    def __init__(self, model):
        super().__init__(output_field=ContentType._meta.pk)
        self.model = model

    def as_sql(self, compiler, connection):
        opts = self.model._meta.concrete_model._meta
        return content_type_sql(opts.app_label, opts.model_name), []


def citations_of_model(model) -> QuerySet:
    """Citations of facts of `model` (a fact model: its `citations` generic relation)."""
    return Citation.objects.filter(content_type_id=ContentTypeOf(model))


def disputed_fields_sql(app_label: str, model: str, *, where: str = "") -> str:
    """SQL (no parameters) selecting `object_id, field` for each field of app_label.model's facts whose claims give
    more than one value; `where`: a condition on the citations `c` ANDed (the SQL pages: the page's facts)."""
    return (
        f"SELECT c.object_id, c.field {citations_sql(app_label, model)}{f' AND {where}' if where else ''} "
        "AND c.field <> '' GROUP BY c.object_id, c.field HAVING count(DISTINCT c.value) > 1"
    )


def disputed_fact_ids(model) -> RawSQL:
    """Ids of `model`'s facts with a field whose claims give more than one value (`pk__in=`)."""
    opts = model._meta.concrete_model._meta
    return RawSQL(f"SELECT d.object_id FROM ({disputed_fields_sql(opts.app_label, opts.model_name)}) d", ())


def fact_ids_with_origins(model, minimum: int) -> RawSQL:
    """Ids of `model`'s facts cited by at least `minimum` independent origins (`pk__in=`): `minimum` is the one
    parameter."""
    opts = model._meta.concrete_model._meta
    return RawSQL(
        f"SELECT c.object_id {citations_sql(opts.app_label, opts.model_name, sources=True)} GROUP BY c.object_id "
        f"HAVING {SUPPORT_AGGREGATES_SQL['independent_origins']} >= %s",
        (minimum,),
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


# The same summary in PostgreSQL, for the SQL pages and COPY (independent_origins also for sources_min, on SQLite too):
# `c` the citations, `src` their sources.
SUPPORT_AGGREGATES_SQL = {
    "basis": "CASE WHEN bool_or(c.basis = 'stated') THEN 'stated' ELSE 'inferred' END",
    "independent_origins": f"count(DISTINCT {INDEPENDENT_ORIGIN_SQL.format(source='src')})",
    "official_sources": "count(DISTINCT c.source_id) FILTER (WHERE src.is_official)",
}
