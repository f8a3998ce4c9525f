"""JSON request bodies parsed within bounds: size and nesting depth, each a 400 beyond.

DRF's JSONParser reads any size and lets Python's decoder recurse: 5,000 nested brackets were a
RecursionError (500) — reachable by any signed-in user, because the CSRF check parses the body before
permissions are checked. No catrack write needs more than a few levels or more than a megabyte.
"""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 20


def json_depth(value):
    """Nesting depth of decoded JSON (a scalar is 0, [] or {} is 1), iteratively: no recursion to blow up."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


class BoundedJSONParser(JSONParser):
    """JSONParser with a size bound (MAX_JSON_BYTES, or DATA_UPLOAD_MAX_MEMORY_SIZE if smaller) and a
    depth bound (MAX_JSON_DEPTH); ParseError (400) beyond either."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = min(MAX_JSON_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_JSON_BYTES)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise ParseError(f"JSON body larger than {limit:,} bytes.")
        too_deep = ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # too deep for Python's decoder: far beyond MAX_JSON_DEPTH
            raise too_deep from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
