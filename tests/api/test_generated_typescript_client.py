"""TypeScript types generated from /api/schema/ by openapi-typescript (a real consumer's tool) pass `tsc --strict`
with a program that lists summits, pledges and trade flows, reads a CSV and an error body; compiled, the program
reads them from a live server. The tools are pinned in tests/api/typescript_client/package-lock.json and installed
by `npm ci`: the test skips when node or npm is missing or npm cannot install them (no network, no cache)."""

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import (
    PledgeFactory,
    StateFactory,
    SummitFactory,
    SummitFormatFactory,
    TradeFlowFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)  # live_server reads what the test wrote

PROJECT = Path(__file__).parent / "typescript_client"


def run(command, cwd, timeout=300):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, django_db_blocker):
    """The directory holding the generated types and the compiled program, after `tsc --strict` passed."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to check the TypeScript client")
    from rest_framework.test import APIClient

    root = tmp_path_factory.mktemp("typescript")
    for name in ("package.json", "package-lock.json", "tsconfig.json", "usage.ts"):
        shutil.copy(PROJECT / name, root / name)
    installed = run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], root)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install openapi-typescript and typescript: {installed.stderr[-500:]}")
    with django_db_blocker.unblock():
        schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content
    (root / "schema.yaml").write_bytes(schema)
    generated = run([root / "node_modules/.bin/openapi-typescript", "schema.yaml", "-o", "schema.ts"], root)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    checked = run([root / "node_modules/.bin/tsc", "-p", "tsconfig.json"], root)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # tsc --strict (tsconfig.json)
    return root


def test_the_typed_program_reads_lists_a_csv_and_an_error(compiled, live_server):
    japan = StateFactory(slug="japan-ts", name_en="Japan TS")
    china = StateFactory(slug="china-ts", name_en="China TS")
    for partner, year in ((japan, 2024), (china, 2025)):
        SummitFactory(
            format=SummitFormatFactory(partner=partner),
            title_en=f"Summit with {partner.slug}",
            date=datetime.date(year, 1, 1),
        )
    PledgeFactory(donor=japan)
    TradeFlowFactory(year=2023)
    ran = run(["node", "out/usage.js", live_server.url], compiled, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    read = json.loads(ran.stdout)
    # Both partners (the repeated form), newest first; the other rows as parsed objects; CSV as text.
    assert read["summits"] == ["Summit with china-ts", "Summit with japan-ts"] and read["summit_count"] == 2
    assert read["pledge_donors"] == ["japan-ts"] and read["flow_years"] == [2023]
    assert read["csv_header"].startswith("id,") or "slug" in read["csv_header"]
    assert read["error"] and read["error"][0].startswith("yeer:")
