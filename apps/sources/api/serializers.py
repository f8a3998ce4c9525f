"""Sources and citations for the API."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.fields import ContentTypeField
from apps.core.api.serializers import CatrackModelSerializer, FactSerializer
from apps.sources.claims import ClaimRank
from apps.sources.models import Assessment, Citation, CitationBasis, Source
from apps.sources.selectors import source_facts


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


class ClaimBriefSerializer(serializers.Serializer):
    citation_id = serializers.IntegerField()
    source = serializers.CharField(help_text="source slug")
    source_name = serializers.CharField()
    source_url = serializers.CharField()
    is_official = serializers.BooleanField()
    origin = serializers.CharField(allow_null=True, help_text="slug of the independent origin (the source itself "
                                                             "unless it republishes another)")
    basis = serializers.ChoiceField(choices=CitationBasis.choices)
    inference = serializers.CharField()
    rank = serializers.ChoiceField(choices=ClaimRank.choices)
    rank_reason = serializers.CharField()
    key_phrase = serializers.CharField()


class ClaimValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="in the field's own format (docs/claims.md)")
    rank = serializers.ChoiceField(choices=ClaimRank.choices,
                                   help_text="the highest rank any of its claims has")
    independent_origins = serializers.IntegerField()
    official_sources = serializers.IntegerField()
    claims = ClaimBriefSerializer(many=True)


class DisagreementSerializer(serializers.Serializer):
    """A fact's field whose sources give different values (apps.sources.selectors.disagreements)."""

    fact_type = serializers.CharField(help_text="app_label.model, e.g. summits.summit")
    fact_id = serializers.IntegerField()
    fact_slug = serializers.CharField(allow_null=True)
    fact_name = serializers.CharField()
    field = serializers.CharField()
    column_value = serializers.CharField(allow_null=True, help_text="what the fact's column holds, as a claim value")
    rule_prefers = serializers.CharField(
        allow_null=True, help_text="the value the preference rule picks (most independent origins, then an official "
                                   "source); null for a tie the analyst decides")
    values = ClaimValueSerializer(many=True)
