"""Each FilterSet and each of its forms holds its own filters and fields (issue 30 item 4): they are copied shallow
(apps.core.api.filters.ShallowCopies) instead of deep, which saved about 0.2 ms of a filtered list request
(docs/benchmarks.md); nothing a request sets on a filter or a field reaches another request or the class."""

import threading

from django.http import QueryDict

from apps.trade.filters import TradeFlowFilterSet
from apps.trade.models import TradeFlow


def _filterset(query):
    return TradeFlowFilterSet(QueryDict(query), queryset=TradeFlow.objects.none(), only_given=True)


def test_each_filterset_has_its_own_filters_and_the_class_keeps_its_own():
    first, second = _filterset("flow=X&year_min=2000"), _filterset("flow=X&year_min=2000")
    for name in ("flow", "year_min"):
        base = TradeFlowFilterSet.base_filters[name]
        assert first.filters[name] is not second.filters[name] is not base
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert getattr(base, "parent", None) is None  # FilterSet sets parent and model on its copies only
    assert first.form.fields["flow"] is not second.form.fields["flow"]


def test_method_filters_filter_through_their_own_filterset(db):
    """`q` and `via_groupings` are method filters: django-filter binds the method to the filter, so each copy
    must be bound to itself (a shallow copy alone kept the class's filter, which has no FilterSet: a 500)."""
    filterset = _filterset("q=2612&via_groupings=true&reporter=japan")
    assert filterset.is_valid(), filterset.errors
    for name in ("q", "via_groupings"):
        assert filterset.filters[name].filter.f is filterset.filters[name]
    list(filterset.qs)  # runs


def test_a_bad_value_in_one_request_leaves_the_next_valid():
    bad = _filterset("flow=Z&year_min=99999")
    assert not bad.is_valid()
    assert "flow" in bad.errors and "year_min" in bad.errors
    good = _filterset("flow=X&year_min=2000")
    assert good.is_valid(), good.errors
    assert good.form.cleaned_data["flow"] == ["X"] and good.form.cleaned_data["year_min"] == 2000


def test_filtersets_in_threads_validate_their_own_values():
    results, errors = {}, []

    def validate(flow, year):
        try:
            for _ in range(200):
                filterset = _filterset(f"flow={flow}&year_min={year}")
                assert filterset.is_valid(), filterset.errors
                assert filterset.form.cleaned_data == {"flow": [flow], "year_min": year}
            results[flow] = True
        except Exception as error:  # reported below, with the thread's values
            errors.append((flow, year, error))

    threads = [threading.Thread(target=validate, args=args) for args in (("X", 2001), ("M", 2002), ("RX", 2003))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == ["M", "RX", "X"]
