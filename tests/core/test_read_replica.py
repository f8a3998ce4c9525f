"""Read replicas (issue 30, item 6; apps.core.replicas, docs/scaling.md): with DATABASE_REPLICA_URL set, the read
API's reads of catrack's data run on the `replica` database, including the paths that run SQL of their own (the
JSON list PostgreSQL renders, COPY exports, summaries); writes, the admin, reads inside a write transaction, and
users and sessions stay on `default`. Without it nothing changes.

The replica here is a TEST MIRROR of `default` (catrack/settings/test.py): a second connection to the test
database, so the tests are transactional (a mirror sees committed rows only) and count each connection's queries.
"""

import contextlib
import json
import os
import re
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.core import registry
from apps.core.models import ChangeEvent
from apps.core.replicas import ReplicaReadsMiddleware, end_replica_reads, read_connection
from apps.trade.models import TradeFlow
from tests.factories import PledgeFactory, StateFactory, SummitFactory, TradeFlowFactory

ROUTER = "apps.core.replicas.ReplicaRouter"
BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@contextlib.contextmanager
def replica_reads():
    """Inside the block reads are routed as within a GET request (the real ReplicaReadsMiddleware marks one),
    after it as once the request has finished (end_replica_reads, the request_finished receiver)."""
    ReplicaReadsMiddleware(lambda request: None)(RequestFactory().get("/api/v1/"))
    try:
        yield
    finally:
        end_replica_reads()


@pytest.fixture
def replica_routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]
    yield
    connections["replica"].close()


@pytest.fixture
def flows():
    japan, kazakhstan = StateFactory(slug="japan"), StateFactory(slug="kazakhstan")
    SummitFactory()
    PledgeFactory(donor=japan)
    return [TradeFlowFactory(reporter=japan, partner=kazakhstan, year=year) for year in (2023, 2024)]


def _data_tables():
    models = [model for label in registry.domain_labels() for model in apps.get_app_config(label).get_models()]
    return {model._meta.db_table for model in [*models, ChangeEvent]}


class QueriesPerDatabase:
    """The SQL each database ran within the block, and which of it read catrack's data tables."""

    def __enter__(self):
        self.captures = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
        for capture in self.captures.values():
            capture.__enter__()
        return self

    def __exit__(self, *exc):
        for capture in self.captures.values():
            capture.__exit__(*exc)

    def sql(self, alias):
        return [query["sql"] for query in self.captures[alias].captured_queries]

    def data_reads(self, alias):
        tables = re.compile(r"\b(" + "|".join(map(re.escape, sorted(_data_tables()))) + r")\b")
        return [sql for sql in self.sql(alias) if tables.search(sql)]


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# (URL, whether it shows the trade flow only the replica's connection sees)
READS = [
    ("/api/v1/trade-flows/?reporter=japan", True),  # PostgreSQL: the JSON page of apps.core.api.sql
    ("/api/v1/trade-flows/?format=csv", True),  # PostgreSQL: COPY (apps.core.api.csv_export), streamed
    ("/api/v1/trade-flows/summary/?group_by=partner,year", True),
    ("/api/v1/trade-flows/mirror/?reporter=japan&partner=kazakhstan", True),
    ("/api/v1/pledges/summary/?group_by=donor,currency", False),  # apps.core.grouping
    ("/api/v1/summits/", False),
    ("/api/v1/summits/?format=xlsx", False),
    ("/api/v1/changes/", False),
    ("/api/v1/search/?q=summit", False),
    ("/trade/", False),
    ("/actors/japan/", False),
]
REPLICA_ONLY_VALUE = "777777"


@pytest.fixture
def replica_only_flow(flows):
    """On PostgreSQL, a trade flow the replica's connection has written and not committed: only a read on the
    replica sees it. (COPY runs outside Django's query log; this shows where it ran.) None on SQLite, whose
    shared in-memory test database would lock default's writes meanwhile."""
    if connections["replica"].vendor != "postgresql":
        yield None
        return
    with transaction.atomic(using="replica"):
        flow = TradeFlow.objects.using("replica").create(
            reporter=flows[0].reporter,
            partner=flows[0].partner,
            year=2019,
            flow="X",
            commodity_code="TOTAL",
            value_usd=REPLICA_ONLY_VALUE,
        )
        yield flow
        transaction.set_rollback(True, using="replica")


@BOTH
@pytest.mark.parametrize(("url", "shows_trade"), READS)
def test_the_read_api_reads_catracks_data_on_the_replica(replica_routed, replica_only_flow, client, url, shows_trade):
    with QueriesPerDatabase() as queries:
        response = client.get(url)
        body = _body(response)
    assert response.status_code == 200, body[:500]
    assert queries.data_reads("default") == [], f"{url}: read catrack's data on default"
    if replica_only_flow is not None and shows_trade:
        assert REPLICA_ONLY_VALUE.encode() in body, f"{url}: not read on the replica"
    if "format=csv" not in url or replica_only_flow is None:
        assert queries.data_reads("replica"), f"{url}: nothing read on the replica"
    if url.endswith("?reporter=japan"):
        # The rows default committed, and on PostgreSQL the replica's own.
        assert json.loads(body)["count"] == (2 if replica_only_flow is None else 3)


@BOTH
def test_an_export_raises_the_statement_timeout_where_it_reads(replica_routed, flows, client):
    if connections["default"].vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    with QueriesPerDatabase() as queries:
        _body(client.get("/api/v1/trade-flows/", {"format": "csv"}))
    assert any("statement_timeout" in sql for sql in queries.sql("replica"))
    assert not any("statement_timeout" in sql for sql in queries.sql("default"))


@BOTH
def test_writes_and_their_reads_go_to_default(replica_routed, flows, editor_client):
    flow = flows[0]
    with QueriesPerDatabase() as queries:
        response = editor_client.patch(f"/api/v1/trade-flows/{flow.pk}/", {"value_usd": "5.00"}, format="json")
        deleted = editor_client.delete(f"/api/v1/trade-flows/{flows[1].pk}/")
    assert response.status_code == 200, response.content
    assert deleted.status_code == 204, deleted.content
    assert queries.sql("replica") == []
    assert queries.data_reads("default")
    assert TradeFlow.objects.get(pk=flow.pk).value_usd == 5


@BOTH
def test_the_admin_reads_default(replica_routed, flows, admin_client):
    with QueriesPerDatabase() as queries:
        listing = admin_client.get("/admin/trade/tradeflow/")
        change = admin_client.get(f"/admin/trade/tradeflow/{flows[0].pk}/change/")
    assert listing.status_code == change.status_code == 200
    assert queries.sql("replica") == []
    assert queries.data_reads("default")


@BOTH
def test_inside_a_transaction_and_for_users_reads_stay_on_default(replica_routed):
    User = get_user_model()
    assert TradeFlow.objects.all().db == "default"  # outside a request (commands, the shell)
    with replica_reads():
        assert TradeFlow.objects.all().db == read_connection(TradeFlow).alias == "replica"
        assert ChangeEvent.objects.all().db == "replica"  # the change feed
        assert read_connection().alias == "replica"
        assert User.objects.all().db == "default"  # a login or a token works the moment it is made
        with transaction.atomic():  # a write transaction reads what it writes
            assert TradeFlow.objects.all().db == read_connection(TradeFlow.objects.all()).alias == "default"
            assert read_connection().alias == "default"
        assert TradeFlow.objects.using("default").db == "default"


@BOTH
def test_without_a_replica_configured_everything_reads_default(flows, client):
    assert django_settings.DATABASE_ROUTERS == []
    with replica_reads():
        assert TradeFlow.objects.all().db == read_connection(TradeFlow).alias == read_connection().alias == "default"
    with QueriesPerDatabase() as queries:
        assert client.get("/api/v1/trade-flows/?reporter=japan").status_code == 200
    assert queries.sql("replica") == []


def _settings_in_a_process(**environ):
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'routers': settings.DATABASE_ROUTERS, 'databases': {alias: {k: d[k] for k in "
        "('ENGINE', 'NAME', 'HOST', 'CONN_MAX_AGE', 'OPTIONS')} for alias, d in settings.DATABASES.items()}}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "catrack.settings.local", **environ}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=django_settings.BASE_DIR
    )


def test_database_replica_url_configures_the_replica_and_the_router():
    primary, replica = "postgres://u@primary:5432/catrack", "postgres://u@standby:5432/catrack"
    done = _settings_in_a_process(DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, PREPARE_THRESHOLD="7")
    assert done.returncode == 0, done.stderr
    configured = json.loads(done.stdout.splitlines()[-1])
    assert configured["routers"] == [ROUTER]
    default, standby = configured["databases"]["default"], configured["databases"]["replica"]
    assert (default["HOST"], standby["HOST"]) == ("primary", "standby")
    # The same connection settings as default: catrack's backend, prepared statements, connection age.
    assert standby["ENGINE"] == default["ENGINE"] == "apps.core.backends.postgresql"
    assert standby["OPTIONS"] == default["OPTIONS"] and standby["OPTIONS"]["prepare_threshold"] == 7
    assert standby["CONN_MAX_AGE"] == default["CONN_MAX_AGE"]

    unset = _settings_in_a_process(DATABASE_URL=primary, DATABASE_REPLICA_URL="")
    assert unset.returncode == 0, unset.stderr
    assert json.loads(unset.stdout.splitlines()[-1]) | {"databases": None} == {"routers": [], "databases": None}
    assert list(json.loads(unset.stdout.splitlines()[-1])["databases"]) == ["default"]

    mixed = _settings_in_a_process(DATABASE_URL="sqlite:///x.sqlite3", DATABASE_REPLICA_URL=replica)
    assert mixed.returncode != 0 and "DATABASE_REPLICA_URL must name the same kind of database" in mixed.stderr
