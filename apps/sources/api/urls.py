"""Routes of the sources app, registered on the /api/v1/ router by catrack.urls."""

from apps.sources.api.views import AssessmentViewSet, CitationViewSet, DisagreementViewSet, SourceViewSet

routes = [
    ("sources", SourceViewSet, "source"),
    ("citations", CitationViewSet, "citation"),
    ("assessments", AssessmentViewSet, "assessment"),
    ("disagreements", DisagreementViewSet, "disagreement"),
]
