"""The flush after each transactional test (on PostgreSQL by DELETE with triggers off: tests/backends/postgresql;
post_migrate after a flush leaves the change feed's triggers as they are: apps/core/apps.py)."""

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core.models import ChangeEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _tables_holding_rows():
    held = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            if cursor.fetchone()[0]:
                held.add(table)
    return held


@pytest.mark.postgres_only  # SQLite's flush deletes with the triggers on: the feed keeps the deletions' events
def test_a_flush_empties_every_table_but_the_content_types_and_permissions_made_again():
    factories.PledgeFactory()  # rows in several tables, their change events, a user's
    assert ChangeEvent.objects.exists()
    call_command("flush", verbosity=0, interactive=False)
    assert _tables_holding_rows() == {"django_content_type", "auth_permission"}


def test_after_a_flush_the_change_feed_still_captures():
    factories.PledgeFactory()
    call_command("flush", verbosity=0, interactive=False)
    topic = factories.TopicFactory()
    assert ChangeEvent.objects.filter(resource="summits.topic", object_id=str(topic.pk), action="create").exists()
