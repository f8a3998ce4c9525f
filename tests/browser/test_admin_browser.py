"""The admin in a real browser: Debian's Chromium, driven by Playwright, against a live server on 127.0.0.1.

An analyst logs in, records a summit with its participants (inline, picked through the autocomplete
widgets) and a citation, then enters a pledge with a negative amount and a period that ends before it
starts, reads the errors, fixes them and saves; the pledge is then read back through the API. Screenshots go to artifacts/ (kept by CI)."""

import os
from decimal import Decimal

import pytest

from apps.investments.models import Pledge
from apps.summits.models import Summit
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    # On SQLite the live server's threads share the test's single in-memory connection, so the browser's
    # overlapping requests (page, autocomplete, redirect) collide in one transaction; PostgreSQL gives
    # each server thread its own connection, as production does.
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def choose(page, select_id, search, option=None):
    """Pick an option in one of the admin's autocomplete (select2) widgets, as a person does: type, click."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-container--open .select2-results__option", has_text=option or search).first.click()


def save(page):
    with page.expect_navigation():
        page.locator("input[name=_save]").click()


@pytest.fixture
def world(db):
    central_asia = factories.GroupingFactory(slug="central-asia", name_en="Central Asia")
    japan = factories.StateFactory(slug="japan", name_en="Japan", iso3="JPN")
    factories.StateFactory(slug="kazakhstan", name_en="Kazakhstan", iso3="KAZ")
    factories.StateFactory(slug="uzbekistan", name_en="Uzbekistan", iso3="UZB")
    factories.SummitFormatFactory(slug="ca-japan", name_en="Central Asia + Japan", region=central_asia, partner=japan)
    factories.SourceFactory(slug="tokyo-declaration", title_en="Tokyo Declaration", title="Токийская декларация")


def test_analyst_records_a_summit_and_a_pledge_in_the_admin(page, live_server, admin_user, world):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert "Site administration" in page.title()

    # A summit with two participants (inline) and a citation.
    page.goto(f"{live_server.url}/admin/summits/summit/add/")
    page.locator("#id_title_en").press_sequentially("First Central Asia + Japan summit in Tokyo")
    assert page.input_value("#id_slug") == "first-central-asia-japan-summit-in-tokyo"  # prepopulated by the admin's JS
    choose(page, "id_format", "Central Asia + Japan")
    page.fill("#id_date", "2025-12-20")
    page.select_option("#id_date_precision", "day")
    page.fill("#id_city_en", "Tokyo")
    choose(page, "id_host", "Japan")
    page.fill("#id_ordinal", "1")
    choose(page, "id_participations-0-actor", "Japan")
    page.select_option("#id_participations-0-role", "host")
    page.locator("#participations-group .add-row a").click()
    choose(page, "id_participations-1-actor", "Kazakhstan")
    page.locator("#sources-citation-content_type-object_id-group .add-row a").click()
    citation = "id_sources-citation-content_type-object_id-0"
    choose(page, f"{citation}-source", "Tokyo Declaration", "Токийская декларация")
    page.fill(f"#{citation}-paragraph", "3")
    page.fill(f"#{citation}-key_phrase", "first summit of the heads of state")
    save(page)
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    summit = Summit.objects.get(slug="first-central-asia-japan-summit-in-tokyo")
    assert (summit.date.isoformat(), summit.city_en, summit.host.name_en, summit.ordinal) == (
        "2025-12-20",
        "Tokyo",
        "Japan",
        1,
    )
    assert {p.actor.name_en: p.role for p in summit.participations.all()} == {
        "Japan": "host",
        "Kazakhstan": "participant",
    }
    assert summit.citations.get().key_phrase == "first summit of the heads of state"

    # A pledge made at that summit, first with two mistakes.
    page.goto(f"{live_server.url}/admin/investments/pledge/add/")
    choose(page, "id_donor", "Japan")
    choose(page, "id_recipients", "Uzbekistan")
    choose(page, "id_summit", "First Central Asia")
    page.fill("#id_amount", "-3000000000000")
    page.fill("#id_currency", "JPY")
    page.select_option("#id_instrument", "public_private")
    page.fill("#id_period_start", "2026-01-01")
    page.select_option("#id_period_start_precision", "year")
    page.fill("#id_period_end", "2025-12-31")
    page.select_option("#id_period_end_precision", "day")
    save(page)
    errors = page.locator(".errorlist").all_inner_texts()
    page.screenshot(path=str(ARTIFACTS / "admin-pledge-errors.png"), full_page=True)
    assert "The amount cannot be negative." in errors
    assert "The period cannot end before it starts." in errors
    assert page.locator(".errornote").is_visible()
    assert Pledge.objects.count() == 0

    # Fix both and save; the other values the analyst typed are still there.
    assert page.input_value("#id_currency") == "JPY"
    page.fill("#id_amount", "3000000000000")
    page.fill("#id_period_end", "2030-12-31")
    save(page)
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-pledge-saved.png"), full_page=True)

    pledge = Pledge.objects.get()
    assert (pledge.donor.name_en, pledge.summit, pledge.amount, str(pledge.period_end)) == (
        "Japan",
        summit,
        3_000_000_000_000,
        "2030-12-31",
    )
    assert [a.name_en for a in pledge.recipients.all()] == ["Uzbekistan"]

    # The analyst finds the row in the list, and anyone finds it through the API.
    page.goto(f"{live_server.url}/admin/investments/pledge/?q=Uzbekistan")
    assert "3,000,000,000,000 JPY" in page.locator("#result_list").inner_text()
    api = page.request.get(f"{live_server.url}/api/v1/pledges/?donor=japan", headers={"Accept": "application/json"})
    assert api.status == 200
    (row,) = api.json()["results"]
    assert (row["donor"]["slug"], row["summit"]["slug"], Decimal(row["amount"]), row["currency"]) == (
        "japan",
        summit.slug,
        Decimal(3_000_000_000_000),
        "JPY",
    )
    assert [recipient["slug"] for recipient in row["recipients"]] == ["uzbekistan"]
    page.goto(f"{live_server.url}/api/v1/pledges/{pledge.pk}/")  # the browsable API, as a person sees it
    assert "3000000000000" in page.locator(".response-info").inner_text()
    page.screenshot(path=str(ARTIFACTS / "api-pledge.png"), full_page=True)
    assert os.path.getsize(ARTIFACTS / "admin-pledge-saved.png") > 10_000
