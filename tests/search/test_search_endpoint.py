"""/api/v1/search/: parameters, kinds, pages; near spellings of Central Asian names; the indexes used."""

import re

import pytest
import yaml
from django.apps import apps
from django.db import connection

from apps.search.kinds import KIND_NAMES, KINDS, LIST_ONLY, index_definitions, text_search_of
from tests.api.helpers import assert_status
from tests.factories import DocumentFactory, PersonFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": "  ,. "}, "q"),
        ({"q": "japan", "kind": "planet"}, "kind"),
        ({"q": "japan", "knd": "summit"}, "knd"),
    ],
)
def test_bad_parameters_are_400_naming_them(api_client, params, field):
    response = api_client.get("/api/v1/search/", params)
    assert_status(response, 400)
    assert field in response.json()


def test_hits_are_filtered_by_kind_and_paginated(api_client):
    SummitFactory(title_en="Samarkand summit", title_ru="Самаркандский саммит")
    DocumentFactory(title_en="Samarkand declaration", title_ru="Самаркандская декларация", summit=None)
    everything = api_client.get("/api/v1/search/", {"q": "Samarkand"}).json()
    assert {hit["kind"] for hit in everything["results"]} == {"summit", "document"}
    only = api_client.get("/api/v1/search/", {"q": "Samarkand", "kind": "document"}).json()
    assert [hit["kind"] for hit in only["results"]] == ["document"]
    first = api_client.get("/api/v1/search/", {"q": "Samarkand", "page_size": 1}).json()
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]
    hit = first["results"][0]
    assert set(hit) == {"kind", "id", "slug", "url", "title", "snippet", "rank"}
    assert_status(api_client.get(hit["url"]), 200)


# Each president and capital of Central Asia, and a misspelling or other transliteration of it.
LEADERS = [
    ("Kassym-Jomart Tokayev", "Касым-Жомарт Токаев", "Tokaev"),
    ("Shavkat Mirziyoyev", "Шавкат Мирзиёев", "Mirziyoev"),
    ("Sadyr Japarov", "Садыр Жапаров", "Zhaparov"),
    ("Emomali Rahmon", "Эмомали Рахмон", "Rakhmon"),
    ("Serdar Berdimuhamedov", "Сердар Бердымухамедов", "Berdymukhamedov"),
    ("Shavkat Mirziyoyev", "Шавкат Мирзиёев", "Мирзияев"),
    ("Kassym-Jomart Tokayev", "Касым-Жомарт Токаев", "Токаеф"),
]
CAPITALS = [
    ("Astana", "Астана", "Astanna"),
    ("Tashkent", "Ташкент", "Toshkent"),
    ("Bishkek", "Бишкек", "Бишкэк"),
    ("Dushanbe", "Душанбе", "Dushambe"),
    ("Ashgabat", "Ашгабат", "Ашхабад"),
    ("Ashgabat", "Ашгабат", "Ashkhabad"),
]


@pytest.mark.postgres_only
@pytest.mark.parametrize("name_en, name_ru, typed", LEADERS)
def test_misspelt_leader_names_rank_first(api_client, name_en, name_ru, typed):
    leader = PersonFactory(name_en=name_en, name_ru=name_ru)
    PersonFactory(name_en="Someone Else", name_ru="Кто-то другой")
    hits = api_client.get("/api/v1/search/", {"q": typed, "kind": "actor"}).json()["results"]
    assert hits and hits[0]["slug"] == leader.slug
    assert leader.slug in [row["slug"] for row in api_client.get("/api/v1/actors/", {"q": typed}).json()["results"]]


@pytest.mark.postgres_only
@pytest.mark.parametrize("city_en, city_ru, typed", CAPITALS)
def test_misspelt_capitals_rank_first(api_client, city_en, city_ru, typed):
    summit = SummitFactory(title_en="Summit", city_en=city_en, city_ru=city_ru)
    for other_en, other_ru, _ in CAPITALS:
        if other_en != city_en:
            SummitFactory(title_en="Summit", city_en=other_en, city_ru=other_ru)
    hits = api_client.get("/api/v1/search/", {"q": typed, "kind": "summit"}).json()["results"]
    assert hits and hits[0]["slug"] == summit.slug, hits
    assert summit.slug in [row["slug"] for row in api_client.get("/api/v1/summits/", {"q": typed}).json()["results"]]


@pytest.mark.postgres_only
def test_misspelt_country_name_ranks_first_and_unrelated_stans_stay_out(api_client):
    kazakhstan = StateFactory(name_en="Kazakhstan", name_ru="Казахстан")
    StateFactory(name_en="Kyrgyzstan", name_ru="Кыргызстан")
    hits = api_client.get("/api/v1/search/", {"q": "Kazakstan"}).json()["results"]
    assert [hit["slug"] for hit in hits] == [kazakhstan.slug]


@pytest.mark.postgres_only
@pytest.mark.parametrize("label, prefix", [(label, prefix) for label, prefix, _ in index_definitions()])
def test_each_search_can_use_its_gin_index(label, prefix):
    """The query's expressions are those indexed (with sequential scans off, the plan names the index, or on a
    table partitioned by year (trade flows, docs/partitioning.md) every partition's share of it)."""
    model = apps.get_model(label)
    index = f"{prefix}_search_idx"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [index])
        partition_indexes = [name for (name,) in cursor.fetchall()]
    plan = model.objects.order_by().filter(text_search_of(model).q("Tashkent")).explain()
    scanned = set(re.findall(r"Index Scan on (\S+)", plan))
    assert scanned & {index, *partition_indexes}, plan
    if partition_indexes:  # each partition the plan reads, through its share of the index
        read = set(re.findall(r"Bitmap Heap Scan on (\S+)", plan))
        assert read and all(any(name.startswith(f"{table}_") for name in scanned) for table in read), plan
    assert "Seq Scan" not in plan, plan


def test_every_searchable_model_is_a_kind_or_list_only():
    labels = [kind.model for kind in KINDS] + list(LIST_ONLY)
    assert len(labels) == len(set(labels))


@pytest.mark.postgres_only
def test_near_spellings_are_matched_word_by_word(api_client):
    """'Tokyo summit' must not find every summit titled '… summit' through the trigrams of 'summit'."""
    tokyo = SummitFactory(title_en="Tokyo summit", city_en="Tokyo", city_ru="Токио")
    SummitFactory(title_en="Samarkand summit", city_en="Samarkand", city_ru="Самарканд")
    for q in ["Tokyo summit", "Tokio summits"]:
        hits = api_client.get("/api/v1/search/", {"q": q, "kind": "summit"}).json()["results"]
        assert [hit["slug"] for hit in hits] == [tokyo.slug], q


@pytest.mark.postgres_only
def test_numbers_and_short_words_match_only_as_typed(api_client):
    """Near spellings are for words of letters: 'Summit 123' must not find 'Summit 124' by trigrams of '123'."""
    wanted = SummitFactory(title_en="Summit 123", title_ru="Саммит 123")
    SummitFactory(title_en="Summit 124", title_ru="Саммит 124")
    for q in ["Summit 123", "Саммит 123", "Sumit 123"]:
        assert [row["slug"] for row in api_client.get("/api/v1/summits/", {"q": q}).json()["results"]] == [
            wanted.slug
        ], q


def test_several_kinds_narrow_one_search(seeded, api_client):
    # The README's example: a repeated `kind` is a multiple choice, not a repeated single value.
    response = api_client.get("/api/v1/search/", {"q": "Транскаспийский", "kind": ["corridor", "document"]})
    assert_status(response, 200)
    kinds = {hit["kind"] for hit in response.json()["results"]}
    assert "corridor" in kinds and kinds <= {"corridor", "document"}


@pytest.mark.parametrize("q", ["x" * 201, " ".join(["word"] * 11)])
def test_search_has_the_lists_q_limits(db, api_client, q):
    response = api_client.get("/api/v1/search/", {"q": q})
    assert_status(response, 400)
    assert "q" in response.json()


def test_search_refuses_an_export_format(db, api_client):
    response = api_client.get("/api/v1/search/", {"q": "Japan", "format": "csv"})
    assert_status(response, 400)
    assert "format" in response.json()


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "typed, name_en, place",
    [
        ("Japarov", "Sadyr Japarov", "Japan"),  # word similarity 0.50
        ("Tokayev", "Kassym-Jomart Tokayev", "Tokyo"),  # 0.38
    ],
)
def test_a_name_spelt_as_catrack_holds_it_is_not_a_near_spelling_of_another(api_client, typed, name_en, place):
    """The fresh-eyes review: searching a president's name also found every summit and document of Japan or Tokyo."""
    person = PersonFactory(name_en=name_en)
    SummitFactory(title_en=f"{place} summit", city_en=place)
    DocumentFactory(title_en=f"{place} declaration", summit=None)
    hits = api_client.get("/api/v1/search/", {"q": typed}).json()["results"]
    assert [(hit["kind"], hit["slug"]) for hit in hits] == [("actor", person.slug)]
    assert api_client.get("/api/v1/summits/", {"q": typed}).json()["results"] == []


@pytest.mark.postgres_only
def test_a_misspelt_name_still_finds_the_name_first(api_client):
    person = PersonFactory(name_en="Kassym-Jomart Tokayev")
    SummitFactory(title_en="Tokyo summit", city_en="Tokyo")
    hits = api_client.get("/api/v1/search/", {"q": "Tokaev"}).json()["results"]
    assert hits[0]["slug"] == person.slug


@pytest.mark.parametrize("q", ["yen", "export", "трлн"])
def test_every_hit_links_to_its_api_detail(seeded, api_client, client, q):
    """The fresh-eyes review: pledges and trade measures gained a slug (their fixture key) while their API
    address stayed their id, and every search finding one answered 500 (NoReverseMatch)."""
    response = api_client.get("/api/v1/search/", {"q": q, "page_size": 100})
    assert_status(response, 200)
    hits = response.json()["results"]
    assert hits
    for hit in hits:
        assert_status(api_client.get(hit["url"]), 200)
    assert client.get("/search/", {"q": q}).status_code == 200


def test_an_unknown_kind_is_named_with_the_kinds_there_are(db, api_client):
    response = api_client.get("/api/v1/search/", {"q": "japan", "kind": ["summit", "planet"]})
    assert_status(response, 400)
    (message,) = response.json()["kind"]
    assert "'planet'" in message and "summit" in message and "corridor" in message


def test_snippets_escape_stored_markup_and_keep_only_catracks_marks(api_client, client, is_postgres):
    """Issue 26: a snippet returned stored markup as it was, beside <mark> (one ran alert(1) when rendered)."""
    SummitFactory(title_en="A summit", summary_en='Uranium <script>alert(1)</script> & <mark>own</mark> "x" deals.')
    (hit,) = api_client.get("/api/v1/search/", {"q": "uranium"}).json()["results"]
    snippet = hit["snippet"]
    # No markup but catrack's marks, and every special character escaped (PostgreSQL's ts_headline also drops
    # the tags it parses; SQLite's snippet is the stored text, escaped).
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert "&amp;" in snippet and "&quot;x&quot;" in snippet and '"' not in snippet
    if not is_postgres:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet and "&lt;mark&gt;own&lt;/mark&gt;" in snippet
    # catrack's marks are the only markup: around the word searched, on PostgreSQL (SQLite marks nothing).
    marks = snippet.count("<mark>")
    assert marks == (1 if is_postgres else 0) and snippet.count("</mark>") == marks
    if is_postgres:
        assert "<mark>Uranium</mark>" in snippet
    # The site's search page shows the same HTML, escaped once (not &amp;lt;).
    page = client.get("/search/", {"q": "uranium"}).content.decode()
    assert snippet in page and "<script>alert" not in page and "&amp;amp;" not in page


def test_the_search_counts_the_hits_of_every_kind(api_client, django_assert_num_queries):
    """`kinds`: hits per kind for `q`, every kind listed, whatever `kind` chooses; `count` is their sum over the
    kinds chosen, not counted a second time."""
    SummitFactory(title_en="Samarkand summit", title_ru="Самаркандский саммит")
    DocumentFactory(title_en="Samarkand declaration", title_ru="Самаркандская декларация", summit=None)
    DocumentFactory(title_en="Samarkand communique", title_ru="Самаркандское коммюнике", summit=None)
    everything = api_client.get("/api/v1/search/", {"q": "Samarkand", "page_size": 1}).json()
    assert list(everything) == ["count", "next", "previous", "kinds", "results"]
    assert set(everything["kinds"]) == set(KIND_NAMES)
    assert {kind: n for kind, n in everything["kinds"].items() if n} == {"summit": 1, "document": 2}
    assert everything["count"] == 3 and len(everything["results"]) == 1
    with django_assert_num_queries(3):  # the counts per kind, the page's hits, the documents on it
        only = api_client.get("/api/v1/search/", {"q": "Samarkand", "kind": "document"}).json()
    assert only["count"] == 2 and only["kinds"] == everything["kinds"]
    assert {hit["kind"] for hit in only["results"]} == {"document"}
    last = api_client.get("/api/v1/search/", {"q": "Samarkand", "page_size": 2, "page": "last"}).json()
    assert last["count"] == 3 and len(last["results"]) == 1


def test_the_schema_declares_the_counts_per_kind(api_client):
    schema = yaml.safe_load(api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content)
    page = schema["paths"]["/api/v1/search/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]] if "$ref" in page else page
    assert "kinds" in page["required"] and set(page["properties"]["kinds"]["properties"]) == set(KIND_NAMES)
