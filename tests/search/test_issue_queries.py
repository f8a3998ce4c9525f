"""The searches issue 12 lists, on the seed: word forms, plurals, Cyrillic case, the admin, one search box."""

import pytest
from django.urls import reverse

from apps.sources.models import Citation
from tests.api.helpers import assert_status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_once")]


def slugs(api_client, path, **params):
    response = api_client.get(path, params)
    assert_status(response, 200)
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "path, q, wanted",
    [
        ("/api/v1/documents/", "декларации", "tokyo-declaration"),
        ("/api/v1/documents/", "declarations", "tokyo-declaration"),
        ("/api/v1/summits/", "summits", "central-asia-plus-japan-1"),
        ("/api/v1/documents/", "искусственный интеллект", "central-asia-japan-ai-partnership-framework-agreement"),
        # More Russian word forms and English plurals of the same titles.
        ("/api/v1/documents/", "декларацией", "tokyo-declaration"),
        ("/api/v1/documents/", "декларациях", "tokyo-declaration"),
        ("/api/v1/documents/", "токийской инициативы", "tokyo-initiative-ca-jad"),
        ("/api/v1/documents/", "initiatives", "tokyo-initiative-ca-jad"),
        ("/api/v1/documents/", "agreements", "central-asia-japan-ai-partnership-framework-agreement"),
        ("/api/v1/documents/", "интеллектом", "central-asia-japan-ai-partnership-framework-agreement"),
        ("/api/v1/documents/", "соглашениям", "central-asia-japan-ai-partnership-framework-agreement"),
        ("/api/v1/summits/", "саммиты", "central-asia-plus-japan-1"),
        ("/api/v1/summits/", "саммитов", "central-asia-plus-japan-1"),
        ("/api/v1/corridors/", "маршрутов", "trans-caspian-international-transport-route"),
        ("/api/v1/corridors/", "routes", "trans-caspian-international-transport-route"),
    ],
)
def test_word_forms_find_the_row(seeded, api_client, path, q, wanted):
    assert wanted in slugs(api_client, path, q=q)


@pytest.mark.parametrize(
    "path, params, wanted",
    [
        ("/api/v1/summits/", {"city": "токио"}, "central-asia-plus-japan-1"),
        ("/api/v1/summits/", {"city": "ТОКИО"}, "central-asia-plus-japan-1"),
        ("/api/v1/summits/", {"q": "япония"}, "central-asia-plus-japan-1"),
        ("/api/v1/documents/", {"q": "токийская"}, "tokyo-declaration"),
        ("/api/v1/actors/", {"q": "КАЗАХСТАН"}, "kazakhstan"),
        # Japanese names match by substring.
        ("/api/v1/actors/", {"q": "スタン"}, "kazakhstan"),
    ],
)
def test_cyrillic_and_japanese_match_whatever_the_case_on_both_databases(seeded, api_client, path, params, wanted):
    assert wanted in slugs(api_client, path, **params)


def test_admin_search_and_autocomplete_fold_cyrillic_case(seeded, admin_client):
    changelist = admin_client.get(reverse("admin:summits_summit_changelist"), {"q": "япония"})
    assert_status(changelist, 200)
    assert "Central Asia plus Japan" in changelist.content.decode()
    autocomplete = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "summits", "model_name": "summit", "field_name": "host", "term": "япо"},
    )
    assert_status(autocomplete, 200)
    assert "Japan" in [row["text"] for row in autocomplete.json()["results"]]


def test_one_search_finds_the_corridor_its_stakes_and_the_facts_citing_it(seeded, api_client, is_postgres):
    response = api_client.get("/api/v1/search/", {"q": "Транскаспийский", "page_size": 100})
    assert_status(response, 200)
    hits = response.json()["results"]
    found = {(hit["kind"], hit["slug"] or hit["id"]) for hit in hits}
    corridor = "trans-caspian-international-transport-route"
    assert hits[0]["kind"] == "corridor" and hits[0]["slug"] == corridor
    assert hits[0]["url"].endswith(f"/api/v1/corridors/{corridor}/")
    from apps.geoeconomics.models import Corridor

    stakes = Corridor.objects.get(slug=corridor).stakes.values_list("pk", flat=True)
    assert stakes and {("corridor-stake", pk) for pk in stakes} <= found
    if is_postgres:  # the key phrases say «Транскаспийского…»: another word form, which SQLite cannot stem
        assert "<mark>" in hits[0]["snippet"]
        ranks = [hit["rank"] for hit in hits]
        assert ranks == sorted(ranks, reverse=True)
        citing = Citation.objects.filter(key_phrase__icontains="транскаспийск")
        assert citing.exists()
        assert {("citation", c.pk) for c in citing} <= found
        # ... and the facts those citations support.
        kinds = {"corridor": "corridor", "corridorstake": "corridor-stake"}
        for citation in citing:
            fact = citation.fact
            key = fact.slug if hasattr(fact, "slug") else fact.pk
            assert (kinds.get(citation.content_type.model, citation.content_type.model), key) in found


@pytest.mark.parametrize(
    "lookup, value, matches",
    [
        ("icontains", "ТОКИЙСКАЯ", True),
        ("iexact", "токийская декларация", True),
        ("istartswith", "ТОКИЙ", True),
        ("icontains", "Токийская_декларация", False),  # `_` and `%` typed are literal, not wildcards
        ("icontains", "%декларация", False),
    ],
)
def test_case_insensitive_lookups_fold_cyrillic_and_keep_wildcards_literal(seeded, lookup, value, matches):
    from apps.summits.models import Document

    assert Document.objects.filter(**{f"title_ru__{lookup}": value}).exists() is matches
