"""Content negotiation that lets `?format=` be both an output format and the summits' `format` filter.

DRF treats every `?format=` value as a renderer; summits are filtered by their format's slug with the
same parameter, so only values naming a renderer (json, api, csv) choose the output here.
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
