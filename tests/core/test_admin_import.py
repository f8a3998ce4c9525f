"""CSV import through the real admin: a preview first, row-level errors naming the field, and nothing
written until a clean file is confirmed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.investments.models import Pledge
from apps.summits.models import Summit
from tests import factories
from tests.factories import history_events

pytestmark = pytest.mark.django_db

CSV_FORMAT = "0"  # the first import format offered is CSV

PLEDGE_HEADER = (
    "id,donor,amount,currency,amount_qualifier,usd_basis,period_start,period_start_precision,"
    "period_end,period_end_precision,instrument,status,counts_in_totals\n"
)


def upload(admin_client, url_name, content):
    return admin_client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": CSV_FORMAT,
            "import_file": SimpleUploadedFile("rows.csv", content.encode(), content_type="text/csv"),
        },
    )


def test_a_bad_row_is_reported_by_row_and_field_and_nothing_is_written(admin_client):
    donor = factories.StateFactory()
    csv = PLEDGE_HEADER + (
        f",{donor.slug},1000,JPY,exact,none,2025-01-01,year,,unknown,grant,announced,1\n"
        f",{donor.slug},-5,JPY,exact,none,2026-01-01,day,2025-01-01,day,grant,announced,1\n"
    )
    response = upload(admin_client, "admin:investments_pledge_import", csv)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict["amount"] == ["The amount cannot be negative."]
    assert invalid.error_dict["period_end"] == ["The period cannot end before it starts."]
    page = response.content.decode()
    assert "The amount cannot be negative." in page
    assert "confirm_form" not in response.context  # no way to import a file with a bad row
    assert Pledge.objects.count() == 0
    assert history_events(Pledge).count() == 0


def test_a_clean_file_is_previewed_then_imported_on_confirm(admin_client):
    donor = factories.StateFactory()
    csv = PLEDGE_HEADER + f",{donor.slug},1000,JPY,exact,none,2025-01-01,year,,unknown,grant,announced,1\n"
    preview = upload(admin_client, "admin:investments_pledge_import", csv)
    assert not preview.context["result"].has_validation_errors()
    assert Pledge.objects.count() == 0  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = admin_client.post(
        reverse("admin:investments_pledge_process_import"),
        {name: confirm.initial.get(name, "") for name in confirm.fields},
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.donor, pledge.amount, pledge.currency) == (donor, 1000, "JPY")


def test_slugged_rows_are_matched_by_slug_so_a_second_import_changes_nothing(admin_client):
    summit_format = factories.SummitFormatFactory()
    csv = (
        "slug,format,title_en,level,date,date_precision\n"
        f"tokyo-2025,{summit_format.slug},Tokyo summit,heads_of_state,2025-12-20,day\n"
    )
    for _ in range(2):
        preview = upload(admin_client, "admin:summits_summit_import", csv)
        assert not preview.context["result"].has_validation_errors(), preview.context["result"].invalid_rows
        confirm = preview.context["confirm_form"]
        admin_client.post(
            reverse("admin:summits_summit_process_import"),
            {name: confirm.initial.get(name, "") for name in confirm.fields},
        )
    assert Summit.objects.get().title_en == "Tokyo summit"
    assert history_events(Summit).count() == 1  # the second, unchanged import was skipped


def test_a_slug_that_names_no_row_is_an_error_of_its_field(admin_client):
    """A foreign key or many-to-many cell naming no row (or holding an id, as files did before slugs) is
    refused on its field; before, django-import-export dropped unknown many-to-many values silently."""
    donor = factories.StateFactory(slug="japan")
    factories.StateFactory(slug="kazakhstan")
    csv = (PLEDGE_HEADER.rstrip("\n") + ",recipients\n") + (
        ",narnia,1000,JPY,exact,none,2025-01-01,year,,unknown,grant,announced,1,kazakhstan\n"
        f',japan,1000,JPY,exact,none,2025-01-01,year,,unknown,grant,announced,1,"kazakhstan,atlantis"\n'
        f",{donor.pk},1000,JPY,exact,none,2025-01-01,year,,unknown,grant,announced,1,\n"
    )
    result = upload(admin_client, "admin:investments_pledge_import", csv).context["result"]
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert errors == {
        1: {"donor": ["No actor with the slug 'narnia'."]},
        2: {"recipients": ["No actor with the slug 'atlantis'."]},
        3: {"donor": [f"No actor with the slug '{donor.pk}' (the column takes slugs, not ids)."]},
    }
    assert Pledge.objects.count() == 0
