"""Filters for topics, summit formats, summits, participants, documents and signatories."""

import django_filters

from apps.actors.actor_filters import GroupingsFilterSet, actor_filter
from apps.core.api.filters import (
    CatrackFilterSet,
    IntegerFilter,
    MultipleChoiceFilter,
    RangeFilters,
    slug_filter,
    year_of_date_filter,
)
from apps.sources.citation_filters import CitedFilterSet
from apps.summits.models import (
    Document,
    DocumentKind,
    DocumentSignatory,
    ParticipantRole,
    Summit,
    SummitFormat,
    SummitLevel,
    SummitMode,
    SummitParticipant,
    SummitStatus,
    Topic,
)


class TopicFilterSet(CatrackFilterSet):
    parent = slug_filter("parent", Topic, "Parent topic")

    search_fields = ("name_en", "name_ru")

    class Meta:
        model = Topic
        fields = {"slug": ["exact"]}


class SummitFormatFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    region = actor_filter("region", "Region")
    partner = actor_filter("partner", "External partner")

    search_fields = ("name_en", "name_ru", "description_en")

    class Meta:
        model = SummitFormat
        fields = {"slug": ["exact"]}


class SummitFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    # Not `format`: that parameter is the output format on every list (json, csv, …); the filter had the
    # same name until 2026-11-30, so an old `?format=<format slug>` is answered with a 400 naming this one.
    summit_format = slug_filter("format", SummitFormat, "Summit format")
    output_format_hint = "To filter summits by their format, use summit_format=<summit format slug>."
    partner = actor_filter("format__partner", "External partner of the summit's format", several=True)
    region = actor_filter("format__region", "Region of the summit's format (e.g. central-asia)")
    participant = actor_filter("participants", "Participating actor", several=True)
    host = actor_filter("host", "Host")
    level = django_filters.ChoiceFilter(choices=SummitLevel.choices)
    # distinct=False: a column of the summit itself, no join that could repeat a row (and the SQL page path
    # reads plain, non-DISTINCT id lists).
    status = MultipleChoiceFilter(
        choices=SummitStatus.choices,
        distinct=False,
        label="Status (repeat for several): held, planned, postponed, cancelled",
    )
    mode = MultipleChoiceFilter(
        choices=SummitMode.choices, distinct=False, label="Mode (repeat for several): in_person, virtual, hybrid"
    )
    replaced_by = slug_filter("replaced_by", Summit, "The meeting that replaced it")
    year = year_of_date_filter("date", "Year of the summit")
    year_range = RangeFilters(
        IntegerFilter, "Year of the summit", field_name="date", transform="year", min_value=1, max_value=9999
    )
    date_range = RangeFilters(
        django_filters.DateFilter,
        ("On or after (YYYY-MM-DD)", "On or before (YYYY-MM-DD)"),
        old_names=("date_after", "date_before"),
    )
    city = django_filters.CharFilter(method="filter_city", label="City, English or Russian name (case-insensitive)")

    class Meta:
        model = Summit
        fields = {
            "slug": ["exact"],
            "date_precision": ["exact"],
            "end_date": ["isnull"],  # false: summits held over several days
            "ordinal": ["exact"],
        }

    def filter_city(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(city_en__iexact=value) | Q(city_ru__iexact=value))


class SummitParticipantFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    summit = slug_filter("summit", Summit, "Summit")
    actor = actor_filter("actor", "Participating actor")
    represented_by = actor_filter("represented_by", "Person who represented the actor")
    role = django_filters.ChoiceFilter(choices=ParticipantRole.choices)

    class Meta:
        model = SummitParticipant
        fields = []


class DocumentFilterSet(CitedFilterSet, GroupingsFilterSet, CatrackFilterSet):
    kind = MultipleChoiceFilter(choices=DocumentKind.choices, label="Kind (repeat for several)")
    summit = slug_filter("summit", Summit, "Summit it was adopted at")
    signatory = actor_filter("signatories", "Signatory actor", several=True)
    topic = slug_filter("topics", Topic, "Topic")
    implements = slug_filter("implements", Document, "Document it implements")
    adopted_on_range = RangeFilters(
        django_filters.DateFilter, "Adopted {} (YYYY-MM-DD)", old_names=("adopted_after", "adopted_before")
    )
    year = year_of_date_filter("adopted_on", "Year of adoption")

    class Meta:
        model = Document
        fields = {
            "slug": ["exact"],
            "adopted_on_precision": ["exact"],
            "url": ["exact"],
        }


class DocumentSignatoryFilterSet(GroupingsFilterSet, CatrackFilterSet):
    document = slug_filter("document", Document, "Document")
    actor = actor_filter("actor", "Signatory actor")
    signed_by = actor_filter("signed_by", "Person who signed")

    class Meta:
        model = DocumentSignatory
        fields = []
