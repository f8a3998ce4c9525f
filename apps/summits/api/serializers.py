"""Topics, summit formats, summits (with participants), documents (with signatories)."""
from rest_framework import serializers

from apps.core.api.fields import Brief, BriefRelatedField, brief_representation
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

    def to_representation(self, summit):
        # Read for every summit of a page: the declared fields' output built in one pass, without
        # DRF's per-field get_attribute/SkipField machinery (same keys, order and values).
        # The plan depends on the class only (every field read-only here, none reads the request), so it
        # is built once per process: building the ~20 fields anew per request costs more than using them.
        plan = type(self).__dict__.get("_representation_plan")
        if plan is None:
            plan = _representation_plan(self._readable_fields)
            type(self)._representation_plan = plan
        ret = {}
        for name, attr, kind, field in plan:
            if kind == _WHOLE:
                ret[name] = field.to_representation(summit)
                continue
            if kind == _NESTED:
                value = field.get_attribute(summit)
                ret[name] = None if value is None else field.to_representation(value)
                continue
            value = getattr(summit, attr)
            if value is None:
                ret[name] = None
            elif kind == _STR:
                ret[name] = str(value)
            elif kind == _INT:
                ret[name] = int(value)
            elif kind == _BRIEF:
                ret[name] = value if type(value) is Brief else brief_representation(value)  # Brief: SummitRow
            else:
                ret[name] = field.to_representation(value)
        return ret


_STR, _INT, _BRIEF, _WHOLE, _NESTED, _OTHER = range(6)


def _representation_plan(fields):
    """(name, attribute, how to convert, field) for each readable field, in output order."""
    plan = []
    for field in fields:
        if field.source == "*":
            kind = _WHOLE
        elif isinstance(field, serializers.ListSerializer) or len(field.source_attrs) != 1:
            kind = _NESTED
        elif isinstance(field, serializers.ChoiceField):
            kind = _OTHER
        elif isinstance(field, serializers.CharField):  # also SlugField: str(value)
            kind = _STR
        elif type(field) is serializers.IntegerField:
            kind = _INT
        elif type(field) is BriefRelatedField:
            kind = _BRIEF
        else:
            kind = _OTHER  # dates, timestamps: the field's own conversion
        plan.append((field.field_name, field.source_attrs[0] if field.source_attrs else None, kind, field))
    return plan


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
