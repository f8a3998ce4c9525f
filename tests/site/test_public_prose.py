"""Public prose names things: a citation's note or claim that refers to rows by slug ("kazakhstan at
central-asia-plus-japan-1") reads as their names on every public page, derived from the rows themselves
(apps.site.prose). Over the seed, on both databases."""

import html
import re

import pytest
from django.apps import apps

from apps.actors.models import Actor
from apps.site.prose import FIELD_WORD, SLUG_WORD, slug_names, slugged_models
from apps.site.views import fact_url
from apps.sources.models import Citation

pytestmark = pytest.mark.usefixtures("seeded_once")


def prose(page: str) -> str:
    """The words a reader sees: the page without its head, scripts, tags and attribute values."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_no_public_page_shows_a_slug_or_a_field_name_in_prose(client, db):
    slugs = {
        slug
        for model in slugged_models()
        for slug in model._default_manager.values_list("slug", flat=True)
        if "-" in slug or model is Actor
    }
    field_names = {
        field.name for model in apps.get_models() for field in model._meta.concrete_fields if "_" in field.name
    } - {"created_at", "updated_at"}
    citations = list(Citation.objects.select_related("source", "content_type"))
    named = slug_names(text for citation in citations for text in (citation.note, citation.value, citation.inference))
    assert "kazakhstan" in named and named["central-asia-plus-japan-1"]  # the seed's notes do name rows by slug
    pages = set()
    for citation in citations:
        if any(
            word in named
            for text in (citation.note, citation.value, citation.inference)
            for word in SLUG_WORD.findall(text or "")
        ):
            model = citation.content_type.model_class()
            fact = citation.fact
            pages.add(fact_url(model, fact.pk, getattr(fact, "slug", None), fact).split("#")[0])
            pages.add(f"/sources/{citation.source.slug}/")
    assert "/summits/central-asia-plus-japan-1/" in pages
    shown = {}
    for path in sorted(pages):
        response = client.get(path)
        assert response.status_code == 200, path
        text = prose(response.content.decode())
        found = sorted(set(SLUG_WORD.findall(text)) & slugs | set(FIELD_WORD.findall(text)) & field_names)
        if found:
            shown[path] = found
    assert not shown, shown


def test_a_note_and_a_claim_read_as_names(client, db):
    summit = prose(client.get("/summits/central-asia-plus-japan-1/").content.decode())
    # The data keeps the analysts' wording (slugs, field names); the page names the rows and fields.
    assert Citation.objects.filter(note__contains="kazakhstan at central-asia-plus-japan-1").exists()
    assert "Kazakhstan at First Summit" in summit and "kazakhstan at" not in summit
    # A claim's value that is a slug (the host, stored as `japan`) reads as the row's name.
    assert Citation.objects.filter(object_id__isnull=False, field="host", value="japan").exists()
    assert "gives host = Japan" in summit and "gives host = japan" not in summit and "city_en" not in summit
