"""Summits, their formats and participants, the documents adopted at them, and the topics they cover."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.actors.models import ORGANIZATION_KINDS, Actor, ActorKind, Office
from apps.core.models import (
    DatePrecision,
    FactModel,
    NaturalKeyManager,
    NaturalKeyMixin,
    SluggedModel,
    TimeStampedModel,
    clean_partial_date,
    format_partial_date,
    format_partial_date_sql,
    partial_date_constraints,
)


class Topic(SluggedModel, TimeStampedModel):
    """A subject of cooperation: AI, geological exploration, transport connectivity…"""

    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(name="topic_name_en_not_empty", condition=~models.Q(name_en="")),
            models.CheckConstraint(name="topic_not_own_parent", condition=~models.Q(parent=models.F("id"))),
        ]

    def __str__(self):
        return self.name_en


class SummitFormat(SluggedModel, FactModel):
    """A recurring format, e.g. 'Central Asia + Japan': a region's states meeting one external partner."""

    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200, blank=True)
    region = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="formats_as_region", help_text="e.g. Central Asia."
    )
    partner = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="formats_as_partner",
        limit_choices_to={"kind__in": ORGANIZATION_KINDS},
        help_text="The external partner the region meets: a state (e.g. Japan) or an organisation (the EU), "
        "never a person.",
    )
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(name="summit_format_name_en_not_empty", condition=~models.Q(name_en="")),
            models.CheckConstraint(
                name="summit_format_region_not_partner",
                condition=~models.Q(region=models.F("partner")),
                violation_error_message="The external partner cannot be the region itself.",
            ),
        ]

    str_columns = ("name_en",)  # what __str__ reads (apps.core.api.columns)

    def __str__(self):
        return self.name_en

    def clean(self):
        # A person who met the region's leaders is the partner's representative at a summit
        # (SummitParticipant.represented_by), not the format's partner (issue 17).
        if self.partner_id and self.partner.kind not in ORGANIZATION_KINDS:
            raise ValidationError(
                {
                    "partner": f"A format's partner is a state or an organisation, not a {self.partner.kind}; "
                    "record the person as the partner's represented_by at the summit."
                }
            )


class SummitLevel(models.TextChoices):
    HEADS_OF_STATE = "heads_of_state", "Heads of state or government"
    MINISTERIAL = "ministerial", "Ministerial"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class SummitStatus(models.TextChoices):
    """Whether a meeting took place. `held` only where a cited source reports that it did."""

    HELD = "held", "Held"
    PLANNED = "planned", "Planned"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"


class SummitMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    HYBRID = "hybrid", "Hybrid"


# Statuses whose meeting keeps the (partial) date it took place on or was planned for: a known year at least.
DATED_STATUSES = (SummitStatus.HELD, SummitStatus.POSTPONED, SummitStatus.CANCELLED)
# Statuses of a meeting another one may replace.
REPLACEABLE_STATUSES = (SummitStatus.POSTPONED, SummitStatus.CANCELLED)
# A held meeting's first day is at most this many days after today in UTC: 'today' somewhere on Earth
# (UTC+14), so a meeting on the morning of its day in Tokyo can be recorded as held. The database's
# trigger (migration 0007) applies the same margin.
HELD_DAYS_AHEAD_OF_UTC = 1


def latest_possible_held_date():
    """The last first day a held meeting can have now: today in UTC plus HELD_DAYS_AHEAD_OF_UTC."""
    return timezone.now().astimezone(datetime.timezone.utc).date() + datetime.timedelta(days=HELD_DAYS_AHEAD_OF_UTC)


def last_day_of_partial_date(value, precision):
    """The last day a partial date can mean: 31 December for a year, the month's last day for a month."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def summit_status_errors(*, status, mode, date, date_precision, city_en, city_ru, replaced_by_id, pk):
    """The summit rules on status, mode and replacement, as {field: message} (empty when all hold).

    The one statement of the rules (Summit.clean calls it; Meta.constraints and migration 0007's trigger
    are their database side):
    - a `held` meeting has a date of at least year precision (a source that reports it took place dates it)
      and that date (its first known day) is not in the future (HELD_DAYS_AHEAD_OF_UTC);
    - a `postponed` or `cancelled` meeting keeps the date it was planned for: at least a year;
    - a `planned` meeting may be undated, or dated in the past (announced, no source reports it held);
    - a `virtual` meeting has no city;
    - `replaced_by` only on a postponed or cancelled meeting, and never the meeting itself.
    """
    errors = {}
    if status in DATED_STATUSES and (date is None or date_precision == DatePrecision.UNKNOWN):
        errors["date"] = f"A {status} meeting keeps its date (at least the year): give the date it " + (
            "took place." if status == SummitStatus.HELD else "was planned for."
        )
    elif status == SummitStatus.HELD and date is not None and date > latest_possible_held_date():
        errors["status"] = (
            f"A meeting dated {date.isoformat()} lies in the future, so it cannot be held yet; record it as planned."
        )
    if mode == SummitMode.VIRTUAL and (city_en or city_ru):
        errors["city_en" if city_en else "city_ru"] = (
            "A virtual meeting has no city: clear it, or set the mode to hybrid."
        )
    if replaced_by_id is not None:
        if pk is not None and replaced_by_id == pk:
            errors["replaced_by"] = "A meeting cannot be replaced by itself."
        elif status not in REPLACEABLE_STATUSES:
            errors["replaced_by"] = (
                f"Only a postponed or cancelled meeting is replaced by another; this one is {status}."
            )
    return errors


class Summit(SluggedModel, FactModel):
    format = models.ForeignKey(SummitFormat, on_delete=models.PROTECT, related_name="summits")
    title_en = models.CharField("title (English)", max_length=300)
    title_ru = models.CharField("title (Russian)", max_length=300, blank=True)
    level = models.CharField(max_length=16, choices=SummitLevel.choices, default=SummitLevel.HEADS_OF_STATE)
    date = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="Last day of a summit held over several days (with a day-precise date); "
        "empty for one day or unknown.",
    )
    city_en = models.CharField("city (English)", max_length=100, blank=True, db_index=True)
    city_ru = models.CharField("city (Russian)", max_length=100, blank=True)
    host = models.ForeignKey(Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_summits")
    ordinal = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 for the first summit of its format, 2 for the second…; empty if unknown."
    )
    participants = models.ManyToManyField(
        Actor, through="SummitParticipant", through_fields=("summit", "actor"), related_name="summits"
    )
    summary_en = models.TextField(blank=True)
    status = models.CharField(
        max_length=10,
        choices=SummitStatus.choices,
        default=SummitStatus.HELD,
        db_index=True,
        help_text="held only where a cited source reports it took place; a postponed or cancelled meeting keeps "
        "the date it was planned for.",
    )
    mode = models.CharField(max_length=10, choices=SummitMode.choices, default=SummitMode.IN_PERSON, db_index=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        help_text="The meeting held or planned instead of this postponed or cancelled one.",
    )

    class Meta:
        ordering = ["-date", "title_en", "id"]  # a total order: no summit hops between pages
        # Pages are read in this order off summit_list_order_idx (migration 0006; per database vendor).
        constraints = [
            models.CheckConstraint(name="summit_title_en_not_empty", condition=~models.Q(title_en="")),
            models.CheckConstraint(name="summit_ordinal_positive", condition=models.Q(ordinal__gte=1)),
            models.UniqueConstraint(
                fields=["format", "ordinal"],
                name="summit_unique_ordinal_per_format",
                violation_error_message="This format already has a summit with that ordinal.",
            ),
            *partial_date_constraints("summit", "date"),
            models.CheckConstraint(
                name="summit_end_date_after_day_precise_date",
                condition=models.Q(end_date__isnull=True)
                | models.Q(date_precision=DatePrecision.DAY, end_date__gt=models.F("date")),
                violation_error_message="A last day needs a day-precise first day before it.",
            ),
            models.CheckConstraint(
                name="summit_status_valid",
                condition=models.Q(status__in=SummitStatus.values),
                violation_error_message="status: choose held, planned, postponed or cancelled.",
            ),
            models.CheckConstraint(
                name="summit_mode_valid",
                condition=models.Q(mode__in=SummitMode.values),
                violation_error_message="mode: choose in_person, virtual or hybrid.",
            ),
            models.CheckConstraint(
                name="summit_status_has_date",
                condition=~models.Q(status__in=DATED_STATUSES) | models.Q(date__isnull=False),
                violation_error_message="A held, postponed or cancelled meeting keeps its date (at least the year).",
            ),
            models.CheckConstraint(
                name="summit_virtual_has_no_city",
                condition=~models.Q(mode=SummitMode.VIRTUAL) | models.Q(city_en="", city_ru=""),
                violation_error_message="A virtual meeting has no city.",
            ),
            models.CheckConstraint(
                name="summit_replaced_only_if_postponed_or_cancelled",
                condition=models.Q(replaced_by__isnull=True) | models.Q(status__in=REPLACEABLE_STATUSES),
                violation_error_message="Only a postponed or cancelled meeting is replaced by another.",
            ),
            models.CheckConstraint(
                name="summit_not_replaced_by_itself",
                condition=~models.Q(replaced_by=models.F("id")),
                violation_error_message="A meeting cannot be replaced by itself.",
            ),
            # A held meeting in the future: 'today' is not allowed in a CHECK, so a trigger (migration 0007).
        ]

    def get_absolute_url(self):
        return reverse("site:summit", args=[self.slug])

    str_columns = ("title_en", "date", "date_precision")  # what __str__ reads (apps.core.api.columns)

    def __str__(self):
        when = self.date_display
        return f"{self.title_en} ({when})" if when else self.title_en

    @staticmethod
    def str_sql(alias):
        """__str__ in PostgreSQL, for the summits table under `alias` (JSON pages: apps.summits.api.page_json): the
        title, and the known part of its date in brackets when there is one."""
        when = format_partial_date_sql(f"{alias}.date", f"{alias}.date_precision")
        return f"{alias}.title_en || coalesce(' (' || {when} || ')', '')"

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    @property
    def representation_day(self):
        """The day a representative must hold office (SummitParticipant.clean): the summit's first day when
        the sources give the day, else None (any office of the person in the actor is accepted)."""
        return self.date if self.date is not None and self.date_precision == DatePrecision.DAY else None

    def clean(self):
        clean_partial_date(self.date, self.date_precision, "date")
        if self.end_date is not None and (
            self.date_precision != DatePrecision.DAY or self.date is None or self.end_date <= self.date
        ):
            raise ValidationError({"end_date": "A last day needs a day-precise first day (date) before it."})
        errors = summit_status_errors(
            status=self.status,
            mode=self.mode,
            date=self.date,
            date_precision=self.date_precision,
            city_en=self.city_en,
            city_ru=self.city_ru,
            replaced_by_id=self.replaced_by_id,
            pk=self.pk,
        )
        if errors:
            raise ValidationError(errors)
        self.clean_representatives()

    def clean_representatives(self):
        """A changed date must still find every representative of the summit in office that day (the rule of
        SummitParticipant.office_error, from the summit's side): the API's PUT/PATCH and the admin's change form
        both run it. Raises ValidationError on `date` naming each participation that breaks it."""
        if self.pk is None:
            return  # no participations yet (the admin's inline checks those it adds against this summit)
        stored = Summit._base_manager.filter(pk=self.pk).values("date", "date_precision").first()
        if stored == {"date": self.date, "date_precision": self.date_precision}:
            return
        participations = self.participations.filter(represented_by__isnull=False).select_related(
            "actor", "represented_by"
        )
        errors = [error for p in participations if (error := p.office_error(self)) is not None]
        if errors:
            raise ValidationError({"date": errors})

    @property
    def is_overdue(self):
        """A planned meeting whose date (its last possible day) has passed: no cited source reports it held."""
        if self.status != SummitStatus.PLANNED or self.date is None:
            return False
        last_day = self.end_date or last_day_of_partial_date(self.date, self.date_precision)
        return last_day < timezone.now().astimezone(datetime.timezone.utc).date()


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    PARTICIPANT = "participant", "Participant"
    GUEST = "guest", "Guest"
    OBSERVER = "observer", "Observer"


class SummitParticipant(NaturalKeyMixin, FactModel):
    """A state (or organisation) at a summit, its role, and who represented it."""

    summit = models.ForeignKey(Summit, on_delete=models.CASCADE, related_name="participations")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=16, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT)
    represented_by = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="representations",
        limit_choices_to={"kind": "person"},
        help_text="The leader who attended for this actor, if the source names them; must hold an office in it.",
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("summit__slug", "actor__slug")

    class Meta:
        ordering = ["summit_id", "role", "actor__name_en", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["summit", "actor"],
                name="summit_participant_unique",
                violation_error_message="This actor is already a participant of this summit.",
            ),
            models.CheckConstraint(
                name="summit_participant_not_own_representative",
                condition=~models.Q(represented_by=models.F("actor")),
            ),
        ]

    def get_absolute_url(self):
        if self.summit_id is None:  # known by its id alone (a change list entry): the page every fact has
            return super().get_absolute_url()
        return f"{reverse('site:summit', args=[self.summit.slug])}#participants-h"  # a section of its summit's page

    def __str__(self):
        return f"{self.actor} at {self.summit} ({self.get_role_display().lower()})"

    def clean(self):
        """The representative is a person holding an office in the participating actor at the summit
        (office_error). The summit may be one the same form is adding (the admin's inline: not saved yet)."""
        summit = self.summit if self.summit_id or SummitParticipant.summit.is_cached(self) else None
        error = self.office_error(summit)
        if error is not None:
            raise ValidationError({"represented_by": error})

    def office_error(self, summit):
        """Why this participation's representative may not represent its actor at `summit` (a Summit, saved or
        not, or None when unknown), or None. The one rule, checked from both sides: a participation's clean()
        and a summit's (Summit.clean, when its date is set or changes).

        The representative is a person with an office in the participating actor. With a day-precise summit
        date the office must be held on that day (Office.held_on); with a coarser or unknown summit date any
        office of the person in that actor is accepted, since the sources do not allow a finer check.
        """
        if not (self.represented_by_id and self.actor_id):
            return None
        person = self.represented_by
        if person.kind != ActorKind.PERSON:
            return "A representative is a person (actor kind 'person')."
        offices = Office.objects.filter(person=person, organization_id=self.actor_id)
        day = summit.representation_day if summit is not None else None
        if day is not None:
            offices = offices.held_on(day)
            when = f" on {day.isoformat()}"
        else:
            when = ""
        if offices.exists():
            return None
        return f"{person} holds no recorded office in {self.actor}{when}; add the office (actors/offices) with its source first."


class DocumentKind(models.TextChoices):
    DECLARATION = "declaration", "Declaration"
    INITIATIVE = "initiative", "Initiative"
    AGREEMENT = "agreement", "Agreement"
    FRAMEWORK_AGREEMENT = "framework_agreement", "Framework agreement"
    MEMORANDUM = "memorandum", "Memorandum"
    JOINT_STATEMENT = "joint_statement", "Joint statement"
    ROADMAP = "roadmap", "Roadmap"
    TREATY = "treaty", "Treaty"
    COMMUNIQUE = "communique", "Communiqué"
    ACTION_PLAN = "action_plan", "Action plan"
    OTHER = "other", "Other"


class Document(SluggedModel, FactModel):
    """A declaration, initiative, agreement or memorandum adopted or signed (at a summit or not)."""

    kind = models.CharField(max_length=24, choices=DocumentKind.choices, db_index=True)
    title_en = models.CharField("title (English)", max_length=300)
    title_ru = models.CharField("title (Russian)", max_length=300, blank=True)
    summit = models.ForeignKey(Summit, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    adopted_on = models.DateField(null=True, blank=True)
    adopted_on_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    signatories = models.ManyToManyField(
        Actor, through="DocumentSignatory", through_fields=("document", "actor"), blank=True, related_name="documents"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="documents")
    implements = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_by",
        help_text="The document this one puts into practice (an initiative implementing a declaration).",
    )
    summary_en = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)

    class Meta:
        ordering = ["title_en"]
        constraints = [
            models.CheckConstraint(name="document_title_en_not_empty", condition=~models.Q(title_en="")),
            models.CheckConstraint(
                name="document_does_not_implement_itself", condition=~models.Q(implements=models.F("id"))
            ),
            *partial_date_constraints("document", "adopted_on"),
        ]

    def get_absolute_url(self):
        return reverse("site:document", args=[self.slug])

    def __str__(self):
        return self.title_en

    @property
    def adopted(self):
        return format_partial_date(self.adopted_on, self.adopted_on_precision)

    def clean(self):
        clean_partial_date(self.adopted_on, self.adopted_on_precision, "adopted_on")
        if self.pk and self.implements_id == self.pk:
            raise ValidationError({"implements": "A document cannot implement itself."})


class DocumentSignatory(NaturalKeyMixin, TimeStampedModel):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="signings")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="signings")
    signed_by = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signings_as_person",
        limit_choices_to={"kind": "person"},
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("document__slug", "actor__slug")

    class Meta:
        ordering = ["document_id", "actor__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "actor"],
                name="document_signatory_unique",
                violation_error_message="This actor is already a signatory of this document.",
            ),
        ]

    def __str__(self):
        return f"{self.actor} signed {self.document}"
