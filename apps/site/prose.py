"""Public prose without internal names: the slugs and field names that citation notes and claims carry
("kazakhstan at central-asia-plus-japan-1", "gives city_en = …"), shown as readers name them.

The data keeps the analysts' wording; the names are read from the rows the slugs identify when a page is
drawn, so a renamed actor or summit is renamed in every note too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, F, IntegerField, Model, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from apps.core import registry

# A word as a slug is written: lower-case letters and digits joined by hyphens, not part of a URL, a path
# or an e-mail address.
SLUG_WORD = re.compile(r"(?<![\w/.@:-])[a-z0-9]+(?:-[a-z0-9]+)*(?![\w/@-]|\.\w)")
# A model field's name as code writes it (`city_en`, `amount_usd`): shown by its verbose name ("city (English)")
# in a note about a row of that model.
FIELD_WORD = re.compile(r"(?<![\w/.=-])[a-z]+(?:_[a-z0-9]+)+(?![\w/=-])")
# The columns that name a row, first non-empty one wins; a model with none of them is named by str(row).
NAME_FIELDS = ("name_en", "title_en", "title")
# A one-word slug is replaced only when it is an actor's: an actor's slug is its name in lower case
# ("kazakhstan"), while other one-word slugs are also plain English words ("energy", a topic).
ONE_WORD_MODELS = ("actors.Actor",)
# The leading checklist tag of a note ("[S07] ", "[C02] ") that ties the row to fixtures/README.md's claim and
# source checklists (kept in the data for analysts, not shown).
CHECKLIST_TAG = re.compile(r"^\[[A-Z]+\d+\]\s*")


@cache
def slugged_models() -> tuple[type[Model], ...]:
    """The domain models with a `slug` (actors, formats, summits, documents, pledges, sources, …), actors
    first (so a slug two tables share names the actor)."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in registry.domain_labels()
        and any(field.name == "slug" for field in model._meta.concrete_fields)
    ]
    return tuple(sorted(models, key=lambda model: (model._meta.label not in ONE_WORD_MODELS, model._meta.label)))


def slug_names(texts: Iterable[str | None]) -> dict[str, str]:
    """{slug: name} for the slug-shaped words of `texts` that are some row's slug (see SLUG_WORD and
    ONE_WORD_MODELS). The name is the row's English name or title, else str(row).

    Queries: none when no text has such a word; else one (a UNION over the slugged tables), plus one per
    table without a name column among the matches.
    """
    words = {word for text in texts if text for word in SLUG_WORD.findall(text)}
    if not words:
        return {}
    models = slugged_models()
    parts = []
    for index, model in enumerate(models):
        columns = {field.name for field in model._meta.concrete_fields}
        names = [NullIf(F(name), Value("")) for name in NAME_FIELDS if name in columns]
        name = (Coalesce(*names, output_field=CharField()) if len(names) > 1 else names[0]) if names else Value("")
        parts.append(
            model._default_manager.filter(slug__in=words)
            .order_by()
            .annotate(
                model_index=Value(index, output_field=IntegerField()),
                row_name=Coalesce(name, Value(""), output_field=CharField()),
            )
            .values_list("model_index", "slug", "pk", "row_name")
        )
    found = sorted(parts[0].union(*parts[1:], all=True))
    unnamed: dict[int, dict[int, str]] = {}
    names: dict[str, str] = {}
    for index, slug, pk, name in found:
        if slug in names or ("-" not in slug and models[index]._meta.label not in ONE_WORD_MODELS):
            continue
        if name:
            names[slug] = name
        else:
            unnamed.setdefault(index, {})[pk] = slug
    for index, slugs in unnamed.items():
        model = models[index]
        related = [field.name for field in model._meta.concrete_fields if field.many_to_one]
        for row in model._default_manager.select_related(*related).filter(pk__in=slugs):
            names.setdefault(slugs[row.pk], str(row))
    return names


def public_prose(text: str | None, names: dict[str, str], models: tuple[type[Model] | None, ...] = ()) -> str:
    """`text` as readers see it: without its checklist tag ('[S07] ', which ties a row to
    fixtures/README.md's checklists), with each slug in `names` (slug_names) replaced by its name and each
    field name of `models` (`city_en`: the cited row's model, then its source's) by its verbose name."""
    text = CHECKLIST_TAG.sub("", text or "")
    text = SLUG_WORD.sub(lambda match: names.get(match.group(0), match.group(0)), text)
    if models:
        text = FIELD_WORD.sub(lambda match: _field_label(models, match.group(0)), text)
    return text


def _field_label(models: tuple[type[Model] | None, ...], name: str) -> str:
    return next((label for model in models if model and (label := _verbose_name(model, name))), name)


def _verbose_name(model: type[Model], name: str) -> str | None:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):  # not a field (a reverse relation has no verbose name)
        return None


def name_citations(citations: Iterable) -> None:
    """Set `public_note`, `public_inference`, `claim_field` and `claim_value` on each citation (its note, how
    an inferred claim was inferred, the field its claim is about by the field's verbose name, and the claimed
    value) with slugs named (slug_names): one query for them all, none when there is no slug-shaped word."""
    citations = list(citations)
    names = slug_names(text for citation in citations for text in (citation.note, citation.value, citation.inference))
    for citation in citations:
        model = ContentType.objects.get_for_id(citation.content_type_id).model_class()
        # A note speaks of the cited row's fields, or of its source's ("the page's published_on").
        models = (model, type(citation)._meta.get_field("source").related_model)
        citation.public_note = public_prose(citation.note, names, models)
        citation.public_inference = public_prose(citation.inference, names, models)
        citation.claim_value = names.get(citation.value, citation.value)
        # A model or field gone since: the stored name.
        citation.claim_field = (model and citation.field and _verbose_name(model, citation.field)) or citation.field


class NamedCitations(QuerySet):
    """Citations whose notes and claims read as names once fetched (name_citations, one more query for the
    whole list): the queryset of the site's citation prefetches."""

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._result_cache and isinstance(self._result_cache[0], Model):
            name_citations(self._result_cache)
