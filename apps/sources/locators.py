"""Paragraph numbering of a source's plain text, so a citation's locator can be checked mechanically.

The convention (also in fixtures/README.md):

1. Lines are stripped of surrounding whitespace; empty lines are ignored.
2. A *body paragraph* is a line ending in sentence-final punctuation (. ! ? …), optionally followed by
   closing quotes or brackets. Any other line is a *heading-like* line.
3. Heading-like lines before the first body paragraph are the title block (title, subtitle, byline):
   they are neither paragraphs nor section headings; paragraphs before the first heading form the lead,
   whose section is "" (empty).
4. Every later heading-like line opens a section; the section of a paragraph is that line, exactly as
   printed. Page furniture after the last paragraph ("РЕКОМЕНДУЙ ДРУЗЬЯМ:", a page number) opens
   sections that hold no paragraph, which is harmless.
5. Body paragraphs are numbered 1, 2, 3… through the whole text; numbering does not restart at a
   heading, so a paragraph number alone identifies the paragraph and the section is a cross-check.
"""

import re
from dataclasses import dataclass

# Sentence-final punctuation, then any closing quotes/brackets.
_PARAGRAPH_END = re.compile(r"[.!?…][»\"”’)\]]*$")


@dataclass(frozen=True)
class Paragraph:
    number: int
    section: str
    text: str
    line: int  # 1-based line in the file, for error messages


def is_body_paragraph(line):
    return bool(_PARAGRAPH_END.search(line))


def text_paragraphs(text):
    """The body paragraphs of `text`, numbered and with their section heading (see module docstring)."""
    paragraphs = []
    section = ""
    for line_number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if is_body_paragraph(line):
            paragraphs.append(Paragraph(len(paragraphs) + 1, section, line, line_number))
        elif paragraphs:
            section = line
        # else: still in the title block
    return paragraphs


def citation_text_problems(citation, paragraphs):
    """[(field, message)] of what in `citation` does not match its source's text, given as
    {number: apps.sources.locators.Paragraph}: a missing or unknown paragraph, another section, a key
    phrase not verbatim in that paragraph. Empty when the citation is right."""
    if citation.paragraph is None:
        return [("paragraph", f"no paragraph number «{citation.key_phrase}»")]
    paragraph = paragraphs.get(citation.paragraph)
    if paragraph is None:
        return [
            (
                "paragraph",
                f"paragraph {citation.paragraph} does not exist (the text has {len(paragraphs)}) "
                f"«{citation.key_phrase}»",
            )
        ]
    problems = []
    if citation.section != paragraph.section:
        problems.append(
            (
                "section",
                f"paragraph {citation.paragraph} is under section «{paragraph.section}», not «{citation.section}»",
            )
        )
    if citation.key_phrase not in paragraph.text:
        problems.append(
            ("key_phrase", f"key phrase «{citation.key_phrase}» not found verbatim in paragraph {citation.paragraph}")
        )
    return problems
