"""Topics, summit formats, summits (with participants), documents (with signatories)."""
from rest_framework import serializers

from apps.core.api.fields import BriefRelatedField, brief_representation
from apps.core.api.serializers import CatrackModelSerializer, FactSerializer, PrefetchedListSerializer
from apps.summits.models import Document, DocumentSignatory, Summit, SummitFormat, SummitParticipant, Topic


class TopicSerializer(CatrackModelSerializer):
    class Meta:
        model = Topic
        fields = "__all__"


class SummitFormatSerializer(FactSerializer):
    class Meta:
        model = SummitFormat
        fields = "__all__"


class ParticipationSerializer(serializers.ModelSerializer):
    """A participant nested in its summit: who, in which role, represented by whom."""

    actor = BriefRelatedField(read_only=True)
    represented_by = BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = SummitParticipant
        fields = ["id", "actor", "role", "represented_by"]
        list_serializer_class = PrefetchedListSerializer

    def to_representation(self, participation):
        # Built directly (every participant of every summit in a page): same keys, order and values.
        if isinstance(participation, dict):
            return participation  # already a representation (SummitViewSet.list)
        represented_by = participation.represented_by
        return {
            "id": participation.id,
            "actor": brief_representation(participation.actor),
            "role": participation.role,
            "represented_by": None if represented_by is None else brief_representation(represented_by),
        }


class SummitSerializer(FactSerializer):
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Summit
        fields = "__all__"


class SummitParticipantSerializer(FactSerializer):
    class Meta:
        model = SummitParticipant
        fields = "__all__"


class SigningSerializer(serializers.ModelSerializer):
    actor = BriefRelatedField(read_only=True)
    signed_by = BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = DocumentSignatory
        fields = ["id", "actor", "signed_by"]


class DocumentSerializer(FactSerializer):
    signatories = SigningSerializer(source="signings", many=True, read_only=True)

    class Meta:
        model = Document
        fields = "__all__"


class DocumentSignatorySerializer(CatrackModelSerializer):
    class Meta:
        model = DocumentSignatory
        fields = "__all__"
