"""The public pages: one view per page, each reading what it shows in a few queries.

Every page is server-rendered (readable with JavaScript off); charts are SVG drawn on the server
(apps.site.charts). Each list page names the API URL that returns the same rows (`api_json`,
`api_csv` in the context), built from the same filters.
"""

from collections import defaultdict
from itertools import groupby
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import BadRequest
from django.db.models import CharField, Count, F, IntegerField, Prefetch, Q, Value
from django.db.models.functions import Cast, Concat, ExtractYear
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from apps.actors.filters import ActorFilterSet
from apps.actors.models import Actor, ActorKind, ActorRelation, Office
from apps.core import registry
from apps.core.api.pagination import CountedPaginator
from apps.core.api.routes import detail_url
from apps.core.models import ChangeAction, ChangeEvent, FactModel, format_partial_date
from apps.investments.filters import PledgeFilterSet
from apps.investments.models import AmountQualifier, Pledge, PledgeStatus, UsdBasis
from apps.investments.selectors import pledge_summary
from apps.search.api.serializers import SearchParamsSerializer
from apps.search.kinds import KIND_NAMES, KINDS
from apps.search.selectors import hit_details, search_hits, search_kind_counts
from apps.site import charts
from apps.site.listing import PAGE_PARAM, Column, Facet, explore, pager_links
from apps.site.prose import NamedCitations, name_citations
from apps.site.source_texts import annotated_paragraphs, cited_excerpts, source_text
from apps.site.templatetags.site_tags import public_note
from apps.sources.filters import SourceFilterSet
from apps.sources.models import Citation, Source, SourceKind
from apps.summits.filters import DocumentFilterSet, SummitFilterSet, SummitFormatFilterSet
from apps.summits.models import (
    Document,
    DocumentKind,
    DocumentSignatory,
    Summit,
    SummitFormat,
    SummitLevel,
    SummitMode,
    SummitParticipant,
    SummitStatus,
)
from apps.trade.filters import TradeFlowFilterSet
from apps.trade.models import TOTAL_COMMODITY, FlowCode, StatedTradeFigure, TradeFlow, TradeMeasure
from apps.trade.selectors import state_trade_by_partner, trade_measure_flows, trade_mirror

# Citations with their sources, their notes and claims in names (apps.site.prose: one more query per list).
CITATIONS = Prefetch("citations", queryset=NamedCitations(Citation).select_related("source"))
LATEST_CHANGES = 12
PLEDGES_SHOWN = 100
SEARCH_HITS = 20
MIRROR_PARTNERS = 5
ACTOR_LIST_LIMIT = 100


# ---------------------------------------------------------------- links shared by every page


def api_url(name, **filters):
    """An API URL by route name with these filters (empty values left out), e.g. /api/v1/pledges/?donor=japan."""
    url = reverse(name)
    query = urlencode({key: value for key, value in filters.items() if value not in (None, "")})
    return f"{url}?{query}" if query else url


def api_formats(basename, **filters):
    """The JSON and CSV links of a list page: the API's same list, with the same filters."""
    return {
        "api_json": api_url(f"{basename}-list", format="json", **filters),
        "api_csv": api_url(f"{basename}-list", format="csv", **filters),
    }


def fact_url(model, pk, slug=None, fact=None):
    """Where a person reads a fact: its page on this site (the model's get_absolute_url: its own page, or the
    section of another row's page that shows it), else its API detail (None if it has neither). `fact` (the
    row) lets a fact shown on another row's page, such as an office on its holder's page, link there without
    another query; without it the row is known by id and slug alone."""
    if fact is None and hasattr(model, "get_absolute_url"):
        fact = model(pk=pk, **({"slug": slug} if slug is not None and hasattr(model, "slug") else {}))
    if fact is not None and hasattr(fact, "get_absolute_url"):
        return fact.get_absolute_url()
    return detail_url(model, pk, slug)


# ---------------------------------------------------------------- home and search

# The text shown for a row in the change list: the first of these fields its model has.
LABEL_FIELDS = ("title_en", "name_en", "title", "key_phrase", "description_en", "commodity_code")


def _historied_models():
    """The models whose changes the home page lists, of the domain apps (apps.core.registry) in their order (the
    order their changes are listed in when times are equal): every timestamped model the change feed captures
    row by row (not trade flows, which arrive by the million in an import)."""
    from apps.core.change_capture import captured_models
    from apps.core.models import TimeStampedModel

    captured = {model for model, _label in captured_models()}
    return [
        model
        for config in registry.domain_apps()
        for model in config.get_models()
        if model in captured
        and issubclass(model, TimeStampedModel)
        and model._meta.model_name not in config.statement_captured
    ]


def latest_changes(limit=LATEST_CHANGES):
    """The newest changes of the facts, from the change feed, in three index-backed queries: the rows updated
    last (one UNION of each table's `updated_at` index; every write moves it, however made:
    apps.core.change_capture), the last feed event of each (added or changed), and the deletions since the oldest
    of those (the feed's deletion events, found by its `occurred_at` index). Reading the feed newest first
    instead would walk past every trade flow event of the last import. Each change is a dict: model (verbose
    name), label, when (datetime), action ('added', 'changed', 'deleted'; 'updated' for a row the feed never
    saw), url (None for a deleted row)."""
    models = _historied_models()
    changes = _changes(models, limit)
    if changes:
        rows = Q()
        for change in changes:
            rows |= Q(resource=change["resource"], object_id=str(change["id"]))
        last = {}
        for resource, object_id, action in (
            ChangeEvent.objects.filter(rows).order_by("id").values_list("resource", "object_id", "action")
        ):
            last[resource, object_id] = action
        actions = {ChangeAction.CREATE: "added", ChangeAction.UPDATE: "changed"}
        for change in changes:
            change["action"] = actions.get(last.get((change["resource"], str(change["id"]))), "updated")
    oldest = changes[-1]["when"] if len(changes) >= limit else None
    labels = {model._meta.label_lower: index for index, model in enumerate(models)}
    deletions = ChangeEvent.objects.filter(action=ChangeAction.DELETE, resource__in=labels).order_by("-id")
    if oldest is not None:
        deletions = deletions.filter(occurred_at__gte=oldest)
    for event in deletions[:limit]:
        model = models[labels[event.resource]]
        label = next((event.row.get(name) for name in LABEL_FIELDS if event.row.get(name)), None)
        changes.append(
            {
                "model": model._meta.verbose_name,
                "label": label or f"{model._meta.verbose_name} {event.object_id}",
                "when": event.occurred_at,
                "action": "deleted",
                "url": None,
                "model_index": labels[event.resource],
            }
        )
    changes.sort(key=lambda change: (change["when"], -change["model_index"]), reverse=True)
    internal = {"model_index", "resource", "id"}
    return [{k: v for k, v in change.items() if k not in internal} for change in changes[:limit]]


def _changes(models, limit):
    parts = []
    for index, model in enumerate(models):
        rows = model._default_manager.all()
        fields = {field.name for field in model._meta.get_fields()}
        label = next((name for name in LABEL_FIELDS if name in fields), None)
        text = CharField()
        parts.append(
            rows.order_by()
            .values("id")
            .annotate(
                when=F("updated_at"),
                model_index=Value(index, output_field=IntegerField()),
                row_slug=Cast("slug", text) if "slug" in fields else Value("", output_field=text),
                row_label=Cast(label, text) if label else Value("", output_field=text),
            )
        )
    rows = parts[0].union(*parts[1:], all=True).order_by("-when", "model_index", "-id")[:limit]
    return [
        {
            "model": models[row["model_index"]]._meta.verbose_name,
            "label": row["row_label"] or f"{models[row['model_index']]._meta.verbose_name} {row['id']}",
            "when": row["when"],
            "url": fact_url(models[row["model_index"]], row["id"], row["row_slug"] or None),
            "model_index": row["model_index"],
            "resource": models[row["model_index"]]._meta.label_lower,
            "id": row["id"],
        }
        for row in rows
    ]


COUNTED = {
    "summits": Summit,
    "documents": Document,
    "pledges": Pledge,
    "actors": Actor,
    "trade_flows": TradeFlow,
    "citations": Citation,
}


def catalogue_counts():
    """{'summits': n, 'documents': n, …, 'states': n} in one query (a UNION of per-table counts)."""
    parts = [
        model.objects.order_by()
        .annotate(table=Value(name, output_field=CharField()))
        .values("table")
        .annotate(n=Count("id"))
        for name, model in COUNTED.items()
    ]
    parts.append(
        Actor.objects.states()
        .order_by()
        .annotate(table=Value("states", output_field=CharField()))
        .values("table")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys([*COUNTED, "states"], 0)
    counts.update({row["table"]: row["n"] for row in parts[0].union(*parts[1:], all=True)})
    return counts


def home(request):
    """What catrack tracks, how much of it, the latest changes, and the search box (2–3 queries)."""
    changes = latest_changes()
    return render(
        request,
        "site/home.html",
        {
            "counts": catalogue_counts(),
            "changes": changes,
        },
    )


def search(request):
    """One ranked search across every kind of fact: the API's /api/v1/search/ (apps.search) with the API's own
    parameters (`q`, `kind` repeated or comma-separated: SearchParamsSerializer.from_query), SEARCH_HITS hits
    a page (`page`), each linked to its page here; the kinds, with their numbers of hits, are links that
    choose one. A permalink keeps `q`, `kind` and `page`; the JSON link asks the API for the same hits.
    Queries: the counts per kind, the page's ranked hits, then one per kind among them (as the API's search)."""
    q = request.GET.get("q", "").strip()
    hits, errors, kinds, pager, count, chosen, hits_start = [], [], [], {}, 0, [], 1
    if q:
        params = SearchParamsSerializer.from_query(request.GET)
        if params.is_valid():
            chosen = params.validated_data.get("kind") or []
            counts = search_kind_counts(q=q)
            count = sum(n for kind, n in counts.items() if not chosen or kind in chosen)
            query = QueryDict(mutable=True)
            query["q"] = q
            if chosen:
                query.setlist("kind", chosen)
            paginator = CountedPaginator(search_hits(q=q, kinds=set(chosen or KIND_NAMES)), SEARCH_HITS, count=count)
            page = paginator.get_page(request.GET.get(PAGE_PARAM))
            hits = [
                {
                    **hit,
                    "url": _site_url(hit),
                    "snippet": _marked(hit["snippet"]),
                    "kind_label": KIND_LABELS[hit["kind"]],
                }
                for hit in hit_details(hits=list(page.object_list), q=q)
            ]
            pager = pager_links(query, page)
            hits_start = page.start_index()
            kinds = [_kind_choice(query, chosen, kind, counts[kind]) for kind in KIND_NAMES if counts.get(kind)]
        else:
            errors = [message for messages in params.errors.values() for message in messages]
    return render(
        request,
        "site/search.html",
        {
            "q": q,
            "hits": hits,
            "count": count,
            "hits_start": hits_start,
            "errors": errors,
            "kinds": kinds,
            "chosen": chosen,
            "all_kinds": f"?{urlencode({'q': q})}",
            "listing": {"pager": pager},
            "api_json": f"{reverse('search')}?{urlencode({'q': q, 'kind': chosen}, doseq=True)}" if q else None,
        },
        status=400 if errors else 200,
    )


# Each kind of hit by its name in prose: its model's plural name (`corridor-stake` → "corridor stakes").
KIND_LABELS = {kind.kind: apps.get_model(kind.model)._meta.verbose_name for kind in KINDS}


def _kind_choice(query, chosen, kind, count):
    """A kind of hit as a link: to only its hits, or (when chosen) to the other chosen kinds' hits."""
    changed = query.copy()
    changed.setlist("kind", [other for other in chosen if other != kind] if kind in chosen else [kind])
    label = apps.get_model(next(k.model for k in KINDS if k.kind == kind))._meta.verbose_name_plural
    return {"kind": kind, "label": label, "count": count, "active": kind in chosen, "url": f"?{changed.urlencode()}"}


def _site_url(hit):
    """The hit's page on this site (apps.site.views.fact_url): every kind of fact has one."""
    model = apps.get_model(next(kind.model for kind in KINDS if kind.kind == hit["kind"]))
    return fact_url(model, hit["id"], hit["slug"]) or hit["url"]


def _marked(snippet):
    """The API's snippet, which is HTML already (apps.search.selectors.snippet_html: the text escaped, only
    catrack's <mark>…</mark> as markup)."""
    return mark_safe(snippet)  # escaped by snippet_html


# ---------------------------------------------------------------- summits

SUMMIT_FACETS = (
    Facet("partner", "Partner", "format__partner__slug", "format__partner__name_en"),
    Facet("year", "Year", ExtractYear("date")),
    Facet("status", "Status", "status", choices=SummitStatus.choices),
    Facet("mode", "Mode", "mode", choices=SummitMode.choices),
    Facet("level", "Level", "level", choices=SummitLevel.choices),
    Facet("participant", "Participant", "participants__slug", "participants__name_en"),
)
# The timeline's marks: one shape per status, so the legend reads without colour (apps/site/templates/site/timeline.html).
STATUS_MARKS = (
    (SummitStatus.HELD, "filled circle", "took place (a cited source reports it)"),
    (SummitStatus.PLANNED, "open circle", "announced; not reported held"),
    (SummitStatus.POSTPONED, "open diamond", "postponed, at the date it was planned for"),
    (SummitStatus.CANCELLED, "cross", "cancelled, at the date it was planned for"),
)


def upcoming_summits(summits):
    """What comes next: the planned meetings among `summits` whose date (its last possible day) is today or
    later, soonest first, then the planned ones no source dates yet. A planned meeting whose date has passed
    is not next: it is overdue (Summit.is_overdue), listed in its lane with that said."""
    planned = [s for s in summits if s.status == SummitStatus.PLANNED and not s.is_overdue]
    return sorted((s for s in planned if s.date is not None), key=lambda s: (s.date, s.title_en)) + [
        s for s in planned if s.date is None
    ]


# How the lanes' lists may be sorted (`?ordering=-date`): names from the API's SummitViewSet.ordering_fields.
TIMELINE_ORDERINGS = (Column("date", "Date"), Column("title_en", "Title"))
# The year range's parameters (the API's SummitFilterSet names), asked for in a form on the timeline.
TIMELINE_YEAR_RANGE = ("year_min", "year_max")


def timeline(request):
    """Every summit the filters select (the API's SummitFilterSet: `?partner=japan&year=2025`) on one time
    axis, one lane per external partner, each status its own shape (held, planned, postponed, cancelled; a
    legend says which); undated summits listed apart; what comes next (upcoming_summits); facets count summits
    per partner, status, mode, year, level and participant; a year range (`year_min`, `year_max`) and the
    lanes' order (`ordering`: date or title, `-` for newest or Z first).

    Queries: the summits, their count, one per facet. A summit whose date the sources do not give is never
    placed on the axis.
    """
    listing = explore(
        request,
        filterset_class=SummitFilterSet,
        api_basename="summit",
        facets=SUMMIT_FACETS,
        queryset=Summit.objects.select_related("format__partner", "host", "replaced_by"),
        columns=TIMELINE_ORDERINGS,
        default_ordering=("format__partner__name_en", "date", "title_en"),
        page_size=None,
    )
    lanes = []
    # One lane per partner, in the chosen order within each (sorted() keeps it: it is stable).
    summits = sorted(listing.rows, key=lambda summit: (summit.format.partner.name_en, summit.format.partner.pk))
    for partner, lane_summits in groupby(summits, key=lambda summit: summit.format.partner):
        lane_summits = list(lane_summits)
        lanes.append(
            {
                "partner": partner,
                "dated": [s for s in lane_summits if s.date is not None],
                "undated": [s for s in lane_summits if s.date is None],
            }
        )
    context = {
        "lanes": lanes,
        "chart": charts.summit_timeline(lanes),
        "listing": listing,
        "upcoming": upcoming_summits(summits),
        "marks": STATUS_MARKS,
        "overdue": [s for s in summits if s.is_overdue],
        "year_range": [(name, request.GET.get(name, "")) for name in TIMELINE_YEAR_RANGE],
        "year_range_hidden": [
            (name, value)
            for name, values in QueryDict(listing.query).lists()
            if name not in TIMELINE_YEAR_RANGE
            for value in values
        ],
        "orderings": _timeline_orderings(listing),
    }
    return render(request, "site/timeline.html", context, status=listing.status)


def _timeline_orderings(listing):
    """The timeline's order links (date oldest or newest first, title A–Z or Z–A), each keeping the filters."""
    params = QueryDict(listing.query)
    current = params.get("ordering", "date")
    links = []
    for key, title in (("date", "oldest first"), ("-date", "newest first"), ("title_en", "A–Z"), ("-title_en", "Z–A")):
        changed = params.copy()
        changed["ordering"] = key
        links.append({"title": title, "url": f"?{changed.urlencode()}", "current": key == current})
    return links


def summit(request, slug):
    """A summit: status and mode, the meeting that replaced it (or those it replaced), format, partial date, city,
    host, participants with their representatives, documents, pledges."""
    summit = get_object_or_404(
        Summit.objects.select_related("format__partner", "format__region", "host", "replaced_by").prefetch_related(
            CITATIONS,
            "replaces",
            Prefetch(
                "participations",
                queryset=SummitParticipant.objects.select_related("actor", "represented_by").prefetch_related(
                    CITATIONS
                ),
            ),
            Prefetch("documents", queryset=Document.objects.prefetch_related(CITATIONS)),
        ),
        slug=slug,
    )
    # A pledge made at the summit names it, or only the document adopted there: both are the summit's.
    pledges = (
        Pledge.objects.filter(Q(summit=summit) | Q(document__summit=summit))
        .select_related("donor")
        .prefetch_related("recipients", CITATIONS)
        .order_by("-amount_usd", "id")
    )
    return render(request, "site/summit.html", {"summit": summit, "pledges": pledges})


def document(request, slug):
    """A declaration, initiative or agreement: kind, partial adoption date, the summit it was adopted at,
    signatories and who signed for them, topics, the document it implements and those implementing it,
    pledges made under it, each fact's citations. Queries: one for the document, one per list on it."""
    document = get_object_or_404(
        Document.objects.select_related("summit__format", "implements").prefetch_related(
            CITATIONS,
            "topics",
            "implemented_by",
            Prefetch(
                "signings",
                queryset=DocumentSignatory.objects.select_related("actor", "signed_by").order_by(
                    "actor__name_en", "id"
                ),
            ),
            Prefetch(
                "pledges", queryset=Pledge.objects.select_related("donor").prefetch_related("recipients", CITATIONS)
            ),
        ),
        slug=slug,
    )
    return render(request, "site/document.html", {"document": document})


def citation(request, pk):
    """A citation is read where it stands: its source's page, at its paragraph (a redirect)."""
    citation = get_object_or_404(Citation.objects.select_related("source"), pk=pk)
    anchor = f"#p{citation.paragraph}" if citation.paragraph else ""
    return HttpResponseRedirect(f"{reverse('site:source', args=[citation.source.slug])}{anchor}")


def fact(request, label, pk):
    """Any other fact (a corridor, a trade measure, an office, an assessment…): its fields as the model names
    them, rows it points to linked to their pages, partial dates as known, its citations. A fact with a page of
    its own (a summit, an actor, a document…) redirects there. 404 for a label that is not a fact model.
    Queries: the row with the rows it points to, one per many-to-many field, one for the citations."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        model = None
    if model is None or not issubclass(model, FactModel):
        raise Http404("No such kind of fact.")
    concrete = [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FACT_FIELDS]
    many = [f for f in model._meta.many_to_many]
    row = get_object_or_404(
        model._default_manager.select_related(*[f.name for f in concrete if f.many_to_one]).prefetch_related(
            CITATIONS, *[f.name for f in many]
        ),
        pk=pk,
    )
    own_page = fact_url(model, row.pk, getattr(row, "slug", None), row)
    if own_page and not own_page.startswith(reverse("site:fact", args=[label, pk])):
        return HttpResponseRedirect(own_page)
    names = {f.name for f in concrete}
    fields = []
    for field in concrete:
        if field.name.endswith("_precision") and field.name.removesuffix("_precision") in names:
            continue  # shown with its date
        value = getattr(row, field.name)
        if f"{field.name}_precision" in names:
            value = format_partial_date(value, getattr(row, f"{field.name}_precision"))
        elif field.many_to_one:
            value = _linked(value)
        elif field.choices:
            value = getattr(row, f"get_{field.name}_display")()
        elif field.name == "note":
            value = public_note(value)
        if value not in (None, ""):
            fields.append((_label(field), value))
    for field in many:
        linked = [_linked(related) for related in getattr(row, field.name).all()]
        if linked:
            fields.append((_label(field), mark_safe(", ".join(linked))))
    return render(
        request,
        "site/fact.html",
        {
            "fact": row,
            "kind": model._meta.verbose_name,
            "fields": fields,
            "parts": _parts(row),
            "api_json": detail_url(model, row.pk, getattr(row, "slug", None)),
            # A trade measure that lists HS codes: the trade in those goods before and after it.
            "measure_trade": trade_measure_flows(measure=row) if isinstance(row, TradeMeasure) else None,
        },
    )


FACT_PARTS_SHOWN = 100


def _parts(row):
    """The facts that belong to `row` through a foreign key of theirs (a corridor's stakes, a resource's
    interests): [(heading, [linked row, …], more)], one query per such relation, FACT_PARTS_SHOWN rows each."""
    parts = []
    for relation in type(row)._meta.related_objects:
        if not relation.one_to_many or not issubclass(relation.related_model, FactModel):
            continue
        related = relation.related_model
        rows = list(
            related._default_manager.filter(**{relation.field.name: row})
            .select_related(
                *[f.name for f in related._meta.concrete_fields if f.many_to_one and f.name != relation.field.name]
            )
            .order_by("pk")[: FACT_PARTS_SHOWN + 1]
        )
        if rows:
            parts.append(
                (
                    str(related._meta.verbose_name_plural).capitalize(),
                    [_linked(part) for part in rows[:FACT_PARTS_SHOWN]],
                    len(rows) > FACT_PARTS_SHOWN,
                )
            )
    return parts


# Bookkeeping a reader does not need (the history and the API have it).
HIDDEN_FACT_FIELDS = {"id", "slug", "created_at", "updated_at"}
LANGUAGE_SUFFIXES = {" en": " (English)", " ru": " (Russian)", " ja": " (Japanese)"}


def _label(field):
    """A field's name for readers: its verbose name, 'goals en' as 'goals (English)'."""
    name = str(field.verbose_name)
    for suffix, language in LANGUAGE_SUFFIXES.items():
        if name.endswith(suffix):
            return name.removesuffix(suffix) + language
    return name


def _linked(row):
    """A row as a link to where a person reads it (escaped text only when it has no page)."""
    if row is None:
        return None
    url = fact_url(type(row), row.pk, getattr(row, "slug", None), row)
    return format_html('<a href="{}">{}</a>', url, str(row)) if url else escape(str(row))


# ---------------------------------------------------------------- actors


def actor(request, slug):
    """An actor: who it is, offices (held by a person, or a state's or organisation's holders), summits,
    pledges, relations, trade figures stated by officials (with their sources); for a state its Comtrade trade.

    Each list holds at most ACTOR_LIST_LIMIT rows (the page then links to the full list in the API).
    """
    actor = get_object_or_404(
        Actor.objects.select_related("country").prefetch_related(CITATIONS, "members", "groupings", "officials"),
        slug=slug,
    )
    limit = ACTOR_LIST_LIMIT
    lists = {
        "participations": SummitParticipant.objects.filter(actor=actor)
        .select_related("summit__format", "represented_by")
        .order_by("-summit__date", "summit__title_en", "id")[:limit],
        "representations": SummitParticipant.objects.filter(represented_by=actor)
        .select_related("summit", "actor")
        .order_by("-summit__date", "id")[:limit],
        "pledges_given": Pledge.objects.filter(donor=actor).prefetch_related("recipients", CITATIONS)[:limit],
        "pledges_received": Pledge.objects.filter(recipients=actor)
        .select_related("donor")
        .prefetch_related(CITATIONS)[:limit],
        # Popolo memberships: the offices a person held, or who held the offices of a state or organisation.
        "offices": Office.objects.filter(Q(person=actor) | Q(organization=actor))
        .select_related("person", "organization")
        .prefetch_related(CITATIONS)
        .order_by("-start_date", "id")[:limit],
        "relations": ActorRelation.objects.filter(Q(subject=actor) | Q(object=actor))
        .select_related("subject", "object")
        .prefetch_related(CITATIONS)[:limit],
        # Stated by officials, each with its sources; shown apart from (never added to) Comtrade's flows.
        "stated_figures": StatedTradeFigure.objects.filter(Q(reporter=actor) | Q(partner=actor))
        .select_related("reporter", "partner", "stated_by")
        .prefetch_related(CITATIONS)
        .order_by("reporter__name_en", "partner__name_en", "-period_start", "flow", "id")[:limit],
    }
    context = {
        "actor": actor,
        "limit": limit,
        **{name: list(rows) for name, rows in lists.items()},
        "summits_api": api_url("summit-list", participant=actor.slug),
        "given_api": api_url("pledge-list", donor=actor.slug),
        "received_api": api_url("pledge-list", recipient=actor.slug),
        "relations_api": api_url("actor-relation-list", actor=actor.slug),
        "stated_api": api_formats("stated-trade-figure", reporter=actor.slug),
        "stated_as_partner_api": api_formats("stated-trade-figure", partner=actor.slug),
        "offices_api": api_url(
            "office-list", **{"person" if actor.kind == ActorKind.PERSON else "organization": actor.slug}
        ),
    }
    if actor.kind == ActorKind.STATE:
        context.update(state_trade(actor, flow=chosen_trade_flow(request)))
    return render(request, "site/actor.html", context)


TRADE_FLOW_CHOICES = {FlowCode.EXPORT: "Exports", FlowCode.IMPORT: "Imports"}


def chosen_trade_flow(request):
    """The `trade_flow` a state page charts: X (exports) or M, None if not given; BadRequest (400) naming it
    for anything else."""
    flow = request.GET.get("trade_flow", "").upper() or None
    if flow is not None and flow not in TRADE_FLOW_CHOICES:
        raise BadRequest(
            f"trade_flow: {request.GET['trade_flow']!r} is not a choice; choose X (exports) or M (imports)."
        )
    return flow


def state_trade(state, *, flow=None):
    """A state's reported annual `flow` by partner and year (a chart of the partners, World apart as the
    denominator of a share chart), and mirror figures with its main partners, each direction where both
    sides reported a year.

    Returns {'trade_chart', 'trade_share_chart' (svg or None), 'trade_flow', 'trade_flow_label',
    'trade_flow_links', 'trade_rows' [{partner, name_en, name_ru, year, value_usd, share_of_world ('12.5%')}],
    'world_rows' [{year, value_usd}], 'mirrors': [{exporter, importer, rows}], api links}.
    """
    by_flow = {code: state_trade_by_partner(state=state, flow=code) for code in TRADE_FLOW_CHOICES}
    if flow is None:  # exports, unless the state reported imports only
        flow = next((code for code, trade in by_flow.items() if trade["partners"]), FlowCode.EXPORT)
    trade = by_flow[flow]
    label = TRADE_FLOW_CHOICES[flow]
    world = trade["world"]
    trade_rows = [
        {
            "partner": slug,
            "name_en": partner["name_en"],
            "name_ru": partner["name_ru"],
            "year": year,
            "value_usd": value,
            "share_of_world": f"{value / world[year]:.1%}" if world.get(year) else "—",
        }
        for slug, partner in trade["partners"].items()
        for year, value in sorted(partner["values"].items())
    ]
    # Mirror figures with the largest partners over both flows.
    totals = defaultdict(int)
    for code_trade in by_flow.values():
        for slug, partner in code_trade["partners"].items():
            totals[slug] += sum(partner["values"].values())
    largest = sorted(totals, key=lambda slug: -totals[slug])
    partners = {actor.slug: actor for actor in Actor.objects.filter(slug__in=largest[:MIRROR_PARTNERS])}
    mirrors = []
    for slug in largest[:MIRROR_PARTNERS]:
        # Both directions: the state's exports against the partner's imports, and the partner's exports
        # against the state's imports (a state that reports only its imports has mirror figures too).
        for exporter, importer in ((state, partners[slug]), (partners[slug], state)):
            rows = trade_mirror(reporter=exporter, partner=importer)
            if any(row["exports_reported_usd"] is not None and row["imports_reported_usd"] is not None for row in rows):
                mirrors.append(
                    {
                        "exporter": exporter,
                        "importer": importer,
                        "rows": rows,
                        "api_json": api_url("trade-flow-mirror", reporter=exporter.slug, partner=importer.slug),
                    }
                )
    return {
        "trade_chart": charts.trade_by_partner(state, trade, label) if trade_rows else None,
        "trade_share_chart": charts.trade_share_of_world(state, trade, label) if trade_rows else None,
        "trade_flow": flow,
        "trade_flow_label": label,
        "trade_flow_links": [(code, name, f"?trade_flow={code}#trade-h") for code, name in TRADE_FLOW_CHOICES.items()],
        "trade_rows": trade_rows,
        "world_rows": [{"year": year, "value_usd": value} for year, value in sorted(world.items())],
        "mirrors": mirrors,
        "trade_api": api_formats("trade-flow", reporter=state.slug, commodity=TOTAL_COMMODITY, flow=flow),
    }


# ---------------------------------------------------------------- pledges


def donor_comparison(pledges):
    """Every donor among `pledges` (a queryset, all the filters select, not one page) compared in USD, from the
    API's own sums (apps.investments.selectors.pledge_summary, as /api/v1/pledges/summary/?group_by=donor): only
    pledges that count in totals, a pledge stated in USD with its own amount, each total with the qualifier of
    its parts. Largest total first, donors without a USD figure last.

    Returns [{donor: Actor, total_usd: Decimal | None, qualifier: label ('' for exact), pledges: int,
    without_usd: int, bases: [labels of where the USD figures come from]}]. Queries: three.
    """
    rows = pledge_summary(group_by=["donor"], pledges=pledges)
    donors = Actor.objects.in_bulk([row["donor"] for row in rows], field_name="slug")
    bases = defaultdict(set)
    counted = Pledge.objects.filter(pk__in=pledges.values("pk")).counted()
    for donor, basis, currency, has_usd in (
        counted.annotate(has_usd=Q(amount_usd__isnull=False))
        .values_list("donor__slug", "usd_basis", "currency", "has_usd")
        .order_by()
        .distinct()
    ):
        if has_usd:
            bases[donor].add(UsdBasis(basis).label.lower())
        elif currency == "USD":
            bases[donor].add("amount in US dollars")
    return [
        {
            "donor": donors[row["donor"]],
            "total_usd": row["total_usd"],
            "qualifier": ""
            if row["total_usd_qualifier"] in (None, AmountQualifier.EXACT)
            else AmountQualifier(row["total_usd_qualifier"]).label.lower(),
            "pledges": row["count"],
            "without_usd": row["count"] - row["count_with_usd"],
            "bases": sorted(bases[row["donor"]]),
        }
        for row in rows
    ]


PLEDGE_FACETS = (
    Facet("donor", "Donor", "donor__slug", "donor__name_en"),
    Facet("recipient", "Recipient", "recipients__slug", "recipients__name_en"),
    Facet("currency", "Currency", "currency"),
    Facet("status", "Status", "status", choices=PledgeStatus.choices),
)
PLEDGE_COLUMNS = (Column("amount_usd", "USD amount", numeric=True), Column("period_start", "Period start"))


def pledges(request):
    """Donors compared in USD (with qualifiers and basis) over every pledge the filters select (the API's
    PledgeFilterSet: `?donor=japan&currency=JPY`; the totals are the API's summary, donors_compared), then
    those pledges with their citations, PLEDGES_SHOWN a page.

    Queries: the count, the page's pledges (with donor, summit, parent), recipients, citations with their
    sources, one per facet; the donors compared over every pledge the filters select (donor_comparison).
    """
    listing = explore(
        request,
        filterset_class=PledgeFilterSet,
        api_basename="pledge",
        facets=PLEDGE_FACETS,
        columns=PLEDGE_COLUMNS,
        default_ordering=("-amount_usd", "id"),
        page_size=PLEDGES_SHOWN,
        queryset=Pledge.objects.select_related("donor", "summit", "parent__donor").prefetch_related(
            "recipients", CITATIONS
        ),
    )
    totals = donor_comparison(listing.filtered) if listing.filtered is not None else []
    context = {
        "pledges": listing.rows,
        "totals": totals,
        "chart": charts.donor_totals(totals) if any(t["total_usd"] for t in totals) else None,
        "listing": listing,
        # The same filters: the API's summary is where these totals come from.
        "summary_api": f"{reverse('pledge-summary')}?"
        + urlencode([("group_by", "donor"), *((a["param"], a["value"]) for a in listing.active)]),
    }
    return render(request, "site/pledges.html", context, status=listing.status)


# ---------------------------------------------------------------- sources

SOURCE_FACETS = (
    Facet("kind", "Kind", "kind", choices=SourceKind.choices),
    Facet("language", "Language", "language"),
)
SOURCE_COLUMNS = (Column("title", "Source"), Column("published_on", "Published"))


def sources(request):
    """Every source the filters select (the API's SourceFilterSet) with how many citations and facts point
    into it; facets by kind and language. Queries: the count, the page, one per facet."""
    # A fact is a (content type, id) pair: ids repeat across tables, so both go into what is counted.
    fact = Concat(
        Cast("citations__content_type_id", CharField()),
        Value(":"),
        Cast("citations__object_id", CharField()),
        output_field=CharField(),
    )
    rows = Source.objects.annotate(
        citation_count=Count("citations"),
        # Only where a citation exists: the LEFT JOIN's empty row would otherwise count as one ':' fact.
        fact_count=Count(fact, distinct=True, filter=Q(citations__isnull=False)),
    )
    listing = explore(
        request,
        filterset_class=SourceFilterSet,
        api_basename="source",
        queryset=rows,
        facets=SOURCE_FACETS,
        columns=SOURCE_COLUMNS,
        default_ordering=("title",),
    )
    return render(request, "site/sources.html", {"sources": listing.rows, "listing": listing}, status=listing.status)


def source(request, slug):
    """A source, the facts it supports (grouped, each with its citations) and, when catrack holds its text,
    the text with every cited key phrase highlighted and linked to its facts."""
    source = get_object_or_404(Source, slug=slug)
    citations = Citation.objects.filter(source=source).select_related("content_type").order_by("paragraph", "id")
    cited_models = {
        ct.model_class() for ct in ContentType.objects.filter(pk__in=citations.values("content_type")).distinct()
    } - {None}
    # Each fact with the rows its name is made of (a participant is "actor at summit"), one query per kind.
    citations = list(
        citations.prefetch_related(
            GenericPrefetch(
                "fact",
                [
                    model._default_manager.select_related(
                        *[f.name for f in model._meta.concrete_fields if f.many_to_one]
                    )
                    for model in cited_models
                ],
            )
        )
    )
    name_citations(citations)
    facts = {}
    for citation in citations:
        key = (citation.content_type_id, citation.object_id)
        fact = citation.fact
        if key not in facts:
            model = citation.content_type.model_class()
            facts[key] = {
                "anchor": f"fact-{citation.content_type.model}-{citation.object_id}",
                "kind": model._meta.verbose_name if model else citation.content_type.model,
                "label": str(fact) if fact is not None else f"(deleted {citation.content_type.model})",
                "url": fact_url(model, fact.pk, getattr(fact, "slug", None), fact) if fact is not None else None,
                "citations": [],
            }
        facts[key]["citations"].append(citation)
        citation.fact_anchor = facts[key]["anchor"]
    text = source_text(source.slug)
    # A text catrack may not republish (Source.rights): its structure and each cited phrase with a few words
    # around it; the whole annotated text only to staff allowed to read it (sources.view_full_text).
    full_text = text is not None and (source.may_republish or request.user.has_perm("sources.view_full_text"))
    context = {
        "source": source,
        "facts": list(facts.values()),
        "citation_count": len(citations),
        "paragraphs": annotated_paragraphs(text, citations) if full_text else None,
        "excerpts": cited_excerpts(text, citations) if text is not None and not full_text else None,
        **api_formats("citation", source=source.slug),
    }
    return render(request, "site/source.html", context)


# ---------------------------------------------------------------- index pages of actors, documents, formats, trade

ACTOR_FACETS = (
    Facet("kind", "Kind", "kind", choices=ActorKind.choices),
    Facet("member_of", "Member of", "groupings__slug", "groupings__name_en"),
    Facet("country", "Serves", "country__slug", "country__name_en"),
)
ACTOR_COLUMNS = (Column("name_en", "Name"), Column("kind", "Kind"), Column("iso3", "ISO 3166-1"))


def actors(request):
    """Every actor the filters select (the API's ActorFilterSet: `?kind=state`), sortable, paged; facets
    by kind, grouping and the state a person serves."""
    listing = explore(
        request,
        filterset_class=ActorFilterSet,
        api_basename="actor",
        facets=ACTOR_FACETS,
        queryset=Actor.objects.select_related("country"),
        columns=ACTOR_COLUMNS,
        default_ordering=("name_en",),
    )
    return render(request, "site/actors.html", {"listing": listing}, status=listing.status)


DOCUMENT_FACETS = (
    Facet("kind", "Kind", "kind", choices=DocumentKind.choices),
    Facet("year", "Year adopted", ExtractYear("adopted_on")),
    Facet("summit", "Summit", "summit__slug", "summit__title_en"),
    Facet("signatory", "Signatory", "signatories__slug", "signatories__name_en"),
)
DOCUMENT_COLUMNS = (Column("title_en", "Document"), Column("kind", "Kind"), Column("adopted_on", "Adopted"))


def documents(request):
    """Every declaration, initiative and agreement the filters select (the API's DocumentFilterSet), sortable,
    paged; facets by kind, year, summit and signatory."""
    listing = explore(
        request,
        filterset_class=DocumentFilterSet,
        api_basename="document",
        facets=DOCUMENT_FACETS,
        queryset=Document.objects.select_related("summit"),
        columns=DOCUMENT_COLUMNS,
        default_ordering=("-adopted_on", "title_en"),
    )
    return render(request, "site/documents.html", {"listing": listing}, status=listing.status)


FORMAT_FACETS = (
    Facet("partner", "Partner", "partner__slug", "partner__name_en"),
    Facet("region", "Region", "region__slug", "region__name_en"),
)
FORMAT_COLUMNS = (Column("name_en", "Format"),)


def formats(request):
    """The C5+X formats (the API's SummitFormatFilterSet), each with its partner, region and how many summits
    catrack records, linked to the timeline filtered to it."""
    listing = explore(
        request,
        filterset_class=SummitFormatFilterSet,
        api_basename="summit-format",
        facets=FORMAT_FACETS,
        columns=FORMAT_COLUMNS,
        default_ordering=("name_en",),
        queryset=SummitFormat.objects.select_related("region", "partner").annotate(summit_count=Count("summits")),
    )
    return render(request, "site/formats.html", {"listing": listing}, status=listing.status)


TRADE_FACETS = (
    Facet("reporter", "Reporter", "reporter__slug", "reporter__name_en"),
    Facet("partner", "Partner", "partner__slug", "partner__name_en"),
    Facet("year", "Year", "year"),
    Facet("flow", "Flow", "flow", choices=FlowCode.choices),
)
TRADE_COLUMNS = (
    Column("year", "Year"),
    Column("flow", "Flow"),
    Column("commodity_code", "Commodity"),
    Column("value_usd", "USD", numeric=True),
)


def trade(request):
    """Trade flows as reported to UN Comtrade (the API's TradeFlowFilterSet: `?reporter=kazakhstan&year=2023`),
    sortable, paged; facets by reporter, partner, year and flow. Figures are never summed here (the API's
    /trade-flows/summary/ does that without counting a line twice)."""
    listing = explore(
        request,
        filterset_class=TradeFlowFilterSet,
        api_basename="trade-flow",
        facets=TRADE_FACETS,
        queryset=TradeFlow.objects.select_related("reporter", "partner", "partner2"),
        columns=TRADE_COLUMNS,
        default_ordering=("-year", "reporter__name_en", "partner__name_en", "flow"),
    )
    return render(request, "site/trade.html", {"listing": listing}, status=listing.status)


def favicon(request):
    """/favicon.ico, which browsers ask for on pages naming no icon: the site's icon (a static SVG)."""
    return HttpResponsePermanentRedirect(static("site/favicon.svg"))
