"""Load catrack's seeded facts (fixtures/seed/) in order, in one transaction."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError

from apps.core.fixture_loading import FixtureRefused, seed_load


class Command(BaseCommand):
    help = "Load the seed fixtures (fixtures/seed/NN_*.json) in one transaction and say how many rows are new."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Do nothing if the seed was loaded before (its source rows exist), so analysts' corrections survive.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite rows analysts changed with the fixture's values too (each change is in their history).",
        )

    def handle(self, *, once: bool, force: bool, **options: Any) -> None:
        try:
            result = seed_load(once=once, force=force)
        except (FileNotFoundError, FixtureRefused, DeserializationError, DatabaseError) as exc:
            # Nothing was written: the load runs in one transaction.
            raise CommandError(f"seed not loaded: {exc}") from exc
        if result.skipped:
            self.stdout.write("Seed already loaded; nothing changed (--once).")
        else:
            # CI reads this line's " 0 new." on a second run: keep it first and unchanged.
            self.stdout.write(f"Seed: {result.objects} objects from {result.files} files, {result.new} new.")
            if result.updated:
                self.stdout.write(
                    f"Updated to the fixtures: {result.updated} rows nobody had changed"
                    f"{' (or --force)' if force else ''}."
                )
            for conflict in result.conflicts:
                self.stdout.write(f"Conflict: {conflict}")
            if result.conflicts:
                self.stdout.write(
                    f"{len(result.conflicts)} rows changed by analysts kept their values; seed --force overwrites them."
                )
