"""The search endpoint's query parameters and hits."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.core.api.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, search_words_validator
from apps.search.kinds import KIND_NAMES
from apps.search.text import search_words


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=SEARCH_MAX_LENGTH,
        help_text=f"Words to find: Russian or English word forms, names (near spellings too); at most "
        f"{SEARCH_MAX_LENGTH} characters and {SEARCH_MAX_WORDS} words, as `q` on every list.",
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=KIND_NAMES),
        required=False,
        help_text="Only hits of these kinds (repeat for several); all kinds when absent.",
    )

    def to_internal_value(self, data):
        # A list's errors come keyed by position ({"kind": {"0": [...]}}); say which value, and the choices.
        kinds = data.get("kind") or []
        kinds = [kinds] if isinstance(kinds, str) else kinds
        unknown = [kind for kind in kinds if kind not in KIND_NAMES]
        if unknown:
            raise serializers.ValidationError(
                {"kind": [f"Unknown kind {', '.join(map(repr, unknown))}; the kinds are: {', '.join(KIND_NAMES)}."]}
            )
        return super().to_internal_value(data)

    def validate_q(self, value):
        if not search_words(value):
            raise serializers.ValidationError("Give at least one word (letters or digits).")
        try:
            search_words_validator(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_NAMES, help_text="What the hit is; its list is /api/v1/<kind>s/.")
    id = serializers.IntegerField()
    slug = serializers.CharField(allow_null=True, help_text="null for kinds addressed by id.")
    url = serializers.URLField(help_text="The hit's API detail URL.")
    title = serializers.CharField()
    snippet = serializers.CharField(
        help_text="HTML: where the words matched, the stored text escaped (&lt; &gt; &amp; &quot; &#x27;) and "
        "the matched words marked <mark>…</mark>, the only markup (PostgreSQL); on SQLite the start of the "
        "matching field, escaped, unmarked."
    )
    rank = serializers.FloatField(
        help_text="Relevance, higher first: full-text rank plus name similarity (0 on SQLite)."
    )
