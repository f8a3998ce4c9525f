"""`seeded_once` (tests/conftest.py): the seed loaded once per module, each test's writes gone before the next."""

import pytest

from apps.actors.models import Actor

pytestmark = pytest.mark.usefixtures("seeded_once")

FIRST = {}  # what the first test saw: the next one checks it ran, and got the same load


def test_a_test_may_change_the_seed(seeded):
    Actor.objects.filter(slug="japan").update(name_en="Changed by a test")
    Actor.objects.create(slug="made-by-a-test", name_en="Made by a test", kind="state")
    assert Actor.objects.get(slug="japan").name_en == "Changed by a test"
    FIRST["seed"] = seeded


def test_the_next_test_sees_the_seed_as_loaded(seeded):
    assert FIRST, "run the module whole: this test checks what the one before it wrote"
    assert seeded is FIRST["seed"]  # loaded once, not again for this test
    assert Actor.objects.get(slug="japan").name_en == "Japan"
    assert not Actor.objects.filter(slug="made-by-a-test").exists()
