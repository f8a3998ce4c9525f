"""The search indexes of stated trade figures (apps.search.kinds, issue 25). PostgreSQL only."""
from django.db import migrations

from apps.search.kinds import index_definitions

MIGRATION = "0002_stated_trade_figure_indexes"


def _indexes(apps):
    for label, prefix, search in index_definitions(MIGRATION):
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
        ("search", "0001_text_search_indexes"),
        ("trade", "0006_stated_trade_figure"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
