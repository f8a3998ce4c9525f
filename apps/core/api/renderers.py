"""CSV as a negotiable format (`?format=csv`); lists stream through apps.core.api.csv_export."""
import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Lists never get here (they stream); this renders a detail or an error as field,value rows.
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict):
            writer.writerow(["field", "value"])
            for key, value in data.items():
                writer.writerow([key, value])
        elif data is not None:
            writer.writerow([data])
        return out.getvalue().encode("utf-8")
