"""The summits list's SQL path (PostgreSQL counts the page and renders it, participants and citations
nested) answers byte for byte as the ORM path; see apps.core.api.sql."""

import datetime

import pytest
from django.db import connection

from apps.core.api.filters import total_ordering
from apps.core.models import DatePrecision
from apps.summits.api.views import SummitViewSet
from apps.summits.models import Summit
from tests.api.helpers import sql_and_orm_paths, took_sql_path
from tests.factories import (
    CitationFactory,
    PersonFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    SummitFormatFactory,
    SummitParticipantFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]

LIST = "/api/v1/summits/"


def both_paths(client, params=None, **headers):
    return sql_and_orm_paths(SummitViewSet, client, LIST, params, **headers)


@pytest.fixture
def summits():
    kazakhstan = StateFactory(slug="kazakhstan", name_en='Kazakhstan "Qazaqstan" \\ Қазақстан\u2028')
    japan = StateFactory(slug="japan", name_en="Japan")
    premier = PersonFactory(slug="premier", name_en="A Premier\n")
    japan_format = SummitFormatFactory(slug="central-asia-japan", name_en="Central Asia + Japan", partner=japan)
    other_format = SummitFormatFactory(slug="central-asia-china", name_en="Central Asia – China")
    with_author = SourceFactory(slug="velizade", author="Ilgar Velizade", title="Японский ход", url="https://x.org/a")
    without_author = SourceFactory(slug="anonymous", author="", title="Note", url="")
    repost = SourceFactory(slug="repost", origin=with_author)
    ministry = SourceFactory(slug="ministry", is_official=True)
    precisions = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.UNKNOWN]
    for n in range(12):
        summit = SummitFactory(
            format=japan_format if n % 3 else other_format,
            host=None if n % 4 == 0 else japan,
            # Two summits on one date with one title: only the id tells them apart.
            date=None if n % 4 == 3 else datetime.date(2020 + n // 4, 1 + n, 10),
            title_en="Summit" if n < 2 else f"S{n}",
            date_precision=precisions[n % 4],
            ordinal=n or None,
            summary_en="Ü\tline" if n == 5 else "",
            city_en="Astana",
            city_ru="Астана" if n % 2 else "",
            end_date=datetime.date(2021, 5, 11) if n == 4 else None,  # a two-day summit (day precision)
        )
        if n < 2:
            summit.date = datetime.date(2021, 1, 1)
            summit.save()
        if n % 5:
            SummitParticipantFactory(
                summit=summit, actor=kazakhstan, role="participant", represented_by=premier if n % 2 else None
            )
        SummitParticipantFactory(summit=summit, actor=japan, role="partner" if n % 2 else "participant")
        SummitParticipantFactory(summit=summit, role="participant")
        inferred = {"basis": "inferred", "inference": "Dated by the week the article names."} if n == 7 else {}
        for paragraph in [3, None, 1] if n % 2 else []:
            CitationFactory(
                fact=summit,
                source=with_author if paragraph != 1 else without_author,
                paragraph=paragraph,
                section="Lead" if paragraph else "",
                **inferred,
            )
        if n == 3:  # claims: a repost of the article and a ministry differ on the city
            CitationFactory(fact=summit, source=repost, field="city_en", value="Astana", rank="preferred")
            CitationFactory(
                fact=summit,
                source=ministry,
                field="city_en",
                value="Samarkand",
                rank="alternative",
                rank_reason="one source",
                basis="inferred",
                inference="The ministry's page is dated there.",
            )
    Summit.objects.filter(ordinal=3).update(created_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))


FILTER_SAMPLES = {
    "summit_format": "central-asia-japan",
    "partner": "japan",
    "region": None,
    "participant": "kazakhstan",
    "host": "japan",
    "level": "heads_of_state",
    "year": "2021",
    "date_after": "2021-01-01",
    "date_before": "2021-06-30",
    "city": "astana",
    "slug": "summit-3",
    "date_precision": "month",
    "ordinal": "3",
    "modified_since": "2026-01-01T00:00:00Z",
    "created_since": "2026-01-01T00:00:00Z",
    "q": "summit",
    "source": "velizade",
    "sources_min": "2",
    "end_date__isnull": "false",
    "cited": "false",
    "disputed": "true",
    "official_source": "true",
    "basis": "inferred",
}


@pytest.mark.parametrize("name", sorted(name for name, value in FILTER_SAMPLES.items() if value))
def test_each_filter_filters_alike_on_both_paths(api_client, summits, name):
    response = both_paths(api_client, {name: FILTER_SAMPLES[name], "page_size": 500})
    assert response.status_code == 200
    # Every filter: methods (`city`, `q`), paths across relations (`partner`) and lookups (`year`) too.
    assert took_sql_path(response)


def test_default_page_is_one_statement(api_client, summits):
    response = both_paths(api_client, {"participant": "kazakhstan", "page_size": 4})
    assert len(response.queries) == 1, response.queries
    body = response.json()
    assert body["count"] == Summit.objects.filter(participants__slug="kazakhstan").count() == 9
    cited = next(row for row in body["results"] if row["citations"])
    # By source, then paragraph (none last), then id; a source's name is "author: title" when it has an author.
    assert [(c["source"]["name"], c["paragraph"]) for c in cited["citations"]] == [
        ("Ilgar Velizade: Японский ход", 3),
        ("Ilgar Velizade: Японский ход", None),
        ("Note", 1),
    ]


def test_a_page_is_read_in_order_off_an_index(summits):
    """The list's order as the API applies it (undated last) is an index's: a filtered page is read in order,
    not sorted from every match."""
    page = (
        Summit.objects.filter(participants__slug="kazakhstan")
        .order_by(*total_ordering(Summit, Summit._meta.ordering))
        .values("pk")[:4]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # 12 summits would be sorted anyway
    plan = page.explain()
    assert "summit_list_order_idx" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize(
    "params",
    [
        {"participant": "kazakhstan", "page": "2", "page_size": "5"},
        {"page": "last", "page_size": "5"},
        {"page": "9", "page_size": "5"},
        {"page": "0"},
        {"participant": "nobody"},
        {"participant": "premier"},  # a real actor in no summit: count 0, empty page
        {"ordering": "-ordinal"},
        {"ordering": "date,-title_en"},
        {"ordering": "city_en"},
        {"ordering": "bogus"},
        {"summit_format": "central-asia-china", "host": "japan", "date_precision": "day"},
    ],
)
def test_pages_orderings_and_errors_alike(api_client, summits, params):
    both_paths(api_client, params)


def test_indented_json_alike(api_client, summits):
    both_paths(api_client, {"page_size": 2}, HTTP_ACCEPT="application/json; indent=4")


def test_a_local_time_zone_takes_the_orm_path(api_client, summits):
    # The SQL writes timestamps in UTC; under another current time zone DRF writes local times.
    from django.utils import timezone

    with timezone.override("Asia/Almaty"):
        response = both_paths(api_client, {"page_size": 3})
    assert not took_sql_path(response)
    assert response.json()["results"][0]["created_at"].endswith("+05:00")
