"""Top-level routes: the admin and the API."""
from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from apps.core.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
