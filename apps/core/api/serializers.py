"""Base serializers: slug-addressed relations, partial dates, citations, and model rules on write."""
import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.core.api import schema  # noqa: F401  (registers the OpenAPI field extensions)
from apps.core.api.fields import BriefRelatedField, PartialDateField, brief_representation, optional_str
from apps.core.models import SluggedModel
from apps.sources.models import Citation


# What CitationBriefSerializer reads (plus the keys the prefetch matches on): the rest of each row
# (timestamps, the source's notes) is not loaded.
CITATION_BRIEF_COLUMNS = ("id", "content_type", "object_id", "section", "paragraph", "key_phrase", "note",
                          "source__id", "source__slug", "source__kind", "source__title", "source__author",
                          "source__url")


def citations_prefetch():
    """Citations of each fact with their source, in one query for the whole page.

    Left as a plain list (`to_attr`, read by PrefetchedListSerializer): Django would otherwise build a
    filtered queryset per fact just to hold its prefetched rows.
    """
    return Prefetch("citations", queryset=Citation.objects.select_related("source").only(*CITATION_BRIEF_COLUMNS),
                    to_attr=prefetched_attr("citations"))


def prefetched_attr(relation):
    """Where a Prefetch(relation, to_attr=...) leaves its rows, for PrefetchedListSerializer."""
    return f"prefetched_{relation}"


class PrefetchedListSerializer(serializers.ListSerializer):
    """A nested list read from the plain list a `Prefetch(..., to_attr=prefetched_attr(source))` left on
    the instance; from the relation itself (one query) when the instance was not prefetched."""

    def get_attribute(self, instance):
        prefetched = instance.__dict__.get(prefetched_attr(self.source))
        if prefetched is not None:
            return prefetched
        return super().get_attribute(instance)


class CitationBriefSerializer(serializers.ModelSerializer):
    """Where a fact comes from, nested in every fact."""

    source = BriefRelatedField(read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_author = serializers.CharField(source="source.author", read_only=True)
    source_url = serializers.CharField(source="source.url", read_only=True)

    class Meta:
        model = Citation
        fields = ["id", "source", "source_title", "source_author", "source_url", "section", "paragraph",
                  "key_phrase", "note"]
        list_serializer_class = PrefetchedListSerializer

    def to_representation(self, citation):
        # Read for every citation of every fact in a page: built directly rather than field by field
        # (the same keys, order and values as the declared fields give).
        if isinstance(citation, dict):
            return citation  # already a representation (citation_rows)
        source = citation.source
        paragraph = citation.paragraph
        return {
            "id": citation.id,
            "source": brief_representation(source),
            "source_title": optional_str(source.title),
            "source_author": optional_str(source.author),
            "source_url": optional_str(source.url),
            "section": optional_str(citation.section),
            "paragraph": None if paragraph is None else int(paragraph),
            "key_phrase": optional_str(citation.key_phrase),
            "note": optional_str(citation.note),
        }


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


class FactSerializer(CatrackModelSerializer):
    """A cited fact: its citations nest in every representation (read-only; write them at /citations/)."""

    citations = CitationBriefSerializer(many=True, read_only=True)


def citation_rows(model, object_ids):
    """{object id: [citation representation, ...]} for facts of `model`, in one query, without model
    instances; the same dicts as CitationBriefSerializer gives, in the same order as the prefetch."""
    from collections import defaultdict

    from django.contrib.contenttypes.models import ContentType

    rows = defaultdict(list)
    citations = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=object_ids
    ).values_list("object_id", "id", "source__slug", "source__title", "source__author", "source__url", "section",
                  "paragraph", "key_phrase", "note")
    for object_id, pk, slug, title, author, url, section, paragraph, key_phrase, note in citations:
        rows[object_id].append({
            "id": pk,
            "source": {"slug": slug, "name": f"{author}: {title}" if author else title},  # Source.__str__
            "source_title": optional_str(title),
            "source_author": optional_str(author),
            "source_url": optional_str(url),
            "section": optional_str(section),
            "paragraph": None if paragraph is None else int(paragraph),
            "key_phrase": optional_str(key_phrase),
            "note": optional_str(note),
        })
    return rows
