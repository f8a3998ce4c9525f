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
        paragraphs.append(
            AnnotatedParagraph(paragraph.number, paragraph.section, paragraph.section != previous_section, segments)
        )
        previous_section = paragraph.section
    return paragraphs


# A source catrack may not republish (Source.rights) is shown by its structure and the cited key phrases, each
# with at most CONTEXT_WORDS words either side, and never more than EXCERPT_MAX_WORDS consecutive words of it
# unless one key phrase (at most 120 characters) is itself that long. Excerpts of one paragraph are kept apart
# by at least one word left out, so that they do not join into a longer run.
CONTEXT_WORDS = 3
EXCERPT_MAX_WORDS = 10


@dataclass
class Excerpt:
    leading_gap: bool  # words of the paragraph left out before it
    trailing_gap: bool
    segments: list  # Segment: runs of text, cited ones with their citations


@dataclass
class CitedParagraph:
    number: int
    section: str
    new_section: bool
    excerpts: list  # empty for a paragraph no citation points into: shown as its number only


def cited_excerpts(text, citations, *, context_words=CONTEXT_WORDS, max_words=EXCERPT_MAX_WORDS):
    """The text's structure (sections, paragraph numbers) and, in each paragraph, every cited key phrase with at
    most `context_words` words around it, so that no excerpt holds more than `max_words` words unless its key
    phrases alone do: what a public page may show of a text catrack may not republish."""
    import re

    by_paragraph = {}
    for citation in citations:
        by_paragraph.setdefault(citation.paragraph, []).append(citation)
    result, previous_section = [], None
    for paragraph in text_paragraphs(text):
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", paragraph.text)]
        spans = []  # (first word, last word, citation) of each phrase found
        for citation in by_paragraph.get(paragraph.number, []):
            start = paragraph.text.find(citation.key_phrase)
            if start < 0 or not citation.key_phrase:
                continue
            end = start + len(citation.key_phrase)
            covered = [i for i, (a, b) in enumerate(words) if a < end and b > start]
            if covered:
                spans.append((covered[0], covered[-1], citation))
        intervals = []  # word intervals of the phrases: [first, last, [citations]]
        for first, last, citation in sorted(spans, key=lambda s: (s[0], s[1])):
            if intervals and (first, last) == tuple(intervals[-1][:2]):  # one phrase cited by several facts
                intervals[-1][1] = max(intervals[-1][1], last)
                intervals[-1][2].append(citation)
            else:
                intervals.append([first, last, [citation]])
        excerpts, shown_until = [], -2  # the last word the previous excerpt shows
        for index, (first, last, cited) in enumerate(intervals):
            room = max(0, min(context_words, (max_words - (last - first + 1)) // 2))
            # At least one word left out between two excerpts: a phrase that overlaps or follows the previous one
            # loses its first words here (it is shown whole with its fact); one with nothing left is not shown.
            shown_first = max(first - room, shown_until + 2, 0)
            if index + 1 < len(intervals):
                gap = intervals[index + 1][0] - last - 1  # words between this phrase and the next one
                shown_last = last + min(room, max(gap - 1, 0) // 2) if gap > 0 else last
            else:
                shown_last = min(last + room, len(words) - 1)
            if shown_first > last:
                continue
            shown_until = shown_last
            excerpt_text = paragraph.text[words[shown_first][0] : words[shown_last][1]]
            offset = words[shown_first][0]
            covering = [()] * len(excerpt_text)
            for citation in cited:
                start = paragraph.text.find(citation.key_phrase) - offset
                for position in range(max(start, 0), min(start + len(citation.key_phrase), len(excerpt_text))):
                    covering[position] = (*covering[position], citation)
            segments = []
            for position, char in enumerate(excerpt_text):
                if segments and segments[-1].citations == covering[position]:
                    segments[-1].text += char
                else:
                    segments.append(Segment(char, covering[position]))
            excerpts.append(Excerpt(shown_first > 0, shown_last < len(words) - 1, segments))
        result.append(
            CitedParagraph(paragraph.number, paragraph.section, paragraph.section != previous_section, excerpts)
        )
        previous_section = paragraph.section
    return result
