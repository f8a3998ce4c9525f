"""Financial pledges: who promises how much money to whom, for what, over which period."""

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from apps.actors.models import Actor
from apps.core.models import (
    DatePrecision,
    ExactDecimalField,
    FactModel,
    NaturalKeyManager,
    SluggedModel,
    clean_partial_date,
    ends_after_start,
    format_partial_date,
    generated_slug,
    generated_slug_field,
    partial_date_constraints,
)
from apps.summits.models import Document, Summit, Topic


class AmountQualifier(models.TextChoices):
    EXACT = "exact", "Exactly"
    UP_TO = "up_to", "Up to"
    ABOUT = "about", "About"
    AT_LEAST = "at_least", "At least"


class UsdBasis(models.TextChoices):
    """Where the USD equivalent comes from, so no one mistakes a conversion for a quoted figure."""

    STATED_BY_SOURCE = "stated_by_source", "Stated by the source"
    CONVERTED = "converted", "Converted at a named rate"
    NONE = "none", "No USD equivalent"


class Instrument(models.TextChoices):
    OFFICIAL_ASSISTANCE = "official_assistance", "Official development assistance (unspecified)"
    ODA_LOAN = "oda_loan", "ODA loan"
    GRANT = "grant", "Grant"
    TECHNICAL_ASSISTANCE = "technical_assistance", "Technical assistance"
    PRIVATE_INVESTMENT = "private_investment", "Private investment"
    PUBLIC_PRIVATE = "public_private", "Public and private finance"
    EXPORT_CREDIT = "export_credit", "Export credit"
    EQUITY = "equity", "Equity"
    # The three below are how sources state the C5+X packages (issue 25): a mix of loans and grants
    # announced as one sum, a named investment package whose instruments are not broken down, and the
    # total value of agreements signed during a visit (a business target, not money committed by a budget).
    LOANS_AND_GRANTS = "loans_and_grants", "Loans and grants (one sum)"
    INVESTMENT_PACKAGE = "investment_package", "Investment package (instruments not broken down)"
    SIGNED_AGREEMENTS = "signed_agreements", "Value of agreements signed"
    UNKNOWN = "unknown", "Unknown"


class PledgeStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    COMMITTED = "committed", "Committed"
    DISBURSED = "disbursed", "Disbursed"
    CANCELLED = "cancelled", "Cancelled"


class PledgeQuerySet(models.QuerySet):
    def counted(self):
        """Rows whose money counts in totals: components of a counted pledge are left out."""
        return self.filter(counts_in_totals=True)


# How deep parent/component chains are followed when checking them (real ones are two or three levels).
MAX_PLEDGE_DEPTH = 50


def new_pledge_slug():
    """The slug of a pledge written without one: 'pledge-' and random hex digits (core.generated_slug)."""
    return generated_slug("pledge")


class Pledge(SluggedModel, FactModel):
    slug = generated_slug_field(new_pledge_slug, example="japan-3-trillion-yen-central-asia", noun="pledge")
    donor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="pledges_made")
    recipients = models.ManyToManyField(Actor, related_name="pledges_received", blank=True)
    summit = models.ForeignKey(Summit, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges")
    description_en = models.TextField(blank=True)

    amount = ExactDecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, db_index=True, help_text="ISO 4217, e.g. JPY.")
    amount_qualifier = models.CharField(max_length=8, choices=AmountQualifier.choices, default=AmountQualifier.EXACT)

    amount_usd = ExactDecimalField(
        "amount in USD", max_digits=20, decimal_places=2, null=True, blank=True, db_index=True
    )
    amount_usd_qualifier = models.CharField(
        max_length=8, choices=AmountQualifier.choices, default=AmountQualifier.EXACT
    )
    usd_basis = models.CharField(max_length=16, choices=UsdBasis.choices, default=UsdBasis.NONE)
    usd_rate = ExactDecimalField(
        max_digits=18, decimal_places=8, null=True, blank=True, help_text="USD per unit of the currency."
    )
    usd_rate_date = models.DateField(null=True, blank=True)
    usd_rate_source = models.CharField(max_length=300, blank=True, help_text="Who published the rate.")

    period_start = models.DateField(null=True, blank=True)
    period_start_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    period_years = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Length of the period in years.")
    period_end = models.DateField(null=True, blank=True)
    period_end_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)

    instrument = models.CharField(max_length=24, choices=Instrument.choices, default=Instrument.UNKNOWN, db_index=True)
    purposes = models.ManyToManyField(Topic, blank=True, related_name="pledges")
    status = models.CharField(
        max_length=16, choices=PledgeStatus.choices, default=PledgeStatus.ANNOUNCED, db_index=True
    )

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        help_text="The larger pledge this one is a part of.",
    )
    counts_in_totals = models.BooleanField(
        default=True, help_text="Off for a component whose money is already counted in its parent."
    )

    objects = NaturalKeyManager.from_queryset(PledgeQuerySet)()

    class Meta:
        ordering = ["-amount_usd", "id"]
        constraints = [
            models.CheckConstraint(
                name="pledge_amount_non_negative",
                condition=models.Q(amount__gte=0),
                violation_error_message="The amount cannot be negative.",
            ),
            models.CheckConstraint(
                name="pledge_amount_usd_non_negative",
                condition=models.Q(amount_usd__gte=0),
                violation_error_message="The USD amount cannot be negative.",
            ),
            models.CheckConstraint(
                name="pledge_amount_has_currency",
                condition=models.Q(amount__isnull=True) | models.Q(currency__length=3),
                violation_error_message="An amount needs its ISO 4217 currency (three letters).",
            ),
            models.CheckConstraint(
                name="pledge_usd_basis_consistent",
                condition=(
                    models.Q(usd_basis=UsdBasis.NONE, amount_usd__isnull=True)
                    | models.Q(usd_basis=UsdBasis.STATED_BY_SOURCE, amount_usd__isnull=False)
                    | models.Q(
                        usd_basis=UsdBasis.CONVERTED,
                        amount_usd__isnull=False,
                        usd_rate__isnull=False,
                        usd_rate_date__isnull=False,
                    )
                ),
                violation_error_message="A USD amount needs its basis: stated by the source, or converted "
                "with a rate and its date; with no basis there is no USD amount.",
            ),
            models.CheckConstraint(
                name="pledge_usd_rate_positive",
                condition=models.Q(usd_rate__gt=0),
                violation_error_message="The exchange rate must be positive.",
            ),
            ends_after_start(
                "pledge_period_end_after_start",
                "The period cannot end before it starts.",
                start="period_start",
                end="period_end",
            ),
            models.CheckConstraint(
                name="pledge_period_years_positive",
                condition=models.Q(period_years__gte=1),
                violation_error_message="The period lasts at least one year.",
            ),
            models.CheckConstraint(name="pledge_not_own_parent", condition=~models.Q(parent=models.F("id"))),
            *partial_date_constraints("pledge", "period_start"),
            *partial_date_constraints("pledge", "period_end"),
        ]

    def get_absolute_url(self):
        return f"{reverse('site:pledges')}#pledge-{self.pk}"  # pledges are rows of one page

    def __str__(self):
        return f"{self.donor}: {self.amount_display}"

    @staticmethod
    def str_sql(alias, donor_alias):
        """__str__ in PostgreSQL, for the pledges table under `alias` and its donor's row (actors) under
        `donor_alias` (JSON pages: apps.investments.api.page_json). The amount is rounded as Python's format
        rounds a Decimal (half to even: 2.50 → 2, 3.50 → 4) and grouped by thousands with commas."""
        # get_amount_qualifier_display(): a choice's label, else the stored value itself.
        said = {
            value: "" if value == AmountQualifier.EXACT else f"{label.lower()} "
            for value, label in AmountQualifier.choices
        }
        quoted = {value: text.replace("'", "''") for value, text in said.items()}  # SQL literals: a label's ' doubled
        qualifiers = " ".join(f"WHEN '{value}' THEN '{text}'" for value, text in quoted.items())
        amount = f"{alias}.amount"
        # to_char rounds half away from zero; the half-way cases go to the even neighbour first.
        rounded = f"CASE WHEN mod(abs({amount}), 2) = 0.5 THEN trunc({amount}) ELSE round({amount}) END"
        shown = (
            f"CASE {alias}.amount_qualifier {qualifiers} ELSE lower({alias}.amount_qualifier) || ' ' END"
            f" || to_char({rounded}, 'FM999,999,999,999,999,999,999,990') || ' ' || {alias}.currency"
        )
        return f"{donor_alias}.name_en || ': ' || CASE WHEN {amount} IS NULL THEN 'amount not stated' ELSE {shown} END"

    @property
    def amount_display(self):
        if self.amount is None:
            return "amount not stated"
        qualifier = (
            "" if self.amount_qualifier == AmountQualifier.EXACT else f"{self.get_amount_qualifier_display().lower()} "
        )
        return f"{qualifier}{self.amount:,.0f} {self.currency}"

    @property
    def period_start_display(self):
        return format_partial_date(self.period_start, self.period_start_precision)

    @property
    def period_end_display(self):
        return format_partial_date(self.period_end, self.period_end_precision)

    def _clean_parts(self):
        """Errors of the parent/component tree: no cycle, and along any chain of parents at most one pledge
        counts in totals (else `pledge_summary` adds a part to the whole it is part of)."""
        ancestors, parent_id = [], self.parent_id
        while parent_id is not None and len(ancestors) < MAX_PLEDGE_DEPTH:
            if self.pk is not None and parent_id == self.pk:
                return {"parent": "A pledge cannot be a component of itself, nor of one of its own components."}
            parent = Pledge._base_manager.only("parent_id", "counts_in_totals").filter(pk=parent_id).first()
            if parent is None:
                break  # no such pledge: clean_fields() says so
            ancestors.append(parent)
            parent_id = parent.parent_id
        if not self.counts_in_totals:
            return {}
        counted_ancestor = next((a for a in ancestors if a.counts_in_totals), None)
        if counted_ancestor is not None:
            return {
                "counts_in_totals": f"Pledge {counted_ancestor.pk}, which this one is part of, already counts in "
                "totals; untick this so the money is not counted twice."
            }
        counted_component = self._counted_component() if self.pk is not None else None
        if counted_component is not None:
            return {
                "counts_in_totals": f"Its component, pledge {counted_component}, already counts in totals; untick "
                "that one first so the money is not counted twice."
            }
        return {}

    def _counted_component(self):
        """The id of a component (at any depth) that counts in totals, or None."""
        level = [self.pk]
        for _ in range(MAX_PLEDGE_DEPTH):
            rows = list(Pledge._base_manager.filter(parent_id__in=level).values_list("pk", "counts_in_totals"))
            counted = [pk for pk, counts in rows if counts]
            if counted:
                return min(counted)
            level = [pk for pk, _ in rows if pk != self.pk]
            if not level:
                return None
        return None

    def clean(self):
        errors = {}
        if self.currency:
            self.currency = self.currency.upper()
        if self.currency and pycountry.currencies.get(alpha_3=self.currency) is None:
            errors["currency"] = (
                f"'{self.currency}' is not an ISO 4217 currency code; give one such as JPY, USD or EUR."
            )
        elif self.amount is not None and not self.currency:
            errors["currency"] = "An amount needs its ISO 4217 currency, such as JPY."
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "The amount cannot be negative."
        if self.amount_usd is not None and self.amount_usd < 0:
            errors["amount_usd"] = "The USD amount cannot be negative."
        if self.usd_basis == UsdBasis.NONE and self.amount_usd is not None:
            errors["usd_basis"] = "Say where the USD amount comes from (stated by the source, or converted)."
        if self.usd_basis != UsdBasis.NONE and self.amount_usd is None:
            errors["amount_usd"] = "Give the USD amount, or set the basis to 'No USD equivalent'."
        if self.usd_basis == UsdBasis.CONVERTED and (self.usd_rate is None or self.usd_rate_date is None):
            errors["usd_rate"] = "A converted USD amount needs the rate and the rate's date."
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period cannot end before it starts."
        errors.update(self._clean_parts())
        if errors:
            raise ValidationError(errors)
        clean_partial_date(self.period_start, self.period_start_precision, "period_start")
        clean_partial_date(self.period_end, self.period_end_precision, "period_end")
