"""Sources and citations for the API, and the citations nested in every fact (FactSerializer)."""

import functools

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.columns import reads_no_column, serializer_columns
from apps.core.api.fields import BriefRelatedField, ContentTypeField, prefetched_attr
from apps.core.api.serializers import CatrackModelSerializer, PrefetchedListSerializer
from apps.sources.claims import ClaimRank
from apps.sources.corroboration import FactSupport, fact_support, with_root_origin
from apps.sources.models import CITATION_LOCATOR_AND_CLAIM_FIELDS, Assessment, Citation, CitationBasis, Source
from apps.sources.selectors import source_facts

# Besides what CitationBriefSerializer shows (apps.core.api.columns), what citations_prefetch loads: the keys
# the prefetch matches on, and what fact_support reads of each source. The rest of each row (timestamps, the
# source's notes) is not loaded.
CITATION_PREFETCH_KEYS = ("content_type", "object_id")
FACT_SUPPORT_SOURCE_COLUMNS = ("source__origin_id", "source__is_official", "source__kind")


@functools.cache
def citation_brief_columns() -> tuple[str, ...]:
    """The `.only()` names of a citation nested in a fact: CitationBriefSerializer's (derived), the prefetch's keys
    and what fact_support reads."""
    derived = serializer_columns(CitationBriefSerializer)
    return tuple(dict.fromkeys([*CITATION_PREFETCH_KEYS, *derived, *FACT_SUPPORT_SOURCE_COLUMNS]))


def citations_prefetch():
    """Citations of each fact with their source, in one query for the whole page.

    Left as a plain list (`to_attr`, read by PrefetchedListSerializer): Django would otherwise build a
    filtered queryset per fact just to hold its prefetched rows.
    """
    citations = with_root_origin(Citation.objects.select_related("source").only(*citation_brief_columns()))
    return Prefetch("citations", queryset=citations, to_attr=prefetched_attr("citations"))


class CitationBriefSerializer(serializers.ModelSerializer):
    """Where a fact comes from, nested in every fact."""

    source = BriefRelatedField(read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_author = serializers.CharField(source="source.author", read_only=True)
    source_url = serializers.CharField(source="source.url", read_only=True)

    class Meta:
        model = Citation
        fields = [
            "id",
            "source",
            "source_title",
            "source_author",
            "source_url",
            *CITATION_LOCATOR_AND_CLAIM_FIELDS,
        ]
        list_serializer_class = PrefetchedListSerializer


def fact_support_of(fact) -> FactSupport:
    """What backs `fact` (apps.sources.corroboration.fact_support), from its prefetched citations (else one
    query), worked out once per fact and representation."""
    cached = fact.__dict__.get("_fact_support")
    if cached is None:
        citations = fact.__dict__.get(prefetched_attr("citations"))
        if citations is None:
            citations = with_root_origin(Citation.objects.for_object(fact).select_related("source"))
        cached = fact.__dict__["_fact_support"] = fact_support(citations)
    return cached


@reads_no_column
class FactSupportField(serializers.Field):
    """One part of what backs a fact (FactSupport), read-only."""

    def __init__(self, part, **kwargs):
        self.part = part
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, fact):
        value = getattr(fact_support_of(fact), self.part)
        return list(value) if isinstance(value, tuple) else value


@extend_schema_field({"type": "string", "nullable": True, "pattern": "^(stated|inferred)$"})
class FactBasisField(FactSupportField):
    pass


@extend_schema_field({"type": "integer", "minimum": 0})
class FactCountField(FactSupportField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class FactFieldsField(FactSupportField):
    pass


def fact_support_fields():
    """The summary every fact's JSON carries before its citations (apps.sources.corroboration)."""
    return {
        "basis": FactBasisField(
            "basis",
            help_text="stated: at least one source states the fact; inferred: every "
            "citation infers it; null: no citation.",
        ),
        "independent_origins": FactCountField(
            "independent_origins", help_text="Independent origins citing it (republications of one story count once)."
        ),
        "official_sources": FactCountField("official_sources", help_text="Official sources citing it."),
        "disputed_fields": FactFieldsField(
            "disputed_fields", help_text="Fields whose sources give different values (see /api/v1/disagreements/)."
        ),
    }


class FactSerializer(CatrackModelSerializer):
    """A cited fact: what backs it (basis, independent origins, official sources, disputed fields), then its
    citations, nest in every representation (read-only; write citations at /citations/)."""

    citations = CitationBriefSerializer(many=True, read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        citations = fields.pop("citations", None)
        fields.update(fact_support_fields())
        if citations is not None:
            fields["citations"] = citations
        return fields


class SourceSerializer(CatrackModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "created_at",
            "updated_at",
            "slug",
            "kind",
            "title",
            "subtitle",
            "title_en",
            "author",
            "publisher",
            "language",
            "url",
            "published_on",
            "published_on_precision",
            "note",
            "origin",
            "is_official",
            "rights",
        ]


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
        fields = [
            "id",
            "source",
            "fact_type",
            "fact_id",
            *CITATION_LOCATOR_AND_CLAIM_FIELDS,
            "created_at",
            "updated_at",
        ]

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
    origin = serializers.CharField(
        allow_null=True, help_text="slug of the independent origin (the source itself unless it republishes another)"
    )
    basis = serializers.ChoiceField(choices=CitationBasis.choices)
    inference = serializers.CharField()
    rank = serializers.ChoiceField(choices=ClaimRank.choices)
    rank_reason = serializers.CharField()
    key_phrase = serializers.CharField()


class ClaimValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="in the field's own format (docs/claims.md)")
    rank = serializers.ChoiceField(choices=ClaimRank.choices, help_text="the highest rank any of its claims has")
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
        allow_null=True,
        help_text="the value the preference rule picks (most independent origins, then an official "
        "source); null for a tie the analyst decides",
    )
    values = ClaimValueSerializer(many=True)
