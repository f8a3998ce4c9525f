"""The API's output formats, each declared here once (apps.core.registry.register_format), in the order
content negotiation tries them: JSON (which may carry a page PostgreSQL rendered), DRF's HTML pages, and the
exports `?format=csv`, `?format=csv-excel` (CSV with a UTF-8 byte-order mark, so that Excel reads the
Cyrillic and Japanese names right) and `?format=xlsx`. A list in an export format is written by its
renderer's export_response (through apps.core.api.csv_export); the renderers write what does not stream
(summaries, details, errors).
"""

import codecs
import io
import json

from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer

from apps.core.api.csv_dialect import PLAIN, CSVDialect, csv_dialect, mark_dialect
from apps.core.api.csv_export import XLSX_MEDIA_TYPE, csv_response, xlsx_bytes, xlsx_response
from apps.core.api.sql import RawJSON
from apps.core.csv_cells import csv_writer, formula_safe
from apps.core.registry import register_format


@register_format()
class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, plus RawJSON (JSON text PostgreSQL wrote) as a whole answer or as a page envelope's `results`:
    the same bytes DRF would write."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        as_written = (
            self.compact and not self.ensure_ascii and not self.get_indent(accepted_media_type, renderer_context or {})
        )
        if isinstance(data, RawJSON):
            if not as_written:
                return super().render(json.loads(data), accepted_media_type, renderer_context)
            return self.escaped(data).encode()
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, RawJSON):
            return super().render(data, accepted_media_type, renderer_context)
        keys = list(data)
        at = keys.index("results")
        before = {key: data[key] for key in keys[:at]}
        after = {key: data[key] for key in keys[at + 1 :]}  # e.g. matched_via_groupings
        if not before or not as_written:
            # Not compact UTF-8 {…, "results": […], …} as PostgreSQL writes it: render it the ordinary way.
            return super().render({**data, "results": json.loads(results)}, accepted_media_type, renderer_context)
        head = super().render(before, accepted_media_type, renderer_context)
        tail = super().render(after, accepted_media_type, renderer_context)[1:-1] if after else b""
        return b"".join((head[:-1], b',"results":', self.escaped(results).encode(), b"," if tail else b"", tail, b"}"))

    @staticmethod
    def escaped(text):
        # DRF escapes these two for JavaScript; PostgreSQL's JSON leaves them as they are.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@register_format()
class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, with a log-out that needs no inline script (Content-Security-Policy)."""

    template = "catrack/browsable_api.html"


@register_format(export=True)
class CSVRenderer(BaseRenderer):
    """Renders what does not stream: summaries (a table of rows), a detail or an error (field,value)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    # CSV for Excel: UTF-8's byte-order mark first, and the reader's spreadsheet style (apps.core.api.csv_dialect).
    for_excel = False

    @classmethod
    def export_response(cls, queryset, *, filename, columns=None, dialect: CSVDialect = PLAIN):
        """A list's every matching row, streamed (apps.core.api.csv_export.csv_response)."""
        return csv_response(
            queryset, filename=filename, columns=columns, dialect=dialect, byte_order_mark=cls.for_excel
        )

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        context = renderer_context or {}
        request, response = context.get("request"), context.get("response")
        try:
            dialect = csv_dialect(request, for_excel=self.for_excel) if request is not None else PLAIN
        except ValidationError:  # the 400 naming a bad `delimiter` is what is being written
            dialect = PLAIN
        if response is not None:
            mark_dialect(response, dialect)
        # A summary's decimals are JSON's text ("1234.50"): numbers_from_text gives them the decimal mark too.
        writer = csv_writer(out, delimiter=dialect.delimiter, decimal_mark=dialect.decimal_mark, numbers_from_text=True)
        writer.writerows(self.table(data))
        return (codecs.BOM_UTF8 if self.for_excel else b"") + out.getvalue().encode("utf-8")

    @staticmethod
    def table(data):
        """`data` as rows of cells (the first: the header): a list of objects as columns, a detail or an error as
        (field, value) rows, anything else as one cell."""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if isinstance(data, list) and all(isinstance(row, dict) for row in data):
            columns = list(dict.fromkeys(key for row in data for key in row))
            return [columns, *([_nested_cell(row.get(key, "")) for key in columns] for row in data)]
        if isinstance(data, dict):
            return [["field", "value"], *([key, _nested_cell(value)] for key, value in data.items())]
        return [] if data is None else [[_nested_cell(data)]]


@register_format(export=True)
class CSVExcelRenderer(CSVRenderer):
    """CSV that Excel opens as UTF-8: the same bytes after a byte-order mark."""

    format = "csv-excel"
    for_excel = True


@register_format(export=True)
class XLSXRenderer(BaseRenderer):
    """A one-sheet spreadsheet of the same table the CSV renderer writes."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    @classmethod
    def export_response(cls, queryset, *, filename, columns=None, dialect: CSVDialect = PLAIN):
        """A list's matching rows as one sheet (bounded: apps.core.api.csv_export.XLSX_MAX_ROWS)."""
        return xlsx_response(queryset, filename=filename, columns=columns)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # The CSV's table, cell for cell, as the CSV writes each cell (text; formulas escaped), its numbers and
        # dates typed again. Not read back from the CSV's text: Python's csv reader refuses a field over
        # 131,072 characters.
        return xlsx_bytes(
            [["" if value is None else str(formula_safe(value)) for value in row] for row in CSVRenderer.table(data)],
            numbers_from_text=True,
        )


def _nested_cell(value):
    """A nested value in one cell. A list of plain values, or of briefs (objects with a slug: their slugs), or
    of names in several languages (`Astana / Астана`), is `;`-joined as the lists' many-to-many columns are
    (apps.core.api.csv_export); anything else (a detail's citations) stays readable as JSON."""
    if isinstance(value, list):
        if all(isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value):
            return ";".join(str(item) for item in value)
        if all(isinstance(item, dict) and isinstance(item.get("slug"), str) for item in value):
            return ";".join(item["slug"] for item in value)
        if all(isinstance(item, dict) and all(isinstance(v, str) for v in item.values()) for item in value):
            return ";".join(" / ".join(v for v in item.values() if v) for item in value)  # Astana / Астана
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else value
