"""Load an analyst's folder of fixtures (their sources, facts and citations) in one transaction."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.fixture_loading import FixtureRefused, fixtures_load


class Command(BaseCommand):
    help = (
        "Load every *.json fixture of a folder (in name order, natural keys, see fixtures/README.md) "
        "in one transaction; a bad reference or a broken rule refuses the whole folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *, folder: Path, **options: Any) -> None:
        paths = sorted(folder.glob("*.json"))
        if not paths:
            raise CommandError(f"no *.json fixtures in {folder}")
        try:
            result = fixtures_load(paths=paths)
        except FixtureRefused as exc:
            raise CommandError(f"nothing loaded from {folder}:\n{exc}") from exc
        self.stdout.write(
            f"Loaded {result.objects} objects from {result.files} files: {result.new} new, {result.changed} changed."
        )
