"""manage.py import_comtrade FILE [FILE ...]: load UN Comtrade CSV exports (see docs/comtrade-import.md)."""

import os
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.import_progress import ImportProgress
from apps.trade.importers import comtrade_import, import_report


class Command(BaseCommand):
    help = (
        "Import UN Comtrade exports (v1 CSV, legacy CSV, v1 API JSON; plain or .gz) as trade flows, in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--create-missing-states",
            action="store_true",
            help="Create a state actor for an ISO3 code that neither an actor nor the Comtrade reference list "
            "has (named as in the file).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Skip invalid rows instead of stopping; they are listed in --rejects.",
        )
        parser.add_argument("--rejects", metavar="PATH", help="CSV file listing the skipped rows and why.")
        parser.add_argument("--source", metavar="SLUG", help="Slug of the source (dataset) the rows come from.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every check and the comparison with the stored rows, then roll back: print what "
            "would be inserted, updated, unchanged and rejected; write nothing to the database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rejects"] and not options["skip_invalid"]:
            raise CommandError("--rejects goes with --skip-invalid.")
        # The stream itself: tqdm draws with carriage returns that Django's wrapper would end with newlines.
        progress = ImportProgress.for_stream(
            cast(IO[str], self.stderr._out), verbosity=options["verbosity"], ci=bool(os.environ.get("CI"))
        )
        try:
            summary = comtrade_import(
                paths=options["files"],
                create_missing_states=options["create_missing_states"],
                skip_invalid=options["skip_invalid"],
                rejects_path=options["rejects"],
                source_slug=options["source"],
                progress=progress,
                dry_run=options["dry_run"],
            )
        except ComtradeError as error:
            raise CommandError(f"{error}\nNothing was imported.") from None
        if options["verbosity"] == 0:
            return  # -v0: quiet; the exit status says it worked
        for line in import_report(summary, rejects_path=options["rejects"]):
            self.stdout.write(line)
