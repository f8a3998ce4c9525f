"""CSV as a negotiable format (`?format=csv`); resource lists stream through apps.core.api.csv_export."""
import csv
import io
import json

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Renders what does not stream: summaries (a table of rows), a detail or an error (field,value)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if isinstance(data, list) and all(isinstance(row, dict) for row in data):
            columns = list(dict.fromkeys(key for row in data for key in row))
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows({key: _cell(value) for key, value in row.items()} for row in data)
        elif isinstance(data, dict):
            writer = csv.writer(out)
            writer.writerow(["field", "value"])
            writer.writerows([key, _cell(value)] for key, value in data.items())
        elif data is not None:
            csv.writer(out).writerow([_cell(data)])
        return out.getvalue().encode("utf-8")


def _cell(value):
    # Nested values (e.g. a detail's citations) stay readable as JSON in one cell.
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else value
