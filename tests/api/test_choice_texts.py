"""A multiple-choice filter checks a value against its choices' texts read once (apps.core.api.filters
.MultipleChoiceField, docs/benchmarks.md session 16): the same answers as Django's ChoiceField.valid_value, for every
such filter of every resource, after its choices change too, and the same 400 for a value outside them."""

import django_filters
import pytest
from django import forms
from rest_framework.test import APIClient

from apps.core import registry
from apps.core.api.filters import CatrackFilterSet, MultipleChoiceField


def _multiple_choice_fields():
    seen = []
    for _prefix, viewset, _basename in registry.resources():
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None or not issubclass(filterset_class, CatrackFilterSet):
            continue
        form = filterset_class(None, queryset=filterset_class._meta.model._default_manager.none()).form
        for name, field in form.fields.items():
            if isinstance(field, django_filters.fields.MultipleChoiceField):
                seen.append((f"{filterset_class.__name__}.{name}", field))
    return seen


FIELDS = _multiple_choice_fields()


def test_every_multiple_choice_filter_takes_the_field():
    assert FIELDS and all(isinstance(field, MultipleChoiceField) for _name, field in FIELDS)


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _field in FIELDS])
def test_valid_values_as_django_says(name, field):
    keys = [key for key, _label in field.choices]
    for value in [*keys, *(str(key).lower() for key in keys), *(f" {key}" for key in keys), "", "Z", "1", 1, None]:
        assert field.valid_value(value) == forms.ChoiceField.valid_value(field, value), (name, value)


def test_choices_changed_are_read_again():
    field = MultipleChoiceField(choices=[("X", "Export"), ("M", "Import")])
    assert field.valid_value("X") and not field.valid_value("A")
    field.choices = [("A", "Group"), ("Grouped", [("B", "Inner")])]
    assert field.valid_value("A") and field.valid_value("B") and not field.valid_value("X")
    assert field.clean(["A", "B"]) == ["A", "B"]
    with pytest.raises(forms.ValidationError):
        field.clean(["X"])


@pytest.mark.django_db
def test_a_value_outside_the_choices_is_the_same_400():
    response = APIClient().get("/api/v1/trade-flows/?flow=X&flow=Z")
    assert response.status_code == 400
    assert response.json() == {"flow": ["'Z' is not a choice here; choose X, M, RX or RM."]}
