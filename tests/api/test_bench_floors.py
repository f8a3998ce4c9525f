"""The benchmark's raw floors (bench/queries.py) read every value the API's page shows: a floor that skips fields the
page carries is a cheaper page, and its ratio (issue 30's target) says nothing. For the summits by participant and
the documents search, on the benchmark's own rows (bench/dataset.py) with every field of one summit and one document
filled: the floor selects the page's rows, and each value of each row of the API's page (every key, nested lists
and briefs included) is among the values the floor read for that row; what the page derives (a partial date's
display, a brief's name, what backs a fact) is derived from the floor's values by the same code."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from apps.actors.models import Actor, ActorKind
from apps.core.api.counts import clear_count_cache
from apps.sources.corroboration import fact_support
from apps.sources.models import Citation, Source, SourceKind
from apps.summits.models import Document, DocumentSignatory, Summit, SummitParticipant, Topic
from bench import dataset, queries
from bench.run import SEARCH_COMMODITY, SEARCH_DOCUMENT_WORDS, api_urls

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


@pytest.fixture
def bench_rows():
    """The benchmark's rows at a small size; one summit of the participant's page and one document of the search's
    page with every field the page shows filled (status, mode, replacement, claims, signatories, topics…)."""
    states = dataset.make_states(7)
    dataset.seed_facts(states=states, summits=60, pledges=40, seed=7)
    dataset.seed_claims()
    dataset.seed_documents(count=300, seed=7)
    participant = states.slug(1)
    summits = list(Summit.objects.filter(participants__slug=participant).order_by("-date", "title_en", "id")[:2])
    person = Actor.objects.create(kind=ActorKind.PERSON, slug="bench-person", name_en="A Person", name_ru="Лицо")
    Summit.objects.filter(pk=summits[0].pk).update(
        status="postponed",
        mode="hybrid",
        replaced_by=summits[1],
        level="ministers",
        end_date=summits[0].date + datetime.timedelta(days=1),
        city_ru="Астана",
        ordinal=3,
        summary_en="A summary",
    )
    Summit.objects.filter(pk=summits[1].pk).update(date_precision="month")
    SummitParticipant.objects.filter(summit=summits[0]).update(represented_by=person, role="guest")
    official = Source.objects.create(
        slug="bench-official",
        kind=SourceKind.OFFICIAL_STATEMENT,
        title="Statement",
        author="Ministry",
        language="ru",
        is_official=True,
    )
    repost = Source.objects.create(
        slug="bench-official-repost", kind=SourceKind.NEWS, title="Repost", language="en", origin=official
    )
    document = Document.objects.filter(title_en__contains="energy", kind="declaration").order_by("title_en", "id")[0]
    other = Document.objects.exclude(pk=document.pk).order_by("id")[0]
    Document.objects.filter(pk=document.pk).update(
        summit=summits[1],
        implements=other,
        adopted_on=datetime.date(2024, 5, 1),
        adopted_on_precision="month",
        summary_en="What it says",
        url="https://example.org/declaration",
    )
    DocumentSignatory.objects.create(document=document, actor=Actor.objects.get(slug=participant), signed_by=person)
    document.topics.add(Topic.objects.create(slug="bench-energy", name_en="Energy", name_ru="Энергетика"))
    for fact in (summits[0], document):
        content_type = ContentType.objects.get_for_model(fact)
        for source, value, rank in ((official, "2024-05-01", "preferred"), (repost, "2024-05-02", "alternative")):
            Citation.objects.create(
                source=source,
                content_type=content_type,
                object_id=fact.pk,
                section="Part 2",
                paragraph=4,
                key_phrase=f"claim of {source.slug}",
                note="A note",
                basis="inferred",
                inference="From the context",
                field="date",
                value=value,
                rank=rank,
                rank_reason="Said first" if rank == "preferred" else "",
            )
    return participant


@pytest.mark.parametrize("name", ["summits_by_participant", "documents_q"])
def test_the_floor_reads_every_value_the_page_shows(api_client, bench_rows, name):
    urls = api_urls(reporter="state-none", participant=bench_rows, year_min=2000)
    statements = {
        **queries.raw_requests(reporter="state-none", participant=bench_rows, year_min=2000),
        **queries.search_requests(commodity=SEARCH_COMMODITY, document_words=SEARCH_DOCUMENT_WORDS),
    }[name]
    clear_count_cache()
    page = api_client.get(urls[name]).json()
    results = queries.raw_rows(connection, statements)
    # The floor's rows of each fact: the rows (of more than one column) whose first column is its id.
    by_id = {}
    for columns, rows in results:
        for row in rows:
            if len(row) > 1:
                by_id.setdefault(row[0], []).append(dict(zip(columns, row)) | {"": list(row)})
    page_rows = next(rows for _, rows in results if rows and len(rows[0]) > 2)
    assert [row[0] for row in page_rows] == [fact["id"] for fact in page["results"]]
    assert len(page["results"]) > 1 and str(page["count"]) in {_text(v) for _, rows in results for r in rows for v in r}
    filled = 0
    for fact in page["results"]:
        floor = by_id[fact["id"]]
        carried = {_text(value) for row in floor for value in row[""]}
        missing = [
            (path, value)
            for path, value in _leaves(fact)
            if value is not None and not _derived(path, value, floor) and _text(value) not in carried
        ]
        assert not missing, f"{name}: the floor does not read {missing} of {fact['slug']}"
        citations = [row for row in floor if "origin" in row]
        support = fact_support(
            SimpleNamespace(
                basis=row["basis"],
                source_id=row["slug"],
                root_origin_id=row["origin"],
                field=row["field"],
                value=row["value"],
                source=SimpleNamespace(is_official=row["is_official"]),
            )
            for row in citations
        )
        assert (support.basis, support.independent_origins, support.official_sources) == (
            fact["basis"],
            fact["independent_origins"],
            fact["official_sources"],
        )
        assert list(support.disputed_fields) == fact["disputed_fields"]
        filled += bool(fact["disputed_fields"])
    assert filled == 1  # the fact with every field filled is on the page


def _leaves(value, path=()):
    """(path, value) of every scalar in a JSON value; a list's items under '*'."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, (*path, "*"))
    else:
        yield path, value


def _text(value):
    """A value as the API writes it, for comparing a floor's column with a page's value."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _derived(path, value, floor):
    """Whether `value` at `path` is one the page derives from the floor's values (by the models' own code), or what
    backs the fact (compared with fact_support of the floor's citations by the test)."""
    if path in (("basis",), ("independent_origins",), ("official_sources",)) or path[-1].endswith("_display"):
        return True  # a partial date's display: of the date and its precision, both shown and so read
    values = [v for row in floor for v in row[""]]
    strings = [v for v in values if isinstance(v, str)]
    if path[-2:] == ("source", "name"):  # Source.__str__
        return any(str(Source(title=title, author=author)) == value for title in strings for author in ("", *strings))
    if path in (("replaced_by", "name"), ("summit", "name")):  # Summit.__str__
        dates = [v for v in values if isinstance(v, datetime.date)]
        return any(
            str(Summit(title_en=title, date=date, date_precision=precision)) == value
            for title in strings
            if value.startswith(title)
            for date in dates
            for precision in strings
            if precision in ("day", "month", "year")
        )
    return False
