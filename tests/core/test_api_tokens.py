"""API keys are stored hashed and shown once (issue 26, "Secrets at rest"): the database and the admin hold
only a digest and the key's first characters; `Authorization: Token <key>` works with the key shown, not the
digest; DRF's plain keys are hashed in place by core/0006, and keep working. Issue 16: the admin listed keys."""

import hashlib
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from apps.core.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)


def stored_text():
    """Every value of every column of the token table, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_api_token")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def get(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/actors/")


def test_the_command_shows_a_key_once_and_the_database_holds_only_its_digest(admin_user, capsys):
    call_command("api_token", admin_user.username)
    key = capsys.readouterr().out.strip()
    assert len(key) == 40
    assert key not in stored_text()
    token = ApiToken.objects.get(user=admin_user)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest() and token.prefix == key[:8]
    response = get(key)
    assert response.status_code == 200 and response.wsgi_request.user == admin_user


def test_the_digest_or_a_wrong_key_is_a_401(admin_user):
    token, key = ApiToken.issue(admin_user)
    for wrong in (token.digest, key[:8] + "0" * 32, "nonsense", key + "0", "a\x00b"):
        response = get(wrong)
        assert response.status_code == 401, wrong
        assert response.json()["detail"] == "Invalid token." and response["WWW-Authenticate"] == "Token"


def test_an_inactive_users_key_and_a_write_without_a_key_are_401s(django_user_model):
    user = django_user_model.objects.create_user("gone", is_active=False)
    assert get(ApiToken.issue(user)[1]).status_code == 401
    anonymous = APIClient().post("/api/v1/actors/", {}, format="json")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"


def test_the_admin_lists_tokens_without_their_keys(admin_client, admin_user):
    token, key = ApiToken.issue(admin_user)
    listing = admin_client.get("/admin/core/apitoken/")
    change = admin_client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert listing.status_code == change.status_code == 200
    for page in (listing, change, admin_client.get("/admin/")):
        assert key.encode() not in page.content and token.digest.encode() not in page.content
    assert token.prefix.encode() in change.content
    assert admin_client.get("/admin/core/apitoken/add/").status_code == 403
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_a_view_everything_user_cannot_read_keys(django_user_model, admin_user):
    from django.contrib.auth.models import Permission

    token, key = ApiToken.issue(admin_user)
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(viewer)
    page = client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and key.encode() not in page.content


def test_rotating_a_token_voids_the_old_key_and_prints_the_new_one_once(admin_user, capsys):
    _, old = ApiToken.issue(admin_user)
    with pytest.raises(Exception, match="--reset"):
        call_command("api_token", admin_user.username)
    call_command("api_token", "--reset", admin_user.username)
    new = capsys.readouterr().out.strip()
    assert new != old and ApiToken.objects.get(user=admin_user).prefix == new[:8]
    assert get(old).status_code == 401
    assert get(new).status_code == 200


def test_drf_plain_keys_are_hashed_in_place_and_keep_working(admin_user):
    """core/0006 on a database that has DRF's authtoken table: the same key authenticates, no plain key is
    left in either table, and the key's creation time is kept."""
    plain = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone NOT NULL, "
            "user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [plain, "2024-05-01 10:00:00+00:00", admin_user.pk]
        )
    try:
        migration = import_module("apps.core.migrations.0006_api_token")
        with connection.schema_editor() as schema_editor:
            migration.hash_drf_tokens(apps, schema_editor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        assert plain not in stored_text()
        assert ApiToken.objects.get(user=admin_user).created.year == 2024
        assert get(plain).status_code == 200
        assert get(hashlib.sha256(plain.encode()).hexdigest()).status_code == 401
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
