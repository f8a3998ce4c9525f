"""Abstract bases and shared vocabulary of every catrack fact model.

A fact row knows when it was created and last changed (its change history is the change feed, ChangeEvent), and carries
citations (apps.sources.Citation) through a generic relation.
"""

import contextvars
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import BrinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse

from apps.core import registry

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Lets constraints say name__length__lte=N, portably across databases.
models.CharField.register_lookup(Length)


# SQLite keeps a decimal as a binary float (NUMERIC affinity): it holds 15 significant digits exactly, no more
# (sqlite.org/datatype3.html: "only the first 15 significant decimal digits of the number are preserved").
SQLITE_EXACT_DIGITS = 15


def decimal_storage_error(value, *, vendor):
    """Why a database of `vendor` ('sqlite', 'postgresql') cannot store the Decimal `value` exactly, or None.

    PostgreSQL's numeric holds every value the field's max_digits allow; SQLite only SQLITE_EXACT_DIGITS
    significant digits (123456789012345678.91 would read back as 123456789012346000.00)."""
    if value is None or vendor != "sqlite" or not isinstance(value, Decimal) or not value.is_finite():
        return None
    digits = len(value.normalize().as_tuple().digits) if value else 1
    if digits <= SQLITE_EXACT_DIGITS:
        return None
    return (
        f"SQLite stores at most {SQLITE_EXACT_DIGITS} significant digits exactly and this value has {digits}; "
        "round it, or run catrack on PostgreSQL (DATABASE_URL)."
    )


class ExactDecimalField(models.DecimalField):
    """A DecimalField whose value reads back as it was written, on every database, or is refused.

    The rule (decimal_storage_error) holds on every path: validate() makes it a form or API error naming the
    field (full_clean: the API, the admin, imports that validate), and every write (save, bulk_create,
    QuerySet.update, loaddata) refuses a value the database would round, instead of storing it rounded."""

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        from django.db import connection

        error = decimal_storage_error(value, vendor=connection.vendor)
        if error is not None:
            raise ValidationError(error, code="inexact")

    def get_db_prep_save(self, value, connection):
        if not hasattr(value, "as_sql"):
            error = decimal_storage_error(self.to_python(value), vendor=connection.vendor)
            if error is not None:
                raise ValidationError({self.name: [error]}, code="inexact")
        return super().get_db_prep_save(value, connection)


class DatePrecision(models.TextChoices):
    """How much of a stored date the source actually gives.

    The stored date is the first day of what is known (a year-precision date is 1 January), so
    it sorts and filters; it is never to be read as that exact day.
    """

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


def ends_after_start(name, message, start="start_date", end="end_date"):
    """A CheckConstraint `name`: `end` is on or after `start` when both are known (a period never ends
    before it starts); `message` is the 400's text."""
    return models.CheckConstraint(
        name=name,
        condition=models.Q(**{f"{start}__isnull": True})
        | models.Q(**{f"{end}__isnull": True})
        | models.Q(**{f"{end}__gte": models.F(start)}),
        violation_error_message=message,
    )


def partial_date_constraints(model_name, field):
    """Database rules for a (date, precision) pair: unknown ⇔ no date."""
    precision = f"{field}_precision"
    return [
        models.CheckConstraint(
            name=f"{model_name}_{field}_unknown_iff_null",
            condition=(
                models.Q(**{f"{field}__isnull": True, precision: DatePrecision.UNKNOWN})
                | (models.Q(**{f"{field}__isnull": False}) & ~models.Q(**{precision: DatePrecision.UNKNOWN}))
            ),
            violation_error_message=f"{field}: give a date with a precision, or no date with precision 'unknown'.",
        ),
    ]


def clean_partial_date(value, precision, field):
    """Form-level check that a partial date is stored canonically (no fake day or month)."""
    if value is None:
        if precision != DatePrecision.UNKNOWN:
            raise ValidationError({field: f"A date is required when the precision is '{precision}'."})
        return
    if precision == DatePrecision.UNKNOWN:
        raise ValidationError(
            {f"{field}_precision": "Precision 'unknown' means no date: clear the date or pick a precision."}
        )
    if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        raise ValidationError({field: "With year precision store 1 January of that year (only the year is known)."})
    if precision == DatePrecision.MONTH and value.day != 1:
        raise ValidationError({field: "With month precision store the 1st of that month (only the month is known)."})


# How much of an ISO date (YYYY-MM-DD) each precision knows: the one rule Python and SQL both apply.
KNOWN_ISO_LENGTH = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7, DatePrecision.DAY: 10}


def format_partial_date(value, precision):
    """'2025', '2025-12' or '2025-12-19' — only what is known; None when unknown."""
    if value is None or precision not in KNOWN_ISO_LENGTH:
        return None
    return value.isoformat()[: KNOWN_ISO_LENGTH[precision]]


def format_partial_date_sql(date, precision):
    """format_partial_date in PostgreSQL, for the SQL expressions `date` and `precision` (NULL when unknown)."""
    lengths = " ".join(f"WHEN '{name}' THEN {length}" for name, length in KNOWN_ISO_LENGTH.items())
    return f"left(to_char({date}, 'YYYY-MM-DD'), CASE {precision} {lengths} END)"


class PeriodMixin:
    """For a model with start_date/end_date partial dates (and their *_precision): what is known of each,
    and the form-level check of the pair. The database constraints are the model's own (Meta)."""

    @property
    def start(self):
        return format_partial_date(self.start_date, self.start_date_precision)

    @property
    def end(self):
        return format_partial_date(self.end_date, self.end_date_precision)

    def clean_period(self, end_before_start_message):
        """Raises ValidationError: a non-canonical partial date, or an end before the start."""
        clean_partial_date(self.start_date, self.start_date_precision, "start_date")
        clean_partial_date(self.end_date, self.end_date_precision, "end_date")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": end_before_start_message})


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def row_version(self):
        """The row's version for optimistic concurrency (the API's ETag, the admin's stale-form check):
        `updated_at` in whole microseconds since the Unix epoch, as a string such as "1764513350123456".

        Every save moves it (auto_now, and writes that bypass save() set it too), so a copy read before
        another save carries an older version.
        """
        return str((self.updated_at - _EPOCH) // timedelta(microseconds=1))

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=exclude)
        # -0 is a valid Decimal that PostgreSQL stores as 0: normalised here so a write answers what a read will.
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if isinstance(field, models.DecimalField) and value is not None and value.is_zero() and value.is_signed():
                setattr(self, field.attname, value.copy_abs())


def fact_models():
    """Every concrete FactModel subclass: the models a citation may point at."""
    from django.apps import apps

    return [model for model in apps.get_models() if issubclass(model, FactModel)]


class FactModel(TimeStampedModel):
    """A fact catrack records: timestamped, cited and with an audit trail."""

    citations = GenericRelation("sources.Citation")

    class Meta:
        abstract = True

    def get_absolute_url(self):
        """The fact's page on the public site: its own page where its model has one (an override), else the
        page every fact has (`/facts/<app.model>/<id>/`)."""
        return reverse("site:fact", args=[self._meta.label_lower, self.pk])

    def full_clean(self, *args, **kwargs):
        """As Django's, and then every check an app registered for facts (apps.core.registry.fact_checks: the
        claims' rule from the fact's side, apps.sources.claims), on every path that validates a row."""
        super().full_clean(*args, **kwargs)
        if self.pk is not None:
            for check in registry.fact_checks():
                errors = check(self)
                if errors:
                    raise ValidationError(errors)


# Set while the seed loads (apps.core.fixture_loading.seed_rows) to a dict {model: has feed events} (a cache): a
# natural key no row has now is looked up in the change feed's stored rows too, so a row whose key an analyst
# changed is still the row the seed's fixtures name.
FOLLOW_CHANGED_KEYS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "follow_changed_natural_keys", default=None
)


class NaturalKeyManager(models.Manager):
    """Finds a row by its natural key (the model's `natural_key_lookups`), so fixtures name rows by what
    they are (slugs, ISO codes) and loading them twice changes nothing."""

    def get_by_natural_key(self, *key):
        """key: the values natural_key() gives, in order; DoesNotExist if no row has them, TypeError for a
        key of the wrong length. Under FOLLOW_CHANGED_KEYS, a row that had the key once (the feed) counts."""
        lookups = self.model.natural_key_lookups
        if len(key) != len(lookups):
            raise TypeError(
                f"{self.model._meta.label_lower}: a natural key has {len(lookups)} parts "
                f"({', '.join(lookups)}), not {len(key)}"
            )
        try:
            return self.get(**dict(zip(lookups, key)))
        except self.model.DoesNotExist:
            following = FOLLOW_CHANGED_KEYS.get()
            if following is None:
                raise
            label = self.model._meta.label_lower
            if self.model not in following:
                following[self.model] = ChangeEvent.objects.filter(resource=label).exists()
            if not following[self.model]:
                raise
        filters = self._filters_following_changed_keys(lookups, key)
        try:
            return self.get(**filters)
        except self.model.DoesNotExist:
            stored = self._stored_row_filters(filters)
            if stored is None:
                raise
            ids = ChangeEvent.objects.filter(resource=label, **stored).order_by("-id").values_list("object_id")
            for (pk,) in ids[:20]:  # the rows that had the key, newest first: the one that still exists
                row = self.filter(pk=pk).first()
                if row is not None:
                    return row
            raise

    def _stored_row_filters(self, filters):
        """`filters` (field or attname → value) as lookups into a feed event's stored row (keyed by column), or
        None when one reaches across a relation (the feed stores the row's own columns only)."""
        stored = {}
        for lookup, value in filters.items():
            if "__" in lookup:
                return None
            field = self.model._meta.get_field(lookup)
            if value is not None and not isinstance(value, (str, int, bool)):
                value = value.isoformat() if hasattr(value, "isoformat") else str(value)
            stored[f"row__{field.column}"] = value
        return stored

    def _filters_following_changed_keys(self, lookups, key):
        """The lookups with each related row (e.g. summit__slug) resolved by its own natural key, following
        its changes too, to its id (summit_id)."""
        filters = {}
        for lookup, value in zip(lookups, key):
            name, _, rest = lookup.partition("__")
            field = self.model._meta.get_field(name)
            related = field.related_model if field.is_relation else None
            if rest and value is not None and getattr(related, "natural_key_lookups", None) == (rest,):
                filters[field.attname] = related._default_manager.get_by_natural_key(value).pk
            else:
                filters[lookup] = value
        return filters


class NaturalKeyMixin:
    """A model whose rows fixtures and dumps name by a natural key instead of an id.

    `natural_key_lookups`: the ORM lookups whose values identify a row, e.g. ("summit__slug",
    "actor__slug"); together they are unique (a unique field or a UniqueConstraint of the model). The key's
    parts are JSON values: a related row by its slug, a date as 'YYYY-MM-DD', a missing value as None.
    """

    natural_key_lookups = ()

    def natural_key(self):
        return tuple(_natural_key_part(self, lookup) for lookup in self.natural_key_lookups)


def _natural_key_part(instance, lookup):
    value = instance
    for name in lookup.split("__"):
        if value is None:
            return None
        value = getattr(value, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


class SluggedModel(NaturalKeyMixin, models.Model):
    slug = models.SlugField(max_length=100, unique=True, help_text="Stable lower-case English identifier.")

    objects = NaturalKeyManager()
    natural_key_lookups = ("slug",)

    class Meta:
        abstract = True


def generated_slug(prefix):
    """'<prefix>-' and 16 random hex digits: the slug of a row written without one (through the API or a
    bulk load), for models whose rows have no natural name (pledges, trade measures). 64 random bits: two
    equal slugs among a million rows have odds of about 1 in 36 million (the unique index refuses them anyway).
    """
    return f"{prefix}-{secrets.token_hex(8)}"


def generated_slug_field(default, *, example, noun):
    """The unique `slug` of a model whose rows have no natural name: fixtures name a row by it (e.g. `example`),
    and a row written without one gets `default()` (a module-level function returning a generated_slug, so
    migrations can refer to it by name)."""
    return models.SlugField(
        max_length=100,
        unique=True,
        default=default,
        help_text=f"Stable lower-case English identifier, e.g. {example} (how fixtures name the {noun}); a random "
        "one is made when none is given.",
    )


class ChangeAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class ExactJSONDecoder(json.JSONDecoder):
    """JSON as json.loads reads it, but a number with a fraction or exponent as a Decimal, not a float: a
    captured numeric(20,2) such as 123456789012345678.91 keeps every digit (apps.core.change_capture.feed_row)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


class BrinOrBtreeIndex(BrinIndex):
    """A BRIN index on PostgreSQL, a plain B-tree on SQLite (which has no BRIN).

    For a column whose values grow with the order rows are appended in, as the change feed's `changeset`
    does: BRIN keeps the least and greatest value of each range of `pages_per_range` table pages instead
    of an entry per row, so a bulk write adds next to nothing to it, and a lookup reads the few ranges
    whose bounds hold the value. Ranges filled since the last VACUUM are unsummarized and read by every
    lookup until (auto)vacuum summarizes them (`autosummarize` asks autovacuum as each range fills).
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class ChangeEvent(models.Model):
    """One row created, changed or deleted, written by a database trigger (apps.core.change_capture) on
    every write to a captured table, whatever made it: the API, the admin, the seed, loaddata, bulk
    operations and raw SQL. `id` is the change feed's cursor: ids follow commit order.

    `row` is the whole row after the change (before it, for a delete: a tombstone with the last values),
    keyed by column name, as the database writes it in JSON.
    """

    occurred_at = models.DateTimeField(db_index=True)
    resource = models.CharField(
        max_length=100, help_text="'app_label.model' of the row's table, e.g. investments.pledge."
    )
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=6, choices=ChangeAction.choices)
    row = models.JSONField(decoder=ExactJSONDecoder)
    user = models.CharField(
        max_length=150,
        blank=True,
        null=True,
        help_text="Who made the change (null for changes outside a request, the admin, a revert or the seed).",
    )
    reason = models.CharField(
        max_length=200,
        blank=True,
        null=True,
        help_text='Why, where the writer said so: "seed", "seed --force", "revert to history entry 42", '
        '"revert of change set 7"; null otherwise.',
    )
    changeset = models.BigIntegerField(
        null=True,
        help_text="The transaction that wrote it: one request, admin save, seed run or import "
        "(PostgreSQL's transaction id; on SQLite an id per Django transaction); a change set's revert, "
        "written in batches, gives all its batches the first one's. "
        "Null for events written before change sets were recorded.",
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["resource", "object_id"], name="changeevent_row_idx"),
            # Events are appended in commit order, so change sets (transaction ids) grow with the table: a BRIN
            # index finds a change set's events (reverts) without an index entry per event, which was about 5%
            # of an import's feed cost (docs/benchmarks.md, session 15). `occurred_at` keeps its B-tree: with
            # BRIN the planner walks the primary key for `since=<recent time>` (0.6 ms -> 600 ms at 200k events).
            BrinOrBtreeIndex(
                fields=["changeset"], name="changeevent_changeset_idx", pages_per_range=32, autosummarize=True
            ),
        ]

    def __str__(self):
        return f"{self.id}: {self.action} {self.resource} {self.object_id}"


class RevertState(models.TextChoices):
    DONE = "done", "done: every row reverted"
    PARTIAL = "partial", "partial: rows remain; revert the change set again to continue"


class ChangeSetRevert(models.Model):
    """The revert of a whole change set (apps.core.reverts.revert_changeset), written in batches of
    REVERT_BATCH_ROWS rows, each its own transaction, so other writers wait for one batch, not the whole revert.
    This row is its progress, written in each batch's transaction: a revert stopped part-way (the request's
    time was up, the client left, a batch was refused) says so here, and the next revert of the change set
    continues after the last batch written. At most one unfinished revert per change set."""

    changeset = models.BigIntegerField(help_text="The change set reverted.")
    reverted_by = models.BigIntegerField(
        help_text="The change set the revert writes: the first batch's transaction, which every batch's events carry."
    )
    rows = models.PositiveIntegerField(default=0, help_text="Rows of the change set brought back so far.")
    rows_total = models.PositiveIntegerField(help_text="Rows the change set wrote (each reverted once).")
    position = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Rows are reverted in descending order of their first event in the change set; those whose "
        "first event's cursor is at or after this one are done. Null: none yet.",
    )
    user = models.CharField(max_length=150, blank=True, help_text="Who started the revert.")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="The last batch written.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Empty while rows remain to revert.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["changeset"], condition=models.Q(finished_at__isnull=True), name="one_unfinished_revert"
            )
        ]

    def __str__(self):
        return f"revert of change set {self.changeset}: {self.rows} of {self.rows_total} rows ({self.state})"

    @property
    def state(self) -> RevertState:
        """DONE once every row of the change set is reverted, else PARTIAL."""
        return RevertState.PARTIAL if self.finished_at is None else RevertState.DONE


class RateWindow(models.Model):
    """A client's requests in its current throttle window (apps.core.throttling): one row per client and scope,
    counted by one atomic statement, so parallel requests cannot read the same count and each pass."""

    key = models.CharField(max_length=200, primary_key=True)  # "<scope>:<user id or address>"
    started = models.FloatField()  # the window's first request, Unix seconds
    requests = models.PositiveIntegerField()

    class Meta:
        db_table = "core_rate_window"
        # Ended windows are deleted oldest first, a batch at a time (apps.core.throttling.rate_windows_purge).
        indexes = [models.Index(fields=["started"], name="rate_window_started_idx")]


API_KEY_PREFIX_LENGTH = 8


def api_key_digest(key: str) -> str:
    """The SHA-256 hex digest (64 characters) of an API key `key`, as ApiToken stores it. A key is 160 random
    bits (ApiToken.issue), so an unsalted fast hash is enough: no dictionary or brute force reaches it."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's API key, stored only as its digest: the key itself is shown once, when it is issued
    (`manage.py api_token USER`), and no one can read it back from the database or the admin.

    `prefix` (the key's first characters) finds the row; the digest is then compared in constant time
    (apps.core.api.authentication.HashedTokenAuthentication). One key per user, as DRF's tokens were."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    prefix = models.CharField(max_length=API_KEY_PREFIX_LENGTH, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "core_api_token"
        verbose_name = "API token"

    def __str__(self):
        return f"{self.user} ({self.prefix}…)"

    @classmethod
    def issue(cls, user) -> tuple["ApiToken", str]:
        """A new key for `user` (its old key, if any, stops working): (the saved token, the key as 40 hex
        characters, DRF's shape). The key is in no other place: show it to its owner and drop it."""
        key = secrets.token_hex(20)
        token, _ = cls.objects.update_or_create(
            user=user, defaults={"prefix": key[:API_KEY_PREFIX_LENGTH], "digest": api_key_digest(key)}
        )
        return token, key

    def matches(self, key: str) -> bool:
        """Whether `key` is this token's key (constant-time comparison of the digests)."""
        return hmac.compare_digest(self.digest, api_key_digest(key))
