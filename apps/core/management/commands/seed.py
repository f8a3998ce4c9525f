"""Load catrack's seeded facts (fixtures/seed/) in order, in one transaction."""
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError

from apps.core.services import seed_load


class Command(BaseCommand):
    help = "Load the seed fixtures (fixtures/seed/NN_*.json) in one transaction and say how many rows are new."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true",
            help="Do nothing if the seed was loaded before (its source rows exist), so analysts' corrections survive.",
        )

    def handle(self, *, once, **options):
        try:
            result = seed_load(once=once)
        except (FileNotFoundError, ValueError, DeserializationError, DatabaseError) as exc:
            # Nothing was written: the load runs in one transaction.
            raise CommandError(f"seed not loaded: {exc}") from exc
        if result.skipped:
            self.stdout.write("Seed already loaded; nothing changed (--once).")
        else:
            self.stdout.write(f"Seed: {result.objects} objects from {result.files} files, {result.new} new.")
