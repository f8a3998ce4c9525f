"""A trade measure lists its HS codes, date and status, and its page shows the trade in those goods (issue 28).

Both databases: the rule on the codes is the model's validator and a CHECK constraint with the same pattern.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.trade.models import TradeMeasure
from tests import factories

pytestmark = pytest.mark.django_db
MEASURES = "/api/v1/trade-measures/"
APRIL = "china-medium-heavy-rare-earth-export-controls-2025-04"


def test_the_api_gives_codes_their_hs_subheadings_date_and_status(api_client):
    measure = factories.TradeMeasureFactory(
        slug="m",
        commodity_codes="2805301910,2846901940,8486909110,28",
        announced_on=date(2025, 4, 4),
        status="in_force",
    )
    row = api_client.get(f"{MEASURES}{measure.pk}/").json()
    assert row["commodity_codes"] == "2805301910,2846901940,8486909110,28"
    assert row["hs6_codes"] == ["28", "280530", "284690", "848690"]
    assert (row["announced_on"], row["status"]) == ("2025-04-04", "in_force")
    assert measure.hs_codes == ["2805301910", "2846901940", "8486909110", "28"]


@pytest.mark.parametrize(
    "asked, found",
    [
        ("2805", True),
        ("280530", True),
        ("2805301910", True),
        ("28", True),
        ("0530", False),
        ("2846909920", False),
        ("8486", True),
    ],
)
def test_the_commodity_filter_follows_the_hs_hierarchy(api_client, asked, found):
    factories.TradeMeasureFactory(slug="m", commodity_codes="2805301910,848690")
    factories.TradeMeasureFactory(slug="other", commodity_codes="7202")
    slugs = [row["slug"] for row in api_client.get(MEASURES, {"commodity": asked}).json()["results"]]
    assert slugs == (["m"] if found else [])


@pytest.mark.parametrize("codes", ["2805 301910", "2805;2846", "28a5", "2", "12345678901", "2805,2805", "2805,"])
def test_a_malformed_code_list_is_a_400_naming_the_field(editor_client, codes):
    china = factories.StateFactory(slug="china")
    response = editor_client.post(
        MEASURES, {"kind": "export_restriction", "imposing_actor": china.slug, "commodity_codes": codes}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["commodity_codes"]


def test_the_database_refuses_a_malformed_code_list_too():
    measure = factories.TradeMeasureFactory(commodity_codes="2805")
    with pytest.raises(IntegrityError), transaction.atomic():
        TradeMeasure.objects.filter(pk=measure.pk).update(commodity_codes="2805, 2846")


def test_a_measure_cannot_take_effect_before_it_is_announced():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.TradeMeasureFactory(announced_on=date(2025, 4, 4), in_force_from=date(2025, 4, 1))


def by_slug(api_client, slug):
    (row,) = api_client.get(MEASURES, {"slug": slug}).json()["results"]
    return row


@pytest.mark.usefixtures("seeded")
def test_the_seeded_rare_earth_control_lists_its_codes_with_citations(api_client):
    row = by_slug(api_client, APRIL)
    assert row["legal_reference"] == "MOFCOM-GACC Announcement No. 18 of 2025"
    assert (row["announced_on"], row["in_force_from"], row["status"]) == ("2025-04-04", "2025-04-04", "in_force")
    assert row["hs6_codes"] == ["280530", "284690", "382499", "848690"]
    phrases = {c["key_phrase"] for c in row["citations"]}
    assert "Reference HS Codes: 3824999922, 8486909110" in phrases
    suspended = by_slug(api_client, "china-overseas-rare-earth-export-controls-2025-10")
    assert (suspended["status"], suspended["commodity_codes"]) == ("suspended", "")  # no source gives its codes


@pytest.mark.usefixtures("seeded")
def test_the_seeded_9_october_2025_announcements_are_measures_of_their_own_suspended_on_7_november(api_client):
    """MOFCOM(-GACC) Announcements No. 55-58 and 62 of 2025: each a row, suspended by No. 70 before 8 November."""
    numbers = {"55": "MOFCOM-GACC", "56": "MOFCOM-GACC", "57": "MOFCOM-GACC", "58": "MOFCOM-GACC", "62": "MOFCOM"}
    rows = {
        row["legal_reference"]: row
        for row in api_client.get(MEASURES, {"page_size": 100}).json()["results"]
        if row["announced_on"] == "2025-10-09"
    }
    for number, issuer in numbers.items():
        row = rows[f"{issuer} Announcement No. {number} of 2025"]
        assert (row["status"], row["in_force_from"], row["targets"]) == ("suspended", None, [])
        phrases = [c["key_phrase"] for c in row["citations"]]
        assert any(f"第{number}號" in phrase for phrase in phrases)  # the suspension's list names it
    assert rows["MOFCOM-GACC Announcement No. 55 of 2025"]["hs6_codes"] == ["680421", "710510", "847989"]
    assert rows["MOFCOM Announcement No. 62 of 2025"]["commodity_codes"] == ""  # technologies: no goods codes


@pytest.mark.usefixtures("seeded")
def test_every_seeded_measure_code_is_quoted_by_one_of_its_citations():
    """A code is recorded only where a cited source writes it: each is in a key phrase of the measure."""
    measures = TradeMeasure.objects.exclude(commodity_codes="").prefetch_related("citations")
    assert measures.exists()
    for measure in measures:
        phrases = " ".join(citation.key_phrase for citation in measure.citations.all())
        assert [code for code in measure.hs_codes if code not in phrases] == [], measure.slug


@pytest.mark.usefixtures("seeded")
def test_the_measure_page_shows_the_flows_of_its_codes_before_and_after(client):
    measure = TradeMeasure.objects.get(slug=APRIL)
    page = client.get(f"/facts/trade.trademeasure/{measure.pk}/").content.decode()
    assert "No flows of HS 280530, 284690, 382499, 848690 reported by China are loaded yet" in page
    china = measure.imposing_actor
    japan = factories.StateFactory(slug="test-japan", name_en="Test Japan")
    for month, value in ((3, 900), (4, 500), (5, 100)):
        factories.TradeFlowFactory(
            reporter=china,
            partner=japan,
            year=2025,
            month=month,
            flow="X",
            commodity_code="280530",
            value_usd=Decimal(value),
        )
    factories.TradeFlowFactory(
        reporter=china, partner=japan, year=2025, month=5, flow="X", commodity_code="284690", value_usd=Decimal(50)
    )
    factories.TradeFlowFactory(
        reporter=china, partner=japan, year=2025, month=5, flow="X", commodity_code="850511", value_usd=Decimal(7000)
    )  # not its goods
    page = client.get(f"/facts/trade.trademeasure/{measure.pk}/").content.decode()
    assert "the measure took effect on 2025-04-04" in page
    rows = [("2025-03", "before", "900"), ("2025-04", "during", "500"), ("2025-05", "after", "150")]
    for period, side, value in rows:
        assert f'<td>{period}</td><td>{side}</td><td class="num">{value}</td>' in page
    assert "7,000" not in page
