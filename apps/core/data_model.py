"""The data model as a Mermaid entity-relationship diagram, drawn from the models themselves, so the picture in
docs/data-model.md never drifts from the schema (`manage.py data_model --write`; a test compares the two)."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

DIAGRAM_PATH = Path(settings.BASE_DIR) / "docs" / "data-model.md"
# catrack's own apps whose tables are facts and their sources (not search, site or core's bookkeeping).
DIAGRAM_APPS = ("sources", "actors", "summits", "investments", "trade", "geoeconomics")
HEADER = """# catrack's data model

Generated from the models by `manage.py data_model --write` (a test fails when this file and the models
differ). Each box is a table with its columns (type, PK/FK/UK); each line a relation: `||--o{` one to many,
`}o--o{` many to many, `|o--o{` an optional one to many. Every fact also carries citations (sources.Citation,
a generic relation by content type and id) and a change history (the change feed, core.ChangeEvent), not drawn here.
Render it on GitHub, in any Mermaid viewer, or with `npx @mermaid-js/mermaid-cli`.

"""


def data_model_mermaid() -> str:
    """The Mermaid `erDiagram` text of every model in DIAGRAM_APPS: entities in app then model order."""
    lines = ["erDiagram"]
    relations = []
    for model in _models():
        name = _entity(model)
        lines.append(f"    {name} {{")
        for field in model._meta.concrete_fields:
            keys = ["PK"] if field.primary_key else ["FK"] if field.is_relation else ["UK"] if field.unique else []
            kind = field.related_model.__name__ if field.is_relation else field.get_internal_type()
            lines.append(f"        {kind} {field.name}{' ' + ','.join(keys) if keys else ''}")
            if field.many_to_one or field.one_to_one:
                if field.related_model._meta.app_label in DIAGRAM_APPS:
                    cardinality = "|o--o{" if field.null else "||--o{"
                    relations.append(f'    {_entity(field.related_model)} {cardinality} {name} : "{field.name}"')
        lines.append("    }")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created and field.related_model._meta.app_label in DIAGRAM_APPS:
                relations.append(f'    {name} }}o--o{{ {_entity(field.related_model)} : "{field.name}"')
    return "\n".join([*lines, *relations]) + "\n"


def data_model_document() -> str:
    """docs/data-model.md's full text: the header, then the diagram in a ```mermaid block."""
    return f"{HEADER}```mermaid\n{data_model_mermaid()}```\n"


def _models():
    return [
        model
        for label in DIAGRAM_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical") and not model._meta.auto_created
    ]


def _entity(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}_{model.__name__}"
