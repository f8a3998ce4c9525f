"""Property-based fuzzing of the whole API (schemathesis) against its live OpenAPI schema.

Every operation of /api/schema/ is called over real HTTP on a live server (PostgreSQL) by a user who may
write, with valid and invalid inputs generated from the schema. No response may be a server error, and
every response must match what the schema documents (status code, content type, headers, body)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models import Count

from apps.core.models import ApiToken, ChangeEvent
from catrack.urls import router
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts"
# Bounded so the whole run stays within a minute or two; a fixed seed so a CI failure reproduces.
EXAMPLES_PER_OPERATION = 10
SEED = 20251219
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


@pytest.fixture
def writer_token(transactional_db, django_user_model):
    """A superuser's token, so write operations get past permissions and reach the serializers."""
    user = django_user_model.objects.create_superuser("fuzzer", password="fuzzer-password-1")
    # Rows for detail, filter and history operations to find.
    summit = factories.SummitFactory()
    factories.SummitParticipantFactory(summit=summit)
    factories.CitationFactory(fact=summit)
    factories.DocumentFactory(summit=summit)
    factories.PledgeFactory(summit=summit)
    factories.DocumentSignatoryFactory()
    factories.TradeFlowFactory()
    factories.TradeMeasureFactory()
    factories.TradeStatementFactory()
    factories.ActorRelationFactory()
    factories.TopicFactory()
    factories.CorridorStakeFactory()
    factories.ResourceInterestFactory()
    return ApiToken.issue(user)[1]


def existing_rows_config():
    """schemathesis.toml pointing updates and history at rows that exist, so PUT/PATCH bodies reach the
    serializers' validation and save instead of stopping at a 404 (GET and DELETE keep random keys)."""
    blocks = []
    for prefix, viewset, _ in router.registry:
        lookup = viewset.lookup_field
        row = viewset.queryset.model.objects.order_by("pk").first()
        if row is None:
            continue
        value = json.dumps(str(getattr(row, lookup)) if lookup != "pk" else row.pk)
        name = "id" if lookup == "pk" else lookup
        targets = [(f"/api/v1/{prefix}/{{{name}}}/", '["PUT", "PATCH"]')]
        if hasattr(viewset, "history"):
            targets.append((f"/api/v1/{prefix}/{{{name}}}/history/", '["GET"]'))
        for path, methods in targets:
            blocks.append(
                f'[[operations]]\ninclude-path = "{path}"\ninclude-method = {methods}\n'
                f"parameters = {{ {name} = {value} }}\n"
            )
    return "\n".join(blocks)


@pytest.mark.postgres_only
def test_every_operation_answers_within_its_schema(live_server, writer_token, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--url",
        live_server.url,
        "--checks",
        ",".join(CHECKS),
        "--mode",
        "all",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "4",
        "--header",
        f"Authorization: Token {writer_token}",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(ARTIFACTS / "schemathesis-junit.xml"),
        "--suppress-health-check",
        "all",
    ]
    (tmp_path / "schemathesis.toml").write_text(existing_rows_config())
    log = ARTIFACTS / "schemathesis.log"
    with log.open("w") as output:  # streamed, so a run that hangs still shows how far it got
        # Run in a scratch directory: no example database or response cache carried over from an earlier run.
        result = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, log.read_text()[-20000:]
    # The fuzzer got past validation too: some generated writes were valid and saved (with history).
    saved_writes = dict(
        ChangeEvent.objects.filter(action__in=["create", "update"], user="fuzzer")
        .values_list("resource")
        .annotate(count=Count("id"))
    )
    print("writes saved by the fuzzer:", saved_writes)
    assert sum(saved_writes.values()) > 0


# Regressions schemathesis (and the browser test) found.


@pytest.mark.django_db
def test_the_browsable_api_renders_a_detail_with_its_edit_form(client, admin_user):
    """Related fields read as {slug, name} once broke the HTML form's choices (unhashable dict): a 500.
    Then the form preselected the first actor, so saving it would have silently changed the donor."""
    factories.StateFactory(slug="aaa-first", name_en="AAA first")
    pledge = factories.PledgeFactory()
    pledge.recipients.set([factories.StateFactory(slug="uzbekistan")])
    client.force_login(admin_user)
    response = client.get(f"/api/v1/pledges/{pledge.pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    selected = re.findall(r'<option value="([^"]*)"\s+selected', page)
    assert pledge.donor.slug in selected and "uzbekistan" in selected
    assert "aaa-first" not in selected
    # JSON clients still get the {slug, name} object.
    assert (
        client.get(f"/api/v1/pledges/{pledge.pk}/", HTTP_ACCEPT="application/json").json()["donor"]["slug"]
        == pledge.donor.slug
    )


# A NUL character reached PostgreSQL (which refuses it) and became a 500.
@pytest.mark.django_db
def test_a_nul_character_in_a_related_slug_is_a_400_naming_the_field(editor_client):
    response = editor_client.post("/api/v1/pledges/", {"donor": "jap\x00an", "recipients": ["a\x00"]}, format="json")
    assert response.status_code == 400
    assert {"donor", "recipients"} <= response.json().keys()  # each refused field named


@pytest.mark.django_db
def test_a_nul_character_in_a_detail_url_is_a_404(api_client):
    factories.StateFactory(slug="japan")
    assert api_client.get("/api/v1/actors/japan/").status_code == 200
    response = api_client.get("/api/v1/actors/jap%00an/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
