"""The /api/v1/ router, built from the registry (apps.core.registry): a resource is declared once, in its app."""

from django.urls import include, re_path
from django.urls.resolvers import URLPattern
from rest_framework.routers import DefaultRouter

from apps.core import registry


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
