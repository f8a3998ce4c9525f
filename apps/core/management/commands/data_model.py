"""manage.py data_model: print the data model as a Mermaid diagram, or --write it to docs/data-model.md."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.core.data_model import DIAGRAM_PATH, data_model_document


class Command(BaseCommand):
    help = "Print catrack's data model as a Mermaid ER diagram (from the models); --write updates docs/data-model.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help=f"write {DIAGRAM_PATH.name} instead of printing")

    def handle(self, *args: Any, write: bool = False, **options: Any) -> None:
        document = data_model_document()
        if write:
            DIAGRAM_PATH.write_text(document, encoding="utf-8")
            self.stdout.write(f"Wrote {DIAGRAM_PATH}")
        else:
            self.stdout.write(document, ending="")
