"""Issue 26: catrack's own admin exports import back unchanged, through the real admin and a staff user
holding the model's permissions. Before: XLSX was refused (NOT NULL on empty cells), CSV marked every row
updated (empty history entries, feed events, every `updated_at` moved), the formula escape `'` was stored
on re-import, and one key twice in one file was silently merged."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from apps.actors.models import Actor
from apps.core.models import ChangeEvent
from apps.investments.models import Pledge
from apps.summits.models import Summit
from tests import factories
from tests.factories import history_events

pytestmark = pytest.mark.django_db


def staff_client(django_user_model, model):
    """A signed-in staff user with the model's view, add and change permissions (what import needs)."""
    user = django_user_model.objects.create_user("importer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label=model._meta.app_label,
            codename__in=[f"{action}_{model._meta.model_name}" for action in ("view", "add", "change")],
        )
    )
    client = Client()
    client.force_login(user)
    return client


def url(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def format_choice(form, title):
    (choice,) = [value for value, label in form.fields["format"].choices if str(label).lower() == title]
    return choice


def export(client, model, title):
    """The file the admin's export page gives with everything it offers selected."""
    form = client.get(url(model, "export")).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial not in (None, False)}
    data.update(format=format_choice(form, title), resource="0")
    response = client.post(url(model, "export"), data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def preview(client, model, title, content):
    form = client.get(url(model, "import")).context["form"]
    return client.post(
        url(model, "import"),
        {
            "resource": "0",
            "format": format_choice(form, title),
            "import_file": SimpleUploadedFile(f"rows.{title}", content),
        },
    )


def confirm(client, model, response):
    form = response.context["confirm_form"]
    return client.post(url(model, "process_import"), {name: form.initial.get(name, "") for name in form.fields})


def rows(model):
    return {
        row.pk: (model_to_dict(row), row.updated_at, history_events(row).count())
        for row in model.objects.order_by("pk")
    }


def seed():
    group = factories.GroupingFactory(name_en="=HYPERLINK(1)", description_en="-minus\nsecond line")
    member = factories.StateFactory()
    group.members.add(member)
    factories.PersonFactory(wikidata_id=None, position_ru="")
    summit = factories.SummitFactory(title_en="+plus", ordinal=3, end_date=None)
    summit.participants.add(member)
    factories.PledgeFactory(amount=Decimal("1234567.89"), amount_usd=Decimal("8230.45"), counts_in_totals=False)
    factories.PledgeFactory(amount_usd=None, usd_basis="none", period_start=None)


@pytest.mark.parametrize("title", ["csv", "xlsx"])
@pytest.mark.parametrize("model", [Actor, Summit, Pledge], ids=lambda model: model.__name__)
def test_an_export_imports_back_unchanged(django_user_model, model, title):
    seed()
    client = staff_client(django_user_model, model)
    before, events = rows(model), ChangeEvent.objects.count()
    content = export(client, model, title)

    response = preview(client, model, title, content)
    assert response.status_code == 200
    assert "result" in response.context, (response.context["form"].errors, content[:300])
    result = response.context["result"]
    assert not result.has_errors(), [error.error for error in result.base_errors] + [
        (number, repr(error.error)) for number, errors in result.row_errors() for error in errors
    ]
    assert not result.has_validation_errors(), [(row.number, row.error_dict) for row in result.invalid_rows]
    assert result.totals["new"] == result.totals["update"] == 0, result.totals
    assert result.totals["skip"] == len(before)

    assert confirm(client, model, response).status_code == 302
    assert rows(model) == before  # values, updated_at and history: no phantom update, no `'` kept
    assert ChangeEvent.objects.count() == events


@pytest.mark.parametrize("title", ["csv", "xlsx"])
def test_a_new_row_imports_without_the_formula_escape(django_user_model, title):
    seed()
    client = staff_client(django_user_model, Summit)
    content = export(client, Summit, title)
    Summit.objects.filter(title_en="+plus").delete()
    response = preview(client, Summit, title, content)
    result = response.context["result"]
    assert result.totals["new"] == 1, [(row.number, row.error_dict) for row in result.invalid_rows]
    confirm(client, Summit, response)
    assert Summit.objects.filter(title_en="+plus").exists()


def test_one_key_twice_in_a_file_is_refused_naming_both_lines(django_user_model):
    summit_format = factories.SummitFormatFactory()
    client = staff_client(django_user_model, Summit)
    csv = (
        "slug,format,title_en,level,date,date_precision\n"
        f"tokyo-2025,{summit_format.slug},Tokyo summit,heads_of_state,2025-12-20,day\n"
        f"osaka-2025,{summit_format.slug},Osaka summit,heads_of_state,2025-12-21,day\n"
        f"tokyo-2025,{summit_format.slug},Tokyo again,heads_of_state,2025-12-22,day\n"
    )
    response = preview(client, Summit, "csv", csv.encode())
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "tokyo-2025" in page and "lines 1 and 3" in page, page
    assert Summit.objects.count() == 0


@pytest.mark.parametrize("title", ["csv", "xlsx"])
def test_a_file_names_related_rows_by_slug_so_it_means_the_same_rows_in_another_database(django_user_model, title):
    """Foreign keys and many-to-many cells hold slugs: in a database where the ids belong to other rows
    (here: the two actors' slugs swapped), the file still names japan as donor and kazakhstan as recipient.
    Before, they held ids, and the import gave the pledge the other actors."""
    japan, kazakhstan = factories.StateFactory(slug="japan"), factories.StateFactory(slug="kazakhstan")
    pledge = factories.PledgeFactory(donor=japan)
    pledge.recipients.set([kazakhstan])
    client = staff_client(django_user_model, Pledge)
    content = export(client, Pledge, title)

    pledge.delete()
    for actor, slug in ((japan, "swapping"), (kazakhstan, "japan"), (japan, "kazakhstan")):
        actor.slug = slug
        actor.save(update_fields=["slug"])
    response = preview(client, Pledge, title, content)
    result = response.context["result"]
    assert result.totals["new"] == 1, [(row.number, row.error_dict) for row in result.invalid_rows]
    assert confirm(client, Pledge, response).status_code == 302
    imported = Pledge.objects.get()
    assert imported.donor.slug == "japan" and imported.donor.pk == kazakhstan.pk
    assert list(imported.recipients.values_list("slug", flat=True)) == ["kazakhstan"]
