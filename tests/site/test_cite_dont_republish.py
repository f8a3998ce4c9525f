"""Cite, don't republish (issue 24): the seed article is someone else's copyrighted work. No public page shows
12 consecutive words of it (a check found 906 such runs on its source page before); the page shows its
structure and each cited key phrase with a few words around it, linked to its facts and to the original;
staff with the permission sources.view_full_text read the whole annotated text."""

import html
import re

import pytest
from django.contrib.auth.models import Permission

from apps.site.source_texts import cited_excerpts, source_text

pytestmark = pytest.mark.usefixtures("seeded_once")

SLUG = "velizade-japanese-move"
RUN = 12  # words in a row that count as republishing


def _words(text):
    return [word.lower() for word in re.findall(r"\w+", text)]


def _runs(words, length=RUN):
    return {run for i in range(len(words) - length + 1) if None not in (run := tuple(words[i : i + length]))}


# Where a reader's eye stops: a run of words does not go on past the end of a paragraph, heading or list item.
BLOCK = re.compile(r"</?(p|h[1-6]|li|ul|ol|dl|dt|dd|div|section|td|th|tr|table|nav|header|footer|main)\b[^>]*>")


def _page_words(response):
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = BLOCK.sub(" \u2016 ", page)  # a mark that is no word and that no text holds: a run stops there
    words = []
    for text in re.sub(r"<[^>]+>", " ", page).split("\u2016"):
        words += [*_words(html.unescape(text)), None]
    return words


@pytest.fixture(scope="module")
def article_runs():
    text = source_text(SLUG)
    if text is None:
        pytest.skip("the seed article's text is not beside the checkout (../shared/seed/)")
    return _runs(_words(text))


def test_no_public_page_quotes_twelve_consecutive_words_of_the_article(client, seeded, article_runs):
    seen, pending, quoting = set(), ["/", "/summits/", f"/sources/{SLUG}/", "/search/?q=Япония", "/search/?q=Japan"], {}
    while pending and len(seen) < 400:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        found = _runs(_page_words(response)) & article_runs
        if found:
            quoting[path] = len(found)
        links = re.findall(r'href="(/(?!api/|admin/|static/)[^"#?]*)', response.content.decode())
        pending += [link for link in links if link not in seen and link.count("/") <= 4]
    assert f"/sources/{SLUG}/" in seen and len(seen) > 50
    assert not quoting, f"pages quoting {RUN}+ consecutive words of the article: {quoting}"


def test_the_public_source_page_shows_structure_and_cited_phrases_linked(client, seeded):
    page = client.get(f"/sources/{SLUG}/").content.decode()
    assert "may cite this text but not republish it" in page
    assert 'id="p1"' in page and "¶1" in page  # paragraph numbers
    assert page.count("<mark>") > 50  # each cited phrase, linked to its facts
    assert re.search(r'<mark><a href="#fact-', page)


def test_staff_with_the_permission_read_the_whole_annotated_text(client, seeded, django_user_model, article_runs):
    reader = django_user_model.objects.create_user("reader", password="reader-password-1", is_staff=True)
    client.force_login(reader)
    found = _runs(_page_words(client.get(f"/sources/{SLUG}/"))) & article_runs
    assert not found, sorted(" ".join(run) for run in found)[:5]  # staff alone is not enough
    reader.user_permissions.add(Permission.objects.get(codename="view_full_text"))
    client.force_login(django_user_model.objects.get(pk=reader.pk))
    page = client.get(f"/sources/{SLUG}/")
    assert len(_runs(_page_words(page)) & article_runs) > 800  # the whole text (906 runs of it were public before)


def test_excerpts_keep_a_word_out_between_neighbouring_phrases():
    class Cited:
        def __init__(self, phrase):
            self.paragraph, self.key_phrase = 1, phrase

    text = "Title\n\none two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
    (paragraph,) = cited_excerpts(text, [Cited("three four"), Cited("seven eight")], context_words=3)
    shown = ["".join(s.text for s in e.segments) for e in paragraph.excerpts]
    assert shown == ["one two three four", "six seven eight nine ten eleven"]  # "five" left out
    assert [(e.leading_gap, e.trailing_gap) for e in paragraph.excerpts] == [(False, True), (True, True)]


def test_a_phrase_right_after_another_loses_its_first_word_in_the_excerpts():
    class Cited:
        def __init__(self, phrase):
            self.paragraph, self.key_phrase = 1, phrase

    text = "Title\n\none two three four five six seven eight nine ten eleven twelve thirteen fourteen.\n"
    (paragraph,) = cited_excerpts(text, [Cited("three four five"), Cited("six seven"), Cited("eight")])
    shown = ["".join(s.text for s in e.segments) for e in paragraph.excerpts]
    assert shown == ["one two three four five", "seven"]  # "eight" touches "seven": listed with its fact only


def test_the_excerpts_link_to_the_original_at_its_url(client, db, settings, tmp_path):
    from tests.factories import CitationFactory, SourceFactory

    path = tmp_path / "text.txt"
    path.write_text("Title\n\nThe ministers met in Samarkand on the third of April to sign it.\n", encoding="utf-8")
    source = SourceFactory(slug="held", url="https://example.org/original")
    settings.SOURCE_TEXTS = {"held": str(path)}
    CitationFactory(source=source, paragraph=1, key_phrase="met in Samarkand")
    page = client.get("/sources/held/").content.decode()
    assert '<a href="https://example.org/original" rel="noopener">the original</a>' in page
    assert "to sign it" not in page and "ministers <mark>" in page.replace("<mark><a", "<mark>")
