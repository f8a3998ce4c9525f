"""Who may import through the admin, and which file a confirmation can reach (issue 16's probes: a
view-only staff user renamed and created actors; `import_file_name=../../tmp/<file>` deleted that file)."""

import os
import tempfile

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from import_export.admin import ImportMixin

from apps.actors.models import Actor
from apps.core.import_storage import import_folder
from tests import factories

pytestmark = pytest.mark.django_db

IMPORT_ADMINS = [model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, ImportMixin)]


def staff_client(django_user_model, model, actions):
    """A signed-in staff user holding exactly `actions` (view/add/change/delete) on `model`."""
    user = django_user_model.objects.create_user(f"staff-{'-'.join(actions)}", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label=model._meta.app_label,
            codename__in=[f"{action}_{model._meta.model_name}" for action in actions],
        )
    )
    client = Client()
    client.force_login(user)
    return client


def url(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def test_every_import_export_admin_is_covered():
    assert len(IMPORT_ADMINS) >= 10, IMPORT_ADMINS


@pytest.mark.parametrize("model", IMPORT_ADMINS, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("actions", [("view",), ("view", "add"), ("view", "change")])
def test_import_needs_add_and_change_permission(django_user_model, model, actions):
    client = staff_client(django_user_model, model, actions)
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "import")).status_code == 403
    assert client.post(url(model, "process_import"), {"import_file_name": "x", "format": "0"}).status_code == 403


@pytest.mark.parametrize("model", IMPORT_ADMINS, ids=lambda model: model._meta.label)
def test_export_needs_the_view_permission(django_user_model, model):
    """Issue 26: a staff user with no actor permission exported every actor (also sources, trade flows)."""
    other = Actor if model is not Actor else factories.SourceFactory._meta.model
    without = staff_client(django_user_model, other, ("view", "change"))  # staff, but nothing on `model`
    assert without.get(url(model, "export")).status_code == 403
    assert without.post(url(model, "export"), {"format": "0", "resource": "0"}).status_code == 403
    viewer = staff_client(django_user_model, model, ("view",))
    assert viewer.get(url(model, "export")).status_code == 200


@pytest.mark.parametrize("model", IMPORT_ADMINS, ids=lambda model: model._meta.label)
def test_import_is_offered_with_add_and_change_permission(django_user_model, model):
    client = staff_client(django_user_model, model, ("view", "add", "change"))
    assert client.get(url(model, "import")).status_code == 200


def test_a_view_only_user_cannot_rename_or_create_actors(django_user_model):
    actor = factories.StateFactory(slug="japan", name_en="Japan")
    client = staff_client(django_user_model, Actor, ("view",))
    content = f"id,slug,kind,name_en\n{actor.pk},japan,state,Renamed\n,new-state,state,New state\n"
    response = client.post(
        url(Actor, "import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("actors.csv", content.encode(), content_type="text/csv"),
        },
    )
    assert response.status_code == 403
    actor.refresh_from_db()
    assert actor.name_en == "Japan" and not Actor.objects.filter(slug="new-state").exists()


@pytest.mark.parametrize("name", ["../../tmp/{victim}", "/tmp/{victim}", "{victim}", "..%2F{victim}"])
def test_a_confirmation_cannot_name_a_file_of_its_own(admin_client, name):
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".csv") as victim:
        victim.write("slug,kind,name_en\nplanted,state,Planted\n")
    try:
        response = admin_client.post(
            url(Actor, "process_import"),
            {
                "import_file_name": name.format(victim=os.path.basename(victim.name)),
                "original_file_name": "actors.csv",
                "format": "0",
                "resource": "0",
            },
        )
        assert response.status_code == 400
        assert os.path.exists(victim.name)  # neither read nor deleted
        assert not Actor.objects.filter(slug="planted").exists()
    finally:
        os.unlink(victim.name)


def test_the_preview_keeps_the_upload_under_an_opaque_id_and_the_confirmation_removes_it(admin_client):
    content = "slug,kind,name_en,name_ru\nkazakhstan,state,Kazakhstan,Казахстан\n"
    preview = admin_client.post(
        url(Actor, "import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("../../evil name.csv", content.encode(), content_type="text/csv"),
        },
    )
    confirm = preview.context["confirm_form"]
    stored = confirm.initial["import_file_name"]
    assert len(stored) == 32 and os.path.exists(os.path.join(import_folder(), stored))
    response = admin_client.post(
        url(Actor, "process_import"), {name: confirm.initial.get(name, "") for name in confirm.fields}
    )
    assert response.status_code == 302
    assert Actor.objects.get(slug="kazakhstan").name_en == "Kazakhstan"
    assert not os.path.exists(os.path.join(import_folder(), stored))
