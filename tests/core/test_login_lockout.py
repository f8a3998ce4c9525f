"""Brute force on the login pages (issue 16: 40 wrong passwords in 10 s, then the right one logged in).
After AXES_FAILURE_LIMIT failures from one address, both login pages refuse that address — even the
right password — until the cool-off; other addresses log in as usual."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/admin/login/", "/api-auth/login/"]
PASSWORD = "right-password-1"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("analyst", password=PASSWORD, is_staff=True)


def log_in(client, page, password, **headers):
    return client.post(page, {"username": "analyst", "password": password, "next": "/api/v1/"}, **headers)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_right_password_is_refused_after_too_many_wrong_ones(staff, page):
    attacker = Client(REMOTE_ADDR="203.0.113.20")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(attacker, page, "wrong").status_code == 200  # the form again, with an error
    assert log_in(attacker, page, "wrong").status_code == 429
    response = log_in(attacker, page, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session
    # Another address is not locked out.
    other = Client(REMOTE_ADDR="203.0.113.21")
    assert log_in(other, page, PASSWORD).status_code == 302


def test_the_lockout_covers_both_pages_and_ignores_a_spoofed_forwarded_for(staff):
    attacker = Client(REMOTE_ADDR="203.0.113.22")
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, LOGIN_PAGES[n % 2], "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    for page in LOGIN_PAGES:
        assert log_in(attacker, page, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_proxy_the_forwarded_client_is_locked_out_not_the_proxy(staff):
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        proxy = Client(REMOTE_ADDR="10.0.0.2")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(proxy, "/admin/login/", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.23")
        assert log_in(proxy, "/admin/login/", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.23").status_code == 429
        assert log_in(proxy, "/admin/login/", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.24").status_code == 302
