"""Filters for sources and citations."""

import django_filters
from rest_framework.exceptions import ValidationError

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.fields import fact_content_types
from apps.core.api.filters import BooleanFilter, CatrackFilterSet, RangeFilters, id_filter, slug_filter
from apps.sources.citation_filters import CitedFilterSet
from apps.sources.models import Assessment, Citation, CitationBasis, Source, SourceKind, SourceRights


class SourceFilterSet(CatrackFilterSet):
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    published_on_range = RangeFilters(
        django_filters.DateFilter, "Published {} (YYYY-MM-DD)", old_names=("published_after", "published_before")
    )
    origin = slug_filter("origin", Source, "Sources that republish this source directly")
    root_origin = slug_filter(
        "root_origin", Source, "Sources whose origin chain ends at this source: its republications at any depth"
    )
    is_official = BooleanFilter(label="true: governments, presidencies, ministries, intergovernmental bodies")
    rights = django_filters.ChoiceFilter(choices=SourceRights.choices)

    class Meta:
        model = Source
        fields = {
            "slug": ["exact"],
            "language": ["exact"],
            "author": ["exact", "icontains"],
            "publisher": ["exact", "icontains"],
            "url": ["exact"],
            "published_on_precision": ["exact"],
        }


class CitationFilterSet(CatrackFilterSet):
    source = slug_filter("source", Source, "Source")
    fact_type = django_filters.CharFilter(
        field_name="content_type",
        method="filter_fact_type",
        label="Model of the cited fact as 'app_label.model', e.g. summits.summit",
    )
    fact_id = id_filter("object_id", "Id of the cited fact (with fact_type)")
    # The citation's own basis (the fact lists' `basis` summarises their citations').
    basis = django_filters.ChoiceFilter(choices=CitationBasis.choices)

    class Meta:
        model = Citation
        fields = {
            "section": ["exact", "icontains"],
            "paragraph": ["exact"],
            "field": ["exact"],
            "rank": ["exact"],
            "value": ["exact"],
        }

    def filter_queryset(self, queryset):
        # An id alone matches rows of every fact model that happen to share it.
        if self.form.cleaned_data.get("fact_id") is not None and not self.form.cleaned_data.get("fact_type"):
            raise ValidationError(
                {
                    "fact_id": "Give fact_type with fact_id, e.g. fact_type=summits.summit&fact_id=3: "
                    "ids are per fact model."
                }
            )
        return super().filter_queryset(queryset)

    def filter_fact_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        content_type = fact_content_types().filter(app_label=app_label, model=model).first()
        if content_type is None:
            raise ValidationError(
                {"fact_type": f"Unknown fact model {value!r}; give 'app_label.model', e.g. summits.summit."}
            )
        return queryset.filter(content_type=content_type)


class AssessmentFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    about = actor_filter("about", "Actor the assessment is about")

    search_fields = ("statement_en",)

    class Meta:
        model = Assessment
        fields = {"slug": ["exact"]}


class DisagreementFilterSet(django_filters.FilterSet):
    """/api/v1/disagreements/: by the fact's type and by the field."""

    fact_type = django_filters.CharFilter(
        field_name="content_type",
        method="filter_fact_type",
        label="Model of the fact as 'app_label.model', e.g. investments.pledge",
    )
    field = django_filters.CharFilter(label="The fact's field, e.g. date, amount_usd")

    class Meta:
        model = Citation
        fields = []

    filter_fact_type = CitationFilterSet.filter_fact_type
