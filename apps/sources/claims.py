"""Field-level claims: the value a source gives for one field of a fact, in that field's own format.

A citation with `field` set is a claim (Wikidata's statement with a rank; OpenSanctions' statement per
property value). This module is the one place that says how a claim's `value` is written for each kind of
field, how a fact's column reads as a claim, and which value the preference rule picks:

- a partial date (a DateField with a `<name>_precision` sibling): `2025`, `2025-04` or `2025-04-04`;
- a first and last day (a date field with an end partner, PERIOD_ENDS): `2025-04-03/2025-04-04` (a single
  day, or a partial date, for a fact of one day);
- a plain date: `2025-04-04`;
- a decimal: `20000000000.00` (written with the field's decimal places);
- an amount with its currency (a DecimalField `amount` beside a `currency` field): `3000000000000.00 JPY`;
- a related row: its slug (`japan`);
- a choice: the choice's value (`loan`);
- a whole number: `2`; a boolean: `true` / `false`;
- text: as written.

Values are stored normalised (`3000000000000 JPY` → `3000000000000.00 JPY`, ` Japan` → `japan` is NOT done:
slugs are exact), so equal values are equal strings in SQL too (disputed = more than one distinct value).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models

# A date field whose fact also has a last day: a claim on it may give the range `first/last`.
PERIOD_ENDS = {"date": "end_date", "start_date": "end_date", "period_start": "period_end"}
# Fields that are bookkeeping, never what a source says.
UNCLAIMABLE = {"id", "created_at", "updated_at", "slug"}
CURRENCY_FIELD = "currency"
AMOUNT_FIELDS = {"amount"}  # a DecimalField named so, on a model with `currency`: the value carries the currency

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_AMOUNT = re.compile(r"^(-?\d+(?:\.\d+)?)\s+([A-Za-z]{3})$")


class ClaimValueError(ValueError):
    """The value does not parse for the field; the message says what the field takes."""


def claimable_field(model, name: str) -> models.Field:
    """The concrete field `name` of fact `model` a claim may give a value for.

    Raises ClaimValueError for an unknown field, a bookkeeping one (id, slug, timestamps), a many-to-many
    relation, or a `*_precision` field (its precision is part of the date's value)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ClaimValueError(f"{model._meta.label_lower} has no field {name!r}.") from None
    if (
        not field.concrete
        or field.many_to_many
        or name in UNCLAIMABLE
        or name.endswith("_precision")
        or isinstance(field, models.AutoField)
    ):
        raise ClaimValueError(f"{name!r} is not a field a source gives a value for on {model._meta.label_lower}.")
    return field


def _precision_of(model, name):
    try:
        return model._meta.get_field(f"{name}_precision")
    except FieldDoesNotExist:
        return None


def _end_of(model, name):
    end = PERIOD_ENDS.get(name)
    if end is None:
        return None
    try:
        return model._meta.get_field(end)
    except FieldDoesNotExist:
        return None


def _partial_date(text, *, precise=False):
    """'2025' | '2025-04' | '2025-04-04' → the canonical text; ClaimValueError otherwise."""
    match = _PARTIAL.match(text)
    if not match or (precise and match.group(3) is None):
        raise ClaimValueError("a date as YYYY-MM-DD" if precise else "a date as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ClaimValueError("a real calendar date") from None
    return text


def _date_format(model, name):
    if _end_of(model, name) is not None:
        return "a date (YYYY, YYYY-MM or YYYY-MM-DD) or a first and last day (YYYY-MM-DD/YYYY-MM-DD)"
    if _precision_of(model, name) is not None:
        return "a date as YYYY, YYYY-MM or YYYY-MM-DD"
    return "a date as YYYY-MM-DD"


def normalise_claim_value(model, name: str, value: str) -> str:
    """`value` as stored for field `name` of fact `model` (see the module's list of formats).

    Raises ClaimValueError (message: what the field takes) for a value that does not parse, or names no row."""
    field = claimable_field(model, name)
    text = (value or "").strip()
    if not text:
        raise ClaimValueError("a value (the claim's field is set)")
    if isinstance(field, models.DateField):
        try:
            if "/" in text and _end_of(model, name) is not None:
                first, _, last = text.partition("/")
                first, last = _partial_date(first.strip(), precise=True), _partial_date(last.strip(), precise=True)
                if last < first:
                    raise ClaimValueError("a last day on or after the first")
                return first if first == last else f"{first}/{last}"
            return _partial_date(text, precise=_precision_of(model, name) is None)
        except ClaimValueError:
            raise ClaimValueError(_date_format(model, name)) from None
    if isinstance(field, models.DecimalField):
        return _decimal_claim(model, field, text)
    if field.is_relation:
        related = field.related_model
        key = "slug" if any(f.name == "slug" for f in related._meta.fields) else related._meta.pk.name
        if not related._default_manager.filter(**{key: text}).exists():
            raise ClaimValueError(f"the {key} of a {related._meta.verbose_name} (none has {key} {text!r})")
        return text
    if field.choices:
        values = [str(choice) for choice, _label in field.flatchoices]
        if text not in values:
            raise ClaimValueError(f"one of {', '.join(values)}")
        return text
    if isinstance(field, models.BooleanField):
        if text.lower() not in ("true", "false"):
            raise ClaimValueError("true or false")
        return text.lower()
    if isinstance(field, (models.IntegerField,)):
        if not re.fullmatch(r"-?\d+", text):
            raise ClaimValueError("a whole number")
        return str(int(text))
    return text


def _decimal_claim(model, field, text):
    with_currency = field.name in AMOUNT_FIELDS and _has_field(model, CURRENCY_FIELD)
    if with_currency:
        match = _AMOUNT.match(text)
        if not match:
            raise ClaimValueError("an amount and its ISO 4217 currency, e.g. 3000000000000 JPY")
        number, currency = match.group(1), match.group(2).upper()
    else:
        number, currency = text, None
    try:
        amount = Decimal(number)
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ClaimValueError("a decimal number, e.g. 20000000000.00") from None
    quantum = Decimal(1).scaleb(-field.decimal_places)
    canonical = str(amount.quantize(quantum))
    if len(canonical.replace("-", "").replace(".", "")) > field.max_digits:
        raise ClaimValueError(f"a number of at most {field.max_digits} digits")
    return f"{canonical} {currency}" if currency else canonical


def _has_field(model, name):
    try:
        model._meta.get_field(name)
        return True
    except FieldDoesNotExist:
        return False


def column_claim_value(fact, name: str) -> str | None:
    """What the fact's own column(s) for `name` say, written as a claim's value; None when unknown/empty."""
    model = type(fact)
    field = claimable_field(model, name)
    raw = getattr(fact, field.attname)
    if isinstance(field, models.DateField):
        if raw is None:
            return None
        precision = _precision_of(model, name)
        first = raw.isoformat() if precision is None else _format_partial(raw, getattr(fact, precision.attname))
        end = _end_of(model, name)
        last_raw = getattr(fact, end.attname) if end is not None else None
        if last_raw is None:
            return first
        end_precision = _precision_of(model, end.name)
        last = (
            last_raw.isoformat()
            if end_precision is None
            else _format_partial(last_raw, getattr(fact, end_precision.attname))
        )
        return first if first == last else f"{first}/{last}"
    if raw is None or raw == "":
        return None
    if isinstance(field, models.DecimalField):
        number = str(Decimal(raw).quantize(Decimal(1).scaleb(-field.decimal_places)))
        if field.name in AMOUNT_FIELDS and _has_field(model, CURRENCY_FIELD):
            return f"{number} {getattr(fact, CURRENCY_FIELD)}"
        return number
    if field.is_relation:
        related = field.related_model
        if any(f.name == "slug" for f in related._meta.fields):
            return related._default_manager.filter(pk=raw).values_list("slug", flat=True).first()
        return str(raw)
    if isinstance(field, models.BooleanField):
        return "true" if raw else "false"
    return str(raw)


def _format_partial(value, precision):
    from apps.core.models import format_partial_date

    return format_partial_date(value, precision)


def claim_errors(citation) -> dict[str, list[str]]:
    """The rules of a citation's claim, as {field: [message]} (empty when it holds):
    field/value/rank all set or all blank; the value parses for the field (normalised in place); a
    `preferred` value equals the fact's column (the message names both)."""
    errors: dict[str, list[str]] = defaultdict(list)
    name, rank = citation.field, citation.rank
    if not name:
        for other in ("value", "rank", "rank_reason"):
            if getattr(citation, other):
                errors[other].append("Only a claim has this: name the fact's `field` the value is for.")
        return dict(errors)
    if not rank:
        errors["rank"].append("A claim has a rank: preferred, alternative or deprecated.")
    if citation.content_type_id is None:
        return dict(errors)
    model = citation.content_type.model_class()
    try:
        citation.value = normalise_claim_value(model, name, citation.value)
    except ClaimValueError as error:
        target = "field" if not _is_claimable(model, name) else "value"
        errors[target].append(
            f"{name}={citation.value!r}: the value for {name} must be {error}." if target == "value" else str(error)
        )
        return dict(errors)
    if rank == ClaimRank.PREFERRED:
        fact = model._base_manager.filter(pk=citation.object_id).first()
        if fact is not None:
            column = column_claim_value(fact, name)
            if column != citation.value:
                errors["value"].append(
                    f"A preferred claim equals the fact's column: {name} is {column!r} on the fact, the claim says "
                    f"{citation.value!r}. Change the column, or rank this claim alternative."
                )
    if not errors and citation.source_id is not None:
        errors["rank_reason"].extend(unexplained_overrides(citation))
    return {field: messages for field, messages in errors.items() if messages}


RULE = "the value stated by the most independent origins, then one with an official source"


def unexplained_overrides(citation) -> list[str]:
    """Messages for the preferred claims of `citation`'s fact and field that go against the preference rule
    (rule_preferred_value does not pick their value, or finds a tie) without a rank_reason: an analyst may rank
    against the rule, never silently (docs/claims.md). `citation` is taken as it is in memory, the others as
    stored. Names `citation` itself when it is such a claim, and another preferred claim when this write is what
    turns the rule against it (it was the rule's pick before); a claim already against the rule is left to
    /api/v1/disagreements/, so re-loading older data never fails on a row it does not change. Empty when none."""
    from apps.sources.models import Citation

    stored = Citation.objects.filter(
        content_type_id=citation.content_type_id, object_id=citation.object_id, field=citation.field
    ).select_related("source")
    others = [claim for claim in stored if claim.pk != citation.pk or citation.pk is None]
    roots = origin_roots()
    picked = rule_preferred_value([*others, citation], roots)
    picked_before = rule_preferred_value(stored, roots)
    verdict = f"picks {picked!r}" if picked is not None else "finds a tie"
    messages = []
    if citation.rank == ClaimRank.PREFERRED and not citation.rank_reason.strip() and citation.value != picked:
        messages.append(
            f"{citation.field}={citation.value!r} is preferred against the preference rule ({RULE}), which "
            f"{verdict} here: say why in rank_reason."
        )
    for claim in others:
        if claim.rank != ClaimRank.PREFERRED or claim.rank_reason.strip() or claim.value == picked:
            continue
        if claim.value == picked_before:  # this write turns the rule against it
            messages.append(
                f"With this claim the preferred {claim.field}={claim.value!r} of {claim.source.slug} goes against "
                f"the preference rule ({RULE}), which then {verdict}: give that claim a rank_reason first."
            )
    return messages


def preferred_claim_conflicts(fact) -> dict[str, list[str]]:
    """{field: [message]} for each column of `fact` (as it is in memory) that differs from a preferred claim
    stored for it; empty when they agree. One query for the fact's preferred claims."""
    from apps.sources.models import Citation

    errors: dict[str, list[str]] = defaultdict(list)
    claims = Citation.objects.for_object(fact).filter(rank=ClaimRank.PREFERRED).select_related("source")
    for claim in claims:
        if not _is_claimable(type(fact), claim.field):
            continue
        column = column_claim_value(fact, claim.field)
        if column != claim.value:
            errors[claim.field].append(
                f"{claim.field} would be {column!r}, but the preferred claim of {claim.source.slug} says "
                f"{claim.value!r}: rank that claim alternative first, or keep the column at its preferred value."
            )
    return dict(errors)


def _is_claimable(model, name):
    try:
        claimable_field(model, name)
        return True
    except ClaimValueError:
        return False


class ClaimRank(models.TextChoices):
    """Wikidata's ranks: the value catrack shows, another value a source gives, a value known to be wrong."""

    PREFERRED = "preferred", "Preferred (the fact's column)"
    ALTERNATIVE = "alternative", "Alternative (another source's value)"
    DEPRECATED = "deprecated", "Deprecated (a source's value known to be wrong)"


@dataclass
class ValueSupport:
    """One value of a field and who gives it."""

    value: str
    origins: set = dataclass_field(default_factory=set)  # independent origins (root source ids)
    official: bool = False


def rule_preferred_value(claims, roots: dict[int, int] | None = None) -> str | None:
    """THE preference rule (docs/claims.md): among a field's claims (each with .value, .source_id, and
    .source.is_official) that are not deprecated, the value stated by the most independent origins
    (republications of one story count once: `roots`, {source id: root source id}, origin_roots() when None);
    a tie goes to a value with an official source; a remaining tie is undecided (None: the analyst chooses and
    says why in rank_reason).
    An analyst may rank against the rule: the preferred claim then says why (rank_reason), kept in history."""
    if roots is None:
        roots = origin_roots()
    support: dict[str, ValueSupport] = {}
    for claim in claims:
        if claim.rank == ClaimRank.DEPRECATED:
            continue
        entry = support.setdefault(claim.value, ValueSupport(claim.value))
        entry.origins.add(roots.get(claim.source_id, claim.source_id))
        entry.official = entry.official or bool(claim.source.is_official)
    if not support:
        return None
    ranked = sorted(support.values(), key=lambda s: (len(s.origins), s.official), reverse=True)
    if len(ranked) > 1 and (len(ranked[0].origins), ranked[0].official) == (len(ranked[1].origins), ranked[1].official):
        return None
    return ranked[0].value


def origin_roots() -> dict[int, int]:
    """{source id: id of its independent origin, the end of its origin chain (itself if none)}: Source.root_origin,
    which the database keeps. One query over the sources (a few hundred rows)."""
    from apps.sources.models import Source

    return {pk: root or pk for pk, root in Source.objects.values_list("id", "root_origin_id")}


def _against_rule(claim, picked) -> bool:
    """A preferred claim without a rank_reason whose value the rule does not pick (or a tie: picked None)."""
    return claim.rank == ClaimRank.PREFERRED and not claim.rank_reason.strip() and claim.value != picked


def _claim_name(claim) -> str:
    """'citation 94 (velizade-japanese-move on investments.pledge 1: amount_usd='20000000000.00')'."""
    content_type = claim.content_type
    return (
        f"citation {claim.pk} ({claim.source.slug} on {content_type.app_label}.{content_type.model} "
        f"{claim.object_id}: {claim.field}={claim.value!r})"
    )


def _claim_groups(claims) -> dict[tuple[int, int, str], list]:
    groups: dict[tuple[int, int, str], list] = defaultdict(list)
    for claim in claims:
        groups[claim.content_type_id, claim.object_id, claim.field].append(claim)
    return groups


def overrides_against_rule() -> list[str]:
    """Every preferred claim of every fact that the preference rule does not pick and that gives no rank_reason,
    as messages naming the claim (empty when none). The write-time checks (unexplained_overrides,
    origin_change_overrides, deletion_overrides) refuse a write that makes one; this finds any that a bulk
    update, raw SQL or older data left (`manage.py verify_claims`, run by CI after the seed). Two queries."""
    from apps.sources.models import Citation

    roots = origin_roots()
    claims = Citation.objects.exclude(field="").select_related("source", "content_type").order_by("id")
    messages = []
    for group in _claim_groups(claims).values():
        picked = rule_preferred_value(group, roots)
        verdict = f"picks {picked!r}" if picked is not None else "finds a tie"
        messages += [
            f"{_claim_name(claim)} is preferred against the preference rule ({RULE}), which {verdict}: "
            "give it a rank_reason, or rank it as the rule says."
            for claim in group
            if _against_rule(claim, picked)
        ]
    return messages


def _tipped(groups, roots_before, roots_after, *, left_out=frozenset()) -> list[str]:
    """Messages for the preferred claims without a rank_reason that the rule picked under `roots_before` (with
    every claim) and no longer picks under `roots_after` without the claims whose ids are in `left_out`."""
    messages = []
    for group in groups:
        kept = [claim for claim in group if claim.pk not in left_out]
        before, after = rule_preferred_value(group, roots_before), rule_preferred_value(kept, roots_after)
        verdict = f"picks {after!r}" if after is not None else "finds a tie"
        for claim in kept:
            if _against_rule(claim, after) and not _against_rule(claim, before):
                messages.append(
                    f"{_claim_name(claim)} would go against the preference rule ({RULE}), which then {verdict}: "
                    "give that claim a rank_reason first."
                )
    return messages


def origin_change_overrides(source) -> list[str]:
    """Messages for the preferred claims that linking `source` (as it is in memory) to its `origin` would turn
    against the preference rule without a rank_reason: a repost linked to its original counts once, so a value
    may lose its lead (docs/claims.md). Only claims whose source's root changes are read. Empty when none, and
    for a new source (it has no claims yet). Run by Source.clean() and loaddata's raw saves."""
    from apps.sources.models import Citation, Source

    if source.pk is None:
        return []
    origins = dict(Source.objects.values_list("id", "origin_id"))
    if origins.get(source.pk) == source.origin_id:
        return []
    roots_before = origin_roots()
    origins[source.pk] = source.origin_id

    def root(pk, seen=()):
        parent = origins.get(pk)
        return pk if parent is None or parent in seen else root(parent, (*seen, pk))

    roots_after = {pk: root(pk) for pk in origins}
    moved = {pk for pk in origins if roots_after[pk] != roots_before.get(pk, pk)}
    touched = set(
        Citation.objects.exclude(field="")
        .filter(source_id__in=moved)
        .values_list("content_type_id", "object_id", "field")
    )
    if not touched:
        return []
    claims = (
        Citation.objects.exclude(field="")
        .filter(
            content_type_id__in={t for t, _, _ in touched},
            object_id__in={o for _, o, _ in touched},
            field__in={f for _, _, f in touched},
        )
        .select_related("source", "content_type")
        .order_by("id")
    )
    groups = [group for key, group in _claim_groups(claims).items() if key in touched]
    return _tipped(groups, roots_before, roots_after)


def deletion_overrides(citations) -> list[str]:
    """Messages for the preferred claims that deleting `citations` (Citation rows) would turn against the
    preference rule without a rank_reason: the value they shared with a deleted claim loses its lead. The claims
    of the deleted citations' fact fields are read; empty when none (a citation of a whole fact changes nothing).
    Run by Citation.delete() and CitationQuerySet.delete(), so the API and the admin refuse such a delete."""
    from apps.sources.models import Citation

    deleted = [c for c in citations if c.field]
    if not deleted:
        return []
    keys = {(c.content_type_id, c.object_id, c.field) for c in deleted}
    claims = (
        Citation.objects.filter(
            content_type_id__in={k[0] for k in keys}, object_id__in={k[1] for k in keys}, field__in={k[2] for k in keys}
        )
        .select_related("source", "content_type")
        .order_by("id")
    )
    groups = [group for key, group in _claim_groups(claims).items() if key in keys]
    roots = origin_roots()
    return _tipped(groups, roots, roots, left_out=frozenset(c.pk for c in deleted))
