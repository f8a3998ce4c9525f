"""manage.py import_comtrade FILE [FILE ...]: load UN Comtrade CSV exports (see docs/comtrade-import.md)."""
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import


class Command(BaseCommand):
    help = "Import UN Comtrade CSV exports (plain or .gz) as trade flows, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--create-missing-states", action="store_true",
                            help="Create a state actor for an ISO3 code no actor has (named as in the file).")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Skip invalid rows instead of stopping; they are listed in --rejects.")
        parser.add_argument("--rejects", metavar="PATH", help="CSV file listing the skipped rows and why.")
        parser.add_argument("--source", metavar="SLUG", help="Slug of the source (dataset) the rows come from.")

    def handle(self, *args, **options):
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
            f"{summary.unchanged} unchanged, {summary.rejected} rejected, {summary.skipped} skipped "
            f"in {summary.seconds:.1f} s ({rate:,.0f} rows/s)."
        )
        if summary.skipped_aggregates:
            codes = ", ".join(f"{code} ×{count}" for code, count in summary.skipped_aggregates.most_common())
            self.stdout.write(f"Skipped rows with World or another non-state area as reporter/partner: {codes}.")
        if summary.created_states:
            self.stdout.write(f"Created state actors: {', '.join(summary.created_states)}.")
        if summary.rejected:
            self.stdout.write(f"Rejected rows are listed in {options['rejects']}.")
