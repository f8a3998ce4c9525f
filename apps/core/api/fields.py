"""Serializer fields shared by every resource: related rows by slug, partial dates, content types."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from apps.core.api.briefs import ActorBrief, SluggedBrief, brief_serializer
from apps.core.models import fact_models, format_partial_date


class Brief(dict):
    """A brief ({slug, name, …}): a JSON object to clients; as text — what the browsable API's HTML form compares
    its options with — the slug, so the form preselects the current row instead of the first one."""

    def __str__(self):
        return self["slug"]


def prefetched_attr(relation):
    """Where a Prefetch(relation, to_attr=...) leaves its rows as a plain list, for the fields and serializers
    that read it (PrefetchedManyRelatedField, apps.core.api.serializers.PrefetchedListSerializer). A plain list
    costs nothing per row; without to_attr Django builds a filtered queryset per row and relation to hold them
    (two relations on a page of 50 documents: ~100 querysets, a third of the request's Python)."""
    return f"prefetched_{relation}"


def forget_prefetched(instance):
    """Drop the lists prefetched onto `instance` (after it was written, they are stale): its fields then read
    the relations themselves."""
    prefix = prefetched_attr("")
    for name in [name for name in vars(instance) if name.startswith(prefix)]:
        del instance.__dict__[name]


class ReadsPrefetchedList:
    """For a field or list serializer of a to-many relation: its rows from the list prefetched_attr(source)
    names on the instance, else from the relation itself (one query)."""

    def get_attribute(self, instance):
        prefetched = instance.__dict__.get(prefetched_attr(self.source))
        if prefetched is not None:
            return prefetched
        return super().get_attribute(instance)


class PrefetchedManyRelatedField(ReadsPrefetchedList, serializers.ManyRelatedField):
    """A many-to-many list of briefs (BriefRelatedField(many=True)) that reads a prefetched list when there is one."""


class BriefRelatedField(serializers.SlugRelatedField):
    """A related slugged row: written as its slug (or the brief as read), read as its brief (apps.core.api.briefs).

    So a consumer sees who an actor is without a second request, and writes it the way filters take it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        # DRF's RelatedField.many_init, with a list field that reads a prefetched list when there is one.
        kwargs_of_list = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return PrefetchedManyRelatedField(child_relation=cls(*args, **kwargs), **kwargs_of_list)

    def to_internal_value(self, data):
        # The brief as read ({"slug": …, "name_en": …}) is taken too, so a GET's body can be sent back as a PUT.
        if isinstance(data, dict) and isinstance(data.get("slug"), str):
            data = data["slug"]
        # Checked before the query: PostgreSQL refuses NUL in text; no slug is longer than 100.
        if not isinstance(data, str) or "\x00" in data or len(data) > 100:
            self.fail("invalid")
        return super().to_internal_value(data)

    def get_choices(self, cutoff=None):
        # The browsable API's form lists choices by their written form (the slug), not the read form.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {obj.slug: self.display_value(obj) for obj in queryset}

    def to_representation(self, obj):
        return Brief(_BRIEFS[brief_serializer(type(obj))].to_representation(obj))


# Stateless (no context, no request): one instance of each brief serializer serves every field.
_BRIEFS = {serializer: serializer() for serializer in (SluggedBrief, ActorBrief)}


class PartialDateField(serializers.Field):
    """Only what is known of a (date, precision) pair: '2025', '2025-12', '2025-12-19' or null."""

    def __init__(self, date_field, **kwargs):
        self.date_field = date_field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return format_partial_date(getattr(obj, self.date_field), getattr(obj, f"{self.date_field}_precision"))


def fact_content_types():
    """The ContentTypes of the fact models (apps.core.models.fact_models), which citations point at."""
    facts = Q(pk__in=[])
    for model in fact_models():
        facts |= Q(app_label=model._meta.app_label, model=model._meta.model_name)
    return ContentType.objects.filter(facts)


class ContentTypeField(serializers.RelatedField):
    """A fact's model as 'app_label.model' (e.g. 'summits.summit')."""

    default_error_messages = {"invalid": "Give the fact's model as 'app_label.model', e.g. 'summits.summit'."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", fact_content_types())
        super().__init__(**kwargs)

    def to_representation(self, value):
        return f"{value.app_label}.{value.model}"

    def to_internal_value(self, data):
        if not isinstance(data, str) or data.count(".") != 1 or "\x00" in data or len(data) > 200:
            self.fail("invalid")
        app_label, model = data.split(".")
        try:
            return self.get_queryset().get(app_label=app_label, model=model)
        except ContentType.DoesNotExist:
            self.fail("invalid")
