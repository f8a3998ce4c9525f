"""The change feed's indexes (apps.core.models.ChangeEvent): a change set's events are found through a BRIN index
on PostgreSQL (no index entry per event for an import to write), a B-tree on SQLite; rows and times keep B-trees."""

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import ChangeEvent

pytestmark = pytest.mark.django_db


def _index_definitions():
    table = ChangeEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return dict(cursor.fetchall())


def test_change_sets_have_a_brin_index_on_postgresql_and_a_btree_on_sqlite():
    definitions = _index_definitions()
    changeset = definitions["changeevent_changeset_idx"]
    if connection.vendor == "postgresql":
        assert "USING brin (changeset)" in changeset
        assert "pages_per_range='32'" in changeset and "autosummarize='on'" in changeset
        # A row's history and the time cursor (`since=<time>`) keep their B-trees.
        assert "USING btree (resource, object_id)" in definitions["changeevent_row_idx"]
        assert any("USING btree (occurred_at)" in definition for definition in definitions.values())
    else:
        assert "USING" not in changeset.upper() and '"changeset"' in changeset


@pytest.mark.postgres_only
def test_a_change_sets_events_are_found_through_the_brin_index_summarized_or_not():
    """Events of 30 change sets appended one after another: each set is found whole through the index, while its
    ranges are unsummarized (read by every lookup) and once summarized (only the ranges whose bounds hold it)."""
    now = timezone.now()
    ChangeEvent.objects.bulk_create(
        ChangeEvent(
            occurred_at=now,
            resource="trade.tradeflow",
            object_id=str(n),
            action="create",
            row={"id": n, "note": "x" * 400},  # about a page per 15 events: the sets span many ranges
            changeset=9_000_000 + n // 100,
        )
        for n in range(3000)
    )
    wanted = {
        changeset: set(range((changeset - 9_000_000) * 100, (changeset - 9_000_000 + 1) * 100))
        for changeset in (9_000_000, 9_000_013, 9_000_029)
    }

    def found(changeset):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN SELECT object_id FROM core_changeevent WHERE changeset = %s", [changeset])
            plan = "\n".join(line for (line,) in cursor.fetchall())
            assert "changeevent_changeset_idx" in plan, plan
            ids = {
                int(object_id)
                for object_id in ChangeEvent.objects.filter(changeset=changeset).values_list("object_id", flat=True)
            }
            cursor.execute("RESET enable_seqscan")
        return ids

    for changeset, object_ids in wanted.items():
        assert found(changeset) == object_ids
    with connection.cursor() as cursor:
        cursor.execute("SELECT brin_summarize_new_values('changeevent_changeset_idx')")
        assert cursor.fetchone()[0] > 0
    for changeset, object_ids in wanted.items():
        assert found(changeset) == object_ids
