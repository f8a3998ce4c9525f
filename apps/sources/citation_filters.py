"""Which sources back a fact: the filters every fact resource offers, composed into its FilterSet
(`class SummitFilterSet(CitedFilterSet, …, CatrackFilterSet)`)."""

import django_filters
from django.db.models import Exists, OuterRef
from django_filters.constants import EMPTY_VALUES

from apps.core.api.filters import BooleanFilter, IntegerFilter, RowIdBySlug, SlugFilter
from apps.sources import corroboration
from apps.sources.corroboration import citations_of_model
from apps.sources.models import CitationBasis, Source


class CitedSourceFilter(SlugFilter):
    """Facts with a citation to the source `value` (a slug; an unknown one is SlugFilter's 400 after an empty page).
    A filter class, not a FilterSet method, as SourcesMinFilter: the slug is the statement's one parameter of it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, model=Source, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        citations = citations_of_model(qs.model).filter(source_id=RowIdBySlug(Source, value))
        return qs.filter(pk__in=citations.values("object_id"))


class SourcesMinFilter(IntegerFilter):
    """Facts backed by at least `value` independent origins (corroboration.fact_ids_with_origins). A filter class,
    not a FilterSet method: its SQL is the same for every value, bound as the statement's one parameter of it, so a
    list keeping its request shapes keeps this filter's too (apps.core.api.shapes: a method's value is never bound)."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(pk__in=corroboration.fact_ids_with_origins(qs.model, value))


class CitedFilterSet(django_filters.FilterSet):
    """`source`, `sources_min` and `cited` on a resource whose rows carry citations (a FactModel)."""

    source = CitedSourceFilter(label="Rows with a citation to this source (source slug)")
    sources_min = SourcesMinFilter(
        min_value=1,
        max_value=1000,
        label="Rows backed by at least this many independent origins (sources that republish one story, "
        "Source.origin, count once)",
    )
    official_source = BooleanFilter(
        method="filter_official_source",
        label="true: rows with at least one official source (government, presidency, ministry, intergovernmental "
        "body); false: rows with none",
    )
    disputed = BooleanFilter(
        method="filter_disputed",
        label="true: rows with a field whose sources give different values (claims); false: rows without",
    )
    basis = django_filters.ChoiceFilter(
        method="filter_basis",
        choices=CitationBasis.choices,
        label="stated: rows at least one source states; inferred: cited rows that every citation only infers",
    )
    # Every fact is meant to carry a citation: the ones that do not are found with cited=false.
    cited = BooleanFilter(
        method="filter_cited", label="true: facts with at least one citation; false: facts without any."
    )

    def filter_official_source(self, queryset, name, value):
        official = corroboration.fact_ids_with_official_source(queryset.model)
        return queryset.filter(pk__in=official) if value else queryset.exclude(pk__in=official)

    def filter_disputed(self, queryset, name, value):
        disputed = corroboration.disputed_fact_ids(queryset.model)
        return queryset.filter(pk__in=disputed) if value else queryset.exclude(pk__in=disputed)

    def filter_basis(self, queryset, name, value):
        return queryset.filter(corroboration.basis_filter(queryset.model, value))

    def filter_cited(self, queryset, name, value):
        citations = citations_of_model(queryset.model).filter(object_id=OuterRef("pk"))
        return queryset.filter(Exists(citations) if value else ~Exists(citations))
