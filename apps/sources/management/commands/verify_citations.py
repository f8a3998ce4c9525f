"""Check that every citation of a source quotes its text verbatim at the paragraph it names."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sources.locators import text_paragraphs
from apps.sources.models import Source, SourceText
from apps.sources.selectors import citations_verify


class Command(BaseCommand):
    help = (
        "Check every key phrase cited from SOURCE_SLUG against the plain text at PATH_TO_TEXT; exit 1 on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source_slug")
        parser.add_argument("path_to_text")
        parser.add_argument(
            "--list-paragraphs",
            action="store_true",
            help="Only print the text's numbered paragraphs with their sections (to write locators), then exit.",
        )
        parser.add_argument(
            "--store",
            action="store_true",
            help="When every citation verifies, keep the text in the database: new citations of the source are "
            "then checked against it when written (never served).",
        )

    def handle(
        self, source_slug: str, path_to_text: str, *, list_paragraphs: bool = False, store: bool = False, **options: Any
    ) -> None:
        try:
            with open(path_to_text, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path_to_text}: {exc.strerror}") from exc
        if list_paragraphs:
            for paragraph in text_paragraphs(text):
                start = paragraph.text if len(paragraph.text) <= 70 else paragraph.text[:70] + "…"
                self.stdout.write(f"¶{paragraph.number} [{paragraph.section}] {start}")
            return
        try:
            report = citations_verify(source_slug=source_slug, text=text)
        except Source.DoesNotExist:
            raise CommandError(f"unknown source slug: {source_slug}") from None
        for failure in report.failures:
            self.stderr.write(f"FAIL {failure}")
        if not report.ok:
            raise CommandError(f"{len(report.failures)} of {report.checked} citations of {source_slug} failed")
        self.stdout.write(
            f"OK: {report.checked} citations of {source_slug} verified against {path_to_text} "
            f"({report.paragraphs} paragraphs)"
        )
        if store:
            source = Source.objects.get(slug=source_slug)
            SourceText.objects.update_or_create(source=source, defaults={"text": text})
            self.stdout.write(f"Stored the text of {source_slug}: its new citations are checked when written.")
