"""Base serializers: slug-addressed relations, partial dates and model rules on write. A cited fact's
serializer (its citations nested) is apps.sources.api.serializers.FactSerializer."""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.core.api import schema  # noqa: F401  (registers the OpenAPI field extensions)
from apps.core.api.fields import BriefRelatedField, PartialDateField, ReadsPrefetchedList
from apps.core.models import SluggedModel


class PrefetchedListSerializer(ReadsPrefetchedList, serializers.ListSerializer):
    """A nested list read from the plain list a `Prefetch(..., to_attr=prefetched_attr(source))` left on
    the instance; from the relation itself (one query) when the instance was not prefetched."""


# What an HTML form of the browsable API posts besides the fields: Django's CSRF token, DRF's raw-content form.
FORM_KEYS = {"csrfmiddlewaretoken", "_method", "_content", "_content_type"}


class CatrackModelSerializer(serializers.ModelSerializer):
    """Relations to slugged rows by slug, partial dates shown as known, and the model's own rules.

    `model.full_clean()` runs on every write, so `clean()` and the database constraints refuse bad
    input here with a per-field 400 instead of an IntegrityError.
    """

    serializer_related_field = serializers.PrimaryKeyRelatedField

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if issubclass(relation_info.related_model, SluggedModel):
            field_class = BriefRelatedField
            kwargs.setdefault("slug_field", "slug")
        return field_class, kwargs

    def get_fields(self):
        declared = super().get_fields()
        model_fields = {f.name for f in self.Meta.model._meta.concrete_fields}
        # Each partial date's known part right after its precision; citations last.
        fields = {}
        for name, field in declared.items():
            if name == "citations":
                continue
            fields[name] = field
            date = name.removesuffix("_precision")
            if name.endswith("_precision") and date in model_fields and f"{date}_display" not in declared:
                fields[f"{date}_display"] = PartialDateField(date)
        if "citations" in declared:
            fields["citations"] = declared["citations"]
        return fields

    def to_internal_value(self, data):
        """As DRF's, and a 400 naming every key of the body that is no field of the resource: a typo
        (`city_enn`) or a query parameter sent in the body (`summit_format`) would otherwise be dropped
        silently and the client told 200. Read-only fields (id, timestamps) are fields: a GET's body sent
        back as a PUT is accepted, those values ignored."""
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - FORM_KEYS)
            if unknown:
                known = ", ".join(name for name, field in self.fields.items() if not field.read_only)
                raise serializers.ValidationError(
                    {name: [f"No such field; the writable fields are: {known}."] for name in unknown}
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many = {f.name for f in model._meta.many_to_many}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many:
                setattr(instance, name, value)
        try:
            instance.full_clean(exclude=[name for name in many])
        except DjangoValidationError as error:
            raise serializers.ValidationError(_error_dict(error)) from None
        # What the model normalised (an upper-cased currency, -0 as 0) is what gets saved.
        return {name: value if name in many else getattr(instance, name) for name, value in attrs.items()}


def _error_dict(error):
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): messages
        for key, messages in error.message_dict.items()
    }
