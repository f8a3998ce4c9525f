"""Routes of the public site, included at / by catrack.urls (namespace 'site')."""

from django.urls import path

from apps.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("summits/", views.timeline, name="timeline"),
    path("summits/<slug:slug>/", views.summit, name="summit"),
    path("documents/", views.documents, name="documents"),
    path("documents/<slug:slug>/", views.document, name="document"),
    path("actors/", views.actors, name="actors"),
    path("actors/<slug:slug>/", views.actor, name="actor"),
    path("formats/", views.formats, name="formats"),
    path("trade/", views.trade, name="trade"),
    path("facts/<str:label>/<int:pk>/", views.fact, name="fact"),
    path("citations/<int:pk>/", views.citation, name="citation"),
    path("pledges/", views.pledges, name="pledges"),
    path("sources/", views.sources, name="sources"),
    path("sources/<slug:slug>/", views.source, name="source"),
    # Browsers ask for /favicon.ico on pages that name no icon (the browsable API, Swagger UI).
    path("favicon.ico", views.favicon),
]
