"""GET /api/v1/search/?q=…: one ranked search across every kind of fact (apps.search.kinds)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer

from apps.core.api.filters import check_query_params
from apps.core.api.pagination import CatrackPagination
from apps.core.api.renderers import JSONRenderer
from apps.search.api.serializers import SearchHitSerializer, SearchParamsSerializer
from apps.search.kinds import KIND_NAMES
from apps.search.selectors import hit_details, search_hits


class SearchBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API's page of search hits: no filter form (search has `q` and `kind`, no FilterSet and no
    queryset to build one from)."""

    def get_filter_form(self, data, view, request):
        return None


@extend_schema_view(
    get=extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter("q", str, required=True, description=SearchParamsSerializer().fields["q"].help_text),
            OpenApiParameter(
                "kind",
                str,
                many=True,
                enum=KIND_NAMES,
                explode=True,
                description=SearchParamsSerializer().fields["kind"].help_text,
            ),
        ],
    )
)
class SearchView(generics.ListAPIView):
    """Ranked hits of every kind for `q`: summits, documents, pledges, actors, corridors and their stakes,
    resources, trade measures and statements, sources and citations. A fact is also found through the
    key phrases of its citations, a corridor's stakes through the corridor."""

    serializer_class = SearchHitSerializer
    pagination_class = CatrackPagination
    filter_backends = []
    renderer_classes = [JSONRenderer, SearchBrowsableAPIRenderer]  # hits of mixed kinds have no one CSV shape
    permission_classes = [
        permissions.AllowAny
    ]  # GET only (no write path); the default model permissions need a queryset
    extra_query_params = ("q", "kind")

    def list(self, request, *args, **kwargs):
        check_query_params(request, self, None, several={"kind"})
        formats = [f for f in request.query_params.getlist("format") if f not in ("json", "api")]
        if formats:  # hits of mixed kinds have no one CSV or spreadsheet shape
            raise ValidationError({"format": f"Search answers in json (or api), not {formats[0]!r}."})
        params = SearchParamsSerializer.from_query(request.query_params)
        params.is_valid(raise_exception=True)
        q, kinds = params.validated_data["q"], params.validated_data.get("kind") or KIND_NAMES
        page = self.paginate_queryset(search_hits(q=q, kinds=set(kinds)))
        hits = hit_details(hits=page, q=q, request=request)
        return self.get_paginated_response(self.get_serializer(hits, many=True).data)
