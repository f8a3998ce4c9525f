"""Transport corridors and strategic resources, and which actors have a stake in them."""

from django.db import models

from apps.actors.models import Actor
from apps.core.models import FactModel, NaturalKeyManager, NaturalKeyMixin, SluggedModel


class Corridor(SluggedModel, FactModel):
    """A transport route, e.g. the Trans-Caspian International Transport Route (Middle Corridor)."""

    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200, blank=True)
    abbreviation = models.CharField(max_length=20, blank=True, help_text="e.g. TITR.")
    countries = models.ManyToManyField(
        Actor, blank=True, related_name="corridors_through", help_text="States the route runs through."
    )
    markets = models.ManyToManyField(
        Actor, blank=True, related_name="corridors_to_market", help_text="Markets the route opens access to."
    )
    bypasses = models.ManyToManyField(
        Actor,
        blank=True,
        related_name="corridors_bypassing",
        help_text="Whose transit routes it offers an alternative to.",
    )
    goals_en = models.TextField(blank=True, help_text="What the corridor is meant to achieve.")
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["name_en"]
        constraints = [models.CheckConstraint(name="corridor_name_en_not_empty", condition=~models.Q(name_en=""))]

    def __str__(self):
        return self.name_en


class StakeRole(models.TextChoices):
    SUPPORTER = "supporter", "Supports"
    PARTICIPANT = "participant", "Takes part"
    FINANCIER = "financier", "Finances"
    BENEFICIARY = "beneficiary", "Benefits"


class CorridorStake(NaturalKeyMixin, FactModel):
    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="stakes")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="corridor_stakes")
    role = models.CharField(max_length=16, choices=StakeRole.choices)
    description_en = models.TextField(blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("corridor__slug", "actor__slug", "role")

    class Meta:
        ordering = ["corridor_id", "actor__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["corridor", "actor", "role"],
                name="corridor_stake_unique",
                violation_error_message="This actor already has this role in this corridor.",
            ),
        ]

    def __str__(self):
        return f"{self.actor} {self.get_role_display().lower()} {self.corridor}"


class ResourceCategory(models.TextChoices):
    CRITICAL_MINERAL = "critical_mineral", "Critical mineral"
    ENERGY = "energy", "Energy"
    PRECIOUS_METAL = "precious_metal", "Precious metal"
    OTHER = "other", "Other"


class StrategicResource(SluggedModel, FactModel):
    """A resource states compete for: rare earths, uranium, gas, gold."""

    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200, blank=True)
    category = models.CharField(max_length=20, choices=ResourceCategory.choices, db_index=True)
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["name_en"]
        constraints = [models.CheckConstraint(name="resource_name_en_not_empty", condition=~models.Q(name_en=""))]

    def __str__(self):
        return self.name_en


class InterestKind(models.TextChoices):
    SEEKS_SUPPLY = "seeks_supply", "Seeks supply of"
    CONTROLS_SUPPLY_CHAIN = "controls_supply_chain", "Controls supply chains of"
    HOLDS_RESERVES = "holds_reserves", "Holds reserves of"
    PRODUCES = "produces", "Produces"
    CONCERNED = "concerned", "Concerned about access to"


class ResourceInterest(NaturalKeyMixin, FactModel):
    """An actor's stake in a resource, optionally where (e.g. Japan seeks uranium from Central Asia)."""

    resource = models.ForeignKey(StrategicResource, on_delete=models.CASCADE, related_name="interests")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="resource_interests")
    kind = models.CharField(max_length=24, choices=InterestKind.choices)
    region = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resource_interests_in",
        help_text="Where, if the source says.",
    )
    description_en = models.TextField(blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("resource__slug", "actor__slug", "kind", "region__slug")  # region: None if not said

    class Meta:
        ordering = ["resource_id", "actor__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "actor", "kind", "region"],
                name="resource_interest_unique",
                violation_error_message="This interest is already recorded.",
            ),
            # NULLs are distinct in a unique index: without this, two rows with no region could share a natural key.
            models.UniqueConstraint(
                fields=["resource", "actor", "kind"],
                condition=models.Q(region__isnull=True),
                name="resource_interest_unique_without_region",
                violation_error_message="This interest is already recorded.",
            ),
            models.CheckConstraint(
                name="resource_interest_actor_not_region", condition=~models.Q(actor=models.F("region"))
            ),
        ]

    def __str__(self):
        where = f" in {self.region}" if self.region_id else ""
        return f"{self.actor} {self.get_kind_display().lower()} {self.resource}{where}"
