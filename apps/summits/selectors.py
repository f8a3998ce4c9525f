"""Aggregations over summits, computed in the database."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet

from apps.summits.models import Document, Summit


def summit_scoreboard(*, summits: QuerySet[Summit] | None = None) -> list[dict[str, Any]]:
    """Per external partner (a state or organisation: the partner of the summit's format), most summits first:

    {partner, partner_name, partner_kind, summits, dated_summits, undated_summits, formats, first_date,
    last_date, cities: [{city_en, city_ru}], documents: [{slug, title_en, kind}]}. Dates are the stored
    first day of each partial date; an undated summit counts in `summits` and `undated_summits` (a date
    filter such as date_min keeps only dated ones). Three queries over the (already filtered) summits.
    """
    summits = Summit.objects.all() if summits is None else summits
    summits = summits.order_by()
    rows: list[Any] = list(
        summits.values(
            partner=F("format__partner__slug"),
            partner_name=F("format__partner__name_en"),
            partner_kind=F("format__partner__kind"),
        )
        .annotate(
            summits=Count("id", distinct=True),
            dated_summits=Count("id", distinct=True, filter=Q(date__isnull=False)),
            undated_summits=Count("id", distinct=True, filter=Q(date__isnull=True)),
            formats=Count("format", distinct=True),
            first_date=Min("date"),
            last_date=Max("date"),
        )
        .order_by("-summits", "partner")
    )
    cities, documents = defaultdict(list), defaultdict(list)
    for partner, city_en, city_ru in (
        summits.exclude(city_en="")
        .values_list("format__partner__slug", "city_en", "city_ru")
        .distinct()
        .order_by("format__partner__slug", "city_en", "city_ru")
    ):
        cities[partner].append({"city_en": city_en, "city_ru": city_ru})
    adopted = (
        Document.objects.filter(summit__in=summits.values("id"))
        .values_list("summit__format__partner__slug", "slug", "title_en", "kind")
        .order_by("summit__format__partner__slug", "adopted_on", "slug")
    )
    for partner, slug, title_en, kind in adopted:
        documents[partner].append({"slug": slug, "title_en": title_en, "kind": kind})
    for row in rows:
        row["cities"] = cities.get(row["partner"], [])
        row["documents"] = documents.get(row["partner"], [])
    return rows
