"""Every list's CSV (issue 13): on PostgreSQL written by `COPY (…) TO STDOUT`, byte for byte what the
Python writer (SQLite's path) makes of the same rows; times as in the JSON; the same line ends and the
JSON's column names everywhere.

The rows are the seed (real many-to-many links, partial dates, citations) plus a few written to catch a
difference: text a spreadsheet would run, a slug that reads like a negative number, an unknown date,
a false flag, tied names in a many-to-many cell, quotes and line breaks.
"""

import csv
import datetime
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from apps.core.api import csv_export
from apps.core.api.csv_dialect import PLAIN, CSVDialect
from apps.core.api.views import CatrackViewSet
from apps.core.models import DatePrecision
from catrack.urls import router
from tests.api.helpers import assert_status
from tests.factories import (
    CitationFactory,
    DocumentFactory,
    DocumentSignatoryFactory,
    PledgeFactory,
    StateFactory,
    SummitFactory,
    SummitParticipantFactory,
    TopicFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_once")]

EXCEL_SEMICOLON = CSVDialect(delimiter=";", decimal_mark=",")
LISTS = sorted((prefix, viewset) for prefix, viewset, _ in router.registry if issubclass(viewset, CatrackViewSet))


@pytest.fixture
def rows(seeded):
    """The seed and rows whose cells are easy to get wrong."""
    tied_a = StateFactory(slug="-5", name_en="Tied", iso3=None)  # a slug a spreadsheet reads as a number…
    tied_b = StateFactory(slug="=tied", name_en="Tied", iso3=None)  # …and one it would run
    summit = SummitFactory(
        title_en='=HYPERLINK("x")',
        city_en='Line\nbreak, "quoted"',
        date=None,
        date_precision=DatePrecision.UNKNOWN,
        summary_en="",
    )
    SummitParticipantFactory(summit=summit, actor=tied_b)
    SummitParticipantFactory(summit=summit, actor=tied_a)
    month = SummitFactory(date=datetime.date(2024, 5, 1), date_precision=DatePrecision.MONTH)
    document = DocumentFactory(
        summit=month, adopted_on=datetime.date(2024, 1, 1), adopted_on_precision=DatePrecision.YEAR
    )
    DocumentSignatoryFactory(document=document, actor=tied_a)
    document.topics.add(TopicFactory(slug="@topic", name_en="Zeta"), TopicFactory(slug="a-topic", name_en="Alpha"))
    pledge = PledgeFactory(description_en="+1 (not a formula)", counts_in_totals=False)
    pledge.recipients.add(tied_b, tied_a)
    CitationFactory(fact=pledge, note="-")


def _ordered(viewset):
    """The list's queryset in its order, ties broken by id (the two writers may break ties differently)."""
    model = viewset.queryset.model
    return viewset.queryset.all().order_by(*model._meta.ordering, "pk")


@pytest.mark.postgres_only
@pytest.mark.parametrize("dialect", [PLAIN, EXCEL_SEMICOLON], ids=["plain", "excel-semicolon"])
@pytest.mark.parametrize("prefix, viewset", LISTS, ids=[prefix for prefix, _ in LISTS])
def test_copy_writes_what_the_python_writer_writes(rows, prefix, viewset, dialect):
    """Also in csv-excel's semicolon style: `;` between fields (a many-to-many cell's `;` quoted) and decimals
    with a decimal comma, written by COPY as by Python."""
    columns = csv_export.csv_columns_for(viewset.queryset.model)
    assert csv_export.copy_writes(columns), f"{prefix}: a column without an SQL form"
    queryset = _ordered(viewset)
    copied = b"".join(csv_export._copy_chunks(queryset, columns, dialect))
    written = b"".join(csv_export._python_lines(queryset, columns, dialect))
    assert copied == written
    assert copied.count(b"\n") >= queryset.count() + 1


@pytest.mark.postgres_only
@pytest.mark.parametrize("prefix", ["summits", "pledges", "documents", "corridors", "citations", "sources"])
def test_lists_with_links_and_partial_dates_stream_from_copy(api_client, rows, monkeypatch, prefix):
    def refuse(*args, **kwargs):
        raise AssertionError("the Python writer ran")

    monkeypatch.setattr(csv_export, "_python_lines", refuse)
    response = api_client.get(f"/api/v1/{prefix}/", {"format": "csv"})
    assert_status(response, 200)
    assert len(b"".join(response.streaming_content).splitlines()) > 1


def test_the_cells_of_links_and_partial_dates(api_client, rows):
    """Both writers (this runs on SQLite and PostgreSQL): links as ;-joined slugs in name order, ties by id,
    formula-safe; partial dates as far as known."""
    summits = _csv(api_client.get("/api/v1/summits/", {"format": "csv"}))
    hyperlink = next(row for row in summits if row["title_en"].startswith("'="))
    assert hyperlink["participants"] == "'-5;=tied"  # "-5;=tied" is no number: written as text
    assert (hyperlink["date"], hyperlink["date_display"], hyperlink["date_precision"]) == ("", "", "unknown")
    assert hyperlink["city_en"] == 'Line\nbreak, "quoted"' and hyperlink["summary_en"] == ""
    assert any(row["date_display"] == "2024-05" for row in summits)
    documents = _csv(api_client.get("/api/v1/documents/", {"format": "csv"}))
    document = next(row for row in documents if row["adopted_on_display"] == "2024")
    assert (document["signatories"], document["topics"]) == ("-5", "a-topic;@topic")  # only a cell's start counts
    pledges = _csv(api_client.get("/api/v1/pledges/", {"format": "csv"}))
    pledge = next(row for row in pledges if row["description_en"] == "'+1 (not a formula)")
    assert (pledge["recipients"], pledge["counts_in_totals"]) == ("'-5;=tied", "False")


@pytest.mark.parametrize("prefix, viewset", LISTS, ids=[prefix for prefix, _ in LISTS])
def test_csv_times_are_the_json_times(api_client, rows, prefix, viewset):
    url = f"/api/v1/{prefix}/"
    results = api_client.get(url, {"page_size": 500}).json()["results"]
    times = {str(row["id"]): (row["created_at"], row["updated_at"]) for row in results}
    exported = {
        row["id"]: (row["created_at"], row["updated_at"]) for row in _csv(api_client.get(url, {"format": "csv"}))
    }
    assert {key: exported.get(key) for key in times} == times  # the first JSON page's rows (all, today)
    assert len(exported) >= len(times)


def test_citation_csv_names_the_fact_as_the_json_does(api_client, rows):
    json_rows = {row["id"]: row for row in api_client.get("/api/v1/citations/", {"page_size": 500}).json()["results"]}
    csv_rows = _csv(api_client.get("/api/v1/citations/", {"format": "csv"}))
    assert set(csv_rows[0]) == set(next(iter(json_rows.values())))  # the same columns
    for row in csv_rows:
        if int(row["id"]) in json_rows:  # the first JSON page
            json_row = json_rows[int(row["id"])]
            assert (row["fact_type"], row["fact_id"]) == (json_row["fact_type"], str(json_row["fact_id"]))
    types = {row["fact_type"] for row in csv_rows}
    assert {"summits.summit", "investments.pledge"} <= types
    assert all(ContentType.objects.get_by_natural_key(*t.split(".")) for t in types)


def test_every_csv_ends_lines_with_lf(api_client, rows):
    listed = b"".join(api_client.get("/api/v1/trade-flows/", {"format": "csv"}).streaming_content)
    summary = api_client.get("/api/v1/pledges/summary/", {"format": "csv", "group_by": "donor"})
    assert_status(summary, 200)
    for content in (listed, summary.content):
        assert content.endswith(b"\n") and b"\r\n" not in content


def _csv(response):
    assert_status(response, 200)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode())))


@pytest.mark.parametrize("fmt_name", ["csv", "tsv"])
def test_the_admin_export_ends_lines_with_lf(admin_client, fmt_name):
    StateFactory(slug="lines", name_en="Line\nbreak", iso3=None)
    form = admin_client.get("/admin/actors/actor/export/").content.decode()
    fmt = re.search(rf'<option value="(\d+)"[^>]*>{fmt_name}</option>', form).group(1)
    fields = {f"actorresource_{name}": "on" for name in ("slug", "name_en")}
    response = admin_client.post("/admin/actors/actor/export/", {"resource": "0", "format": fmt, **fields})
    assert_status(response, 200)
    assert response.content.endswith(b"\n") and b"\r\n" not in response.content
