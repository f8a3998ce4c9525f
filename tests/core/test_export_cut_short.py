"""An export the server stops before its end says so in its last row (issue 26: a CSV cut by the export
timeout was a 200 ending on a whole row, indistinguishable from a complete file).

The cut is real: another connection holds the table, the export's COPY waits, and PostgreSQL cancels it at
the export's statement timeout after the header (and the 200) went out."""

import csv
import io

import pytest

from apps.core.api.csv_export import INCOMPLETE_EXPORT_MARK
from tests.factories import StateFactory, TradeFlowFactory

pytestmark = [pytest.mark.postgres_only]


def read_until_cut(response):
    """The bytes a client got before the stream broke, and the error that broke it (None: it ended)."""
    received = b""
    try:
        for chunk in response.streaming_content:
            received += chunk
    except Exception as error:  # psycopg's QueryCanceled, from COPY
        return received, error
    return received, None


@pytest.mark.parametrize(("export_format", "delimiter"), [("csv", ","), ("csv-excel", ";")])
def test_a_csv_cut_by_the_export_timeout_ends_with_a_row_saying_so(
    client, other_connection, settings, export_format, delimiter
):
    settings.EXPORT_STATEMENT_TIMEOUT = "300ms"
    reporter, partner = StateFactory(), StateFactory()
    for year in (2020, 2021, 2022):
        TradeFlowFactory(reporter=reporter, partner=partner, year=year)
    whole = client.get("/api/v1/trade-flows/", {"format": export_format})
    complete, error = read_until_cut(whole)
    assert error is None and INCOMPLETE_EXPORT_MARK.encode() not in complete
    params = {"format": export_format, **({"delimiter": "semicolon"} if delimiter == ";" else {})}
    with other_connection.transaction():
        other_connection.execute("LOCK TABLE trade_tradeflow IN ACCESS EXCLUSIVE MODE")
        response = client.get("/api/v1/trade-flows/", params)
        assert response.status_code == 200  # the status line goes out before the rows are read
        received, error = read_until_cut(response)
    assert getattr(error, "sqlstate", None) == "57014"  # the statement timeout
    rows = list(csv.reader(io.StringIO(received.decode("utf-8-sig")), delimiter=delimiter))
    assert rows[0][0] == "id"  # the header went out
    (last,) = rows[-1:]
    assert len(last) == 1 and last[0].startswith(f"{INCOMPLETE_EXPORT_MARK}: the export ran longer"), rows
    assert "not every matching row" in last[0]
