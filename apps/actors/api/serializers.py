"""Actors and actor relations for the API."""

from apps.actors.models import Actor, ActorRelation, Office
from apps.sources.api.serializers import FactSerializer


class ActorSerializer(FactSerializer):
    class Meta:
        model = Actor
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "slug",
            "kind",
            "name_en",
            "name_ru",
            "name_ja",
            "iso3",
            "wikidata_id",
            "position_en",
            "position_ru",
            "description_en",
            "country",
            "members",
        ]


class ActorRelationSerializer(FactSerializer):
    class Meta:
        model = ActorRelation
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "kind",
            "qualifier",
            "domain",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
            "description_en",
            "subject",
            "object",
        ]


class OfficeSerializer(FactSerializer):
    class Meta:
        model = Office
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "person",
            "organization",
            "role_en",
            "role_ru",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
        ]
