"""CSV, Excel-friendly CSV and XLSX exports (issue 13): same rows, filters and times as the JSON API.

On PostgreSQL the trade-flows CSV is written by `COPY (…) TO STDOUT`; it must be byte for byte what the
Python writer makes of the same rows (the SQLite path), quoting and empty values included.
"""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.core.api import csv_export
from apps.core.csv_cells import formula_safe
from apps.trade.models import TradeFlow
from tests.api.helpers import assert_status
from tests.factories import StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/trade-flows/"


@pytest.fixture
def flows():
    kazakhstan = StateFactory(slug="kazakhstan", name_en="Kazakhstan", name_ru="Казахстан")
    japan = StateFactory(slug="japan")
    china = StateFactory(slug="china")
    TradeFlowFactory(
        reporter=kazakhstan,
        partner=japan,
        year=2021,
        flow="X",
        value_usd=Decimal("1234567.89"),
        net_weight_kg=Decimal("0.500"),
        quantity_unit='kg, "net"\nline',
    )
    TradeFlowFactory(
        reporter=kazakhstan,
        partner=china,
        partner2=japan,
        year=2021,
        month=3,
        flow="M",
        commodity_code="2612",
        customs_code="C01",
        mot_code=2100,
        value_usd=Decimal("0.00"),
        quantity_unit="=1+1",
    )
    TradeFlowFactory(reporter=japan, partner=kazakhstan, year=2020, flow="X", value_usd=Decimal("5"))


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_rows_match_the_json_rows_times_included(api_client, flows):
    response = api_client.get(LIST, {"format": "csv", "reporter": "kazakhstan"})
    assert_status(response, 200)
    content = body(response)
    assert not content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    results = api_client.get(LIST, {"reporter": "kazakhstan"}).json()["results"]
    assert [row["id"] for row in rows] == [str(result["id"]) for result in results]
    for row, result in zip(rows, results):
        assert row["created_at"] == result["created_at"] and row["updated_at"] == result["updated_at"]
        assert row["reporter"] == result["reporter"]["slug"] and row["value_usd"] == result["value_usd"]
        assert row["partner2"] == (result["partner2"]["slug"] if result["partner2"] else "")
        assert (row["customs_code"], row["mot_code"]) == (result["customs_code"], str(result["mot_code"]))
        # The same text, but a cell a spreadsheet would run as a formula is written as text (issue 16).
        assert row["quantity_unit"] == formula_safe(result["quantity_unit"])


def test_csv_excel_starts_with_a_byte_order_mark(api_client, flows):
    plain = body(api_client.get(LIST, {"format": "csv"}))
    excel = api_client.get(LIST, {"format": "csv-excel"})
    assert_status(excel, 200)
    assert excel["Content-Type"].startswith("text/csv")
    assert body(excel) == b"\xef\xbb\xbf" + plain
    summary = api_client.get("/api/v1/trade-flows/summary/", {"group_by": "year", "format": "csv-excel"})
    assert summary.content.startswith(b"\xef\xbb\xbfyear,count,total_value_usd")


def test_empty_filters_in_an_export_are_not_given(api_client, flows):
    everything = body(api_client.get(LIST, {"format": "csv"}))
    assert body(api_client.get(LIST, {"format": "csv", "commodity": "", "flow": "", "annual": ""})) == everything
    totals = body(api_client.get(LIST, {"format": "csv", "commodity": "total"})).decode()
    assert len(list(csv.DictReader(io.StringIO(totals)))) == 2


def test_xlsx_holds_the_csv_table(api_client, flows):
    response = api_client.get(LIST, {"format": "xlsx", "reporter": "kazakhstan"})
    assert_status(response, 200)
    assert response["Content-Type"] == csv_export.XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    rows = list(
        csv.reader(io.StringIO(body(api_client.get(LIST, {"format": "csv", "reporter": "kazakhstan"})).decode()))
    )
    assert table[0] == rows[0]
    assert [str(row[0]) for row in table[1:]] == [row[0] for row in rows[1:]]
    units = [row[rows[0].index("quantity_unit")] for row in table[1:]]
    assert "=1+1" in units  # text, never a formula
    summary = api_client.get("/api/v1/trade-flows/summary/", {"group_by": "year", "format": "xlsx"})
    assert_status(summary, 200)
    assert [c.value for c in next(load_workbook(io.BytesIO(summary.content)).active.iter_rows())][:2] == [
        "year",
        "count",
    ]


def test_xlsx_is_bounded(api_client, flows, monkeypatch):
    monkeypatch.setattr(csv_export, "XLSX_MAX_ROWS", 2)
    response = api_client.get(LIST, {"format": "xlsx"})
    assert_status(response, 400)
    assert "format=csv" in response.json()["format"]


@pytest.mark.postgres_only
def test_copy_writes_the_same_bytes_as_the_python_writer(flows):
    queryset = TradeFlow.objects.filter(year__gte=2020).order_by(*TradeFlow._meta.ordering)
    columns = csv_export.csv_columns_for(TradeFlow)
    assert "COPY (SELECT" in csv_export.copy_sql(queryset, columns)
    copied = b"".join(csv_export._copy_chunks(queryset, columns))
    written = b"".join(csv_export._python_lines(queryset, None))
    assert copied == written
    assert b'"kg, ""net""\nline"' in copied


@pytest.mark.postgres_only
def test_the_trade_flows_csv_streams_from_copy(api_client, flows, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the Python writer ran")

    monkeypatch.setattr(csv_export, "_python_lines", refuse)
    response = api_client.get(LIST, {"format": "csv", "partner2": "japan"})
    assert_status(response, 200)
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [(row["partner2"], row["customs_code"], row["mot_code"]) for row in rows] == [("japan", "C01", "2100")]


@pytest.mark.django_db
def test_xlsx_holds_text_with_control_characters(editor_client):
    # Found by schemathesis: openpyxl refuses control characters, which made a 500.
    response = editor_client.post("/api/v1/assessments/?format=xlsx", {"statement_en": "a\x06b", "slug": "ctl"})
    assert_status(response, 201)
    cells = [cell.value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row]
    assert "a\ufffdb" in cells


def test_aggregate_csv_cells_are_joined_like_many_to_many_columns(seeded, api_client):
    """The fresh-eyes review: the scoreboard's CSV wrote JSON into its cities and documents cells."""
    import csv
    import io

    response = api_client.get("/api/v1/summits/scoreboard/", {"format": "csv"})
    rows = {row["partner"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8")))}
    assert "Astana / Астана" in rows["china"]["cities"].split(";")
    assert "xian-declaration" in rows["china"]["documents"].split(";")
    assert not any(cell.startswith(("[", "{")) for row in rows.values() for cell in row.values())


@pytest.mark.parametrize("export_format", ["csv", "csv-excel", "xlsx"])
@pytest.mark.parametrize("path", ["/api/v1/document-signatories/", "/api/v1/summit-participants/"])
def test_an_export_matching_nothing_by_construction_is_its_header(client, path, export_format):
    """`q` on these resources can match nothing before any row is read (the ORM raises EmptyResultSet): the
    COPY path answered 500, csv-excel broke off mid-stream. Now: 200 and the header alone, like JSON's count 0."""
    assert client.get(path, {"q": "zzzz"}).json()["count"] == 0
    response = client.get(path, {"q": "zzzz", "format": export_format})
    assert_status(response, 200)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "xlsx":
        rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    else:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 and "id" in rows[0]
