"""Spreadsheets that open right: a CSV in the delimiter the reader's Excel expects, and an XLSX with a frozen,
filtered header, typed dates and numbers, column widths and a file name that says what and when."""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.utils import timezone

from tests import factories


def test_csv_for_excel_in_a_semicolon_locale(client, db):
    factories.PledgeFactory(amount=Decimal("1234.50"), description_en="one, two")
    response = client.get("/api/v1/pledges/?format=csv-excel&delimiter=semicolon")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffid;created_at;updated_at;slug;donor;")
    row = body.splitlines()[1].split(";")
    assert "1234.50" in row and "one, two" in row  # the comma is data now, not a separator
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
