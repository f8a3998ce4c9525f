"""Top-level routes: the public site at /, the admin, the REST API under /api/v1/, its schema and docs."""
from django.contrib import admin
from django.urls import include, path, re_path
from django.urls.resolvers import URLPattern
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from apps.actors.api.urls import routes as actor_routes
from apps.core.api.views import api_not_found
from apps.core.api.changes import ChangeFeedViewSet
from apps.core.views import healthz
from apps.geoeconomics.api.urls import routes as geoeconomics_routes
from apps.investments.api.urls import routes as investment_routes
from apps.sources.api.urls import routes as source_routes
from apps.summits.api.urls import routes as summit_routes
from apps.trade.api.urls import routes as trade_routes

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
        100 of the 162 patterns before its own (0.2 ms of the page's 2 ms of Python); now two per resource."""
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
            by_prefix[prefix].append(
                re_path(f"^{regex[len(prefix) + 2:]}", url.callback, url.default_args, url.name))
        return grouped


router = CatrackRouter()
for prefix, viewset, basename in [
    *actor_routes, *source_routes, *summit_routes, *investment_routes, *trade_routes, *geoeconomics_routes,
]:
    router.register(prefix, viewset, basename=basename)
router.register("changes", ChangeFeedViewSet, basename="change")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.search.api.urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the page's script is a separate file (…?script), so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api-auth/", include("rest_framework.urls")),  # log in for the browsable API
    path("healthz", healthz, name="healthz"),
    # Any other /api/…/ path: JSON 404 also with DEBUG on (handler404 only serves DEBUG off). Slash-ended
    # paths only, so APPEND_SLASH still redirects `/api/v1/summits` to its list.
    re_path(r"^api/(?:.*/)?$", api_not_found),
    path("", include("apps.site.urls")),
]

handler404 = api_not_found
