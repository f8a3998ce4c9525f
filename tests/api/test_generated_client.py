"""A Python client generated from /api/schema/ by openapi-python-client (a real consumer's tool) builds
without warnings, and its list operation of every resource returns parsed objects from a live server."""

import importlib
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import (
    ActorRelationFactory,
    AssessmentFactory,
    CitationFactory,
    CorridorStakeFactory,
    DocumentSignatoryFactory,
    OfficeFactory,
    PledgeFactory,
    ResourceInterestFactory,
    StatedTradeFigureFactory,
    SummitParticipantFactory,
    TopicFactory,
    TradeFlowFactory,
    TradeMeasureFactory,
    TradeStatementFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)  # live_server reads what the test wrote

PACKAGE = "catrack_client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, django_db_blocker):
    """(the generator's output, the imported package), generated once for the module."""
    from rest_framework.test import APIClient

    root = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content
    (root / "schema.yaml").write_bytes(schema)
    bin_dir = Path(sys.executable).parent  # the generator and its formatter (ruff) live beside python
    result = subprocess.run(
        [
            bin_dir / "openapi-python-client",
            "generate",
            "--path",
            "schema.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    sys.path.insert(0, str(root))
    try:
        yield result.stdout + result.stderr, importlib.import_module(PACKAGE), root / PACKAGE
    finally:
        sys.path.remove(str(root))


def test_the_schema_generates_a_client_without_warnings(generated_client):
    output, _package, _path = generated_client
    assert "Warning" not in output and "WARNING" not in output, output


def test_every_list_operation_returns_parsed_objects(generated_client, live_server):
    _output, package, path = generated_client
    for factory in (
        ActorRelationFactory,
        AssessmentFactory,
        CorridorStakeFactory,
        DocumentSignatoryFactory,
        OfficeFactory,
        PledgeFactory,
        ResourceInterestFactory,
        SummitParticipantFactory,
        TopicFactory,
        TradeFlowFactory,
        TradeMeasureFactory,
        TradeStatementFactory,
        StatedTradeFigureFactory,
    ):
        CitationFactory(fact=factory())
    # /disagreements/ lists a field two sources give different values for (issue 24): one such pair.
    disputed = PledgeFactory(amount_usd=Decimal("20000000000"))
    CitationFactory(fact=disputed, field="amount_usd", value="20000000000.00", rank="preferred")
    CitationFactory(fact=disputed, field="amount_usd", value="19000000000.00", rank="alternative")
    client = importlib.import_module(f"{PACKAGE}.client").Client(base_url=live_server.url)
    # `<resource>_list`: each resource's list (not its actions, such as summits_scoreboard_list).
    lists = sorted(p for p in path.glob("api/*/*_list.py") if p.stem == f"{p.parent.name}_list")
    assert len(lists) >= 18, lists
    for module_path in lists:
        module = importlib.import_module(f"{PACKAGE}.api.{module_path.parent.name}.{module_path.stem}")
        response = module.sync_detailed(client=client)
        assert response.status_code == 200, (module_path.stem, response.content[:300])
        page = response.parsed
        assert page is not None and type(page).__name__.startswith("Paginated"), (module_path.stem, page)
        assert page.count >= 1 and page.results, module_path.stem
        assert type(page.results[0]).__name__ != "dict", module_path.stem


def test_a_generated_client_filters_by_lists_and_reads_a_csv(generated_client, live_server):
    """What a notebook does with the generated client: summits of two partners, pledges of two donors, trade
    flows with two partners in a given order, and the same flows as CSV text (the list's .csv operation)."""
    import csv
    import io

    from tests.factories import GroupingFactory, StateFactory, SummitFactory, SummitFormatFactory

    _output, package, _path = generated_client
    region = GroupingFactory(slug="gen-region")
    partners = [StateFactory(slug=slug) for slug in ("gen-a", "gen-b", "gen-c")]
    reporter = StateFactory(slug="gen-reporter")
    for year, partner in enumerate(partners, start=2021):
        SummitFactory(format=SummitFormatFactory(slug=f"format-{partner.slug}", region=region, partner=partner))
        PledgeFactory(donor=partner)
        TradeFlowFactory(reporter=reporter, partner=partner, year=year, flow="X")
    client = importlib.import_module(f"{PACKAGE}.client").Client(base_url=live_server.url)
    api = f"{PACKAGE}.api"
    summits = importlib.import_module(f"{api}.summits.summits_list").sync(client=client, partner=["gen-a", "gen-b"])
    assert summits.count == 2
    pledges = importlib.import_module(f"{api}.pledges.pledges_list").sync(client=client, donor=["gen-b", "gen-c"])
    assert pledges.count == 2
    ordering = importlib.import_module(f"{PACKAGE}.models").TradeFlowsListOrderingItem
    flows = importlib.import_module(f"{api}.trade_flows.trade_flows_list").sync(
        client=client, partner=["gen-a", "gen-c"], ordering=[ordering("-year")]
    )
    assert [flow.year for flow in flows.results] == [2023, 2021]
    text = importlib.import_module(f"{api}.trade_flows.trade_flows_list_csv").sync(
        client=client, partner=["gen-a", "gen-c"], ordering=[ordering("-year")]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["year"] for row in rows] == ["2023", "2021"]
