"""Which sources back a fact: the filters every fact resource offers, composed into its FilterSet
(`class SummitFilterSet(CitedFilterSet, …, CatrackFilterSet)`)."""
import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef

from apps.core.api.filters import BooleanFilter, IntegerFilter, SlugFilter
from apps.sources.models import Citation, Source


class CitedFilterSet(django_filters.FilterSet):
    """`source`, `sources_min` and `cited` on a resource whose rows carry citations (a FactModel)."""

    source = SlugFilter(
        model=Source, method="filter_source", label="Rows with a citation to this source (source slug)"
    )
    sources_min = IntegerFilter(
        method="filter_sources_min", min_value=1, max_value=1000,
        label="Rows backed by at least this many distinct sources",
    )
    # Every fact is meant to carry a citation: the ones that do not are found with cited=false.
    cited = BooleanFilter(
        method="filter_cited", label="true: facts with at least one citation; false: facts without any.")

    def filter_source(self, queryset, name, value):
        return queryset.filter(pk__in=citations_of(queryset.model).filter(source__slug=value).values("object_id"))

    def filter_sources_min(self, queryset, name, value):
        backed = (citations_of(queryset.model).order_by().values("object_id")
                  .annotate(sources=Count("source_id", distinct=True)).filter(sources__gte=value).values("object_id"))
        return queryset.filter(pk__in=backed)

    def filter_cited(self, queryset, name, value):
        citations = citations_of(queryset.model).filter(object_id=OuterRef("pk"))
        return queryset.filter(Exists(citations) if value else ~Exists(citations))


def citations_of(model):
    """Citations of rows of `model` (a fact model: its `citations` generic relation)."""
    return Citation.objects.filter(content_type=ContentType.objects.get_for_model(model))
