"""Optimistic concurrency: every detail response carries the row's version as an ETag, a write with a stale
If-Match is a 412 that changes nothing, and two clients PATCHing different fields of one row at the same
time both keep their change (the row is locked and read after the lock)."""

import threading

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from rest_framework.test import APIClient

from apps.investments.models import Pledge
from tests.factories import PledgeFactory, SummitFactory


def url(pledge):
    return f"/api/v1/pledges/{pledge.pk}/"


@pytest.mark.django_db
def test_detail_responses_carry_the_row_version_and_each_save_moves_it(editor_client):
    pledge = PledgeFactory()
    read = editor_client.get(url(pledge))
    assert read.status_code == 200
    assert read["ETag"] == f'"{pledge.row_version}"'

    patched = editor_client.patch(url(pledge), {"description_en": "first"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert patched.status_code == 200, patched.json()
    assert patched["ETag"] != read["ETag"]
    assert editor_client.get(url(pledge))["ETag"] == patched["ETag"]

    created = editor_client.post(
        "/api/v1/summits/",
        {
            "slug": "etag-summit",
            "format": SummitFactory().format.slug,
            "title_en": "ETag summit",
            "date": None,
            "date_precision": "unknown",
            "status": "planned",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created["ETag"] == editor_client.get("/api/v1/summits/etag-summit/")["ETag"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("if_match", ['"anything"', "stale", 'W/"current"'])
def test_a_stale_if_match_is_412_and_changes_nothing(editor_client, method, if_match):
    pledge = PledgeFactory(description_en="original")
    etag = editor_client.get(url(pledge))["ETag"]
    if if_match == "stale":
        editor_client.patch(url(pledge), {"status": "committed"}, format="json")  # someone else saves
        if_match = etag
    elif if_match == 'W/"current"':
        if_match = f"W/{etag}"  # a weak tag never matches a strong comparison (RFC 9110 §13.1.1)
    body = {"donor": pledge.donor.slug, "description_en": "mine"}
    response = getattr(editor_client, method)(url(pledge), body, format="json", HTTP_IF_MATCH=if_match)
    assert response.status_code == 412, response.content
    assert "If-Match" in response.json()["detail"]
    assert Pledge.objects.get(pk=pledge.pk).description_en == "original"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_current_if_match_or_a_star_passes(editor_client, method):
    pledge = PledgeFactory()
    etag = editor_client.get(url(pledge))["ETag"]
    body = {"donor": pledge.donor.slug, "description_en": "mine"}
    for if_match in (f'"other", {etag}', "*"):
        response = getattr(editor_client, method)(url(pledge), body, format="json", HTTP_IF_MATCH=if_match)
        assert response.status_code in (200, 204), response.content
        if method == "delete":
            break
        etag = response["ETag"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_clients_patching_different_fields_at_once_both_keep_their_change(editor, round_):
    """A reads the row, then pauses just before its save until B has saved (or 1 s has passed): without a
    lock B's description is overwritten by A's stale copy; with it B waits for A and reads A's change."""
    pledge = PledgeFactory(description_en="old description", usd_rate_source="")
    a_saving, b_saving = threading.Event(), threading.Event()
    roles = {}

    def pause_a_until_b_saves(sender, instance, **kwargs):
        role = roles.get(threading.get_ident())
        if role == "A":
            a_saving.set()
            b_saving.wait(timeout=1)
        elif role == "B":
            b_saving.set()

    def client(role, data):
        roles[threading.get_ident()] = role
        try:
            api = APIClient()
            api.force_authenticate(editor)
            results[role] = api.patch(url(pledge), data, format="json").status_code
        finally:
            connection.close()

    results = {}
    pre_save.connect(pause_a_until_b_saves, sender=Pledge)
    try:
        a = threading.Thread(target=client, args=("A", {"usd_rate_source": "Bank of Japan"}))
        a.start()
        assert a_saving.wait(timeout=20)
        b = threading.Thread(target=client, args=("B", {"description_en": "new description"}))
        b.start()
        a.join(timeout=30)
        b.join(timeout=30)
    finally:
        pre_save.disconnect(pause_a_until_b_saves, sender=Pledge)

    assert results == {"A": 200, "B": 200}
    pledge.refresh_from_db()
    assert (pledge.usd_rate_source, pledge.description_en) == ("Bank of Japan", "new description")
