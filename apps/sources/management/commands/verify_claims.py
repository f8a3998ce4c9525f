"""Check every fact's claims against the preference rule: no preferred claim goes against it without a reason."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.sources.claims import overrides_against_rule
from apps.sources.models import Citation


class Command(BaseCommand):
    help = (
        "List every preferred claim the preference rule does not pick and that gives no rank_reason "
        "(docs/claims.md); exit 1 when there is one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = overrides_against_rule()
        for problem in problems:
            self.stderr.write(f"FAIL {problem}")
        if problems:
            raise CommandError(f"{len(problems)} preferred claims go against the preference rule without a reason")
        claims = Citation.objects.exclude(field="").count()
        self.stdout.write(f"OK: {claims} claims; every preferred claim is the rule's pick or says why it is not")
