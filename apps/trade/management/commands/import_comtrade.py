"""manage.py import_comtrade FILE [FILE ...]: load UN Comtrade CSV exports (see docs/comtrade-import.md)."""
from typing import Any

import os
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import


class Command(BaseCommand):
    help = "Import UN Comtrade exports (v1 CSV, legacy CSV, v1 API JSON; plain or .gz) as trade flows, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--create-missing-states", action="store_true",
                            help="Create a state actor for an ISO3 code that neither an actor nor the Comtrade reference list "
                                 "has (named as in the file).")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Skip invalid rows instead of stopping; they are listed in --rejects.")
        parser.add_argument("--rejects", metavar="PATH", help="CSV file listing the skipped rows and why.")
        parser.add_argument("--source", metavar="SLUG", help="Slug of the source (dataset) the rows come from.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rejects"] and not options["skip_invalid"]:
            raise CommandError("--rejects goes with --skip-invalid.")
        progress = sys.stderr.isatty() and not os.environ.get("CI")
        try:
            summary = comtrade_import(
                paths=options["files"],
                create_missing_states=options["create_missing_states"],
                skip_invalid=options["skip_invalid"],
                rejects_path=options["rejects"],
                source_slug=options["source"],
                progress=progress,
            )
        except ComtradeError as error:
            raise CommandError(f"{error}\nNothing was imported.") from None
        rate = summary.rows / summary.seconds if summary.seconds else 0
        self.stdout.write(
            f"{summary.rows} rows read: {summary.inserted} inserted, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.rejected} rejected "
            f"in {summary.seconds:.1f} s ({rate:,.0f} rows/s)."
        )
        if summary.created_actors:
            self.stdout.write(f"Created actors (states and statistical areas): {', '.join(summary.created_actors)}.")
        if summary.rejected:
            self.stdout.write(f"Rejected rows are listed in {options['rejects']}.")
