"""Stated trade figures (issue 25): their rules through the API, the admin and the database, their year filter,
their CSV, their citations, and that no sum of Comtrade's flows ever adds one."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.trade.models import StatedTradeFigure
from tests.api.helpers import assert_status
from tests.factories import CitationFactory, StatedTradeFigureFactory, StateFactory, TradeFlowFactory

pytestmark = pytest.mark.django_db


def _body(**fields):
    body = {
        "slug": "kz-jp-2024",
        "reporter": StateFactory().slug,
        "partner": StateFactory().slug,
        "flow": "turnover",
        "period_start": "2024-01-01",
        "period_start_precision": "year",
        "value": "2400000000",
        "currency": "USD",
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"currency": "ABC"}, "currency"),
        ({"value": "-1"}, "value"),
        ({"flow": "X"}, "flow"),
        ({"value_qualifier": "roughly"}, "value_qualifier"),
        ({"period_start": "2024-03-05", "period_start_precision": "year"}, "period_start"),
        ({"period_end": "2023-01-01", "period_end_precision": "year"}, "period_end"),
        ({"period_end": "2024-09-01", "period_end_precision": "unknown"}, "period_end_precision"),
        ({"period_start": None}, "period_start"),
    ],
)
def test_a_bad_figure_is_a_400_naming_the_field(editor_client, fields, named):
    response = editor_client.post(reverse("stated-trade-figure-list"), _body(**fields), format="json")
    assert_status(response, 400)
    assert named in response.json(), response.json()
    assert not StatedTradeFigure.objects.exists()


def test_the_reporter_as_its_own_partner_is_a_400_naming_partner(editor_client):
    state = StateFactory()
    response = editor_client.post(
        reverse("stated-trade-figure-list"), _body(reporter=state.slug, partner=state.slug), format="json"
    )
    assert_status(response, 400)
    assert "partner" in response.json()


def test_a_figure_for_january_to_september_keeps_both_months(editor_client):
    response = editor_client.post(
        reverse("stated-trade-figure-list"),
        _body(
            period_start="2025-01-01",
            period_start_precision="month",
            period_end="2025-09-01",
            period_end_precision="month",
            currency="usd",
            value_qualifier="about",
        ),
        format="json",
    )
    assert_status(response, 201)
    body = response.json()
    assert (body["period_start_display"], body["period_end_display"], body["currency"]) == ("2025-01", "2025-09", "USD")


def test_the_admin_refuses_a_bad_currency_on_the_field(admin_client):
    reporter, partner = StateFactory(), StateFactory()
    url = reverse("admin:trade_statedtradefigure_add")
    page = admin_client.get(url)
    data = {
        "slug": "admin-figure",
        "reporter": reporter.pk,
        "partner": partner.pk,
        "flow": "export",
        "period_start": "2024-01-01",
        "period_start_precision": "year",
        "period_end": "",
        "period_end_precision": "unknown",
        "value": "5",
        "currency": "ZZZ",
        "value_qualifier": "exact",
        "stated_by": "",
        "note": "",
    }
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        data[f"{management.prefix}-TOTAL_FORMS"] = 0
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    data["currency"] = "EUR"
    assert admin_client.post(url, data).status_code == 302
    assert StatedTradeFigure.objects.get(slug="admin-figure").currency == "EUR"


@pytest.mark.parametrize(
    "fields",
    [
        {"value": Decimal("-1")},
        {
            "period_start": datetime.date(2024, 1, 1),
            "period_end": datetime.date(2020, 1, 1),
            "period_end_precision": "year",
        },
        {"currency": "US"},
    ],
)
def test_the_database_refuses_a_bad_figure(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        StatedTradeFigureFactory(**fields)


def test_year_covers_periods_that_reach_into_it(api_client):
    StatedTradeFigureFactory(slug="y2023", period_start=datetime.date(2023, 1, 1))
    StatedTradeFigureFactory(
        slug="y2022-2024",
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2024, 1, 1),
        period_end_precision="year",
    )
    StatedTradeFigureFactory(
        slug="m2024",
        period_start=datetime.date(2024, 1, 1),
        period_start_precision="month",
        period_end=datetime.date(2024, 9, 1),
        period_end_precision="month",
    )

    def slugs(year):
        response = api_client.get(reverse("stated-trade-figure-list"), {"year": year})
        assert_status(response, 200)
        return {row["slug"] for row in response.json()["results"]}

    assert slugs(2023) == {"y2023", "y2022-2024"}
    assert slugs(2024) == {"y2022-2024", "m2024"}
    assert slugs(2021) == set()


def test_figures_in_csv_with_their_values_as_stated(api_client):
    figure = StatedTradeFigureFactory(value=Decimal("2400000000.00"), currency="USD")
    response = api_client.get(reverse("stated-trade-figure-list"), {"format": "csv"})
    assert_status(response, 200)
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    header, row = text.splitlines()[:2]
    assert "reporter" in header and "value" in header and "currency" in header
    assert figure.slug in row and "2400000000.00" in row and "USD" in row


def test_a_figure_is_citable_and_its_citations_nest(api_client):
    figure = StatedTradeFigureFactory()
    citation = CitationFactory(fact=figure)
    body = api_client.get(reverse("stated-trade-figure-detail", args=[figure.slug])).json()
    assert [c["id"] for c in body["citations"]] == [citation.pk]
    response = api_client.get(reverse("citation-list"), {"fact_type": "trade.statedtradefigure"})
    assert_status(response, 200)


def test_no_comtrade_sum_adds_a_stated_figure(api_client):
    flow = TradeFlowFactory(value_usd=Decimal("100.00"))
    StatedTradeFigureFactory(
        reporter=flow.reporter,
        partner=flow.partner,
        flow="export",
        period_start=datetime.date(flow.year, 1, 1),
        value=Decimal("5000.00"),
    )
    response = api_client.get(reverse("trade-flow-summary"), {"reporter": flow.reporter.slug, "group_by": "reporter"})
    assert_status(response, 200)
    rows = response.json()
    assert [row["total_value_usd"] for row in rows] == ["100.00"]
