"""Summits, their formats and participants, the documents adopted at them, and the topics they cover."""
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

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

    def __str__(self):
        return self.name_en

    def clean(self):
        # A person who met the region's leaders is the partner's representative at a summit
        # (SummitParticipant.represented_by), not the format's partner (issue 17).
        if self.partner_id and self.partner.kind not in ORGANIZATION_KINDS:
            raise ValidationError(
                {"partner": f"A format's partner is a state or an organisation, not a {self.partner.kind}; "
                            "record the person as the partner's represented_by at the summit."}
            )


class SummitLevel(models.TextChoices):
    HEADS_OF_STATE = "heads_of_state", "Heads of state or government"
    MINISTERIAL = "ministerial", "Ministerial"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Summit(SluggedModel, FactModel):
    format = models.ForeignKey(SummitFormat, on_delete=models.PROTECT, related_name="summits")
    title_en = models.CharField("title (English)", max_length=300)
    title_ru = models.CharField("title (Russian)", max_length=300, blank=True)
    level = models.CharField(max_length=16, choices=SummitLevel.choices, default=SummitLevel.HEADS_OF_STATE)
    date = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    end_date = models.DateField(
        null=True, blank=True,
        help_text="Last day of a summit held over several days (with a day-precise date); "
        "empty for one day or unknown.",
    )
    city_en = models.CharField("city (English)", max_length=100, blank=True, db_index=True)
    city_ru = models.CharField("city (Russian)", max_length=100, blank=True)
    host = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_summits"
    )
    ordinal = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 for the first summit of its format, 2 for the second…; empty if unknown."
    )
    participants = models.ManyToManyField(Actor, through="SummitParticipant", through_fields=("summit", "actor"), related_name="summits")
    summary_en = models.TextField(blank=True)


    class Meta:
        ordering = ["-date", "title_en", "id"]  # a total order: no summit hops between pages
        # Pages are read in this order off summit_list_order_idx (migration 0006; per database vendor).
        constraints = [
            models.CheckConstraint(name="summit_title_en_not_empty", condition=~models.Q(title_en="")),
            models.CheckConstraint(name="summit_ordinal_positive", condition=models.Q(ordinal__gte=1)),
            models.UniqueConstraint(
                fields=["format", "ordinal"], name="summit_unique_ordinal_per_format",
                violation_error_message="This format already has a summit with that ordinal.",
            ),
            *partial_date_constraints("summit", "date"),
            models.CheckConstraint(
                name="summit_end_date_after_day_precise_date",
                condition=models.Q(end_date__isnull=True)
                | models.Q(date_precision=DatePrecision.DAY, end_date__gt=models.F("date")),
                violation_error_message="A last day needs a day-precise first day before it.",
            ),
        ]

    def get_absolute_url(self):
        return reverse("site:summit", args=[self.slug])

    def __str__(self):
        when = self.date_display
        return f"{self.title_en} ({when})" if when else self.title_en

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
                fields=["summit", "actor"], name="summit_participant_unique",
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
        """The representative is a person holding an office in the participating actor at the summit.

        With a day-precise summit date the office must be held on that day (Office.held_on); with a
        coarser or unknown summit date any office of the person in that actor is accepted, since the
        sources do not allow a finer check.
        """
        if not (self.represented_by_id and self.actor_id):
            return
        person = self.represented_by
        if person.kind != ActorKind.PERSON:
            raise ValidationError({"represented_by": "A representative is a person (actor kind 'person')."})
        offices = Office.objects.filter(person=person, organization_id=self.actor_id)
        day = self.summit.representation_day if self.summit_id else None
        if day is not None:
            offices = offices.held_on(day)
            when = f" on {day.isoformat()}"
        else:
            when = ""
        if not offices.exists():
            raise ValidationError(
                {"represented_by": f"{person} holds no recorded office in {self.actor}{when}; "
                                   "add the office (actors/offices) with its source first."}
            )


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
    summit = models.ForeignKey(
        Summit, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    adopted_on = models.DateField(null=True, blank=True)
    adopted_on_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    signatories = models.ManyToManyField(Actor, through="DocumentSignatory", through_fields=("document", "actor"), blank=True, related_name="documents")
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
                fields=["document", "actor"], name="document_signatory_unique",
                violation_error_message="This actor is already a signatory of this document.",
            ),
        ]

    def __str__(self):
        return f"{self.actor} signed {self.document}"
