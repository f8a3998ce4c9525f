"""Where the API serves a row: one definition, read from the API router's registry (catrack.urls.router)."""

import functools

from django.urls import NoReverseMatch
from rest_framework.reverse import reverse


@functools.cache
def _routes():
    """{model: (router basename, lookup field)} for every registered viewset that has a queryset. A model served by
    more than one viewset (citations: their own resource, then /disagreements/ built from them) is addressed by the
    first registered, its own resource."""
    from catrack.urls import router

    routes: dict = {}
    for _, viewset, basename in router.registry:
        if getattr(viewset, "queryset", None) is not None:
            routes.setdefault(viewset.queryset.model, (basename, getattr(viewset, "lookup_field", "pk")))
    return routes


def viewset_for(basename):
    """The viewset the API router registers under `basename` ('pledge'); a KeyError for an unknown one."""
    from catrack.urls import router

    return {name: viewset for _, viewset, name in router.registry}[basename]


def detail_url(model, pk, slug=None, request=None):
    """The API detail URL of the row `pk` (slug `slug`) of `model`, absolute when `request` is given; None where
    the API has no detail route for the model. The route decides how a row is named (its viewset's lookup_field,
    `slug` or `pk`): a pledge carries a slug but is addressed by its id."""
    route = _routes().get(model)
    if route is None:
        return None
    basename, field = route
    try:
        return reverse(f"{basename}-detail", kwargs={field: slug if field == "slug" else pk}, request=request)
    except NoReverseMatch:
        return None
