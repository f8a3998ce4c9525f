"""API tokens are never shown after they are made: not in the admin, to nobody; rotation voids the old key
(issue 16: anyone with view_tokenproxy read every key at /admin/authtoken/tokenproxy/)."""

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_admin_lists_no_tokens_even_to_a_superuser(admin_client, admin_user):
    Token.objects.create(user=admin_user)
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert admin_client.get("/admin/authtoken/").status_code == 404
    assert b"authtoken" not in admin_client.get("/admin/").content


def test_a_view_everything_user_cannot_read_keys(django_user_model, admin_user):
    from django.contrib.auth.models import Permission

    key = Token.objects.create(user=admin_user).key
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert key.encode() not in client.get("/admin/").content


def test_rotating_a_token_voids_the_old_key_and_prints_the_new_one_once(admin_user, capsys):
    old = Token.objects.create(user=admin_user).key
    call_command("drf_create_token", "--reset", admin_user.username)
    new = Token.objects.get(user=admin_user).key
    assert new != old and new in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    refused = client.get("/api/v1/actors/")
    assert refused.status_code == 403 and refused.json()["detail"] == "Invalid token."
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/v1/actors/").status_code == 200
