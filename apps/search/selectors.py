"""/api/v1/search/'s reads: ranked hits of every kind for a query, then the page's titles and snippets."""

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, F, Model, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils.html import escape

from apps.core.api.routes import detail_url
from apps.core.replicas import read_connection
from apps.search.kinds import KIND_NAMES, KINDS, text_search_of
from apps.search.text import MARK_END, MARK_START, search_words

SNIPPET_CHARS = 200  # SQLite's plain snippet: the start of the first field that contains a word typed


def search_hits(*, q: str, kinds: Collection[str]) -> QuerySet[Any, Any]:
    """A queryset of {'kind', 'id', 'rank'} dicts, best first (rank desc, then kind and id), over `kinds`.

    A row is a hit when it matches `q` itself (apps.search.text), when the row its `via` key points to
    matches (a corridor's stakes), or when one of its citations matches (the facts a key phrase supports).
    rank is 0 on SQLite.
    """
    parts = []
    for kind in KINDS:
        if kind.kind not in kinds:
            continue
        model = apps.get_model(kind.model)
        own = kind.search.q(q)
        branches = [own]
        if kind.via:
            target = model._meta.get_field(kind.via).related_model
            branches.append(Q(**{f"{kind.via}__in": target.objects.filter(text_search_of(target).q(q)).values("pk")}))
        if hasattr(model, "citations"):
            branches.append(Q(pk__in=_cited_ids(model, q)))
        # One SELECT per branch, not one OR: PostgreSQL cannot combine an index scan with `pk IN (…)` in
        # an OR and would read the whole table. UNION (not ALL) drops a row found twice: its rank is the same.
        parts += [
            model.objects.filter(branch)
            .order_by()
            .annotate(hit_kind=Value(kind.kind, output_field=CharField()), hit_id=F("pk"), hit_rank=kind.search.rank(q))
            .values("hit_kind", "hit_id", "hit_rank")
            for branch in branches
        ]
    hits = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return hits.order_by("-hit_rank", "hit_kind", "hit_id")


def search_kind_counts(*, q: str) -> dict[str, int]:
    """{kind: number of hits} for `q` over every kind (a kind without a hit is left out): the rows
    search_hits finds, counted per kind in one query."""
    hits = search_hits(q=q, kinds=set(KIND_NAMES)).order_by()
    sql, params = hits.query.sql_with_params()
    with read_connection(hits).cursor() as cursor:  # the replica for the read API, as the hits themselves
        cursor.execute(f"SELECT hit_kind, COUNT(*) FROM ({sql}) AS hits GROUP BY hit_kind", params)
        return {kind: count for kind, count in cursor.fetchall()}


def _cited_ids(model: type[Model], q: str) -> QuerySet[Any, Any]:
    from apps.sources.models import Citation

    citations = Citation.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return citations.filter(text_search_of(Citation).q(q)).values("object_id")


def hit_details(*, hits: Iterable[dict[str, Any]], q: str, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    """The page's hits as dicts with kind, id, slug, url, title, snippet and rank: one query per kind on it.

    url: the row's API detail (apps.core.api.routes.detail_url; absolute with `request`). On PostgreSQL the snippet is
    ts_headline of the first field where a word matched (<mark>…</mark>); on SQLite, the start of the
    first field containing a word typed, unmarked. Either is HTML (snippet_html): the stored text escaped.
    """
    by_kind: dict[str, list[int]] = {}
    for hit in hits:
        by_kind.setdefault(hit["hit_kind"], []).append(hit["hit_id"])
    rows = {}
    for kind in KINDS:
        ids = by_kind.get(kind.kind)
        if not ids:
            continue
        model = apps.get_model(kind.model)
        queryset = model.objects.select_related(*kind.related).filter(pk__in=ids)
        if connection.vendor == "postgresql":
            queryset = queryset.annotate(**{f"headline_{f}": kind.search.headline(f, q) for f in kind.search.fields})
        for row in queryset:
            rows[kind.kind, row.pk] = (row, _snippet(row, kind.search.fields, q))
    details = []
    for hit in hits:
        row, snippet = rows[hit["hit_kind"], hit["hit_id"]]
        slug = getattr(row, "slug", None)
        details.append(
            {
                "kind": hit["hit_kind"],
                "id": row.pk,
                "slug": slug,
                "url": detail_url(type(row), row.pk, slug, request=request),
                "title": str(row),
                "snippet": snippet,
                "rank": float(hit["hit_rank"] or 0),
            }
        )
    return details


def snippet_html(text: str) -> str:
    """A snippet as HTML: the stored text escaped (a stored `<script>` or `<mark>` is text, never markup), then
    ts_headline's marks (MARK_START/MARK_END) as catrack's only markup, <mark>…</mark>. The API's snippets and
    the site's search page both are this."""
    return escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _snippet(row: Model, fields: Sequence[str], q: str) -> str:
    if connection.vendor == "postgresql":
        headlines = [getattr(row, f"headline_{f}") for f in fields]
        found = next((h for h in headlines if h and MARK_START in h), next((h for h in headlines if h), ""))
        return snippet_html(found)
    words = [word.casefold() for word in search_words(q)]
    texts = [str(getattr(row, f) or "") for f in fields]
    found = next((t for t in texts if any(word in t.casefold() for word in words)), next((t for t in texts if t), ""))
    # Marks in a stored text are not catrack's: only ts_headline's are.
    return snippet_html(found[:SNIPPET_CHARS].replace(MARK_START, "").replace(MARK_END, ""))
