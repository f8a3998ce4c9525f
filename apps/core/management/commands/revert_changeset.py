"""Revert a whole change set to the end, batch by batch (apps.core.reverts), printing its progress: for a change
set too large for the API's or the admin's REVERT_REQUEST_SECONDS a request. It continues a partial revert;
interrupted (Ctrl-C), it stops between batches and the next run continues."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from apps.core.integrity_errors import integrity_error_detail
from apps.core.reverts import RevertRefused, revert_changeset_batches


class Command(BaseCommand):
    help = "Revert a change set (the feed's `changeset`) to the end, in batches of REVERT_BATCH_ROWS rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "changeset", type=int, help="The change set to revert (or whose partial revert to continue)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Revert even rows changed afterwards (overwriting those changes)."
        )
        parser.add_argument("--user", default="", help="Who reverts, as the feed and the history name it.")

    def handle(self, *args: Any, changeset: int, force: bool, user: str, **options: Any) -> None:
        try:
            for progress in revert_changeset_batches(changeset, username=user or None, force=force):
                self.stdout.write(f"{progress.rows} of {progress.rows_total} rows reverted")
        except LookupError as error:
            raise CommandError(str(error)) from None
        except RevertRefused as error:
            rows = ", ".join(f"{r['resource']} {r['object_id']}" for r in error.rows)
            raise CommandError(f"{error.message} ({rows})") from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except IntegrityError as error:
            raise CommandError(integrity_error_detail(error)["detail"]) from None
        self.stdout.write(self.style.SUCCESS(f"Change set {changeset} reverted as change set {progress.reverted_by}."))
