"""Actors and actor relations for the API."""
from apps.actors.models import Actor, ActorRelation, Office
from apps.core.api.serializers import FactSerializer


class ActorSerializer(FactSerializer):
    class Meta:
        model = Actor
        fields = "__all__"


class ActorRelationSerializer(FactSerializer):
    class Meta:
        model = ActorRelation
        fields = "__all__"


class OfficeSerializer(FactSerializer):
    class Meta:
        model = Office
        fields = "__all__"
