"""manage.py fetch_comtrade --reporters KAZ --years 2015-2024: UN Comtrade's API into trade flows (apps.trade.comtrade_api)."""

import os
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.trade.comtrade_api import (
    ComtradeFetchError,
    comtrade_fetch,
    fetch_report,
    parse_commodities,
    parse_flows,
    parse_partners,
    parse_reporters,
    parse_years,
    plan_calls,
)
from apps.trade.comtrade_csv import ComtradeError
from apps.trade.import_progress import ImportProgress


class Command(BaseCommand):
    help = (
        "Fetch trade flows from UN Comtrade's API (the public preview without COMTRADE_SUBSCRIPTION_KEY, the full "
        "API with it), one call per reporter and year, each answer imported as import_comtrade imports a file. "
        "Run it again to resume."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reporters", required=True, help="ISO3 or Comtrade codes, comma-separated: KAZ,UZB or 398."
        )
        parser.add_argument(
            "--partners",
            default="all",
            help="ISO3 or Comtrade codes, comma-separated; 'world' for World (0); default: every partner.",
        )
        parser.add_argument("--years", required=True, help="Years: 2024, 2015-2024 or 2019,2021.")
        parser.add_argument("--flows", default="X,M", help="X, M, RX, RM comma-separated, or 'all' (default X,M).")
        parser.add_argument(
            "--commodities",
            default="TOTAL",
            help="TOTAL (default), HS2, HS4, HS6 (every code of that level), or HS codes: 2805,2846.",
        )
        parser.add_argument("--frequency", choices=["A", "M"], default="A", help="A annual (default) or M monthly.")
        parser.add_argument(
            "--cache-dir",
            default="comtrade-responses",
            help="Folder keeping each answer and what was imported (to resume); default ./comtrade-responses.",
        )
        parser.add_argument("--source", metavar="SLUG", help="Slug of the source (dataset) the rows come from.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Fetch and import every answer, then roll back: print what would change; write nothing "
            "to the database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = ImportProgress.for_stream(
            cast(IO[str], self.stderr._out), verbosity=options["verbosity"], ci=bool(os.environ.get("CI"))
        )
        key = settings.COMTRADE_SUBSCRIPTION_KEY or None
        try:
            calls = plan_calls(
                reporters=parse_reporters(options["reporters"]),
                years=parse_years(options["years"]),
                frequency=options["frequency"],
                partners=parse_partners(options["partners"]),
                flows=parse_flows(options["flows"]),
                commodity=parse_commodities(options["commodities"]),
                per_flow=key is None,  # the preview's 500 records a call
            )
            summary = comtrade_fetch(
                calls=calls,
                cache_dir=options["cache_dir"],
                subscription_key=key,
                dry_run=options["dry_run"],
                source_slug=options["source"],
                progress=progress,
            )
        except (ComtradeFetchError, ComtradeError) as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] == 0:
            return
        for line in fetch_report(summary):
            self.stdout.write(line)
