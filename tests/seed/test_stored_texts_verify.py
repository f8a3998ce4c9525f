"""Issue 25: every citation of a source whose text catrack holds (SourceText) still verifies against it: the
seed's, with the article's text stored as `verify_citations --store` stores it, and whatever the data issues add."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.sources.models import Citation, SourceText
from apps.sources.selectors import stored_texts_verify
from tests.seed.conftest import ARTICLE_SLUG

pytestmark = pytest.mark.usefixtures("seeded_once")


def _store_article(article_text, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(article_text, encoding="utf-8")
    call_command("verify_citations", ARTICLE_SLUG, str(path), "--store", verbosity=0)


def test_every_citation_of_every_stored_text_verifies(seeded, article_text, tmp_path):
    _store_article(article_text, tmp_path)
    assert SourceText.objects.filter(source__slug=ARTICLE_SLUG).exists()
    checks = stored_texts_verify()
    assert checks and all(check.checked for check in checks)
    failures = [failure for check in checks for failure in check.failures]
    assert not failures, "\n".join(failures)
    out = io.StringIO()
    call_command("verify_stored_texts", stdout=out)
    assert out.getvalue().startswith(f"OK: {sum(check.checked for check in checks)} citations of ")


def test_a_citation_changed_past_validation_is_found(seeded, article_text, tmp_path):
    _store_article(article_text, tmp_path)
    citation = Citation.objects.filter(source__slug=ARTICLE_SLUG).order_by("id").first()
    Citation.objects.filter(pk=citation.pk).update(key_phrase="слов, которых нет в статье")  # skips clean()
    (check,) = [check for check in stored_texts_verify() if check.source_slug == ARTICLE_SLUG]
    assert len(check.failures) == 1 and f"citation {citation.pk} " in check.failures[0]
    assert "слов, которых нет в статье" in check.failures[0]
    # what operators run: manage.py verify_stored_texts, exit 1 naming the citation
    with pytest.raises(CommandError, match="1 citations"):
        call_command("verify_stored_texts", stderr=io.StringIO())


def test_nothing_stored_nothing_checked(db):
    assert stored_texts_verify() == []
