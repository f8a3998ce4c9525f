"""Spreadsheets that open right: a CSV in the delimiter the reader's Excel expects, and an XLSX with a frozen,
filtered header, typed dates and numbers, column widths and a file name that says what and when."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import yaml
from django.utils import timezone

from apps.core.api.csv_dialect import DECIMAL_MARK_HEADER, DELIMITER_HEADER, DIALECT_HEADERS
from apps.core.csv_cells import csv_writer
from tests import factories


def _csv(response):
    return b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()


def _row(body, delimiter):
    table = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=delimiter))
    return dict(zip(table[0], table[1]))


def test_csv_for_excel_in_a_semicolon_locale(client, db):
    factories.PledgeFactory(amount=Decimal("1234.50"), description_en="one, two")
    response = client.get("/api/v1/pledges/?format=csv-excel&delimiter=semicolon")
    body = _csv(response)
    assert body.startswith("\ufeffid;created_at;updated_at;slug;donor;")
    row = body.splitlines()[1].split(";")
    # The comma is data now, not a separator; decimals have the decimal comma that goes with the semicolon.
    assert "1234,50" in row and "one, two" in row
    assert response[DELIMITER_HEADER] == "semicolon" and response[DECIMAL_MARK_HEADER] == "comma"


@pytest.mark.parametrize(
    "accept_language, delimiter, decimal_mark",
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", ";", ","),
        ("de-DE", ";", ","),
        ("kk-KZ,kk;q=0.9", ";", ","),  # not in Django's formats: DECIMAL_MARKS (CLDR)
        ("uz", ";", ","),
        ("en-US,en;q=0.9,ru;q=0.8", ",", "."),
        ("ja", ",", "."),
        ("xx-YY, en-GB;q=0.5, ru;q=0.4", ",", "."),  # an unknown language is passed over
        ("tlh, *;q=0.5", ",", "."),  # no known language: comma
    ],
)
def test_csv_for_excel_follows_the_readers_language(client, db, accept_language, delimiter, decimal_mark):
    factories.PledgeFactory(amount=Decimal("1234.50"), usd_rate=Decimal("0.0065"))
    response = client.get("/api/v1/pledges/?format=csv-excel", HTTP_ACCEPT_LANGUAGE=accept_language)
    body = _csv(response)
    assert body.startswith("\ufeffid" + delimiter)
    row = _row(body, delimiter)
    assert row["amount"] == f"1234{decimal_mark}50" and row["usd_rate"] == f"0{decimal_mark}00650000"
    assert row["id"].isdigit()  # integers as they are
    assert response[DELIMITER_HEADER] == {";": "semicolon", ",": "comma"}[delimiter]
    assert response[DECIMAL_MARK_HEADER] == {",": "comma", ".": "point"}[decimal_mark]
    assert "Accept-Language" in response["Vary"]  # a cache must not hand this file to a reader of another language


def test_csv_for_excel_without_a_language_is_comma_separated(client, db):
    factories.PledgeFactory(amount=Decimal("1234.50"))
    response = client.get("/api/v1/pledges/?format=csv-excel")
    assert _row(_csv(response), ",")["amount"] == "1234.50" and response[DELIMITER_HEADER] == "comma"


@pytest.mark.parametrize(
    "query, accept_language, delimiter, amount",
    [
        # The parameter wins over the language.
        ("format=csv-excel&delimiter=comma", "ru", ",", "1234.50"),
        ("format=csv-excel&delimiter=tab", "de", "\t", "1234.50"),
        ("format=csv-excel&delimiter=semicolon", "en", ";", "1234,50"),
        # Plain CSV is for programs, whatever the language: always a decimal point.
        ("format=csv", "ru-RU,ru", ",", "1234.50"),
        ("format=csv&delimiter=semicolon", "ru", ";", "1234.50"),
    ],
)
def test_the_delimiter_parameter_or_plain_csv_ignore_the_language(
    client, db, query, accept_language, delimiter, amount
):
    factories.PledgeFactory(amount=Decimal("1234.50"))
    response = client.get(f"/api/v1/pledges/?{query}", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert _row(_csv(response), delimiter)["amount"] == amount
    assert response[DELIMITER_HEADER] == {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
    assert response[DECIMAL_MARK_HEADER] == ("comma" if "," in amount else "point")
    assert "Accept-Language" not in response.get("Vary", "")


def test_a_summary_csv_for_excel_follows_the_language_too(client, db):
    factories.PledgeFactory(amount_usd=Decimal("100.50"))
    response = client.get("/api/v1/pledges/summary/?group_by=donor&format=csv-excel", HTTP_ACCEPT_LANGUAGE="ru")
    row = _row(_csv(response), ";")
    assert row["total_usd"] == "100,50" and row["count"] == "1"
    assert response[DELIMITER_HEADER] == "semicolon" and "Accept-Language" in response["Vary"]


def test_the_writer_gives_decimals_the_mark_after_the_formula_check():
    out = io.StringIO()
    csv_writer(out, delimiter=";", decimal_mark=",", numbers_from_text=True).writerow(
        [Decimal("-5.5"), -0.25, 7, "-1.5", "0042.5", "=1.5", "v1.2", True]
    )
    assert out.getvalue() == "-5,5;-0,25;7;-1,5;0042.5;'=1.5;v1.2;True\n"


def test_the_delimiter_is_declared_in_the_schema_and_its_headers_exposed_to_browsers(client, db, settings):
    schema = yaml.safe_load(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content)
    for path in ("/api/v1/pledges/", "/api/v1/pledges.csv", "/api/v1/pledges/summary/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["delimiter"]["schema"]["enum"] == ["comma", "semicolon", "tab"], path
        assert "Accept-Language" in parameters["delimiter"]["description"]
    assert set(DIALECT_HEADERS) <= set(settings.CORS_EXPOSE_HEADERS)
    plain = b"".join(client.get("/api/v1/pledges/?format=csv").streaming_content).decode()
    assert plain.startswith("id,created_at,updated_at,slug,donor,")
    tab = b"".join(client.get("/api/v1/pledges/?format=csv&delimiter=tab").streaming_content).decode()
    assert tab.startswith("id\tcreated_at\t")


def test_an_unknown_delimiter_is_a_400_naming_it(client, db):
    response = client.get("/api/v1/pledges/?format=csv&delimiter=pipe")
    assert response.status_code == 400
    assert "delimiter" in response.content.decode() and "comma, semicolon, tab" in response.content.decode()


def test_a_summary_csv_takes_the_delimiter_too(client, db):
    factories.PledgeFactory()
    response = client.get("/api/v1/pledges/summary/?group_by=donor&format=csv&delimiter=semicolon")
    assert response.content.decode().splitlines()[0].count(";") >= 2


def test_xlsx_has_a_frozen_filtered_header_typed_cells_widths_and_a_dated_name(client, db):
    factories.PledgeFactory(
        amount=Decimal("1234.50"),
        usd_rate_date=datetime.date(2025, 12, 19),
        usd_rate=Decimal("0.0065"),
        usd_basis="converted",
        amount_usd=Decimal("8.02"),
        usd_rate_source="Test rate source",
    )
    response = client.get("/api/v1/pledges/?format=xlsx")
    assert response["Content-Disposition"] == (f'attachment; filename="catrack-pledges-{timezone.now():%Y-%m-%d}.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}2"
    assert sheet["A1"].font.bold
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert row["amount"].data_type == "n" and row["amount"].value == Decimal("1234.50")
    assert (
        isinstance(row["usd_rate_date"].value, datetime.datetime) and row["usd_rate_date"].number_format == "yyyy-mm-dd"
    )
    assert isinstance(row["created_at"].value, datetime.datetime)
    description = openpyxl.utils.get_column_letter(header.index("usd_rate_source") + 1)
    assert sheet.column_dimensions[description].width >= len("Test rate source")


def test_a_summary_xlsx_has_numbers_not_text(client, db):
    factories.PledgeFactory(amount_usd=Decimal(100))
    response = client.get("/api/v1/pledges/summary/?group_by=donor&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2]))
    assert row["count"].data_type == "n" and row["total_usd"].data_type == "n" and row["total_usd"].value == 100
    assert row["donor"].data_type == "s"
