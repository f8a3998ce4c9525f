"""Issue 25's summit rules on every path (API, admin, loaddata, the database): a held meeting is not in the
future and has a date; a postponed or cancelled one keeps the date it was planned for; a virtual meeting has
no city; only a postponed or cancelled meeting is replaced, never by itself. Plus the status and mode filters
and the scoreboard counting held meetings unless asked."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.summits.models import Summit
from tests.api.helpers import assert_status
from tests.factories import StateFactory, SummitFactory, SummitFormatFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.now().astimezone(datetime.timezone.utc).date()


def _in_days(days):
    return (_today() + datetime.timedelta(days=days)).isoformat()


def _post(client, **fields):
    body = {
        "slug": "ca-plus-x-9",
        "format": SummitFormatFactory().slug,
        "title_en": "Ninth summit",
        "date": "2024-05-01",
        "date_precision": "day",
        "city_en": "Astana",
    }
    body.update(fields)
    return client.post(reverse("summit-list"), body, format="json")


# ---------------------------------------------------------------- API: a 400 naming the field


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"status": "held", "date": _in_days(30)}, "status"),
        ({"date": _in_days(30)}, "status"),  # held is the default
        ({"status": "held", "date": None, "date_precision": "unknown"}, "date"),
        ({"status": "postponed", "date": None, "date_precision": "unknown"}, "date"),
        ({"status": "cancelled", "date": None, "date_precision": "unknown"}, "date"),
        ({"mode": "virtual", "city_en": "Astana"}, "city_en"),
        ({"mode": "virtual", "city_en": "", "city_ru": "Астана"}, "city_ru"),
        ({"status": "held", "replaced_by": "later-one"}, "replaced_by"),
        ({"status": "planned", "replaced_by": "later-one"}, "replaced_by"),
    ],
)
def test_a_write_breaking_a_status_rule_is_a_400_naming_the_field(editor_client, fields, named):
    SummitFactory(slug="later-one")
    response = _post(editor_client, **fields)
    assert_status(response, 400)
    assert named in response.json(), response.json()
    assert not Summit.objects.filter(slug="ca-plus-x-9").exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "planned", "date": _in_days(30)},  # announced
        {"status": "planned", "date": "2023-03-01", "date_precision": "month"},  # its month passed, not reported held
        {"status": "planned", "date": None, "date_precision": "unknown"},  # announced, no date yet
        {"status": "held", "date": _in_days(1)},  # today somewhere on Earth (UTC+14)
        {"status": "held", "date": f"{_today().year}-01-01", "date_precision": "year"},
        {"status": "postponed", "date": _in_days(30), "replaced_by": "later-one"},
        {"status": "cancelled", "date": "2020-01-01", "date_precision": "year"},
        {"mode": "virtual", "city_en": "", "city_ru": ""},
        {"mode": "hybrid"},
    ],
)
def test_writes_keeping_the_rules_are_accepted(editor_client, fields):
    SummitFactory(slug="later-one")
    response = _post(editor_client, **fields)
    assert_status(response, 201)
    body = response.json()
    assert (body["status"], body["mode"]) == (fields.get("status", "held"), fields.get("mode", "in_person"))


def test_a_summit_cannot_be_replaced_by_itself(editor_client):
    summit = SummitFactory(status="postponed")
    response = editor_client.patch(
        reverse("summit-detail", args=[summit.slug]), {"replaced_by": summit.slug}, format="json"
    )
    assert_status(response, 400)
    assert "replaced_by" in response.json()
    summit.refresh_from_db()
    assert summit.replaced_by_id is None


def test_moving_a_held_meeting_into_the_future_is_a_400_and_changes_nothing(editor_client):
    summit = SummitFactory(date=datetime.date(2024, 5, 1))
    response = editor_client.patch(reverse("summit-detail", args=[summit.slug]), {"date": _in_days(60)}, format="json")
    assert_status(response, 400)
    assert "status" in response.json()
    summit.refresh_from_db()
    assert summit.date == datetime.date(2024, 5, 1)


def test_a_replaced_meeting_shows_its_replacement_and_its_replacement_cannot_be_deleted(editor_client):
    later = SummitFactory(slug="later-one", title_en="Later one", date=datetime.date(2025, 4, 4))
    earlier = SummitFactory(status="postponed", date=datetime.date(2025, 3, 1), replaced_by=later)
    body = editor_client.get(reverse("summit-detail", args=[earlier.slug])).json()
    assert body["replaced_by"] == {"slug": "later-one", "name": "Later one (2025-04-04)"}
    assert editor_client.delete(reverse("summit-detail", args=[later.slug])).status_code in (400, 409)
    assert Summit.objects.filter(pk=later.pk).exists()


# ---------------------------------------------------------------- the admin: the form again, the field named


def _admin_add(admin_client, **fields):
    summit_format = SummitFormatFactory()
    data = {
        "slug": "admin-summit",
        "format": summit_format.pk,
        "title_en": "Admin summit",
        "title_ru": "",
        "level": "heads_of_state",
        "status": "held",
        "mode": "in_person",
        "date": "2024-05-01",
        "date_precision": "day",
        "end_date": "",
        "city_en": "Astana",
        "city_ru": "",
        "host": "",
        "ordinal": "",
        "summary_en": "",
        "replaced_by": "",
    }
    data.update(fields)
    page = admin_client.get(reverse("admin:summits_summit_add"))
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management[name].value()
        data[f"{management.prefix}-TOTAL_FORMS"] = 0  # no participant or citation rows sent
    return admin_client.post(reverse("admin:summits_summit_add"), data)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"date": _in_days(30)}, "status"),
        ({"status": "cancelled", "date": "", "date_precision": "unknown"}, "date"),
        ({"mode": "virtual"}, "city_en"),
    ],
)
def test_the_admin_refuses_a_status_rule_on_the_field(admin_client, fields, named):
    response = _admin_add(admin_client, **fields)
    assert response.status_code == 200  # the form again, with the error
    assert named in response.context["adminform"].form.errors
    assert not Summit.objects.filter(slug="admin-summit").exists()


def test_the_admin_refuses_replacing_a_held_meeting(admin_client):
    later = SummitFactory()
    response = _admin_add(admin_client, replaced_by=later.pk)
    assert response.status_code == 200
    assert "replaced_by" in response.context["adminform"].form.errors


def test_the_admin_saves_a_postponed_meeting_with_its_replacement(admin_client):
    later = SummitFactory()
    response = _admin_add(admin_client, status="postponed", date=_in_days(30), replaced_by=later.pk)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [
            (f.formset.prefix, f.formset.errors, f.formset.non_form_errors())
            for f in response.context["inline_admin_formsets"]
        ],
    )
    assert Summit.objects.get(slug="admin-summit").replaced_by == later


# ---------------------------------------------------------------- the database, for paths that skip validation


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "held", "date": "FUTURE"},
        {"status": "cancelled", "date": None, "date_precision": "unknown"},
        {"mode": "virtual", "city_en": "Tokyo"},
    ],
)
def test_the_database_refuses_a_row_breaking_a_status_rule(fields):
    if fields.get("date") == "FUTURE":
        fields = {**fields, "date": _today() + datetime.timedelta(days=30)}
    with pytest.raises(IntegrityError), transaction.atomic():
        SummitFactory(**fields)  # .save() without full_clean()


def test_the_database_refuses_moving_a_held_meeting_into_the_future_by_a_bulk_update():
    summit = SummitFactory(date=datetime.date(2024, 5, 1))
    with pytest.raises(IntegrityError, match="summit_held_not_in_future"), transaction.atomic():
        Summit.objects.filter(pk=summit.pk).update(date=_today() + datetime.timedelta(days=30))
    planned = SummitFactory(status="planned", date=_today() + datetime.timedelta(days=30))
    with pytest.raises(IntegrityError, match="summit_held_not_in_future"), transaction.atomic():
        Summit.objects.filter(pk=planned.pk).update(status="held")


def test_the_database_refuses_a_summit_replaced_by_itself():
    summit = SummitFactory(status="postponed")
    with pytest.raises(IntegrityError, match="summit_not_replaced_by_itself"), transaction.atomic():
        Summit.objects.filter(pk=summit.pk).update(replaced_by=summit.pk)


@pytest.mark.django_db(transaction=True)
def test_loaddata_refuses_a_future_held_meeting_and_writes_nothing(tmp_path):
    state = StateFactory(slug="ca-x")
    summit_format = SummitFormatFactory(slug="ca-plus-x", region=StateFactory(), partner=state)
    fixture = tmp_path / "future.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "summits.summit",
                    "fields": {
                        "slug": "ca-plus-x-3",
                        "format": [summit_format.slug],
                        "title_en": "Third",
                        "status": "held",
                        "date": (_today() + datetime.timedelta(days=40)).isoformat(),
                        "date_precision": "day",
                        "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    with pytest.raises(IntegrityError):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Summit.objects.filter(slug="ca-plus-x-3").exists()


def test_load_facts_names_the_file_object_and_field_of_a_virtual_meeting_with_a_city(tmp_path):
    from apps.core.fixture_loading import FixtureRefused, fixtures_load

    summit_format = SummitFormatFactory()
    fixture = tmp_path / "virtual.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "summits.summit",
                    "fields": {
                        "slug": "virtual-one",
                        "format": [summit_format.slug],
                        "title_en": "Online",
                        "status": "held",
                        "mode": "virtual",
                        "city_en": "Bishkek",
                        "date": "2020-11-01",
                        "date_precision": "month",
                        "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    with pytest.raises(FixtureRefused, match=r"virtual.json, object 1 .*city_en"), transaction.atomic():
        fixtures_load(paths=[fixture])
    assert not Summit.objects.filter(slug="virtual-one").exists()


def test_fixtures_name_the_replacing_meeting_by_slug_even_when_it_comes_later(tmp_path):
    from apps.core.fixture_loading import fixtures_load

    summit_format = SummitFormatFactory()
    common = {
        "format": [summit_format.slug],
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    fixture = tmp_path / "replaced.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "summits.summit",
                    "fields": {
                        **common,
                        "slug": "x-2",
                        "title_en": "Second",
                        "status": "postponed",
                        "date": "2020-04-01",
                        "date_precision": "month",
                        "replaced_by": ["x-2b"],
                    },
                },
                {
                    "model": "summits.summit",
                    "fields": {
                        **common,
                        "slug": "x-2b",
                        "title_en": "Second, held",
                        "date": "2020-10-12",
                        "date_precision": "day",
                    },
                },
            ]
        )
    )
    with transaction.atomic():
        fixtures_load(paths=[fixture])
    assert Summit.objects.get(slug="x-2").replaced_by.slug == "x-2b"


# ---------------------------------------------------------------- filters and the scoreboard


def test_status_and_mode_filters_on_summits(api_client):
    held = SummitFactory(slug="held-one")
    SummitFactory(slug="planned-one", status="planned", date=_today() + datetime.timedelta(days=90))
    SummitFactory(slug="virtual-one", mode="virtual", city_en="", city_ru="")

    def slugs(**params):
        response = api_client.get(reverse("summit-list"), params)
        assert_status(response, 200)
        return {row["slug"] for row in response.json()["results"]}

    assert slugs(status="planned") == {"planned-one"}
    assert slugs(status=["held", "planned"]) == {"held-one", "planned-one", "virtual-one"}
    assert slugs(mode="virtual") == {"virtual-one"}
    assert held.slug in slugs(mode="in_person")
    assert_status(api_client.get(reverse("summit-list"), {"status": "rumoured"}), 400)
    assert_status(api_client.get(reverse("summit-list"), {"mode": "by_letter"}), 400)


def test_the_scoreboard_counts_only_held_meetings_unless_a_status_is_given(api_client):
    partner = StateFactory(slug="partner-x")
    summit_format = SummitFormatFactory(partner=partner)
    SummitFactory(format=summit_format, date=datetime.date(2024, 5, 1))
    SummitFactory(format=summit_format, status="planned", date=_today() + datetime.timedelta(days=90))
    SummitFactory(format=summit_format, status="cancelled", date=datetime.date(2024, 9, 1), city_en="Khiva")
    url = reverse("summit-scoreboard")
    (row,) = api_client.get(url).json()
    assert row["summits"] == 1 and row["cities"] == [{"city_en": "Tokyo", "city_ru": "Токио"}]
    (row,) = api_client.get(url, {"status": "planned"}).json()
    assert row["summits"] == 1
    (row,) = api_client.get(url, {"status": ["held", "planned", "cancelled"]}).json()
    assert row["summits"] == 3
    assert api_client.get(url, {"status": "postponed"}).json() == []
    (row,) = api_client.get(url, {"mode": "in_person"}).json()
    assert row["summits"] == 1
