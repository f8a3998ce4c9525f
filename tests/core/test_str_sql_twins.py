"""The SQL twins of __str__ and of the briefs (apps.core.api.briefs) written by hand for PostgreSQL's JSON pages
(apps.summits.api.page_json, apps.trade.api.page_json, apps.investments.api.page_json) say for every row of the seed, and for rows its values do
not cover, exactly what Python says: a change to a model's __str__ or to a brief that its twin does not follow
fails here, not only the keys and their order."""

import datetime
import json

import pytest
from django.db import connection

from apps.actors.models import Actor
from apps.core.api.briefs import brief_serializer
from apps.core.api.sql import json_actor_brief
from apps.core.models import DatePrecision
from apps.investments.api.page_json import DOCUMENT_BRIEF, PARENT_BRIEF, PURPOSE_BRIEF, SUMMIT_BRIEF
from apps.investments.models import Pledge
from apps.sources.api.page_json import SOURCE_BRIEF
from apps.sources.models import Source
from apps.summits.api.page_json import FORMAT_BRIEF, REPLACED_BY_BRIEF
from apps.summits.models import Document, Summit, SummitFormat, Topic
from tests.factories import SourceFactory, SummitFactory
from tests.investments.test_list_sql_path import pledge_edge_rows

pytestmark = pytest.mark.usefixtures("seeded_once")


def _sql_by_id(sql_of_row, table, alias):
    from_ = table if " " in table else f"{table} {alias}"  # a table, or tables joined under their aliases
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {alias}.id, {sql_of_row} FROM {from_}")
        return dict(cursor.fetchall())


def _edge_rows():
    """Rows the seed may not hold: a source without an author and with quotes, summits at each date precision
    and without a date."""
    SourceFactory(author="", title='A "quoted" title — ё')
    SourceFactory(author="O'Brien", title="Bob's notes")
    for precision, date in [
        (DatePrecision.DAY, datetime.date(2025, 12, 20)),
        (DatePrecision.MONTH, datetime.date(2025, 12, 1)),
        (DatePrecision.YEAR, datetime.date(2025, 1, 1)),
    ]:
        SummitFactory(date=date, date_precision=precision)


def test_source_str_sql_is_str_on_every_row(seeded):
    """Source.str_sql is plain SQL: held to __str__ on both databases."""
    _edge_rows()
    sql = _sql_by_id(Source.str_sql("s"), "sources_source", "s")
    python = {source.pk: str(source) for source in Source.objects.all()}
    assert len(python) > 10 and sql == python


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "model, table, alias, brief_sql",
    [
        (Actor, "actors_actor", "a", json_actor_brief("a")),
        (SummitFormat, "summits_summitformat", "f", FORMAT_BRIEF),
        (Source, "sources_source", "src", SOURCE_BRIEF),
        (Summit, "summits_summit", "rs", REPLACED_BY_BRIEF),
        (Summit, "summits_summit", "s", SUMMIT_BRIEF),
        (Document, "summits_document", "d", DOCUMENT_BRIEF),
        (Topic, "summits_topic", "tp", PURPOSE_BRIEF),
        # A pledge's name reads its donor's: joined as the pledges page joins a parent's (apps.investments.api.page_json).
        (Pledge, "investments_pledge pp JOIN actors_actor ppd ON ppd.id = pp.donor_id", "pp", PARENT_BRIEF),
    ],
    ids=["actor", "summit-format", "source", "summit", "pledge-summit", "document", "topic", "pledge"],
)
def test_each_brief_sql_is_the_brief_python_writes(seeded, model, table, alias, brief_sql):
    """PostgreSQL's JSON pages only (to_json, to_char): the brief the page's SQL writes for each row is the one the
    serializer writes, value for value."""
    _edge_rows()
    pledge_edge_rows()  # PostgreSQL's only: one amount has more digits than SQLite keeps
    sql = {pk: json.loads(text) for pk, text in _sql_by_id(brief_sql, table, alias).items()}
    serializer = brief_serializer(model)()
    python = {row.pk: dict(serializer.to_representation(row)) for row in model.objects.all()}
    assert len(python) > 3 and sql == python


@pytest.mark.postgres_only
def test_pledge_str_sql_is_str_on_every_row(seeded):
    """Pledge.str_sql (PostgreSQL: to_char) rounds and groups the amount as Python's format does."""
    pledge_edge_rows()
    sql = _sql_by_id(Pledge.str_sql("p", "a"), "investments_pledge p JOIN actors_actor a ON a.id = p.donor_id", "p")
    python = {pledge.pk: str(pledge) for pledge in Pledge.objects.select_related("donor")}
    assert len(python) > 20 and sql == python
