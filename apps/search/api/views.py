"""GET /api/v1/search/?q=…: one ranked search across every kind of fact (apps.search.kinds)."""

import functools

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer

from apps.core.api.filters import check_query_params
from apps.core.api.pagination import CatrackPagination, CountedPaginator
from apps.core.api.renderers import JSONRenderer
from apps.search.api.serializers import SearchHitSerializer, SearchParamsSerializer
from apps.search.kinds import KIND_NAMES
from apps.search.selectors import hit_details, search_hits, search_kind_counts


class SearchPagination(CatrackPagination):
    """Pages of hits, and `kinds`: the number of hits of every kind for `q`, whatever `kind` chooses (so a client
    can offer the other kinds, as the site's search page does)."""

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        results = paged["properties"].pop("results")
        paged["properties"]["kinds"] = {
            "type": "object",
            "description": "Hits for `q` of each kind (every kind, 0 included), whatever `kind` chooses.",
            "properties": {kind: {"type": "integer", "minimum": 0} for kind in KIND_NAMES},
            "required": list(KIND_NAMES),
            "example": {kind: 0 for kind in KIND_NAMES} | {"summit": 3, "document": 1},
        }
        paged["properties"]["results"] = results
        paged["required"] = [*paged.get("required", []), "kinds"]
        return paged


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
    pagination_class = SearchPagination
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
        # One query counts the hits of every kind; the page's count is their sum over `kinds` (not counted again).
        counts = search_kind_counts(q=q)
        hits = search_hits(q=q, kinds=set(kinds))
        hits.paginator_class = functools.partial(CountedPaginator, count=sum(counts.get(kind, 0) for kind in kinds))
        page = self.paginate_queryset(hits)
        details = hit_details(hits=page, q=q, request=request)
        response = self.get_paginated_response(self.get_serializer(details, many=True).data)
        results = response.data.pop("results")
        response.data["kinds"] = {kind: counts.get(kind, 0) for kind in KIND_NAMES}
        response.data["results"] = results  # last, as on every list
        return response
