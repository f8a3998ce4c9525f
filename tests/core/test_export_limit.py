"""Concurrent CSV exports per client (issue 16: three concurrent anonymous exports made /api/v1/ time
out): at most MAX_CONCURRENT_EXPORTS stream at once per client; the next is a 429 with Retry-After until
one finishes. Ordinary requests are not counted. The live test (tests/deploy/test_security_probes.py)
shows /api/v1/ answering during concurrent big exports under gunicorn."""

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import TradeFlowFactory

pytestmark = pytest.mark.django_db

EXPORT = ("/api/v1/trade-flows/", {"format": "csv"})


@pytest.fixture(autouse=True)
def no_counts():
    cache.clear()
    yield
    cache.clear()


def test_a_client_has_at_most_the_limit_of_exports_streaming_at_once():
    TradeFlowFactory()
    client = APIClient(REMOTE_ADDR="203.0.113.30")
    running = [client.get(*EXPORT) for _ in range(settings.MAX_CONCURRENT_EXPORTS)]
    assert [r.status_code for r in running] == [200] * settings.MAX_CONCURRENT_EXPORTS
    refused = client.get(*EXPORT)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "exports at a time" in refused.json()["detail"]
    # Ordinary requests go on; another client may export.
    assert client.get("/api/v1/trade-flows/").status_code == 200
    assert APIClient(REMOTE_ADDR="203.0.113.31").get(*EXPORT).status_code == 200
    # When one export has been read to its end, the client may start another.
    b"".join(running[0].streaming_content)
    assert client.get(*EXPORT).status_code == 200


def test_an_export_refused_with_a_400_frees_its_slot():
    client = APIClient(REMOTE_ADDR="203.0.113.32")
    for _ in range(settings.MAX_CONCURRENT_EXPORTS + 2):
        assert client.get("/api/v1/trade-flows/", {"format": "csv", "ordering": "--year"}).status_code == 400
    assert client.get(*EXPORT).status_code == 200


def test_a_spoofed_forwarded_for_does_not_make_a_new_client():
    TradeFlowFactory()
    client = APIClient(REMOTE_ADDR="203.0.113.33")
    running = [
        client.get(*EXPORT, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(settings.MAX_CONCURRENT_EXPORTS)
    ]
    assert all(r.status_code == 200 for r in running)
    assert client.get(*EXPORT, HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == 429


def import_generated_trade_flows(tmp_path, rows):
    """`rows` annual trade flows from the benchmark's deterministic Comtrade file (bench/dataset.py)."""
    from apps.actors.models import Actor
    from apps.trade.importers import comtrade_import
    from bench import dataset

    states = dataset.make_states(7)
    Actor.objects.bulk_create(
        [
            Actor(kind="state", iso3=code, slug=states.slug(i), name_en=states.name(i))
            for i, code in enumerate(states.codes)
        ]
    )
    comtrade_import(paths=[dataset.write_comtrade_csv(tmp_path / "flows.csv", rows=rows, states=states, seed=7)])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)  # autocommit, as the API runs: a cancelled statement ends only itself
def test_a_statement_past_the_timeout_is_a_503_and_exports_get_the_longer_one(api_client, tmp_path):
    from django.db import connection

    import_generated_trade_flows(tmp_path, 20_000)
    # As settings.DATABASE_STATEMENT_TIMEOUT sets it for web processes, at 5 ms: the summary takes longer;
    # the connection's own set-up statements (time zone, pg_trgm thresholds) do not, even on a busy machine.
    options = connection.settings_dict.setdefault("OPTIONS", {})
    connection.close()
    options["options"] = "-c statement_timeout=5ms"
    try:
        # An export runs with EXPORT_STATEMENT_TIMEOUT, then the connection is back to its own.
        export = api_client.get("/api/v1/trade-flows/", {"format": "csv"})
        assert export.status_code == 200 and len(b"".join(export.streaming_content).splitlines()) == 20_001
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "5ms"
        response = api_client.get("/api/v1/trade-flows/summary/", {"group_by": "partner,year,flow"})
        assert response.status_code == 503 and "statement timeout" in response.json()["detail"]
    finally:
        del options["options"]
        connection.close()


def test_token_users_behind_one_address_are_counted_each_by_user(django_user_model):
    """Issue 26: the limit counted token users by address (the middleware runs before DRF authenticates a
    token), so five users behind one address shared one allowance."""
    from apps.core.models import ApiToken

    TradeFlowFactory()
    clients = []
    for name in ("analyst-a", "analyst-b"):
        client = APIClient(REMOTE_ADDR="203.0.113.40")
        client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(django_user_model.objects.create_user(name))[1]}")
        clients.append(client)
    for client in clients:
        running = [client.get(*EXPORT) for _ in range(settings.MAX_CONCURRENT_EXPORTS)]
        assert [r.status_code for r in running] == [200] * settings.MAX_CONCURRENT_EXPORTS
    assert clients[0].get(*EXPORT).status_code == 429  # each user's own limit still holds
