"""Base FilterSet and strict filter/ordering backends shared by every resource."""
import datetime
import re
from functools import reduce
from operator import and_, or_

import django_filters
import django_filters.constants
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.fields import IsoDateTimeField
from django_filters.utils import translate_validation
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from apps.actors.models import Actor
from apps.core.models import FactModel
from apps.sources.models import Citation

# Parameters every list understands besides its filters.
COMMON_PARAMS = {"page", "page_size", "ordering", "format"}
# Output formats `?format=` may name (the renderers in settings.REST_FRAMEWORK).
RENDERER_FORMATS = {"json", "api", "csv"}


class IntegerFilter(django_filters.NumberFilter):
    """NumberFilter takes decimals ('2025.5'); years and ranks are whole numbers.

    Bounded so that an out-of-range value is a 400, not a database error (smallint columns by default).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=0, max_value=32767, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        set_override(self, "field", {"type": "integer", "minimum": min_value, "maximum": max_value})


class _UTCDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        # '9999-12-31T23:59:59-14:00' parses but overflows when the database needs it in UTC.
        # Handed to the database in UTC: PostgreSQL refuses offsets beyond ±15:59 (Python allows ±23:59).
        try:
            return None if value is None else value.astimezone(datetime.timezone.utc)
        except OverflowError:
            raise forms.ValidationError("Out of range: give a datetime between years 1 and 9999 in UTC.") from None


class DateTimeSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = _UTCDateTimeField


def year_of_date_filter(field_name, label):
    """`?year=2025` on a date column; Python dates only go from year 1 to 9999."""
    return IntegerFilter(field_name=field_name, lookup_expr="year", min_value=1, max_value=9999, label=label)


def id_filter(field_name, label):
    return IntegerFilter(field_name=field_name, min_value=1, max_value=2**63 - 1, label=label)


class SlugField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        # Checked here: PostgreSQL refuses NUL in text, and no slug is longer than 100 characters.
        if value and ("\x00" in value or len(value) > 100):
            raise forms.ValidationError("Not a valid slug.")
        return value


SLUG_SCHEMA = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 100}


@extend_schema_field(SLUG_SCHEMA)
class SlugFilter(django_filters.CharFilter):
    """A related row by its slug, resolved inside the query: `reporter_id = (SELECT id … WHERE slug = …)`.

    PostgreSQL runs the sub-select once and then uses the id like a constant (same plan as an id filter;
    a join on the slug made counting 19k rows twice as slow), and there is no extra round trip. An
    unknown slug would silently match nothing, so whenever a result comes back empty the view asks
    raise_for_unknown_slugs() whether a slug was wrong: a 400 naming the parameter.
    """

    field_class = SlugField

    def __init__(self, *args, model, **kwargs):
        self.slug_model = model  # not `model`: FilterSet sets that to the resource's model
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        row_id = Subquery(self.slug_model._default_manager.filter(slug=value).values("pk")[:1])
        qs = self.get_method(qs)(**{self.field_name: row_id})
        return qs.distinct() if self.distinct else qs


def raise_for_unknown_slugs(request):
    """400 naming each slug parameter of this request that names no row (called on empty results)."""
    errors = {}
    for param, model, value in getattr(request, "slug_filters_used", ()):
        if not model._default_manager.filter(slug=value).exists():
            errors[param] = [f"No {model._meta.verbose_name} with slug '{value}'."]
    if errors:
        raise ValidationError(errors)


def actor_filter(field_name, label, **kwargs):
    """An actor filter takes the actor's slug, like NetBox's `site=ams1`."""
    return SlugFilter(field_name=field_name, model=Actor, label=f"{label} (actor slug, e.g. japan)", **kwargs)


def slug_filter(field_name, model, label, **kwargs):
    return SlugFilter(field_name=field_name, model=model, label=f"{label} (slug)", **kwargs)


class CatrackFilterSet(django_filters.FilterSet):
    """Every resource: `modified_since` for incremental sync and `q` free-text search."""

    modified_since = DateTimeSinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Rows created or changed at or after this ISO 8601 datetime (e.g. 2025-12-19T00:00:00Z). "
              "Deleted rows are not listed: learn deletions from /api/v1/changes/.",
    )
    created_since = DateTimeSinceFilter(
        field_name="created_at", lookup_expr="gte", label="Rows created at or after this ISO 8601 datetime."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        label="Free-text search (English and Russian); PostgreSQL full-text with prefix matching.",
    )

    # Text fields `q` searches; subclasses name theirs.
    search_fields = ()

    def __init__(self, data=None, *args, only_given=False, **kwargs):
        # Where `format` is a filter (summits), `?format=csv` still means the output format.
        if data is not None and "format" in self.base_filters and "format" in data:
            data = data.copy()
            values = [v for v in data.getlist("format") if v not in RENDERER_FORMATS]
            if values:
                data.setlist("format", values)
            else:
                del data["format"]
        if only_given and data is not None:
            # Copy and validate only the filters the request uses: deep-copying and building form
            # fields for every declared filter was most of a list request's Python time.
            self.base_filters = {name: f for name, f in self.base_filters.items() if name in data}
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        # The form depends only on the FilterSet class and the filters it holds (only_given): built once
        # per combination instead of per request (django-filter makes every form field anew each time;
        # the form still deep-copies its fields per instance). No filter here takes a request-dependent
        # queryset, which a shared form class would freeze.
        key = (type(self), tuple(self.filters))
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            if len(_FORM_CLASSES) >= 1024:  # a bound on odd parameter combinations
                _FORM_CLASSES.clear()
            form_class = _FORM_CLASSES[key] = super().get_form_class()
        return form_class

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        if model is not None and issubclass(model, FactModel):
            # Every fact is meant to carry a citation: the ones that do not are found with cited=false.
            filters["cited"] = django_filters.BooleanFilter(
                method="filter_cited", label="true: facts with at least one citation; false: facts without any.")
        return filters

    def filter_q(self, queryset, name, value):
        return text_search(queryset, self.search_fields, value)

    def filter_cited(self, queryset, name, value):
        citations = Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk"))
        return queryset.filter(Exists(citations) if value else ~Exists(citations))


_FORM_CLASSES = {}


def text_search(queryset, fields, value):
    """Every word must match (as a prefix) in one of `fields`.

    The 'simple' configuration does no stemming, so it treats English and Russian alike.
    """
    words = re.findall(r"\w+", value)
    if not words or not fields:
        return queryset.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), config="simple", search_type="raw")
        return queryset.annotate(_search=SearchVector(*fields, config="simple")).filter(_search=query)
    # SQLite fallback: substring match per word.
    return queryset.filter(
        reduce(and_, (reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words))
    )


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, plus a 400 for any query parameter the endpoint does not know."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.validated_filterset(request, queryset, view)
        return queryset if filterset is None else filterset.qs

    def validated_filterset(self, request, queryset, view):
        """The request's FilterSet, validated (a 400 naming each bad or unknown parameter); None if the view has none."""
        filterset_class = self.get_filterset_class(view, queryset)
        check_query_params(request, view, filterset_class)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if issubclass(filterset_class, CatrackFilterSet):
            kwargs["only_given"] = True
        filterset = filterset_class(**kwargs)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        request.slug_filters_used = [
            (name, f.slug_model, filterset.form.cleaned_data[name])
            for name, f in filterset.filters.items()
            if isinstance(f, SlugFilter) and filterset.form.cleaned_data.get(name)
        ]
        return filterset


def known_query_params(view, filterset_class):
    known = set(COMMON_PARAMS) | set(getattr(view, "extra_query_params", ()))
    if filterset_class is not None:
        known |= set(filterset_class.base_filters)
    return known


def check_query_params(request, view, filterset_class):
    known = known_query_params(view, filterset_class)
    unknown = sorted(set(request.query_params) - known)
    if filterset_class is None or "format" not in filterset_class.base_filters:
        bad = [v for v in request.query_params.getlist("format") if v not in RENDERER_FORMATS]
        if bad:
            raise ValidationError({"format": f"Unknown output format {bad[0]!r}; choose json, csv or api."})
    if unknown:
        raise ValidationError(
            {name: f"Unknown query parameter '{name}'. Known: {', '.join(sorted(known))}." for name in unknown}
        )


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` on the view's ordering_fields; an unknown field is a 400, not silently ignored."""

    def get_schema_operation_parameters(self, view):
        fields = [name for name, _label in self.get_valid_fields(view.get_queryset(), view, {})]
        return [{
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": "Comma-separated fields to order by; prefix '-' for descending.",
            "schema": {"type": "array", "uniqueItems": True, "minItems": 1,
                       "items": {"type": "string", "enum": [*fields, *(f"-{name}" for name in fields)]}},
            "style": "form",
            "explode": False,
        }]

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
            bad = [term for term in terms if term.lstrip("-") not in valid]
            bad += sorted({term for term in terms if terms.count(term) > 1})  # named twice: ambiguous
            if bad or not terms:
                raise ValidationError(
                    {self.ordering_param: f"Cannot order by {', '.join(bad) or repr(params)}. "
                     f"Choose from: {', '.join(sorted(valid))} (prefix '-' for descending)."}
                )
            # The id breaks ties, so rows do not hop between pages when the ordered values repeat.
            return terms if {"id", "-id"} & set(terms) else [*terms, "id"]
        return self.get_default_ordering(view)
