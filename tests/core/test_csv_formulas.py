"""Spreadsheet formula injection (issue 16): text that starts like a formula leaves catrack as text, in the
API's CSV (lists and summaries), the admin's CSV/TSV export and the importer's rejects file
(tests/trade/test_comtrade_import_edges.py)."""

import csv
import io
import re

import pytest

from apps.core.csv_cells import formula_safe
from tests import factories

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_text_gets_a_leading_apostrophe(value):
    assert formula_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-5", "+3.2", "1e-3", "-0.5", "Japan", "", None, 12, -7.5, "a=b"])
def test_numbers_and_plain_text_are_unchanged(value):
    assert formula_safe(value) == value


def rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE[:4])
def test_the_api_csv_export_writes_formulas_as_text(api_client, name):
    factories.StateFactory(slug="hostile", name_en=name)
    table = rows(api_client.get("/api/v1/actors/", {"format": "csv", "slug": "hostile"}))
    column = table[0].index("name_en")
    assert [row[column] for row in table[1:]] == ["'" + name]


@pytest.mark.django_db
def test_the_api_csv_of_a_detail_writes_formulas_as_text(api_client):
    factories.StateFactory(slug="hostile", name_en="=1+2")
    table = rows(api_client.get("/api/v1/actors/hostile/", {"format": "csv"}))
    assert ["name_en", "'=1+2"] in table


@pytest.mark.django_db
def test_a_summary_csv_writes_formulas_as_text(api_client):
    factories.TradeFlowFactory(partner=factories.StateFactory(name_en="=1+2"))
    table = rows(api_client.get("/api/v1/trade-flows/summary/", {"group_by": "partner", "format": "csv"}))
    assert any("'=1+2" in row for row in table[1:]), table


@pytest.mark.django_db
@pytest.mark.parametrize("fmt_name, delimiter", [("csv", ","), ("tsv", "\t")])
def test_the_admin_export_writes_formulas_as_text(admin_client, fmt_name, delimiter):
    factories.StateFactory(slug="hostile", name_en="=HYPERLINK(1)", description_en="-2+3")
    # The format is chosen by its index in the admin's list, which depends on what is installed.
    form = admin_client.get("/admin/actors/actor/export/").content.decode()
    fmt = re.search(rf'<option value="(\d+)"[^>]*>{fmt_name}</option>', form).group(1)
    fields = {f"actorresource_{name}": "on" for name in ("slug", "name_en", "description_en", "iso3")}
    response = admin_client.post("/admin/actors/actor/export/", {"resource": "0", "format": fmt, **fields})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode()), delimiter=delimiter))
    row = dict(zip(table[0], table[1]))
    assert row["name_en"] == "'=HYPERLINK(1)" and row["description_en"] == "'-2+3"
    assert row["iso3"] == "" or row["iso3"].isalpha()  # empty cells stay empty, not "None"
