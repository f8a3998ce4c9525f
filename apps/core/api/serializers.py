"""Base serializers: slug-addressed relations, partial dates, citations, and model rules on write."""
import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.core.api import schema  # noqa: F401  (registers the OpenAPI field extensions)
from apps.core.api.fields import BriefRelatedField, PartialDateField, ReadsPrefetchedList, prefetched_attr
from apps.core.models import SluggedModel
from apps.sources.corroboration import FactSupport, fact_support, with_root_origin
from apps.sources.models import Citation

# What CitationBriefSerializer reads (plus the keys the prefetch matches on): the rest of each row
# (timestamps, the source's notes) is not loaded.
CITATION_BRIEF_COLUMNS = ("id", "content_type", "object_id", "section", "paragraph", "key_phrase", "note",
                          "basis", "inference", "field", "value", "rank", "rank_reason",
                          "source__id", "source__origin_id", "source__is_official", "source__slug", "source__kind", "source__title", "source__author",
                          "source__url")


def citations_prefetch():
    """Citations of each fact with their source, in one query for the whole page.

    Left as a plain list (`to_attr`, read by PrefetchedListSerializer): Django would otherwise build a
    filtered queryset per fact just to hold its prefetched rows.
    """
    citations = with_root_origin(Citation.objects.select_related("source").only(*CITATION_BRIEF_COLUMNS))
    return Prefetch("citations", queryset=citations, to_attr=prefetched_attr("citations"))


class PrefetchedListSerializer(ReadsPrefetchedList, serializers.ListSerializer):
    """A nested list read from the plain list a `Prefetch(..., to_attr=prefetched_attr(source))` left on
    the instance; from the relation itself (one query) when the instance was not prefetched."""


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
                    {name: [f"No such field; the writable fields are: {known}."] for name in unknown})
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
        "basis": FactBasisField("basis", help_text="stated: at least one source states the fact; inferred: every "
                                                   "citation infers it; null: no citation."),
        "independent_origins": FactCountField(
            "independent_origins", help_text="Independent origins citing it (republications of one story count once)."),
        "official_sources": FactCountField("official_sources", help_text="Official sources citing it."),
        "disputed_fields": FactFieldsField(
            "disputed_fields", help_text="Fields whose sources give different values (see /api/v1/disagreements/)."),
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
