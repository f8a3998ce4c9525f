"""Every model field of every API resource has a filter, or is on the commented list below.

Like NetBox's test_missing_filters: a new field cannot silently lack a filter.
"""

import pytest

from catrack.urls import router

# Fields deliberately without a filter of their own, and why.
EXCEPTIONS = {
    "*.id": "rows are addressed by URL (/resource/{id}/); lists are not filtered by id",
    # Free text no one filters by exact value: found through `q` (apps.search.kinds, or search_fields).
    "citation.rank_reason": "an analyst's few words on a rank: read with the claim (/api/v1/disagreements/)",
}


# Routes that are not filtered resources.
NOT_FILTERED = {
    "changes": "the change feed is read in commit order from a cursor (since), not filtered",
    "disagreements": "claims grouped per fact and field: filtered by fact_type and field only",
}


def _covered(filterset):
    search = filterset.text_search()
    names = {*search.fields, *search.substrings}
    for name, declared in filterset.base_filters.items():
        names.add((declared.field_name or name).split("__")[0])
    return names


def _cases():
    for prefix, viewset, _basename in router.registry:
        if prefix in NOT_FILTERED:
            continue
        yield pytest.param(viewset, id=prefix)


@pytest.mark.parametrize("viewset", list(_cases()))
def test_every_field_has_a_filter(viewset):
    model = viewset.queryset.model
    covered = _covered(viewset.filterset_class)
    fields = [f for f in model._meta.get_fields() if f.concrete and not f.auto_created or f.many_to_many and f.concrete]
    missing = [
        f.name
        for f in fields
        if f.name not in covered
        and f"*.{f.name}" not in EXCEPTIONS
        and f"{model._meta.model_name}.{f.name}" not in EXCEPTIONS
    ]
    assert not missing, f"{model.__name__}: no filter for {missing}; add one to its FilterSet or to EXCEPTIONS"
