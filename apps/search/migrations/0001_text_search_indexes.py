"""pg_trgm, and the GIN indexes of every searchable model (apps.search.kinds): its full-text vector
and trigram indexes on its names. PostgreSQL only; SQLite searches without indexes."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from apps.search.kinds import index_definitions


def _indexes(apps):
    for label, prefix, search in index_definitions():
        model = apps.get_model(label)
        for index in search.indexes(prefix):
            yield model, index


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in _indexes(apps):
            schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in _indexes(apps):
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0001_initial"),
        ("geoeconomics", "0001_initial"),
        ("investments", "0001_initial"),
        ("sources", "0001_initial"),
        ("summits", "0002_total_orders"),
        ("trade", "0003_trade_flow_total_order"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
