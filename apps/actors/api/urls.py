"""Routes of the actors app, registered on the /api/v1/ router by catrack.urls."""

from apps.actors.api.views import ActorRelationViewSet, ActorViewSet, OfficeViewSet

routes = [
    ("actors", ActorViewSet, "actor"),
    ("actor-relations", ActorRelationViewSet, "actor-relation"),
    ("offices", OfficeViewSet, "office"),
]
