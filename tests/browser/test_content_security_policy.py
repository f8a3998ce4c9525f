"""Content-Security-Policy (issue 16): the admin, the browsable API and the docs work under it in a real
browser — no violation reported, nothing fetched from another site (the docs used a CDN)."""

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres_only,  # see test_admin_browser: the live server's threads need their own connections
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def test_admin_api_pages_and_docs_pass_the_policy(page, live_server, admin_user):
    summit = factories.SummitFactory()
    violations, foreign = [], []
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text[:120])) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: foreign.append(request.url) if not request.url.startswith((live_server.url, "data:")) else None,
    )

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    for path in [
        "/admin/",
        "/admin/summits/summit/",
        f"/admin/summits/summit/{summit.pk}/change/",
        "/admin/investments/pledge/add/",
    ]:
        page.goto(f"{live_server.url}{path}")
    # The change form's own scripts ran: its inline "add another" links and the date shortcuts exist.
    page.goto(f"{live_server.url}/admin/investments/pledge/add/")
    page.wait_for_selector(".datetimeshortcuts")

    # The export page's "Select all" unticks every column (its inline onchange was refused: issue 26).
    page.goto(f"{live_server.url}/admin/summits/summit/export/")
    page.locator(".select-toggle").uncheck()
    assert page.locator(".selectable-field-export-row input[type=checkbox]:checked").count() == 0

    page.goto(f"{live_server.url}/api/v1/summits/")
    page.goto(f"{live_server.url}/api/v1/summits/{summit.slug}/")
    page.wait_for_selector(".response-info")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI rendered the schema
    page.locator(".opblock-summary").first.click()  # and its scripts respond

    assert violations == []
    assert foreign == []
