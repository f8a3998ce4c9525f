"""Money reads back as it was written, on SQLite as on PostgreSQL, or is refused naming the field; the change
feed types decimals and booleans as the REST API does (issue 26).

SQLite keeps a decimal as a binary float: 15 significant digits. 123456789012345678.91 came back as
123456789012346000.00 while the 201 echoed the full value; the feed sent money as JSON floats, and 1/0 for
booleans on SQLite.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.api.helpers import assert_status
from tests.factories import PledgeFactory, SourceFactory, StateFactory, TradeFlowFactory
from tests.trade.test_comtrade_import import ROWS, states, write  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

LONG = "123456789012345678.91"  # 20 significant digits: numeric(20,2) holds it, SQLite's float does not
FIFTEEN = "1234567890123.45"  # 15 significant digits: exact on both


def pledge_payload(**amounts):
    return {"donor": StateFactory().slug, "currency": "JPY", **amounts}


@pytest.mark.parametrize("field", ["amount", "amount_usd"])
def test_a_long_amount_is_stored_exactly_or_refused_naming_the_field(editor_client, is_postgres, field):
    payload = pledge_payload(**{field: LONG}, **({"usd_basis": "stated_by_source"} if field == "amount_usd" else {}))
    response = editor_client.post("/api/v1/pledges/", payload, format="json")
    if is_postgres:
        assert_status(response, 201)
        read = editor_client.get(f"/api/v1/pledges/{response.json()['id']}/").json()
        assert read[field] == LONG
    else:
        assert_status(response, 400)
        assert list(response.json()) == [field]
        assert "15 significant digits" in response.json()[field][0]
        assert not Pledge.objects.exists()  # nothing half-written


def test_fifteen_digits_round_trip_on_both_databases(editor_client):
    response = editor_client.post("/api/v1/pledges/", pledge_payload(amount=FIFTEEN), format="json")
    assert_status(response, 201)
    assert editor_client.get(f"/api/v1/pledges/{response.json()['id']}/").json()["amount"] == FIFTEEN
    assert Pledge.objects.get().amount == Decimal(FIFTEEN)


def test_a_trade_value_patched_through_the_api(editor_client, is_postgres):
    flow = TradeFlowFactory()
    response = editor_client.patch(f"/api/v1/trade-flows/{flow.pk}/", {"value_usd": LONG}, format="json")
    if is_postgres:
        assert_status(response, 200)
        flow.refresh_from_db()
        assert flow.value_usd == Decimal(LONG)
    else:
        assert_status(response, 400)
        assert list(response.json()) == ["value_usd"]


def test_writes_that_skip_validation_refuse_what_sqlite_would_round(is_postgres):
    """bulk_create, QuerySet.update and save() without full_clean: the same rule, not a rounded row."""
    flow = TradeFlowFactory.build(reporter=StateFactory(), partner=StateFactory(), value_usd=Decimal(LONG))
    pledge = PledgeFactory(amount=Decimal("5.00"))
    if is_postgres:
        TradeFlow.objects.bulk_create([flow])
        Pledge.objects.filter(pk=pledge.pk).update(amount=Decimal(LONG))
        assert TradeFlow.objects.get().value_usd == Decimal(LONG)
        assert Pledge.objects.get(pk=pledge.pk).amount == Decimal(LONG)
        return
    with pytest.raises(ValidationError, match="value_usd"), transaction.atomic():
        TradeFlow.objects.bulk_create([flow])
    with pytest.raises(ValidationError, match="amount"), transaction.atomic():
        Pledge.objects.filter(pk=pledge.pk).update(amount=Decimal(LONG))
    pledge.usd_rate = Decimal("12345678.12345678")  # 16 significant digits of max_digits=18, 8 places
    with pytest.raises(ValidationError, match="usd_rate"), transaction.atomic():
        pledge.save()
    assert not TradeFlow.objects.exists()
    assert Pledge.objects.get(pk=pledge.pk).amount == Decimal("5.00")


def test_the_change_feed_sends_decimals_as_strings_and_booleans_as_booleans(editor_client, is_postgres):
    amount = LONG if is_postgres else FIFTEEN
    created = editor_client.post(
        "/api/v1/pledges/",
        pledge_payload(amount=amount, amount_usd="1234.5", usd_basis="stated_by_source", counts_in_totals=False),
        format="json",
    )
    assert_status(created, 201)
    events = editor_client.get("/api/v1/changes/").json()["results"]
    (row,) = [e["row"] for e in events if e["resource"] == "investments.pledge"]
    api = editor_client.get(f"/api/v1/pledges/{created.json()['id']}/").json()
    # As the REST API writes them (COERCE_DECIMAL_TO_STRING): strings with the field's decimal places.
    assert (row["amount"], row["amount_usd"], row["usd_rate"]) == (amount, "1234.50", None)
    assert (api["amount"], api["amount_usd"]) == (amount, "1234.50")
    assert row["counts_in_totals"] is False
    SourceFactory(is_official=True)
    events = editor_client.get("/api/v1/changes/").json()["results"]
    (row,) = [e["row"] for e in events if e["resource"] == "sources.source"]
    assert row["is_official"] is True
    # The stored event reads its numbers as decimals: no digit went through a float.
    stored = ChangeEvent.objects.filter(resource="investments.pledge").get()
    assert Decimal(amount) == stored.row["amount"]


def test_the_comtrade_importer_names_the_line_and_column_sqlite_would_round(tmp_path, states, is_postgres):
    fields = ROWS[1].rstrip("\n").split(",")
    fields[19] = "1234567890123456.78"  # primaryValue: 18 significant digits
    path = write(tmp_path, [ROWS[0], ",".join(fields) + "\n"])
    if is_postgres:
        comtrade_import(paths=[path])
        assert TradeFlow.objects.filter(value_usd=Decimal("1234567890123456.78")).exists()
        return
    with pytest.raises(ComtradeError, match="15 significant digits") as raised:
        comtrade_import(paths=[path])
    assert (raised.value.line, raised.value.column) == (3, "primaryValue")
    assert TradeFlow.objects.count() == 0
