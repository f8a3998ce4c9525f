"""Top-level routes: the public site at /, the admin, the REST API under /api/v1/, its schema and docs."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.api.router import api_router, kept_include
from apps.core.api.views import api_not_found
from apps.core.views import healthz

router = api_router()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.search.api.urls")),
    kept_include("api/v1/", router.urls),  # path("api/v1/", include(router.urls)), its matches kept
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
