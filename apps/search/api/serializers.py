"""The search endpoint's query parameters and hits."""
from rest_framework import serializers

from apps.search.kinds import KIND_NAMES
from apps.search.text import search_words


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(help_text="Words to find: Russian or English word forms, names (near spellings too).")
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=KIND_NAMES), required=False,
        help_text="Only hits of these kinds (repeat for several); all kinds when absent.",
    )

    def validate_q(self, value):
        if not search_words(value):
            raise serializers.ValidationError("Give at least one word (letters or digits).")
        return value


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_NAMES, help_text="What the hit is; its list is /api/v1/<kind>s/.")
    id = serializers.IntegerField()
    slug = serializers.CharField(allow_null=True, help_text="null for kinds addressed by id.")
    url = serializers.URLField(help_text="The hit's API detail URL.")
    title = serializers.CharField()
    snippet = serializers.CharField(
        help_text="Where the words matched, marked <mark>…</mark> (PostgreSQL); on SQLite the start of the "
                  "matching field, unmarked.")
    rank = serializers.FloatField(help_text="Relevance, higher first: full-text rank plus name similarity (0 on SQLite).")
