"""The flush after each transactional test (on PostgreSQL by DELETE with triggers off: tests/backends/postgresql;
post_migrate after a flush leaves the change feed's triggers as they are: apps/core/apps.py)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from apps.core.models import ChangeEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _flush_after_a_test():
    """The flush Django's TransactionTestCase runs after each test (its _fixture_teardown): sequences kept. The
    `flush` command's own default restarts them, which takes Django's TRUNCATE (content types made again)."""
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=False)


def _tables_holding_rows():
    held = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            if cursor.fetchone()[0]:
                held.add(table)
    return held


@pytest.mark.postgres_only  # SQLite's flush deletes with the triggers on: the feed keeps the deletions' events
def test_a_flush_empties_every_table_but_the_content_types_and_permissions():
    factories.PledgeFactory()  # rows in several tables, their change events, a user's
    assert ChangeEvent.objects.exists()
    content_types = set(ContentType.objects.values_list("id", "app_label", "model"))
    _flush_after_a_test()
    assert _tables_holding_rows() == {"django_content_type", "auth_permission"}
    assert set(ContentType.objects.values_list("id", "app_label", "model")) == content_types  # kept, ids and all


def test_after_a_flush_the_change_feed_still_captures():
    factories.PledgeFactory()
    _flush_after_a_test()
    topic = factories.TopicFactory()
    assert ChangeEvent.objects.filter(resource="summits.topic", object_id=str(topic.pk), action="create").exists()
