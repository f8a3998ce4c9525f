"""The C5+X landscape of issue 25 (fixtures/seed/17_*.json): every format in which the five Central Asian
heads of state meet one outside state, organisation or group of states, and every leader-level meeting of
each, with its status and mode, as the cited public sources report them."""

import datetime

import pytest

from apps.actors.models import Actor
from apps.core.models import DatePrecision
from apps.summits.models import Document, Summit, SummitFormat

CA5 = {"kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"}
pytestmark = pytest.mark.usefixtures("seeded_once", "seeded")


def slugs(queryset):
    return set(queryset.values_list("slug", flat=True))


def test_ten_formats_each_with_a_state_or_organisation_partner_and_central_asia():
    formats = SummitFormat.objects.all()
    assert slugs(formats) >= {
        "central-asia-plus-japan",
        "c5-plus-1",
        "china-central-asia",
        "central-asia-russia",
        "eu-central-asia",
        "central-asia-germany",
        "gcc-central-asia",
        "korea-central-asia",
        "india-central-asia",
        "central-asia-italy",
    }
    for f in formats:
        assert f.region.slug == "central-asia" and f.partner.kind in ("state", "organisation"), f


def test_a_group_partner_is_an_organisation_with_its_member_states():
    gcc = Actor.objects.get(slug="gulf-cooperation-council")
    assert gcc.kind == "organisation"
    assert slugs(gcc.members) == {"saudi-arabia", "united-arab-emirates", "qatar", "kuwait", "bahrain", "oman"}
    assert all(m.kind == "state" for m in gcc.members.all())


def test_twenty_leader_meetings_each_with_a_status_and_a_mode():
    leaders = Summit.objects.filter(level="heads_of_state")
    assert leaders.count() >= 20
    assert set(leaders.values_list("status", flat=True)) == {"held", "planned", "postponed"}
    assert {"in_person", "virtual"} <= set(leaders.values_list("mode", flat=True))
    today = datetime.date.today()
    assert not leaders.filter(status="held", date__gt=today).exists()  # a held meeting never lies ahead


@pytest.mark.parametrize(
    "slug, date, replaced_by",
    [
        ("central-asia-plus-japan-astana-2024", datetime.date(2024, 8, 9), "central-asia-plus-japan-1"),
        ("korea-central-asia-2025", datetime.date(2025, 1, 1), "korea-central-asia-1"),
        ("central-asia-italy-2025-04", datetime.date(2025, 4, 1), "central-asia-italy-1"),
        ("gcc-central-asia-2", datetime.date(2025, 5, 5), None),
    ],
)
def test_a_postponed_meeting_keeps_its_planned_date_and_names_its_replacement(slug, date, replaced_by):
    summit = Summit.objects.get(slug=slug)
    assert (summit.status, summit.date) == ("postponed", date)
    assert (summit.replaced_by.slug if summit.replaced_by else None) == replaced_by
    assert summit.citations.count() >= 2  # the announcement and the postponement


def test_announced_meetings_whose_day_passed_unreported_stay_planned():
    korea = Summit.objects.get(slug="korea-central-asia-1")
    assert (korea.status, korea.date, korea.end_date, korea.city_en) == (
        "planned",
        datetime.date(2026, 9, 16),
        datetime.date(2026, 9, 17),
        "Seoul",
    )
    india = Summit.objects.get(slug="india-central-asia-2")
    assert (india.status, india.date, india.date_precision) == (
        "planned",
        datetime.date(2024, 1, 1),
        DatePrecision.YEAR,
    )


def test_virtual_summits_have_no_city():
    for slug in ("india-central-asia-1", "china-central-asia-virtual-2022"):
        summit = Summit.objects.get(slug=slug)
        assert (summit.status, summit.mode, summit.city_en, summit.city_ru) == ("held", "virtual", "", "")


def test_ministerial_starts_are_summits_of_level_ministerial():
    c5 = Summit.objects.get(slug="c5-plus-1-ministerial-2015")
    assert (c5.level, c5.date, c5.city_en, c5.ordinal) == ("ministerial", datetime.date(2015, 11, 1), "Samarkand", None)
    gcc = Summit.objects.get(slug="gcc-central-asia-ministerial-2022")
    assert (gcc.level, gcc.date_precision) == ("ministerial", DatePrecision.MONTH)
    starts = Summit.objects.filter(level="ministerial")
    assert slugs(starts) == {
        "c5-plus-1-ministerial-2015",
        "gcc-central-asia-ministerial-2022",
        "central-asia-plus-japan-ministerial-2004",
        "china-central-asia-ministerial-2020",
        "india-central-asia-ministerial-2019",
    }
    for start in starts:  # each the first meeting of its format, before its first leaders' summit
        first = start.format.summits.filter(level="heads_of_state", status="held").order_by("date").first()
        assert start.status == "held" and start.date < first.date, start
    assert Summit.objects.get(slug="china-central-asia-ministerial-2020").mode == "virtual"


def test_leaders_represent_their_state_in_an_office_they_held_that_day():
    jan_2022 = Summit.objects.get(slug="india-central-asia-1")
    assert jan_2022.participations.get(actor__slug="turkmenistan").represented_by.slug == "gurbanguly-berdimuhamedov"
    assert jan_2022.participations.get(actor__slug="india").represented_by.slug == "narendra-modi"
    assert (
        Summit.objects.get(slug="central-asia-germany-2").participations.get(actor__slug="germany").represented_by.slug
        == "olaf-scholz"
    )
    assert (
        Summit.objects.get(slug="central-asia-italy-1").participations.get(actor__slug="italy").represented_by.slug
        == "giorgia-meloni"
    )


def test_every_document_is_dated():
    """All documents of the seed carry an adoption date (issue 25: the twelve of issue 17 had none)."""
    assert Document.objects.count() >= 19
    undated = Document.objects.filter(adopted_on__isnull=True)
    assert not undated.exists(), list(undated)
    assert Document.objects.get(slug="tokyo-declaration").adopted_on == datetime.date(2025, 12, 20)
    assert Document.objects.get(slug="xian-declaration").adopted_on == datetime.date(2023, 5, 19)
    for document in Document.objects.all():
        assert document.citations.exists(), document
