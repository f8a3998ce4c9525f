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
        # The indexes are built from today's definitions (apps.search.kinds), so this runs after every
        # migration that adds a field they name (citations' `inference`, sources 0002).
        ("actors", "0003_office"),
        ("geoeconomics", "0001_initial"),
        ("investments", "0001_initial"),
        ("sources", "0003_assessment"),
        ("summits", "0005_format_partner_kind_trigger"),
        ("trade", "0004_trade_flow_comtrade_natural_key"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
