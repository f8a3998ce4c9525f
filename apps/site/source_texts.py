"""The texts of sources catrack may show annotated, and their paragraphs with cited key phrases marked.

catrack does not keep an article's text in the repository (fixtures/README.md); a deployment that holds
one names it in the setting SOURCE_TEXTS ({source slug: path}). By default that is the seed article
beside the checkout, where verify_citations and the seed tests find it (../shared/seed/).
"""
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from apps.sources.locators import text_paragraphs


def source_text(slug):
    """The plain text of source `slug`, or None when this deployment does not hold it."""
    path = getattr(settings, "SOURCE_TEXTS", {}).get(slug)
    if not path or not Path(path).is_file():
        return None
    return Path(path).read_text(encoding="utf-8")


@dataclass
class Segment:
    text: str
    citations: tuple = ()  # the citations whose key phrase covers this run of text


@dataclass
class AnnotatedParagraph:
    number: int
    section: str
    new_section: bool
    segments: list


def annotated_paragraphs(text, citations):
    """The text's paragraphs (apps.sources.locators numbering), each cut into segments where key phrases start
    and end, so that every character covered by a citation's key phrase is marked with that citation.

    A citation marks its phrase in the paragraph it names; overlapping phrases give a segment with both.
    """
    by_paragraph = {}
    for citation in citations:
        by_paragraph.setdefault(citation.paragraph, []).append(citation)
    paragraphs = []
    previous_section = None
    for paragraph in text_paragraphs(text):
        covering = [()] * len(paragraph.text)
        for citation in by_paragraph.get(paragraph.number, []):
            start = paragraph.text.find(citation.key_phrase)
            if start < 0:
                continue  # verify_citations reports it; the text is shown as it is
            for index in range(start, start + len(citation.key_phrase)):
                covering[index] = (*covering[index], citation)
        segments = []
        for index, char in enumerate(paragraph.text):
            if segments and segments[-1].citations == covering[index]:
                segments[-1].text += char
            else:
                segments.append(Segment(char, covering[index]))
        paragraphs.append(AnnotatedParagraph(paragraph.number, paragraph.section,
                                             paragraph.section != previous_section, segments))
        previous_section = paragraph.section
    return paragraphs
