"""Sources and citations for the API, and the citations nested in every fact (FactSerializer)."""
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.fields import BriefRelatedField, ContentTypeField, prefetched_attr
from apps.core.api.serializers import CatrackModelSerializer, PrefetchedListSerializer
from apps.sources.models import Assessment, Citation, Source
from apps.sources.selectors import source_facts


# What CitationBriefSerializer reads (plus the keys the prefetch matches on): the rest of each row
# (timestamps, the source's notes) is not loaded.
CITATION_BRIEF_COLUMNS = ("id", "content_type", "object_id", "section", "paragraph", "key_phrase", "note",
                          "basis", "inference", "field", "value", "rank", "rank_reason",
                          "source__id", "source__origin_id", "source__is_official", "source__slug", "source__kind",
                          "source__title", "source__author", "source__url")


def citations_prefetch():
    """Citations of each fact with their source, in one query for the whole page.

    Left as a plain list (`to_attr`, read by PrefetchedListSerializer): Django would otherwise build a
    filtered queryset per fact just to hold its prefetched rows.
    """
    return Prefetch("citations", queryset=Citation.objects.select_related("source").only(*CITATION_BRIEF_COLUMNS),
                    to_attr=prefetched_attr("citations"))


class CitationBriefSerializer(serializers.ModelSerializer):
    """Where a fact comes from, nested in every fact."""

    source = BriefRelatedField(read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_author = serializers.CharField(source="source.author", read_only=True)
    source_url = serializers.CharField(source="source.url", read_only=True)

    class Meta:
        model = Citation
        fields = ["id", "source", "source_title", "source_author", "source_url", "section", "paragraph",
                  "key_phrase", "note", "basis", "inference", "field", "value", "rank", "rank_reason"]
        list_serializer_class = PrefetchedListSerializer


class FactSerializer(CatrackModelSerializer):
    """A cited fact: its citations nest in every representation (read-only; write them at /citations/)."""

    citations = CitationBriefSerializer(many=True, read_only=True)


class SourceSerializer(CatrackModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "created_at", "updated_at", "slug", "kind", "title", "subtitle", "title_en", "author",
                  "publisher", "language", "url", "published_on", "published_on_precision", "note", "origin", "is_official", "rights"]


class SupportedFactSerializer(serializers.Serializer):
    fact_type = serializers.CharField(help_text="app_label.model, e.g. summits.summit")
    fact_id = serializers.IntegerField()
    slug = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    citations = serializers.IntegerField(help_text="citations of this fact to the source")


class SourceDetailSerializer(SourceSerializer):
    """A source with the facts it supports (at most SOURCE_FACTS_LIMIT; facts_total counts them all)."""

    facts = serializers.SerializerMethodField()
    facts_total = serializers.SerializerMethodField()

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "facts", "facts_total"]

    @extend_schema_field(SupportedFactSerializer(many=True))
    def get_facts(self, source):
        return self._facts(source)[0]

    @extend_schema_field(serializers.IntegerField())
    def get_facts_total(self, source):
        return self._facts(source)[1]

    def _facts(self, source):
        cached = self.context.setdefault("_source_facts", {})
        if source.pk not in cached:
            cached[source.pk] = source_facts(source=source)
        return cached[source.pk]


class CitationSerializer(CatrackModelSerializer):
    fact_type = ContentTypeField(source="content_type")
    fact_id = serializers.IntegerField(source="object_id", min_value=1)

    class Meta:
        model = Citation
        fields = ["id", "source", "fact_type", "fact_id", "section", "paragraph", "key_phrase", "note",
                  "basis", "inference", "field", "value", "rank", "rank_reason", "created_at", "updated_at"]

    def validate(self, attrs):
        content_type = attrs.get("content_type", getattr(self.instance, "content_type", None))
        object_id = attrs.get("object_id", getattr(self.instance, "object_id", None))
        if content_type is not None and object_id is not None:
            if not content_type.model_class().objects.filter(pk=object_id).exists():
                raise serializers.ValidationError({"fact_id": f"No {content_type.model} with id {object_id}."})
        return super().validate(attrs)


class AssessmentSerializer(FactSerializer):
    class Meta:
        model = Assessment
        fields = ["id", "citations", "created_at", "updated_at", "slug", "statement_en", "about"]
