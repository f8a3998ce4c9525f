"""Template filters of the public pages: English names with the Russian beside, money, links to actors."""

import re

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.filter
def bilingual(obj, field="name"):
    """'Japan <span lang=ru>(Япония)</span>' from obj.<field>_en and obj.<field>_ru (the Russian left out if empty)."""
    english = getattr(obj, f"{field}_en", "") or ""
    russian = getattr(obj, f"{field}_ru", "") or ""
    if russian and russian != english:
        return format_html('{} <span lang="ru" class="ru">({})</span>', english, russian)
    return english


@register.filter
def actor_link(actor):
    """A link to the actor's page, named in English with the Russian beside; '—' for no actor."""
    if actor is None:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("site:actor", args=[actor.slug]), bilingual(actor))


@register.filter
def money(value):
    """1234567.5 → '1,234,568' (whole units, thousands separated); '—' for None."""
    if value is None:
        return "—"
    return f"{value:,.0f}"


CHECKLIST_TAG = re.compile(r"^\[[A-Z]+\d+\]\s*")


@register.filter
def public_note(note):
    """A note as readers see it: without the leading checklist tag ('[S07] ', '[C02] ') that ties the row
    to fixtures/README.md's claim and source checklists (kept in the data for analysts)."""
    return CHECKLIST_TAG.sub("", note or "")


@register.filter
def pluralize_en(count, word):
    """The noun for `count` things: 1 → 'pledge', 0 or 2 → 'pledges'; 'summary,summaries' names an
    irregular plural."""
    singular, _, plural = word.partition(",")
    return singular if count == 1 else (plural or f"{singular}s")


@register.filter
def split_titles(titles):
    """'Region|Partner' → ['Region', 'Partner'] (column titles handed to an include, which takes no lists)."""
    return [title for title in (titles or "").split("|") if title]


@register.simple_tag
def sources_differ(citations, beside=""):
    """The fields on which these citations' claims (Citation.field/value) give more than one value, for the
    "sources differ" notes: [{name, field, values: [{value, rank, sources: [source titles]}]}] (`field` the
    name as shown), preferred values first. `beside`: space-separated field names the page notes beside the
    field itself (field_differs), left out here. Reads the citations as given (prefetched with their
    sources): no query."""
    placed = set(beside.split())
    by_field: dict[str, dict[str, list]] = {}
    for citation in citations:
        if citation.field and citation.field not in placed:
            by_field.setdefault(citation.field, {}).setdefault(citation.value, []).append(citation)
    order = {"preferred": 0, "alternative": 1, "deprecated": 2}
    differ = []
    for field, values in sorted(by_field.items()):
        if len(values) < 2:
            continue
        listed = [
            {
                "value": value,
                "rank": min((c.rank for c in claims), key=lambda r: order.get(r, 3)),
                "sources": sorted({c.source.title_en or c.source.title for c in claims}),
            }
            for value, claims in values.items()
        ]
        differ.append(
            {
                "name": field,
                "field": field.replace("_", " "),
                "values": sorted(listed, key=lambda v: order.get(v["rank"], 3)),
            }
        )
    return differ


@register.simple_tag
def field_differs(citations, field):
    """sources_differ's note for one field (None when its sources agree), for the page to show beside it."""
    return next((note for note in sources_differ(citations) if note["name"] == field), None)
