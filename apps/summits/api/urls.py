"""Routes of the summits app, registered on the /api/v1/ router by catrack.urls."""

from apps.summits.api.views import (
    DocumentSignatoryViewSet,
    DocumentViewSet,
    SummitFormatViewSet,
    SummitParticipantViewSet,
    SummitViewSet,
    TopicViewSet,
)

routes = [
    ("topics", TopicViewSet, "topic"),
    ("summit-formats", SummitFormatViewSet, "summit-format"),
    ("summits", SummitViewSet, "summit"),
    ("summit-participants", SummitParticipantViewSet, "summit-participant"),
    ("documents", DocumentViewSet, "document"),
    ("document-signatories", DocumentSignatoryViewSet, "document-signatory"),
]
