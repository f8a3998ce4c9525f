"""docs/data-model.md is the data model drawn from the models (apps.core.data_model): it never drifts."""

from django.apps import apps
from django.core.management import call_command

from apps.core.data_model import DIAGRAM_APPS, DIAGRAM_PATH, data_model_document


def test_the_committed_diagram_is_the_models_diagram():
    assert DIAGRAM_PATH.read_text(encoding="utf-8") == data_model_document(), (
        "docs/data-model.md differs from the models: run `manage.py data_model --write` and commit it"
    )


def test_every_model_and_relation_is_drawn():
    document = data_model_document()
    for label in DIAGRAM_APPS:
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                assert f"    {label}_{model.__name__} {{" in document, model
    assert 'summits_SummitFormat ||--o{ summits_Summit : "format"' in document
    assert 'investments_Pledge }o--o{ actors_Actor : "recipients"' in document


def test_the_command_prints_the_same_document(capsys):
    call_command("data_model")
    assert capsys.readouterr().out == data_model_document()
