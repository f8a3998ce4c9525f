"""Check every citation of every source whose text catrack holds against that text (apps.sources.selectors)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.sources.selectors import stored_texts_verify


class Command(BaseCommand):
    help = (
        "Check every citation of every source whose text catrack holds (verify_citations --store) against that "
        "text, including citations written past validation (bulk updates, raw SQL, loaddata); exit 1 on any failure."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checks = stored_texts_verify()
        failures = [failure for check in checks for failure in check.failures]
        for failure in failures:
            self.stderr.write(f"FAIL {failure}")
        if failures:
            raise CommandError(f"{len(failures)} citations do not match their source's stored text")
        checked = sum(check.checked for check in checks)
        self.stdout.write(f"OK: {checked} citations of {len(checks)} stored source texts verified")
