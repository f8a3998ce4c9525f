"""loaddata is a data-changing path too: a fixture with one row the database refuses loads nothing."""

import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from apps.actors.models import Actor
from apps.investments.models import Pledge

pytestmark = pytest.mark.django_db(transaction=True)  # loaddata's own transaction, not the test's


def test_a_fixture_with_a_bad_row_writes_nothing(tmp_path):
    fixture = tmp_path / "bad.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "actors.actor",
                    "fields": {
                        "slug": "japan",
                        "kind": "state",
                        "name_en": "Japan",
                        "iso3": "JPN",
                        "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z",
                    },
                },
                {
                    "model": "investments.pledge",
                    "fields": {
                        "donor": ["japan"],
                        "amount": "-5",
                        "currency": "JPY",
                        "usd_basis": "none",
                        "period_start_precision": "unknown",
                        "period_end_precision": "unknown",
                        "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z",
                    },
                },
            ]
        )
    )
    with pytest.raises(IntegrityError) as caught:
        call_command("loaddata", str(fixture), verbosity=0)
    assert "pledge_amount_non_negative" in str(caught.value)
    assert not Actor.objects.exists()  # the good row went back out with the bad one
    assert not Pledge.objects.exists()


def test_loading_a_good_fixture_twice_changes_nothing(tmp_path):
    fixture = tmp_path / "good.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "actors.actor",
                    "fields": {
                        "slug": "japan",
                        "kind": "state",
                        "name_en": "Japan",
                        "iso3": "JPN",
                        "created_at": "2025-01-01T00:00:00Z",
                        "updated_at": "2025-01-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    call_command("loaddata", str(fixture), verbosity=0)
    assert Actor.objects.get().slug == "japan"  # natural key: matched, not duplicated
