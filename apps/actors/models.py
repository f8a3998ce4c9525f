"""Who acts in Central Asian diplomacy: states, persons, organisations, regional groupings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError
from django.urls import reverse

from apps.core.models import (
    DatePrecision,
    FactModel,
    NaturalKeyManager,
    NaturalKeyMixin,
    PeriodMixin,
    SluggedModel,
    ends_after_start,
    partial_date_constraints,
)


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    GROUPING = "grouping", "Regional grouping"
    # World and the areas UN Comtrade reports as partners though they are no state ("Other Asia, nes").
    AREA = "area", "Statistical area"


# Popolo's organizations among the kinds: what holds a post (an office) or meets a region as a format's partner.
ORGANIZATION_KINDS = [ActorKind.STATE, ActorKind.ORGANISATION]


class ActorQuerySet(models.QuerySet):
    def states(self):
        return self.filter(kind=ActorKind.STATE)


class ActorManager(NaturalKeyManager.from_queryset(ActorQuerySet)):
    pass


class Actor(SluggedModel, FactModel):
    kind = models.CharField(max_length=16, choices=ActorKind.choices, db_index=True)
    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200)
    name_ja = models.CharField("name (Japanese)", max_length=200, blank=True)
    iso3 = models.CharField(
        "ISO 3166-1 alpha-3",
        max_length=3,
        null=True,
        blank=True,
        unique=True,
        help_text="A state's, e.g. JPN; for a statistical area, UN Comtrade's code for it (W00 World).",
    )
    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, null=True, blank=True, unique=True, help_text="e.g. Q17."
    )
    country = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        limit_choices_to={"kind": ActorKind.STATE},
        help_text="For a person: the state they serve.",
    )
    position_en = models.CharField("position (English)", max_length=200, blank=True)
    position_ru = models.CharField("position (Russian)", max_length=200, blank=True)
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="groupings",
        help_text="For a grouping or organisation: its member actors.",
    )
    description_en = models.TextField(blank=True)

    objects = ActorManager()

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(name="actor_name_en_not_empty", condition=~models.Q(name_en="")),
            models.CheckConstraint(
                name="actor_iso3_only_for_states",
                condition=models.Q(iso3__isnull=True) | models.Q(kind__in=[ActorKind.STATE, ActorKind.AREA]),
                violation_error_message="Only a state (or a statistical area) has an ISO 3166-1 alpha-3 code.",
            ),
            models.CheckConstraint(
                name="actor_iso3_three_letters",
                condition=models.Q(iso3__isnull=True) | models.Q(iso3__length=3) | models.Q(kind=ActorKind.AREA),
                violation_error_message="An ISO 3166-1 alpha-3 code has three letters.",
            ),
            models.CheckConstraint(
                name="actor_country_only_for_persons",
                condition=models.Q(country__isnull=True) | models.Q(kind=ActorKind.PERSON),
                violation_error_message="Only a person serves a state (country).",
            ),
            models.CheckConstraint(name="actor_not_own_country", condition=~models.Q(country=models.F("id"))),
        ]

    def get_absolute_url(self):
        return reverse("site:actor", args=[self.slug])

    str_columns = ("name_en",)  # what __str__ reads (apps.core.api.columns)

    def __str__(self):
        return self.name_en

    def clean(self):
        if self.iso3:
            self.iso3 = self.iso3.upper()
            if self.kind != ActorKind.AREA and (not self.iso3.isalpha() or len(self.iso3) != 3):
                raise ValidationError({"iso3": "Three letters, e.g. JPN."})
        if self.iso3 == "":
            self.iso3 = None
        if self.wikidata_id == "":
            self.wikidata_id = None
        if self.iso3 and self.kind not in (ActorKind.STATE, ActorKind.AREA):
            raise ValidationError({"iso3": "Only a state has an ISO 3166-1 alpha-3 code."})
        if self.country_id and self.kind != ActorKind.PERSON:
            raise ValidationError(
                {"country": "Only a person serves a state; clear this field or make the actor a person."}
            )


class RelationKind(models.TextChoices):
    PARTNER = "partner", "Partner"
    MAIN_ECONOMIC_PARTNER = "main_economic_partner", "Main economic partner"
    COMPETITOR = "competitor", "Competitor"
    DEPENDENCE = "dependence", "Depends on"
    STRATEGIC_TIES = "strategic_ties", "Strategic ties"
    SEEKS_TO_REDUCE_DEPENDENCE = "seeks_to_reduce_dependence", "Seeks to reduce dependence on"
    LAGS_BEHIND = "lags_behind", "Lags behind"


class ActorRelation(NaturalKeyMixin, PeriodMixin, FactModel):
    """A directed relation: subject — kind — object (e.g. South Korea competitor of Japan)."""

    subject = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="relations_as_subject")
    object = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="relations_as_object")
    kind = models.CharField(max_length=32, choices=RelationKind.choices, db_index=True)
    qualifier = models.CharField(
        max_length=200, blank=True, help_text="How the source characterises it, e.g. 'quiet competitor'."
    )
    domain = models.CharField(
        max_length=200, blank=True, help_text="Field of the relation, e.g. 'rare earth supply chains'."
    )
    start_date = models.DateField(null=True, blank=True)
    start_date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    end_date = models.DateField(null=True, blank=True)
    end_date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    description_en = models.TextField(blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("subject__slug", "object__slug", "kind", "domain")

    class Meta:
        ordering = ["subject__name_en", "kind", "object__name_en"]
        constraints = [
            models.CheckConstraint(
                name="actor_relation_subject_not_object",
                condition=~models.Q(subject=models.F("object")),
                violation_error_message="An actor cannot be in a relation with itself.",
            ),
            ends_after_start("actor_relation_end_after_start", "The relation cannot end before it starts."),
            models.UniqueConstraint(fields=["subject", "object", "kind", "domain"], name="actor_relation_unique"),
            *partial_date_constraints("actor_relation", "start_date"),
            *partial_date_constraints("actor_relation", "end_date"),
        ]

    def get_absolute_url(self):
        if self.subject_id is None:  # known by its id alone (a change list entry): the page every fact has
            return super().get_absolute_url()
        return f"{reverse('site:actor', args=[self.subject.slug])}#relations-h"  # a section of its subject's page

    def __str__(self):
        return f"{self.subject} — {self.get_kind_display().lower()} — {self.object}"

    def clean(self):
        self.clean_period("The relation cannot end before it starts.")
        if self.subject_id and self.subject_id == self.object_id:
            raise ValidationError({"object": "An actor cannot be in a relation with itself."})


class OfficeQuerySet(models.QuerySet):
    def held_on(self, day):
        """Offices held on `day` (a date): started on or before it (or start unknown), not ended before it.

        Partial dates compare by their stored first day, so an office that started 'in 2025' counts
        from 1 January 2025 — generous on purpose: the source gives no finer date.
        """
        return self.filter(
            models.Q(start_date__isnull=True) | models.Q(start_date__lte=day),
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=day),
        )


class Office(NaturalKeyMixin, PeriodMixin, FactModel):
    """A person holding a post in a state or organisation for a period, one row per term (Popolo Membership
    with a Post role).

    start/end are partial dates (apps.core.models.DatePrecision); an empty end means still in office
    or not known to have ended. Source of the shape: Popolo's Membership (person, organization, role,
    start_date, end_date).
    """

    person = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="offices", limit_choices_to={"kind": ActorKind.PERSON}
    )
    organization = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="office_holders",
        limit_choices_to={"kind__in": ORGANIZATION_KINDS},
        help_text="The state or organisation the post belongs to (Popolo: organization).",
    )
    role_en = models.CharField("role (English)", max_length=200, help_text="e.g. President, Prime Minister.")
    role_ru = models.CharField("role (Russian)", max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    start_date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    end_date = models.DateField(null=True, blank=True)
    end_date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)

    objects = NaturalKeyManager.from_queryset(OfficeQuerySet)()
    # start_date: ISO 'YYYY-MM-DD' (the stored first day of the partial date), or None if unknown.
    natural_key_lookups = ("person__slug", "organization__slug", "role_en", "start_date")

    class Meta:
        ordering = ["organization__name_en", "start_date", "person__name_en", "id"]
        constraints = [
            models.CheckConstraint(name="office_role_en_not_empty", condition=~models.Q(role_en="")),
            ends_after_start("office_end_after_start", "An office cannot end before it starts."),
            models.CheckConstraint(
                name="office_person_not_organization", condition=~models.Q(person=models.F("organization"))
            ),
            # One row per term: a re-elected president holds the same post again from a new start.
            models.UniqueConstraint(fields=["person", "organization", "role_en", "start_date"], name="office_unique"),
            *partial_date_constraints("office", "start_date"),
            *partial_date_constraints("office", "end_date"),
        ]

    def get_absolute_url(self):
        if self.person_id is None:  # known by its id alone (a change list entry): the page every fact has
            return super().get_absolute_url()
        return f"{reverse('site:actor', args=[self.person.slug])}#offices-h"  # a section of its person's page

    def __str__(self):
        return f"{self.person} — {self.role_en}, {self.organization}"

    def clean(self):
        self.clean_period("An office cannot end before it starts.")
        if self.person_id and self.person.kind != ActorKind.PERSON:
            raise ValidationError({"person": "An office is held by a person (actor kind 'person')."})
        if self.organization_id and self.organization.kind not in ORGANIZATION_KINDS:
            raise ValidationError({"organization": "An office belongs to a state or an organisation."})
        stranded = self.representations_relying_on(replacement=self)
        if stranded:
            stored = Office._base_manager.get(pk=self.pk)
            changed = [
                name
                for name in ("person", "organization", "start_date", "end_date")
                if getattr(stored, self._meta.get_field(name).attname)
                != getattr(self, self._meta.get_field(name).attname)
            ]
            raise ValidationError({(changed or ["end_date"])[0]: _stranded_message(stranded, "This change")})

    def delete(self, *args, **kwargs):
        """Refuses (ProtectedError, the API's 409 like any row others rely on) while a summit participation
        is represented under this office and no other office covers it."""
        stranded = self.representations_relying_on()
        if stranded:
            raise ProtectedError(_stranded_message(stranded, "Deleting this office"), stranded)
        return super().delete(*args, **kwargs)

    def holds_on(self, day):
        """OfficeQuerySet.held_on for this one office, saved or not: held on `day` (a date)."""
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or self.end_date >= day)

    def representations_relying_on(self, replacement=None):
        """The summit participations represented by this office's person for its organisation (as stored) that
        no office would cover any more once this office is replaced by `replacement` (an unsaved new version
        of it) or, without one, deleted: the rule of SummitParticipant.clean (an office in the actor, held on
        the summit's day when that day is known). [] for an office not saved yet."""
        from apps.summits.models import SummitParticipant

        stored = Office._base_manager.filter(pk=self.pk).first() if self.pk is not None else None
        if stored is None:
            return []
        stranded = []
        participations = (
            SummitParticipant.objects.filter(represented_by_id=stored.person_id, actor_id=stored.organization_id)
            .select_related("summit", "actor", "represented_by")
            .order_by("summit__date", "pk")
        )
        for participation in participations:
            day = participation.summit.representation_day
            others = Office.objects.filter(
                person_id=participation.represented_by_id, organization_id=participation.actor_id
            ).exclude(pk=stored.pk)
            if (others.held_on(day) if day else others).exists():
                continue
            if (
                replacement is not None
                and replacement.person_id == participation.represented_by_id
                and replacement.organization_id == participation.actor_id
                and (day is None or replacement.holds_on(day))
            ):
                continue
            stranded.append(participation)
        return stranded


def _stranded_message(participations, what, shown=5):
    """'<what> leaves X at S (on D) represented by P with no recorded office in X; …' for a 400 or a 409."""
    cases = "; ".join(
        f"{p.actor} at {p.summit.slug}"
        f"{f' on {p.summit.representation_day.isoformat()}' if p.summit.representation_day else ''} "
        f"represented by {p.represented_by}"
        for p in participations[:shown]
    )
    more = f" and {len(participations) - shown} more" if len(participations) > shown else ""
    return (
        f"{what} leaves {cases}{more} with no recorded office in that actor; change those participations' "
        "represented_by first, or add the office that covers them."
    )
