"""Actor rules: ISO codes only for states, a person serves a state, natural keys by slug."""

import pytest
from django.core.exceptions import ValidationError

from apps.actors.models import Actor
from tests import factories

pytestmark = pytest.mark.django_db


def test_iso3_is_upper_cased_and_checked():
    state = factories.StateFactory.build(iso3="jpn")
    state.full_clean()
    assert state.iso3 == "JPN"
    state.iso3 = "J1N"
    with pytest.raises(ValidationError) as raised:
        state.full_clean()
    assert "Three letters" in raised.value.message_dict["iso3"][0]


def test_only_a_state_has_iso3():
    grouping = factories.GroupingFactory.build(iso3="CAS")
    with pytest.raises(ValidationError) as raised:
        grouping.full_clean()
    assert "Only a state" in raised.value.message_dict["iso3"][0]


def test_only_a_person_serves_a_country():
    state = factories.StateFactory.build(country=factories.StateFactory())
    with pytest.raises(ValidationError) as raised:
        state.full_clean()
    assert "Only a person" in raised.value.message_dict["country"][0]


def test_blank_optional_identifiers_are_stored_as_null_so_they_stay_unique():
    first = factories.GroupingFactory.build(iso3="", wikidata_id="")
    first.full_clean()
    first.save()
    second = factories.GroupingFactory.build(iso3="", wikidata_id="")
    second.full_clean()
    second.save()
    assert Actor.objects.filter(iso3__isnull=True, wikidata_id__isnull=True).count() == 2


def test_natural_key_is_the_slug():
    japan = factories.StateFactory(slug="japan")
    assert japan.natural_key() == ("japan",)
    assert Actor.objects.get_by_natural_key("japan") == japan


def test_relation_with_itself_is_refused_by_the_form_rules():
    japan = factories.StateFactory()
    relation = factories.ActorRelationFactory.build(subject=japan, object=japan)
    with pytest.raises(ValidationError) as raised:
        relation.full_clean()
    assert "itself" in str(raised.value)
