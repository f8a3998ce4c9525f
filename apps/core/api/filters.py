"""Base FilterSet and strict filter/ordering backends shared by every resource.

Filter traits that belong to a domain live with it and are composed into each app's FilterSet: which sources
back a fact (apps.sources.filters.CitedFilterSet), actors with their groupings (apps.actors.filters
.GroupingsFilterSet). Free-text search (`q`) is the search app's (apps.core.registry.text_search)."""

import copy
import datetime
import functools
import re

import django_filters
import django_filters.constants
import django_filters.fields
import django_filters.filterset
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Expression, F, UniqueConstraint
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.choices import flatten_choices
from django.utils.text import capfirst
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from apps.core import registry
from apps.core.api.csv_dialect import csv_dialect

# Parameters a paginated list understands besides its filters, `ordering` and `format`.
PAGE_PARAMS = {"page", "page_size", "count"}


class IntegerFilter(django_filters.NumberFilter):
    """NumberFilter takes decimals ('2025.5'); years and ranks are whole numbers.

    Bounded so that an out-of-range value is a 400, not a database error (smallint columns by default).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=0, max_value=32767, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        set_override(self, "field", {"type": "integer", "minimum": min_value, "maximum": max_value})


class MultipleChoiceField(django_filters.fields.MultipleChoiceField):
    """django-filter's field, checking a value against the texts of its choices read once per set of choices.

    Django's rule is unchanged (ChoiceField.valid_value: the value, or its text, is a choice's key); a value whose text
    is a choice's key is valid without walking the choices again, anything else walks them as Django does. django-filter
    hands the choices out through Django's normalize_choices on every walk, whose import raises and catches an
    AttributeError per choice: checking `flow=X` cost 20-60 µs (docs/benchmarks.md, session 16)."""

    def valid_value(self, value):
        return str(value) in self.choice_texts() or super().valid_value(value)

    def choice_texts(self):
        """frozenset of str() of every choice's key (those in groups too), kept for the field's current choices: a copy
        of the field shares them (catrack's forms copy their fields shallow: ShallowCopies)."""
        choices = self._choices
        kept = self.__dict__.get("_choice_texts")
        if kept is None or kept[0] is not choices:
            kept = self.__dict__["_choice_texts"] = (
                choices,
                frozenset(str(key) for key, _ in flatten_choices(choices)),
            )
        return kept[1]


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """django-filter's MultipleChoiceFilter ORing the values in the order given, each once. django-filter ORs
    `set(value)`, whose order follows string hashing, which differs between processes: `flow=X&flow=M` was compiled
    to `flow = 'X' OR flow = 'M'` in one worker and the reverse in another (two texts for one statement, and a kept
    shape of the request could not bind its values: apps.core.api.shapes)."""

    field_class = MultipleChoiceField

    def filter(self, qs, value):
        if not value or self.conjoined or self.is_noop(qs, value):
            return super().filter(qs, value)
        q = models.Q()
        for v in dict.fromkeys(value):
            q |= models.Q(**self.get_filter_predicate(None if v == self.null_value else v))
        qs = self.get_method(qs)(q)
        return qs.distinct() if self.distinct else qs


class _UTCDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        if isinstance(value, str) and re.search(r"T.* \d{2}(:?\d{2})?$", value):
            # An unencoded '+' in a query string is a space ('…T00:00:00 05:00'): say so, not just "invalid".
            raise forms.ValidationError(
                "A '+' in a query string means a space: send the offset's '+' as %%2B "
                "(e.g. 2025-01-01T00:00:00%%2B05:00), or give the time in UTC with Z."
            )
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


SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
SLUG_SCHEMA = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 100}


class SlugField(forms.CharField):
    """A slug as given: not stripped, so `reporter=%0A` is an error instead of "no filter" (all rows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strip=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        # No slug is longer than 100 characters; NUL, spaces and line breaks never occur in one.
        if value and (len(value) > 100 or not re.fullmatch(SLUG_PATTERN, value, flags=re.ASCII)):
            raise forms.ValidationError("Not a valid slug: letters, digits, '-' and '_' only.")
        return value


class StrictBooleanField(forms.Field):
    """`true`/`false` (or 1/0); anything else is an error. django-filter's own treats `maybe` as "not
    given" and returns every row."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).lower()]
        except KeyError:
            # The value goes in as a parameter: django-filter %-formats every message with its params.
            raise forms.ValidationError(
                "Give true or false, not %(value)s.", params={"value": repr(str(value)[:50])}
            ) from None


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class RowIdBySlug(Expression):
    """SQL `(SELECT id FROM <model's table> WHERE slug = %s)`: the id of `model`'s row with `slug`, NULL if none.

    Written from the model's metadata (table, primary key and slug columns). A Subquery of a queryset
    says the same but is cloned, resolved and compiled as a whole nested query (with the model's default
    ordering) in every statement of every request, for a constant (docs/benchmarks.md, "Figures behind the code").
    """

    def __init__(self, model, slug):
        super().__init__(output_field=model._meta.pk)
        self.model, self.slug = model, slug

    def as_sql(self, compiler, connection):
        opts, quote = self.model._meta, connection.ops.quote_name
        return (
            f"(SELECT {quote(opts.pk.column)} FROM {quote(opts.db_table)}"
            f" WHERE {quote(opts.get_field('slug').column)} = %s)",
            [self.slug],
        )


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
        qs = self.get_method(qs)(**{self.field_name: RowIdBySlug(self.slug_model, value)})
        return qs.distinct() if self.distinct else qs


@extend_schema_field(SLUG_SCHEMA)  # drf-spectacular makes a CSV filter an array of it
class SlugsFilter(django_filters.filters.BaseCSVFilter, SlugFilter):
    """One or several rows by slug, ORed: repeated (`partner=china&partner=russia`, as generated clients send a
    list) or comma-separated (`partner=china,russia`). One slug takes SlugFilter's path (a sub-select once)."""

    def filter(self, qs, value):
        slugs = list(dict.fromkeys(slug for slug in value or () if slug))
        if not slugs:
            return qs
        if len(slugs) == 1:
            return super().filter(qs, slugs[0])
        # Among several, a wrong slug would go unnoticed while the others match: a 400 naming it.
        known = set(self.slug_model._default_manager.filter(slug__in=slugs).values_list("slug", flat=True))
        if len(known) < len(slugs):
            name = next((name for name, f in self.parent.filters.items() if f is self), self.field_name)
            missing = ", ".join(repr(slug) for slug in slugs if slug not in known)
            raise ValidationError({name: [f"No {self.slug_model._meta.verbose_name} with slug {missing}."]})
        rows = self.rows_of(slugs)
        if crosses_to_many(qs.model, self.field_name):
            # A row linked to two of the slugs would come twice: `pk IN (…)`, not DISTINCT (as SlugFilter).
            matching = qs.model._base_manager.filter(**{f"{self.field_name}__in": rows}).values("pk")
            return self.get_method(qs)(pk__in=matching)
        return self.get_method(qs)(**{f"{self.field_name}__in": rows})

    def rows_of(self, slugs):
        """The ids of the rows the slugs name (a sub-select); a trait may widen it (apps.actors.actor_filters)."""
        return self.slug_model._default_manager.filter(slug__in=slugs).values("pk")


def several_values(data, names):
    """`data` (a QueryDict) with each of `names` given once as its values comma-joined: `a=x&a=y` and
    `a=x,y` mean the same (SlugsFilter's and MultipleChoiceFilter's input)."""
    joined = {name: [v for value in data.getlist(name) for v in value.split(",")] for name in names if name in data}
    joined = {name: values for name, values in joined.items() if values != data.getlist(name)}
    if not joined:
        return data
    data = data.copy()
    for name, values in joined.items():
        data.setlist(name, values)
    return data


def renamed_params(data, aliases):
    """`data` (a QueryDict) with each old parameter name of `aliases` ({old: new}) given under its new name.

    Raises ValidationError (a 400 naming the old name) when a request gives both names of one parameter.
    """
    given = [old for old in aliases if old in data]
    if not given:
        return data
    both = {
        old: [f"'{old}' is the old name of '{aliases[old]}': give only one of them."]
        for old in given
        if aliases[old] in data
    }
    if both:
        raise ValidationError(both)
    data = data.copy()
    for old in given:
        data.setlist(aliases[old], data.getlist(old))
        del data[old]
    return data


def crosses_to_many(model, path):
    """Whether the lookup `path` from `model` passes a to-many relation (rows may then come more than once)."""
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def raise_for_unknown_slugs(request):
    """400 naming each slug parameter of this request that names no row (called on empty results)."""
    errors = {}
    for param, model, value in getattr(request, "slug_filters_used", ()):
        if not model._default_manager.filter(slug=value).exists():
            errors[param] = [f"No {model._meta.verbose_name} with slug '{value}'."]
    if errors:
        raise ValidationError(errors)


def slug_filter(field_name, model, label, **kwargs):
    return SlugFilter(field_name=field_name, model=model, label=f"{label} (slug)", **kwargs)


# Bounds on `q`: each word is a prefix match over the searched columns, so a query of thousands of words runs
# for a long time (docs/benchmarks.md, "Figures behind the code").
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10


def search_words_validator(value):
    if len(re.findall(r"\w+", value)) > SEARCH_MAX_WORDS:
        raise forms.ValidationError(f"At most {SEARCH_MAX_WORDS} words.")


class RangeFilters:
    """`<name>_min` and `<name>_max`: rows whose field is at least / at most the value (both inclusive), declared
    once in a CatrackFilterSet's body as `<name>_range = RangeFilters(...)`; the FilterSet's metaclass names
    them, fills in the field (default `<name>`), their labels, and their old names (`aliases`).

    `filter_class`: django-filter's class of both (NumberFilter, DateFilter, IntegerFilter…); `labels`: both
    labels, or one with `{}` where "at least"/"at most" (dates: "on or after"/"on or before") go, or None: the
    field's verbose name capitalised, followed by those words; `transform`: a lookup before the comparison
    (`year` for a date's year); `old_names`: the pair's old parameter names, or "lookups" for
    `<name>__gte`/`<name>__lte` (docs/api-guide.md, "Ranges"); other keywords go to both filters. The filters
    are made here, so they keep their place among the FilterSet's others (django-filter orders filters by
    creation)."""

    BOUNDS = ("at least", "at most")
    DATE_BOUNDS = ("on or after", "on or before")

    def __init__(self, filter_class, labels=None, *, field_name=None, transform=None, old_names=(), **kwargs):
        self.labels, self.field_name, self.old_names = labels, field_name, old_names
        prefix = f"{transform}__" if transform else ""
        self.filters = tuple(filter_class(lookup_expr=f"{prefix}{lookup}", **kwargs) for lookup in ("gte", "lte"))

    def declare(self, name, model):
        """{`<name>_min`: filter, `<name>_max`: filter} for a FilterSet of `model`, and their aliases {old: new}."""
        field_name = self.field_name or name
        if isinstance(self.labels, tuple):
            labels = self.labels
        else:
            words = self.DATE_BOUNDS if isinstance(self.filters[0], django_filters.DateFilter) else self.BOUNDS
            template = self.labels or capfirst(model._meta.get_field(field_name).verbose_name)
            template = template if "{}" in template else f"{template} {{}}"
            labels = tuple(template.format(bound) for bound in words)
        names = (f"{name}_min", f"{name}_max")
        for filter_, label in zip(self.filters, labels, strict=True):
            filter_.field_name, filter_.label, filter_.range_of = field_name, label, name
        old = (f"{name}__gte", f"{name}__lte") if self.old_names == "lookups" else self.old_names
        return dict(zip(names, self.filters, strict=True)), dict(zip(old, names, strict=False))


class CatrackFilterSetMetaclass(django_filters.filterset.FilterSetMetaclass):
    """Expands each `<name>_range = RangeFilters(...)` of a FilterSet's body into its two filters and their old
    names, added to the `aliases` the FilterSet inherits."""

    def __new__(mcs, name, bases, attrs):
        ranges = [(key, attrs.pop(key)) for key, value in list(attrs.items()) if isinstance(value, RangeFilters)]
        if ranges:
            model = getattr(attrs.get("Meta"), "model", None)
            aliases = {old: new for base in reversed(bases) for old, new in getattr(base, "aliases", {}).items()}
            aliases.update(attrs.get("aliases", {}))
            for key, declared in ranges:
                if not key.endswith("_range"):
                    raise ImproperlyConfigured(f"{name}.{key}: name a RangeFilters `<parameter prefix>_range`.")
                filters, old_names = declared.declare(key.removesuffix("_range"), model)
                attrs.update(filters)
                aliases.update(old_names)
            attrs["aliases"] = aliases
        return super().__new__(mcs, name, bases, attrs)


class CatrackFilterSet(django_filters.FilterSet, metaclass=CatrackFilterSetMetaclass):
    """Every resource: `modified_since` for incremental sync and `q` free-text search. An app's FilterSet
    composes the traits of other apps it needs (CitedFilterSet, GroupingsFilterSet) before this class."""

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
        max_length=SEARCH_MAX_LENGTH,
        validators=[search_words_validator],
        label="Free-text search: every word, as a prefix, in its language (Russian and English word forms), "
        f"and near spellings of names (see /api/v1/search/). At most {SEARCH_MAX_LENGTH} characters "
        f"and {SEARCH_MAX_WORDS} words.",
    )

    # Text fields `q` searches on a model apps.search.kinds does not define a search for.
    search_fields = ()

    # Model boolean fields listed in Meta.fields get the strict boolean filter too.
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }

    # Appended to the 400 for an unknown `?format=` value (a filter of the same name that was renamed).
    output_format_hint = ""

    # Old names of parameters, still answered as the new ones: {old: new}. Ranges are named `<field>_min` and
    # `<field>_max` (both inclusive) on every resource; `date_after`, `period_start__gte`… are such aliases
    # (docs/api-guide.md, "Ranges"), listed in the schema as deprecated.
    aliases: dict[str, str] = {}

    def __init__(self, data=None, *args, only_given=False, **kwargs):
        # A parameter given by its old name: its errors name it as given.
        self.given_as = {new: old for old, new in self.aliases.items() if data is not None and old in data}
        if self.given_as:
            data = renamed_params(data, self.aliases)
        if only_given and data is not None:
            # Copy and validate only the filters the request uses: deep-copying and building form
            # fields for every declared filter was most of a list request's Python time.
            self.base_filters = {name: f for name, f in self.base_filters.items() if name in data}
        # django-filter deep-copies base_filters for each FilterSet; a filter's own state per FilterSet is only
        # what FilterSet sets on it (`model`, `parent`) and its lazily built `field`, so a shallow copy of each
        # filter serves (ShallowCopies). The deep copy walked every filter's choices, validators and lazy labels.
        self.base_filters = ShallowCopies(self.base_filters)
        if data is not None:
            # Several values: repeated or comma-separated alike (a multiple choice takes a list, SlugsFilter a
            # comma-joined text).
            multiple = [
                name for name, f in self.base_filters.items() if isinstance(f, django_filters.MultipleChoiceFilter)
            ]
            data = several_values(data, multiple)
            csv = [
                name
                for name, f in self.base_filters.items()
                if isinstance(f, SlugsFilter) and len(data.getlist(name)) > 1
            ]
            if csv:
                data = data.copy()
                for name in csv:
                    data.setlist(name, [",".join(data.getlist(name))])
            # An empty parameter means "not given" (as for single-valued filters): `?flow=` is no flow filter.
            empty = [
                name
                for name, f in self.base_filters.items()
                if isinstance(f, django_filters.MultipleChoiceFilter) and name in data and not any(data.getlist(name))
            ]
            if empty:
                data = data.copy()
                for name in empty:
                    del data[name]
        super().__init__(data, *args, **kwargs)

    @property
    def errors(self):
        errors = super().errors
        if not self.given_as:
            return errors
        return ErrorDict((self.given_as.get(name, name), messages) for name, messages in errors.items())

    def get_form_class(self):
        # The form depends only on the FilterSet class and the filters it holds (only_given): built once
        # per combination instead of per request (django-filter makes every form field anew each time;
        # the form still deep-copies its fields per instance). No filter here takes a request-dependent
        # queryset, which a shared form class would freeze.
        form_class = _form_class(type(self), tuple(self.filters))
        for name, f in self.filters.items():
            # A filter that reads its own form field when filtering (a multiple choice: its choices and
            # to_field_name) takes the one this form class holds, built from the same filter, instead of
            # building it again on every request (django-filter's Filter.field keeps it as `_field`).
            f._field = form_class.base_fields[name]
        return form_class

    def with_values(self, cleaned_data):
        """A FilterSet like this validated one whose filters filter with `cleaned_data` instead of its own values (the
        check of a kept shape, apps.core.api.shapes.learn)."""
        twin = type(self)(self.data, queryset=self.queryset, request=self.request, only_given=True)
        twin.is_valid()
        twin.form.cleaned_data = cleaned_data
        return twin

    @classmethod
    def text_search(cls):
        """What `q` searches: the model's definition in apps.search.kinds, else `search_fields`."""
        return registry.text_search(cls._meta.model, fields=tuple(cls.search_fields))

    def filter_q(self, queryset, name, value):
        condition = self.text_search().q(value)
        return queryset.none() if condition is None else queryset.filter(condition)

    def response_notes(self):
        """{key: value} the response reports about how the filters were applied (a trait's override), or None."""
        return None


class ShallowCopies(dict):
    """A dict of filters (or form fields) whose deep copy (`copy.deepcopy`, as django-filter's FilterSet takes one of
    its filters for each instance, and Django's form its fields) is a new dict of a shallow copy of each: catrack's
    filters and their fields keep no state of their own after construction (tests/core/test_filter_copies.py)."""

    def __deepcopy__(self, memo):
        return {name: _shallow_copy(value) for name, value in self.items()}


def _shallow_copy(value):
    clone = copy.copy(value)
    if isinstance(value, django_filters.Filter) and value.method is not None:
        # A method filter (`q`, `via_groupings`) filters through an object bound to its filter: set the method
        # again, and django-filter binds it to the copy (whose FilterSet it then finds).
        clone.method = value.method
    return clone


@functools.lru_cache(maxsize=1024)  # a bound on odd parameter combinations
def _form_class(filterset_class, names):
    """django-filter's form class for `filterset_class` holding only the filters `names`, whose choice fields
    name their choices when refusing a value (Django's message says only that it is not one of them)."""
    holding = filterset_class(
        QueryDict("&".join(f"{name}=" for name in names)),
        only_given=True,
        queryset=filterset_class._meta.model._default_manager.none(),
    )
    form_class = django_filters.FilterSet.get_form_class(holding)
    # Each form deep-copies its fields (Django's BaseForm); these forms only validate, and change no field.
    form_class.base_fields = ShallowCopies(form_class.base_fields)
    for field in form_class.base_fields.values():  # this class's own fields: the filters were copied for it
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            field.error_messages = {**field.error_messages, "invalid_choice": invalid_choice_message(field)}
        if isinstance(field, MultipleChoiceField):
            field.choice_texts()  # read once here, for every form's copy of the field
    return form_class


def invalid_choice_message(field):
    """The 400 message for a value outside `field`'s choices, listing them:
    "'Z' is not a choice here; choose X, M, RX or RM." (a %(value)s template, as Django's own)."""
    values = [str(value).replace("%", "%%") for value, _label in field.choices if value not in ("", None)]
    listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
    return f"'%(value)s' is not a choice here; choose {listed}."


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, plus a 400 for any query parameter the endpoint does not know."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.validated_filterset(request, queryset, view)
        return queryset if filterset is None else filterset.qs

    def validated_filterset(self, request, queryset, view):
        """The request's FilterSet, validated (a 400 naming each bad or unknown parameter); None if the view has
        none."""
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
            (name, f.slug_model, value)
            for name, f in filterset.filters.items()
            if isinstance(f, SlugFilter) and filterset.form.cleaned_data.get(name)
            for value in _as_list(filterset.form.cleaned_data[name])
            if value
        ]
        notes = filterset.response_notes() if isinstance(filterset, CatrackFilterSet) else None
        if notes is not None:
            # What a trait of the FilterSet wants said in the response, e.g. what `via_groupings` added per
            # actor parameter (apps.actors.filters): CatrackViewSet writes it in the page and a header.
            request.matched_via_groupings = notes
        return filterset


def _as_list(value):
    return value if isinstance(value, list) else [value]


def known_query_params(view, filterset_class):
    """The parameters `view` understands: `format`, paging where it pages, `ordering` where it orders
    (aggregates do neither: apps.core.api.views.AGGREGATE), its filters and its extra_query_params."""
    known = {"format", "delimiter"} | set(getattr(view, "extra_query_params", ()))
    if getattr(view, "pagination_class", None) is not None:
        known |= PAGE_PARAMS
    if any(issubclass(backend, OrderingFilter) for backend in getattr(view, "filter_backends", ())):
        known.add("ordering")
    if filterset_class is not None:
        known |= set(filterset_class.base_filters) | set(getattr(filterset_class, "aliases", {}))
    return known


def check_query_params(request, view, filterset_class, *, several=()):
    """400 for an unknown parameter, an unknown output format, or a single-valued parameter given twice
    (a filterset's multiple choices, and the names in `several`, may repeat)."""
    known = known_query_params(view, filterset_class)
    unknown = sorted(set(request.query_params) - known)
    formats = registry.output_formats()
    bad = [v for v in request.query_params.getlist("format") if v not in {f.name for f in formats}]
    if bad:
        hint = getattr(filterset_class, "output_format_hint", "")
        # Formats of data first, then DRF's HTML pages ("json, csv, csv-excel, xlsx or api").
        names = [f.name for f in sorted(formats, key=lambda f: f.media_type == "text/html")]
        raise ValidationError(
            {
                "format": f"Unknown output format {bad[0]!r}; choose {', '.join(names[:-1])} or "
                f"{names[-1]}.{' ' + hint if hint else ''}"
            }
        )
    if unknown:
        raise ValidationError(
            {name: f"Unknown query parameter '{name}'. Known: {', '.join(sorted(known))}." for name in unknown}
        )
    csv_dialect(request)  # a 400 for an unknown delimiter
    # Lists may repeat: a filterset's multiple choices and several slugs, `ordering` and `group_by` (their
    # repeated values mean the same as comma-separated ones).
    several = {
        *several,
        "ordering",
        "group_by",
        *(
            name
            for name, f in (filterset_class.base_filters.items() if filterset_class else ())
            if isinstance(f, (django_filters.MultipleChoiceFilter, SlugsFilter))
        ),
    }
    raise_for_repeated(request, several=several)
    raise_for_blank(request)


def raise_for_blank(request):
    """400 naming a parameter whose value is only whitespace (`city=%20`, `commodity=%0A`, `q=%20`): Django's
    forms strip it to "" and the filter would be silently dropped, answering with every row. An empty value
    (`?city=`) still means "not given"."""
    blank = sorted({name for name, values in request.query_params.lists() if any(v and not v.strip() for v in values)})
    if blank:
        raise ValidationError(
            {name: f"'{name}' is only whitespace: give a value, or leave the parameter out." for name in blank}
        )


def resource_name(request):
    """The API path a request asks, as a file name: /api/v1/trade-flows/summary/ → 'trade-flows-summary'."""
    path = request.path.removeprefix("/api/v1/").strip("/")
    return re.sub(r"[^-a-z0-9]+", "-", path.lower()).strip("-") or "catrack"


def raise_for_repeated(request, *, several=()):
    """400 naming each parameter given more than once, unless it is in `several` (a multiple choice,
    whose values are ORed): a repeated single-valued parameter would otherwise silently keep its last value."""
    counts = {name: len(values) for name, values in request.query_params.lists() if name not in several}
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise ValidationError(
            {name: f"'{name}' takes one value; it was given {counts[name]} times." for name in repeated}
        )


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` on the view's ordering_fields; an unknown field is a 400, not silently ignored.

    The same two rules for every list, given or default ordering, on PostgreSQL and SQLite alike (whose
    defaults differ): empty values (NULL) sort last in either direction, and the order is total (the id
    breaks ties unless the terms already include a unique key), so no row hops between pages.
    """

    def filter_queryset(self, request, queryset, view):
        ordering = (
            self.get_ordering(request, queryset, view) or queryset.query.order_by or queryset.model._meta.ordering
        )
        return queryset.order_by(*total_ordering(queryset.model, ordering))

    def get_schema_operation_parameters(self, view):
        fields = [name for name, _label in self.get_valid_fields(view.get_queryset(), view, {})]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Fields to order by, repeated or comma-separated (ordering=-year,partner); prefix '-' "
                "for descending. Empty values come last either way; the id breaks ties.",
                "schema": {
                    "type": "array",
                    "uniqueItems": True,
                    "minItems": 1,
                    "items": {"type": "string", "enum": [*fields, *(f"-{name}" for name in fields)]},
                },
                # Generated clients repeat the parameter for a list (form, explode); comma-separated works too.
                "style": "form",
                "explode": True,
            }
        ]

    def get_ordering(self, request, queryset, view):
        values = request.query_params.getlist(self.ordering_param)
        params = ",".join(values)
        if params:
            valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
            terms, bad = ordering_terms(values, valid)
            if bad or not terms:
                raise ValidationError(
                    {
                        self.ordering_param: f"Cannot order by {', '.join(bad) or repr(params)}. "
                        f"Choose from: {', '.join(sorted(valid))} (prefix '-' for descending)."
                    }
                )
            # The id breaks ties, so rows do not hop between pages when the ordered values repeat.
            return terms if {"id", "-id"} & set(terms) else [*terms, "id"]
        return self.get_default_ordering(view)


def ordering_terms(values, valid):
    """`?ordering=` as given (its values: repeated, comma-separated, or both) as (terms, bad): the terms in order
    (['-year', 'partner']), and those that are not a field of `valid` with at most one '-' (`--name_en` reached
    the ORM as a FieldError, a 500) or that name a field twice (`year,-year` is ambiguous). The API's lists
    (StrictOrderingFilter) and the site's list pages (apps.site.listing) read it this way."""
    terms = [term.strip() for value in values for term in value.split(",") if term.strip()]
    bad = [term for term in terms if term.removeprefix("-") not in valid]
    names = [term.removeprefix("-") for term in terms]
    bad += sorted({term for term in terms if names.count(term.removeprefix("-")) > 1} - set(bad))
    return terms, bad


def total_ordering(model, terms):
    """`terms` (['-year', 'actor__name_en']) as order_by() arguments: nullable ones with NULLS LAST, and
    the primary key appended unless the terms already determine one row (a unique field or constraint).

    Orderings of field names only (the defaults and `?ordering=`) are worked out once per model: the same
    expression objects each time, so ordering_sql (apps.core.api.sql) finds its compiled ORDER BY by their
    cached identity instead of working out ten terms' identities on every request."""
    terms = tuple(terms)
    if all(isinstance(term, str) for term in terms):
        return _total_ordering_of_names(model, terms)
    return _total_ordering(model, terms)


@functools.lru_cache(maxsize=512)  # the models' orderings and the `ordering_fields` combinations asked for
def _total_ordering_of_names(model, terms):
    return _total_ordering(model, terms)


def _total_ordering(model, terms):
    names = {term.lstrip("-") for term in terms if isinstance(term, str)}
    ordered = [_nulls_last(model, term) if isinstance(term, str) else term for term in terms]
    return tuple(ordered) if _is_unique_key(model, names) else (*ordered, model._meta.pk.name)


def _nulls_last(model, term):
    name = term.lstrip("-")
    nullable, current = False, model
    for part in name.split("__"):
        field = current._meta.get_field(part)
        nullable = nullable or field.null
        current = field.related_model
    if not nullable:
        return term  # as written: PostgreSQL can read it off an index in either direction
    expression = F(name)
    return expression.desc(nulls_last=True) if term.startswith("-") else expression.asc(nulls_last=True)


def _is_unique_key(model, names):
    fields = {model._meta.get_field(name).name for name in names if "__" not in name}
    if "pk" in names or any(model._meta.get_field(name).unique for name in fields):
        return True
    keys = [c for c in model._meta.constraints if isinstance(c, UniqueConstraint) and c.fields]
    if any(c.condition is None and set(c.fields) <= fields for c in keys):
        return True
    # Partial unique constraints that together cover every row (`month IS NULL` / `month IS NOT NULL`).
    partial = [c for c in keys if c.condition is not None and set(c.fields) <= fields]
    conditions = {child for c in partial for child in c.condition.children}
    return any((f"{name}__isnull", True) in conditions and (f"{name}__isnull", False) in conditions for name in fields)
