"""Topics, summit formats, summits (with participants), documents (with signatories)."""

from rest_framework import serializers

from apps.core.api.fields import BriefRelatedField
from apps.core.api.serializers import CatrackModelSerializer, PrefetchedListSerializer
from apps.sources.api.serializers import FactSerializer
from apps.summits.models import Document, DocumentSignatory, Summit, SummitFormat, SummitParticipant, Topic


class TopicSerializer(CatrackModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "created_at", "updated_at", "slug", "name_en", "name_ru", "parent"]


class SummitFormatSerializer(FactSerializer):
    class Meta:
        model = SummitFormat
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "slug",
            "name_en",
            "name_ru",
            "description_en",
            "region",
            "partner",
        ]


class ParticipationSerializer(serializers.ModelSerializer):
    """A participant nested in its summit: who, in which role, represented by whom."""

    actor = BriefRelatedField(read_only=True)
    represented_by = BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = SummitParticipant
        fields = ["id", "actor", "role", "represented_by"]
        list_serializer_class = PrefetchedListSerializer


class SummitSerializer(FactSerializer):
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Summit
        fields = [
            "id",
            "citations",
            "participants",
            "created_at",
            "updated_at",
            "slug",
            "title_en",
            "title_ru",
            "level",
            "status",
            "mode",
            "date",
            "date_precision",
            "end_date",
            "city_en",
            "city_ru",
            "ordinal",
            "summary_en",
            "format",
            "host",
            "replaced_by",
        ]


class SummitParticipantSerializer(FactSerializer):
    class Meta:
        model = SummitParticipant
        fields = ["id", "citations", "created_at", "updated_at", "role", "summit", "actor", "represented_by"]


class SigningSerializer(serializers.ModelSerializer):
    actor = BriefRelatedField(read_only=True)
    signed_by = BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = DocumentSignatory
        fields = ["id", "actor", "signed_by"]
        list_serializer_class = PrefetchedListSerializer


class DocumentSerializer(FactSerializer):
    signatories = SigningSerializer(source="signings", many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "citations",
            "signatories",
            "created_at",
            "updated_at",
            "slug",
            "kind",
            "title_en",
            "title_ru",
            "adopted_on",
            "adopted_on_precision",
            "summary_en",
            "url",
            "summit",
            "implements",
            "topics",
        ]


class DocumentSignatorySerializer(CatrackModelSerializer):
    class Meta:
        model = DocumentSignatory
        fields = ["id", "created_at", "updated_at", "document", "actor", "signed_by"]
