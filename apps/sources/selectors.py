"""Reads over sources and citations: checking a source's citations against the source's own text."""
from dataclasses import dataclass, field

from apps.sources.locators import citation_text_problems, text_paragraphs
from apps.sources.models import Citation, Source


@dataclass
class CitationCheck:
    source_slug: str
    checked: int = 0
    paragraphs: int = 0
    failures: list = field(default_factory=list)

    @property
    def ok(self):
        return self.checked > 0 and not self.failures


def _describe(citation):
    return f"citation {citation.pk} ({citation.content_type.app_label}.{citation.content_type.model} {citation.object_id})"


def citations_verify(*, source_slug, text):
    """Check every citation of the source against `text`: locator exists, section matches, key phrase verbatim.

    Raises Source.DoesNotExist for an unknown slug. A source with no citations is a failure too: a
    typo in the slug must not pass silently.
    """
    source = Source.objects.get(slug=source_slug)
    paragraphs = {p.number: p for p in text_paragraphs(text)}
    report = CitationCheck(source_slug=source_slug, paragraphs=len(paragraphs))
    citations = Citation.objects.filter(source=source).select_related("content_type").order_by("paragraph", "id")
    for citation in citations:
        report.checked += 1
        where = _describe(citation)
        report.failures.extend(f"{where}: {message}" for _field, message in citation_text_problems(citation, paragraphs))
    if not report.checked:
        report.failures.append(f"source {source_slug} has no citations to check")
    return report
