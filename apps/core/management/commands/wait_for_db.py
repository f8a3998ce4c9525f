"""Block until the database accepts connections (container start-up), or fail after --timeout."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError

from apps.core.database import database_wait


class Command(BaseCommand):
    help = "Wait until the database accepts connections; exit non-zero after --timeout seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0, help="Give up after this many seconds.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between attempts.")

    def handle(self, *args: Any, timeout: float, interval: float, **options: Any) -> None:
        def report(error: Exception, waited: float) -> None:
            self.stderr.write(f"Database not ready after {waited:.0f} s: {str(error).strip().splitlines()[0]}")

        try:
            waited = database_wait(timeout=timeout, interval=interval, on_retry=report)
        except OperationalError as error:
            raise CommandError(f"Database still unavailable after {timeout:.0f} s: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Database available (waited {waited:.1f} s)."))
