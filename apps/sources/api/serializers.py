"""Sources and citations for the API."""
from rest_framework import serializers

from apps.core.api.fields import ContentTypeField
from apps.core.api.serializers import CatrackModelSerializer
from apps.sources.models import Citation, Source


class SourceSerializer(CatrackModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "created_at", "updated_at", "slug", "kind", "title", "subtitle", "title_en", "author",
                  "publisher", "language", "url", "published_on", "published_on_precision", "note"]


class CitationSerializer(CatrackModelSerializer):
    fact_type = ContentTypeField(source="content_type")
    fact_id = serializers.IntegerField(source="object_id", min_value=1)

    class Meta:
        model = Citation
        fields = ["id", "source", "fact_type", "fact_id", "section", "paragraph", "key_phrase", "note",
                  "created_at", "updated_at"]

    def validate(self, attrs):
        content_type = attrs.get("content_type", getattr(self.instance, "content_type", None))
        object_id = attrs.get("object_id", getattr(self.instance, "object_id", None))
        if content_type is not None and object_id is not None:
            if not content_type.model_class().objects.filter(pk=object_id).exists():
                raise serializers.ValidationError({"fact_id": f"No {content_type.model} with id {object_id}."})
        return super().validate(attrs)
