"""Corridors (with stakes), strategic resources (with interests) and their link rows."""

from rest_framework import serializers

from apps.core.api.fields import BriefRelatedField
from apps.geoeconomics.models import Corridor, CorridorStake, ResourceInterest, StrategicResource
from apps.sources.api.serializers import FactSerializer


class StakeBriefSerializer(serializers.ModelSerializer):
    actor = BriefRelatedField(read_only=True)

    class Meta:
        model = CorridorStake
        fields = ["id", "actor", "role", "description_en"]


class CorridorSerializer(FactSerializer):
    stakes = StakeBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Corridor
        fields = [
            "id",
            "citations",
            "stakes",
            "created_at",
            "updated_at",
            "slug",
            "name_en",
            "name_ru",
            "abbreviation",
            "goals_en",
            "description_en",
            "countries",
            "markets",
            "bypasses",
        ]


class CorridorStakeSerializer(FactSerializer):
    class Meta:
        model = CorridorStake
        fields = ["id", "citations", "created_at", "updated_at", "role", "description_en", "corridor", "actor"]


class InterestBriefSerializer(serializers.ModelSerializer):
    actor = BriefRelatedField(read_only=True)
    region = BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ResourceInterest
        fields = ["id", "actor", "kind", "region", "description_en"]


class StrategicResourceSerializer(FactSerializer):
    interests = InterestBriefSerializer(many=True, read_only=True)

    class Meta:
        model = StrategicResource
        fields = [
            "id",
            "citations",
            "interests",
            "created_at",
            "updated_at",
            "slug",
            "name_en",
            "name_ru",
            "category",
            "description_en",
        ]


class ResourceInterestSerializer(FactSerializer):
    class Meta:
        model = ResourceInterest
        fields = [
            "id",
            "citations",
            "created_at",
            "updated_at",
            "kind",
            "description_en",
            "resource",
            "actor",
            "region",
        ]
