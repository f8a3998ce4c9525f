"""Content negotiation where an unknown `?format=` value is left to the 400 that names it.

DRF answers a `?format=` naming no renderer with a bare 404; here only values naming a renderer (json,
api, csv, csv-excel, xlsx) choose the output, and the filter backend (apps.core.api.filters.
check_query_params) answers any other value with a 400 listing the formats (on summits also pointing to
`summit_format`, the summit-format filter's name since it stopped sharing `format`).
"""

from rest_framework.negotiation import DefaultContentNegotiation


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class FormatParamNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if format_suffix is None:
            formats = {renderer.format for renderer in renderers}
            format_suffix = next((v for v in request.query_params.getlist("format") if v in formats), None)
        self.settings = _NoFormatOverride
        return super().select_renderer(request, renderers, format_suffix)
