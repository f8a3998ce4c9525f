"""Reads over sources and citations: checking a source's citations against the source's own text."""
from typing import Any
from dataclasses import dataclass, field

from apps.sources.locators import citation_text_problems, text_paragraphs
from apps.sources.models import Citation, Source, SourceText


@dataclass
class CitationCheck:
    source_slug: str
    checked: int = 0
    paragraphs: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not self.failures


def _describe(citation: Citation) -> str:
    return f"citation {citation.pk} ({citation.content_type.app_label}.{citation.content_type.model} {citation.object_id})"


def citations_verify(*, source_slug: str, text: str) -> CitationCheck:
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


def stored_texts_verify() -> list[CitationCheck]:
    """citations_verify for every source whose text catrack holds (SourceText), by source slug: each of its
    citations against the stored text. A citation is checked against the text when written (Citation.clean),
    but a write that skips validation (a bulk update, raw SQL, loaddata) or a citation written before the text
    was stored is not; this finds them. One query per source with a stored text, plus one for the texts."""
    return [citations_verify(source_slug=slug, text=text)
            for slug, text in SourceText.objects.values_list("source__slug", "text").order_by("source__slug")]


# A source's detail lists at most this many facts (bounded work per request); `facts_total` says how many.
SOURCE_FACTS_LIMIT = 500


def source_facts(*, source: Source, limit: int = SOURCE_FACTS_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """The facts a source supports: ([{fact_type, fact_id, slug, name, citations}], total), by fact type
    then id, at most `limit` of them. One query for the citations, one per fact type for the names."""
    from collections import defaultdict

    from django.db.models import Count

    counts = (Citation.objects.filter(source=source).values("content_type", "object_id")
              .annotate(citations=Count("id")).order_by("content_type__app_label", "content_type__model", "object_id"))
    total = counts.count()
    rows = list(counts[:limit])
    by_type: defaultdict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_type[row["content_type"]].append(row["object_id"])
    from django.contrib.contenttypes.models import ContentType

    names: dict[tuple[int, int], tuple[str, str | None, str]] = {}
    for content_type_id, ids in by_type.items():
        content_type = ContentType.objects.get_for_id(content_type_id)
        model = content_type.model_class()
        if model is None:  # a model removed since: its facts are listed as deleted ones
            continue
        for pk, fact in model._base_manager.in_bulk(ids).items():
            names[content_type_id, pk] = (f"{content_type.app_label}.{content_type.model}",
                                          getattr(fact, "slug", None), str(fact))
    facts = []
    for row in rows:
        fact_type, slug, name = names.get((row["content_type"], row["object_id"]), (None, None, None))
        if fact_type is None:  # a citation whose fact was deleted (generic relations do not cascade)
            continue
        facts.append({"fact_type": fact_type, "fact_id": row["object_id"], "slug": slug, "name": name,
                      "citations": row["citations"]})
    return facts, total
