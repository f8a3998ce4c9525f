"""What the seed holds, read from one load per module (`seeded_once`): citations, the checklist, the article's
phrases, the admin showing them. How the seed loads (idempotently, atomically) is tests/seed/test_seed.py."""

import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.actors.models import Actor
from apps.sources.models import Citation, Source

from .conftest import ARTICLE_SLUG, fact_models, seed_models

pytestmark = pytest.mark.usefixtures("seeded_once")

README = Path(settings.BASE_DIR) / "fixtures" / "README.md"


def test_rows_created_after_the_seed_get_fresh_ids(seeded):
    # The fixtures carry no ids: seeded rows take them from the sequence, and so does the next row.
    highest = Actor.objects.order_by("-pk").values_list("pk", flat=True).first()
    actor = Actor.objects.create(slug="new-state", kind="state", name_en="New state", name_ru="Новое государство")
    assert actor.pk > highest


# ---------------------------------------------------------------- citations


def test_every_seeded_fact_row_has_a_citation_with_locator_and_key_phrase(seeded):
    """Rows of the article keep their citations to it; rows added from public sources cite those."""
    seeded_fact_models = [m for m in fact_models() if m in seed_models()]
    assert len(seeded_fact_models) >= 13
    for model in seeded_fact_models:
        rows = list(model._base_manager.all())
        assert rows, f"{model._meta.label}: no seeded rows"
        for row in rows:
            citations = Citation.objects.for_object(row)
            assert citations.exists(), f"{model._meta.label} {row.pk} ({row}) has no citation"
            for citation in citations:
                if citation.source.slug == ARTICLE_SLUG:  # the article's locator: its paragraph number
                    assert citation.paragraph and citation.paragraph >= 1, citation
                assert 0 < len(citation.key_phrase) <= 120, citation
                assert citation.note, citation


def test_every_citation_points_at_an_existing_row(seeded):
    for citation in Citation.objects.select_related("content_type"):
        model = citation.content_type.model_class()
        assert model._base_manager.filter(pk=citation.object_id).exists(), citation


def test_checklist_in_fixtures_readme_is_covered_by_citation_notes(seeded):
    checklist = re.findall(r"^\| (C\d\d) \|", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert checklist == [f"C{n:02d}" for n in range(1, len(checklist) + 1)], "checklist numbers must run C01, C02…"
    assert len(checklist) >= 40
    cited = set()
    for note in Citation.objects.values_list("note", flat=True):
        cited.update(re.findall(r"\[(C\d\d)\]", note))
    # C01 is the source itself: its row, not a citation, covers it.
    assert Source.objects.filter(slug=ARTICLE_SLUG, author__contains="Velizade", language="ru").exists()
    assert set(checklist) - {"C01"} <= cited, f"not cited: {sorted(set(checklist) - {'C01'} - cited)}"
    assert cited <= set(checklist), f"cited but not in the checklist: {sorted(cited - set(checklist))}"


def test_verify_citations_passes_on_the_real_article(seeded, article_text, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(article_text, encoding="utf-8")
    out = io.StringIO()
    call_command("verify_citations", ARTICLE_SLUG, str(path), stdout=out)
    assert out.getvalue().startswith("OK: 152 citations of velizade-japanese-move")


def test_verify_citations_catches_an_edited_article(seeded, article_text, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(article_text.replace("до 3 трлн иен", "до 4 трлн иен"), encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 152"):
        call_command("verify_citations", ARTICLE_SLUG, str(path), stderr=io.StringIO())


@pytest.mark.parametrize(
    "model_label, slug, phrase",
    [
        (
            "investments.Pledge",
            "japan-3-trillion-yen-central-asia",
            "Япония пообещала направить до 3 трлн иен - порядка $20 млрд",
        ),
        ("summits.Summit", "central-asia-plus-japan-1", "Первый в истории саммит"),
    ],
)
def test_admin_change_page_shows_the_seeded_citations(admin_client, seeded, model_label, slug, phrase):
    model = apps.get_model(model_label)
    row = model.objects.get(slug=slug)
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
    assert response.status_code == 200
    assert phrase in response.content.decode()
