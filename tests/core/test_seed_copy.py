"""The seed copied back (tests/seed_copy.py, behind the `seeded` fixtures): the rows the loader wrote, ids and
sequences included; a database the first load did not find as it was gets the loader."""

import pytest
from django.db import transaction

from apps.actors.models import Actor
from tests import seed_copy

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def _loaded(load):
    """Every table's state after `load` in a transaction rolled back afterwards, and how many copies were made."""
    with transaction.atomic():
        result = load()
        states = seed_copy.table_states()
        highest = Actor.objects.order_by("-pk").values_list("pk", flat=True).first()
        next_actor = Actor.objects.create(slug="after-the-seed", kind="state", name_en="After the seed").pk
        transaction.set_rollback(True)
    return result, states, highest, next_actor


def test_the_copy_holds_the_rows_the_loader_wrote(monkeypatch):
    monkeypatch.setattr(seed_copy, "_copies", {})  # this session's earlier loads aside: the loader runs first
    copies = seed_copy.loads["copy"]
    loaded, loaded_states, loaded_highest, _ = _loaded(seed_copy.load_seed)
    assert seed_copy.loads["copy"] == copies
    copied, copied_states, copied_highest, next_actor = _loaded(seed_copy.load_seed)
    assert seed_copy.loads["copy"] == copies + 1
    assert copied == loaded and copied.new > 1000
    assert copied_states == loaded_states  # every table, every row, ids and change feed included
    assert copied_highest == loaded_highest and next_actor > copied_highest  # the sequences are past the rows


def test_a_database_the_first_load_did_not_find_gets_the_loader(monkeypatch):
    state = tuple(sorted(seed_copy.table_states().items()))
    monkeypatch.setattr(seed_copy, "_copies", {state: seed_copy._Copy(result="copied", tables=())})
    monkeypatch.setattr(seed_copy, "seed_load", lambda: "loaded")
    with transaction.atomic():
        assert seed_copy.load_seed() == "copied"  # the database as the first load found it
        transaction.set_rollback(True)
    Actor.objects.create(slug="japan", kind="state", name_en="Japan (a test's)")
    assert seed_copy.load_seed() == "loaded"
