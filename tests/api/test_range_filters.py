"""Ranges (`<field>_min`/`<field>_max`, both inclusive, and their old names) are declared once per field with
apps.core.api.filters.RangeFilters, on every resource."""

import datetime

import django_filters
import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core import registry
from apps.core.api.filters import CatrackFilterSet, RangeFilters
from apps.core.models import DatePrecision
from apps.investments.models import Pledge
from tests.factories import PledgeFactory


def test_a_range_is_one_declaration():
    class PledgeRanges(CatrackFilterSet):
        amount_range = RangeFilters(django_filters.NumberFilter, old_names="lookups")
        period_start_range = RangeFilters(django_filters.DateFilter, "Starting {}", old_names=("after", "before"))

        class Meta:
            model = Pledge
            fields = []

    low, high = PledgeRanges.base_filters["amount_min"], PledgeRanges.base_filters["amount_max"]
    assert (low.field_name, low.lookup_expr, high.field_name, high.lookup_expr) == ("amount", "gte", "amount", "lte")
    verbose = Pledge._meta.get_field("amount").verbose_name
    assert (low.label, high.label) == (
        f"{verbose[0].upper()}{verbose[1:]} at least",
        f"{verbose[0].upper()}{verbose[1:]} at most",
    )
    assert PledgeRanges.base_filters["period_start_min"].label == "Starting on or after"
    assert PledgeRanges.aliases == {
        "amount__gte": "amount_min",
        "amount__lte": "amount_max",
        "after": "period_start_min",
        "before": "period_start_max",
    }
    # declared in place: the pair stands where it was written among the FilterSet's filters
    names = list(PledgeRanges.base_filters)
    assert names.index("amount_max") + 1 == names.index("period_start_min")


def test_a_range_is_named_by_its_prefix():
    with pytest.raises(ImproperlyConfigured, match="amount"):

        class Misnamed(CatrackFilterSet):
            amount = RangeFilters(django_filters.NumberFilter)

            class Meta:
                model = Pledge
                fields = []


def test_every_resource_declares_its_ranges_with_range_filters():
    """No `<field>_max` written by hand: each comes with its `_min` from one RangeFilters, and so does each old
    name of a range (`aliases`)."""
    for prefix, viewset, _ in registry.resources():
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None:
            continue
        for name, filter_ in filterset_class.base_filters.items():
            if name.endswith("_max"):
                assert getattr(filter_, "range_of", None) == name.removesuffix("_max"), (prefix, name)
                assert getattr(filterset_class.base_filters[f"{name[:-4]}_min"], "range_of", None), (prefix, name)
        for old, new in getattr(filterset_class, "aliases", {}).items():
            assert getattr(filterset_class.base_filters[new], "range_of", None), (prefix, old)


@pytest.mark.django_db
def test_a_range_and_its_old_names_filter_alike(api_client):
    PledgeFactory(period_start=datetime.date(2020, 1, 1), period_start_precision=DatePrecision.DAY)
    inside = PledgeFactory(period_start=datetime.date(2024, 6, 1), period_start_precision=DatePrecision.DAY)
    for params in (
        {"period_start_min": "2024-01-01", "period_start_max": "2024-12-31"},
        {"period_start__gte": "2024-01-01", "period_start__lte": "2024-12-31"},
    ):
        response = api_client.get("/api/v1/pledges/", params)
        assert response.status_code == 200, response.content
        assert [row["id"] for row in response.json()["results"]] == [inside.pk], params
