"""Routes of the geoeconomics app, registered on the /api/v1/ router by catrack.urls."""

from apps.geoeconomics.api.views import (
    CorridorStakeViewSet,
    CorridorViewSet,
    ResourceInterestViewSet,
    StrategicResourceViewSet,
)

routes = [
    ("corridors", CorridorViewSet, "corridor"),
    ("corridor-stakes", CorridorStakeViewSet, "corridor-stake"),
    ("resources", StrategicResourceViewSet, "resource"),
    ("resource-interests", ResourceInterestViewSet, "resource-interest"),
]
