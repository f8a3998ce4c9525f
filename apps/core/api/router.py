"""The /api/v1/ router, built from the registry (apps.core.registry): a resource is declared once, in its app."""

import functools
from typing import Any

from django.urls import ResolverMatch, include, re_path
from django.urls.resolvers import RoutePattern, URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

from apps.core import registry

KEPT_MATCHES = 1024  # paths whose match a KeptMatchesResolver keeps (least recently resolved forgotten first)


class CatrackRouter(DefaultRouter):
    """DRF's router whose root view (/api/v1/) lists every endpoint: each resource's list followed by its
    other list-level endpoints (aggregates such as `trade-flows/summary`), and `search`. DRF's lists only
    the registered resources."""

    extra_root_routes = {"search": "search"}  # endpoints outside the router: root key → URL name

    def get_api_root_view(self, api_urls=None):
        api_root_dict = {}
        list_name = self.routes[0].name
        for prefix, viewset, basename in self.registry:
            api_root_dict[prefix] = list_name.format(basename=basename)
            for action in viewset.get_extra_actions():
                if not action.detail and "get" in action.mapping:
                    api_root_dict[f"{prefix}/{action.url_path}"] = f"{basename}-{action.url_name}"
        api_root_dict.update(self.extra_root_routes)
        return self.APIRootView.as_view(api_root_dict=api_root_dict)

    def get_urls(self):
        """DRF's routes (names, regexes, format suffixes unchanged), each resource's under one include of its
        prefix: `^trade-flows/` holds every route below it, and only the list's `^trade-flows\\.(?P<format>…)`
        stays beside it. Django tries a URL list in order: flat, `/api/v1/trade-flows/` was tried against about
        100 of the 162 patterns before its own; now two per resource (docs/benchmarks.md, "Figures behind the code")."""
        prefixes = [prefix for prefix, _, _ in self.registry]
        grouped, by_prefix = [], {}
        for url in super().get_urls():
            regex = url.pattern.regex.pattern
            prefix = next((p for p in prefixes if regex.startswith(f"^{p}/")), None)
            if prefix is None or not isinstance(url, URLPattern):
                grouped.append(url)
                continue
            if prefix not in by_prefix:
                by_prefix[prefix] = []
                grouped.append(re_path(f"^{prefix}/", include(by_prefix[prefix])))
            by_prefix[prefix].append(re_path(f"^{regex[len(prefix) + 2 :]}", url.callback, url.default_args, url.name))
        return grouped


def api_router():
    """The /api/v1/ router: every resource the registry lists (each domain app's routes, then the change feed)."""
    from apps.core.api.changes import ChangeFeedViewSet

    router = CatrackRouter()
    for prefix, viewset, basename in [*registry.resources(), ("changes", ChangeFeedViewSet, "change")]:
        router.register(prefix, viewset, basename=basename)
    return router


class KeptMatchesResolver(URLResolver):
    """Django's URLResolver that keeps the match of each of the last KEPT_MATCHES paths it resolved. Resolving
    depends on nothing but the path and the patterns, which do not change while a process runs; Django does it
    again on every request, and under /api/v1/ that is about half of resolving a request (43 -> 21 us for the trade
    list): each resource's include before the one asked raises and catches a Resolver404 (docs/benchmarks.md). A path that matches nothing is not kept (it raises as
    before). Each call gets its own copy of the kept match (its dicts and lists too), as each got a new one before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_resolve = functools.lru_cache(maxsize=KEPT_MATCHES)(super().resolve)

    def resolve(self, path: Any) -> ResolverMatch:
        kept = self._kept_resolve(str(path))
        match = object.__new__(ResolverMatch)  # not copy.copy(): a ResolverMatch refuses to be pickled
        match.__dict__ = {name: _own_copy(value) for name, value in vars(kept).items()}
        return match


def _own_copy(value: Any) -> Any:
    """A ResolverMatch attribute with dicts and lists of its own: kwargs, app names, namespaces, `tried` (a list of
    lists of patterns) are copied; the view, the route and the patterns themselves are shared."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return [list(item) if isinstance(item, list) else item for item in value]
    return value


def kept_include(route: str, urlconf: Any) -> KeptMatchesResolver:
    """`path(route, include(urlconf))` whose resolver keeps its matches (KeptMatchesResolver): the same pattern,
    names and namespaces."""
    urlconf_module, app_name, namespace = include(urlconf)
    return KeptMatchesResolver(
        RoutePattern(route, is_endpoint=False), urlconf_module, app_name=app_name, namespace=namespace
    )
