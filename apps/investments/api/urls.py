"""Routes of the investments app, registered on the /api/v1/ router by catrack.urls."""

from apps.investments.api.views import PledgeViewSet

routes = [("pledges", PledgeViewSet, "pledge")]
