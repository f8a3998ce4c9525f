"""The short form of a related row, nested in other resources: one serializer each, named schema components."""

from rest_framework import serializers


class SluggedBrief(serializers.Serializer):
    """A related slugged row (a format, a source, a topic, a summit…): {slug, name}; name is its str()."""

    slug = serializers.SlugField(read_only=True)
    # str() of the row itself (source "*"): with source="__str__" DRF inspected the bound method's signature for
    # every brief it wrote (inspect.signature: a page of 50 pledges writes ~580 briefs; docs/benchmarks.md).
    name = serializers.CharField(source="*", read_only=True)


class ActorBrief(SluggedBrief):
    """An actor nested in another resource: {slug, name, kind}, so a reader sees who it is without a second request."""

    kind = serializers.CharField(read_only=True)


def brief_serializer(model):
    """The brief serializer for rows of `model` (a SluggedModel subclass)."""
    return ActorBrief if model._meta.model_name == "actor" else SluggedBrief
