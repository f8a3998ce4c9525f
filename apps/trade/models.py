"""Trade: measured flows (Comtrade-shaped), trade figures stated by officials, trade measures, and
qualitative statements about trade."""

import re

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse

from apps.actors.models import Actor
from apps.core.models import (
    DatePrecision,
    ExactDecimalField,
    FactModel,
    NaturalKeyManager,
    NaturalKeyMixin,
    SluggedModel,
    TimeStampedModel,
    clean_partial_date,
    ends_after_start,
    format_partial_date,
    generated_slug,
    generated_slug_field,
    partial_date_constraints,
)
from apps.investments.models import AmountQualifier
from apps.sources.models import Source
from apps.summits.models import Topic

YEAR_MIN, YEAR_MAX = 1900, 2100
TOTAL_COMMODITY = "TOTAL"
ALL_CUSTOMS_PROCEDURES = "C00"  # Comtrade's customsCode for the total over customs procedures
ALL_MODES_OF_TRANSPORT = 0  # Comtrade's motCode for the total over modes of transport
# Comtrade's natural key of a figure; partner2 empty (NULL) is World, the total over second partners.
NATURAL_KEY = [
    "reporter",
    "partner",
    Coalesce("partner2", 0),
    "year",
    "flow",
    "commodity_code",
    "customs_code",
    "mot_code",
]


class FlowCode(models.TextChoices):
    EXPORT = "X", "Export"
    IMPORT = "M", "Import"
    RE_EXPORT = "RX", "Re-export"
    RE_IMPORT = "RM", "Re-import"


class TradeFlowQuerySet(models.QuerySet):
    """TradeFlow's queries. The bulk writes first make sure each year written has its partition on PostgreSQL
    (apps.trade.partitions.trade_flow_partitions_ensure); save() and loaddata do it through pre_save."""

    def _ensure_partitions(self, years):
        from django.db import router

        from apps.trade.partitions import trade_flow_partitions_ensure

        trade_flow_partitions_ensure(years, using=self._db or router.db_for_write(self.model))

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        self._ensure_partitions(obj.year for obj in objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "year" in fields:
            self._ensure_partitions(obj.year for obj in objs)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "year" in kwargs:  # an expression (F("year") + 1) is not a year: its rows must find a partition
            self._ensure_partitions([kwargs["year"]])
        return super().update(**kwargs)

    bulk_create.alters_data = True  # type: ignore[attr-defined]
    bulk_update.alters_data = True  # type: ignore[attr-defined]
    update.alters_data = True  # type: ignore[attr-defined]


class TradeFlow(TimeStampedModel):
    """One reported value: reporter's flow with partner, in a year (and month), for a commodity.

    Bulk statistics carry their provenance in `source` (the dataset) rather than per-row citations.
    An annual figure has no month.
    """

    # No single-column indexes: the composite ones below start with reporter / partner.
    reporter = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="trade_reported", db_index=False)
    partner = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="trade_as_partner", db_index=False)
    partner2 = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="trade_as_partner2",
        null=True,
        blank=True,
        db_index=False,
        help_text="Comtrade's second partner (partner2): empty for World, the total over second partners.",
    )
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty for an annual figure.")
    flow = models.CharField(max_length=2, choices=FlowCode.choices)
    commodity_code = models.CharField(
        max_length=12, default=TOTAL_COMMODITY, help_text="HS code (e.g. 2612), or TOTAL for all goods."
    )
    customs_code = models.CharField(
        max_length=3,
        default=ALL_CUSTOMS_PROCEDURES,
        help_text="Comtrade's customs procedure code (customsCode); C00 for the total over procedures.",
    )
    mot_code = models.PositiveSmallIntegerField(
        "mode of transport code",
        default=ALL_MODES_OF_TRANSPORT,
        help_text="Comtrade's mode of transport code (motCode); 0 for the total over modes.",
    )
    value_usd = ExactDecimalField("value in USD", max_digits=20, decimal_places=2)
    net_weight_kg = ExactDecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    quantity = ExactDecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    quantity_unit = models.CharField(max_length=64, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="trade_flows")

    objects = TradeFlowQuerySet.as_manager()
    # On PostgreSQL the table is partitioned by year and its primary key is (id, year): apps.trade.partitions.
    db_partitioned_by = "year"

    class Meta:
        # The natural key: a total order, so a row never hops between pages.
        ordering = [
            "-year",
            "reporter_id",
            "partner_id",
            "flow",
            "commodity_code",
            "month",
            "partner2_id",
            "customs_code",
            "mot_code",
        ]
        indexes = [
            # A reporter's flows of one kind, newest first, in the list's own order: a page is read
            # straight off the index and the count is an index-only scan.
            models.Index(
                fields=[
                    "reporter",
                    "flow",
                    "-year",
                    "partner",
                    "commodity_code",
                    "month",
                    "partner2",
                    "customs_code",
                    "mot_code",
                ],
                name="trade_flow_reporter_list_idx",
            ),
            models.Index(fields=["partner", "year"], name="trade_flow_partner_year_idx"),
            models.Index(fields=["year", "flow"], name="trade_flow_year_flow_idx"),
            models.Index(fields=["commodity_code", "year"], name="trade_flow_commodity_year_idx"),
            models.Index(
                fields=["partner2"], name="trade_flow_partner2_idx", condition=models.Q(partner2__isnull=False)
            ),
        ]
        constraints = [
            # Two partial unique keys because an annual row has no month (NULLs are distinct in SQL).
            models.UniqueConstraint(
                *NATURAL_KEY,
                condition=models.Q(month__isnull=True),
                name="trade_flow_unique_annual",
                violation_error_message="This annual trade flow already exists.",
            ),
            models.UniqueConstraint(
                *NATURAL_KEY,
                "month",
                condition=models.Q(month__isnull=False),
                name="trade_flow_unique_monthly",
                violation_error_message="This monthly trade flow already exists.",
            ),
            models.CheckConstraint(
                name="trade_flow_reporter_not_partner",
                condition=~models.Q(reporter=models.F("partner")),
                violation_error_message="Reporter and partner must differ.",
            ),
            models.CheckConstraint(
                name="trade_flow_year_in_range",
                condition=models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                violation_error_message=f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            ),
            models.CheckConstraint(
                name="trade_flow_month_in_range",
                condition=models.Q(month__gte=1, month__lte=12),
                violation_error_message="The month must be between 1 and 12.",
            ),
            models.CheckConstraint(
                name="trade_flow_flow_valid",
                condition=models.Q(flow__in=FlowCode.values),
            ),
            models.CheckConstraint(
                name="trade_flow_value_non_negative",
                condition=models.Q(value_usd__gte=0),
                violation_error_message="The value cannot be negative.",
            ),
            models.CheckConstraint(name="trade_flow_net_weight_non_negative", condition=models.Q(net_weight_kg__gte=0)),
            models.CheckConstraint(name="trade_flow_quantity_non_negative", condition=models.Q(quantity__gte=0)),
            models.CheckConstraint(name="trade_flow_commodity_not_empty", condition=~models.Q(commodity_code="")),
            models.CheckConstraint(name="trade_flow_customs_code_not_empty", condition=~models.Q(customs_code="")),
        ]

    def __str__(self):
        period = f"{self.year}-{self.month:02d}" if self.month else str(self.year)
        return f"{self.reporter_id}→{self.partner_id} {self.get_flow_display()} {self.commodity_code} {period}"


class StatedFlow(models.TextChoices):
    """The reporter's side of a stated figure: both directions together, or one."""

    TURNOVER = "turnover", "Turnover (exports and imports)"
    EXPORT = "export", "Exports"
    IMPORT = "import", "Imports"


def new_stated_trade_figure_slug():
    """The slug of a stated trade figure written without one: 'stated-trade-' and random hex digits."""
    return generated_slug("stated-trade")


class StatedTradeFigure(SluggedModel, FactModel):
    """A bilateral trade figure as a president, ministry or statistics office states it, with its citation.

    Kept apart from TradeFlow (UN Comtrade's reported statistics, in USD): a stated figure is a claim in its
    own currency and rounding, often a turnover, and is never added to Comtrade rows nor to other stated
    figures (no summary endpoint sums them). Where sources disagree each value is its own row.

    The period: `period_start` and `period_end` are partial dates (apps.core.models: a year is stored as
    1 January with precision `year`, a month as its 1st with precision `month`). `period_end` is the last
    unit the figure covers (2024-09/month for January to September 2024); empty when the period is the one
    unit `period_start` names (the year 2024: `2024-01-01`/`year`, no end).
    """

    slug = generated_slug_field(new_stated_trade_figure_slug, example="kazakhstan-japan-turnover-2024", noun="figure")
    reporter = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="stated_trade_figures",
        help_text="The state whose trade it is (flows are from its side).",
    )
    partner = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="stated_trade_figures_as_partner")
    flow = models.CharField(max_length=8, choices=StatedFlow.choices, db_index=True)
    period_start = models.DateField(db_index=True)
    period_start_precision = models.CharField(max_length=8, choices=DatePrecision.choices)
    period_end = models.DateField(null=True, blank=True)
    period_end_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    value = ExactDecimalField(max_digits=20, decimal_places=2, help_text="In `currency`, as stated.")
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217, e.g. USD.")
    value_qualifier = models.CharField(max_length=8, choices=AmountQualifier.choices, default=AmountQualifier.EXACT)
    stated_by = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stated_trade_figures_stated",
        help_text="The person or body that stated it (a president, a ministry, a statistics office), if named.",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start", "reporter_id", "partner_id", "flow", "id"]
        indexes = [models.Index(fields=["reporter", "partner", "period_start"], name="stated_trade_reporter_idx")]
        constraints = [
            models.CheckConstraint(
                name="stated_trade_reporter_not_partner",
                condition=~models.Q(reporter=models.F("partner")),
                violation_error_message="Reporter and partner must differ.",
            ),
            models.CheckConstraint(
                name="stated_trade_flow_valid",
                condition=models.Q(flow__in=StatedFlow.values),
                violation_error_message="flow: choose turnover, export or import.",
            ),
            models.CheckConstraint(
                name="stated_trade_value_non_negative",
                condition=models.Q(value__gte=0),
                violation_error_message="The value cannot be negative.",
            ),
            models.CheckConstraint(
                name="stated_trade_currency_iso",
                condition=models.Q(currency__length=3),
                violation_error_message="The currency is an ISO 4217 code (three letters).",
            ),
            models.CheckConstraint(
                name="stated_trade_qualifier_valid",
                condition=models.Q(value_qualifier__in=AmountQualifier.values),
            ),
            ends_after_start(
                "stated_trade_period_end_after_start",
                "The period cannot end before it starts.",
                start="period_start",
                end="period_end",
            ),
            *partial_date_constraints("stated_trade", "period_start"),
            *partial_date_constraints("stated_trade", "period_end"),
        ]

    def get_absolute_url(self):
        if self.reporter_id is None:  # known by its id alone (a change list entry): the page every fact has
            return super().get_absolute_url()
        return f"{reverse('site:actor', args=[self.reporter.slug])}#stated-{self.slug}"  # on its reporter's page

    def __str__(self):
        period = self.period_start_display or ""
        if self.period_end_display and self.period_end_display != period:
            period = f"{period}/{self.period_end_display}"
        qualifier = (
            "" if self.value_qualifier == AmountQualifier.EXACT else f"{self.get_value_qualifier_display().lower()} "
        )
        return (
            f"{self.reporter}–{self.partner} {self.get_flow_display().split(' (')[0].lower()} {period}: "
            f"{qualifier}{self.value:,.0f} {self.currency}"
        )

    @property
    def period_start_display(self):
        return format_partial_date(self.period_start, self.period_start_precision)

    @property
    def period_end_display(self):
        return format_partial_date(self.period_end, self.period_end_precision)

    def clean(self):
        """Raises ValidationError naming the field: a currency that is not ISO 4217, a negative value, the
        reporter as its own partner, a non-canonical partial date, an end before the start."""
        errors = {}
        if self.currency:
            self.currency = self.currency.upper()
            if pycountry.currencies.get(alpha_3=self.currency) is None:
                errors["currency"] = f"'{self.currency}' is not an ISO 4217 currency code; give one such as USD or EUR."
        if self.value is not None and self.value < 0:
            errors["value"] = "The value cannot be negative."
        if self.reporter_id is not None and self.reporter_id == self.partner_id:
            errors["partner"] = "The partner must differ from the reporter: a state has no trade with itself."
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period cannot end before it starts."
        if errors:
            raise ValidationError(errors)
        if self.period_start is None:
            raise ValidationError({"period_start": "A stated figure covers a period: give at least its year."})
        clean_partial_date(self.period_start, self.period_start_precision, "period_start")
        clean_partial_date(self.period_end, self.period_end_precision, "period_end")


class TradeMeasureKind(models.TextChoices):
    EXPORT_RESTRICTION = "export_restriction", "Export restriction"
    IMPORT_RESTRICTION = "import_restriction", "Import restriction"
    TARIFF = "tariff", "Tariff"
    SANCTION = "sanction", "Sanction"
    OTHER = "other", "Other"


class TradeMeasureStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced, not yet in force"
    IN_FORCE = "in_force", "In force"
    SUSPENDED = "suspended", "Suspended"
    LIFTED = "lifted", "Lifted"
    UNKNOWN = "unknown", "Not stated"


HS_CODE_LIST = re.compile(r"^[0-9]{2,10}(,[0-9]{2,10})*$")


def validate_hs_code_list(value):
    """HS codes as a measure lists them: digits only (2 to 10: a chapter, a heading, HS6 or a national
    10-digit line), comma-separated without spaces, none twice. Raises ValidationError naming the bad one."""
    if value == "":
        return
    if not HS_CODE_LIST.match(value):
        bad = next((code for code in value.split(",") if not re.fullmatch(r"[0-9]{2,10}", code)), value)
        raise ValidationError(f"{bad!r} is not an HS code (2 to 10 digits); separate codes with commas, no spaces.")
    codes = value.split(",")
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValidationError(f"HS code {repeated[0]} is listed twice.")


def new_trade_measure_slug():
    """The slug of a trade measure written without one: 'trade-measure-' and random hex digits."""
    return generated_slug("trade-measure")


class TradeMeasure(SluggedModel, FactModel):
    slug = generated_slug_field(new_trade_measure_slug, example="china-export-restrictions-2025", noun="measure")
    kind = models.CharField(max_length=24, choices=TradeMeasureKind.choices, db_index=True)
    imposing_actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="trade_measures_imposed")
    targets = models.ManyToManyField(Actor, blank=True, related_name="trade_measures_targeting")
    targets_description_en = models.CharField(
        max_length=300,
        blank=True,
        help_text="Targets as the source words them when it does not name them, e.g. 'a number of Western countries'.",
    )
    goods_en = models.CharField(max_length=300, blank=True, help_text="Goods covered, in words.")
    commodity_codes = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_hs_code_list],
        help_text="HS codes the measure lists, as it writes them (a national 10-digit line is kept whole), "
        "comma-separated without spaces; empty if no source gives them.",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="trade_measures")
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True, help_text="Year it was introduced.")
    legal_reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="The act as its issuer numbers it, e.g. 'MOFCOM-GACC Announcement No. 18 of 2025'.",
    )
    announced_on = models.DateField(null=True, blank=True, help_text="The day the measure was published.")
    in_force_from = models.DateField(
        null=True, blank=True, help_text="The day it took effect (its first part, if staged)."
    )
    status = models.CharField(
        max_length=12,
        choices=TradeMeasureStatus.choices,
        default=TradeMeasureStatus.UNKNOWN,
        db_index=True,
        help_text="As the latest cited source states it.",
    )
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["-year", "id"]
        constraints = [
            models.CheckConstraint(
                name="trade_measure_commodity_codes_listed",
                condition=models.Q(commodity_codes="") | models.Q(commodity_codes__regex=HS_CODE_LIST.pattern),
                violation_error_message="HS codes: 2 to 10 digits each, comma-separated, no spaces.",
            ),
            models.CheckConstraint(
                name="trade_measure_in_force_after_announced",
                condition=models.Q(announced_on__isnull=True)
                | models.Q(in_force_from__isnull=True)
                | models.Q(in_force_from__gte=models.F("announced_on")),
                violation_error_message="A measure cannot take effect before it was announced.",
            ),
            models.CheckConstraint(
                name="trade_measure_year_in_range",
                condition=models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                violation_error_message=f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            ),
        ]

    def __str__(self):
        return f"{self.imposing_actor}: {self.get_kind_display().lower()} ({self.year or 'year unknown'})"

    @property
    def hs_codes(self) -> list[str]:
        """The codes the measure lists, in its order."""
        return self.commodity_codes.split(",") if self.commodity_codes else []

    @property
    def hs6_codes(self) -> list[str]:
        """The internationally comparable HS subheadings (6 digits) of its codes, sorted: what Comtrade
        reports. A national line (China's 10 digits) is the first six digits' subheading split further
        (the HS convention every national tariff follows); a shorter code is kept as it is."""
        return sorted({code[:6] for code in self.hs_codes})


class TradeLevel(models.TextChoices):
    DOMINANT = "dominant", "Dominant (the largest share)"
    SIGNIFICANT = "significant", "Significant"
    LIMITED = "limited", "Limited"
    UNKNOWN = "unknown", "Not stated"


class TradeTrend(models.TextChoices):
    GROWING = "growing", "Growing"
    MODERATE_STABLE_GROWTH = "moderate_stable_growth", "Moderate but stable growth"
    STABLE = "stable", "Stable"
    DECLINING = "declining", "Declining"
    UNKNOWN = "unknown", "Not stated"


class TradeStatement(NaturalKeyMixin, FactModel):
    """What a source says about trade between two actors without giving numbers: rank, level, trend."""

    subject = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="trade_statements",
        help_text="Whose trade the statement is about, e.g. Japan.",
    )
    partner = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="trade_statements_as_partner")
    year_from = models.PositiveSmallIntegerField(null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The partner's rank among the subject's partners in the region, if stated."
    )
    level = models.CharField(max_length=16, choices=TradeLevel.choices, default=TradeLevel.UNKNOWN, db_index=True)
    trend = models.CharField(max_length=24, choices=TradeTrend.choices, default=TradeTrend.UNKNOWN, db_index=True)
    statement_en = models.TextField(help_text="The claim in your own words (English).")

    objects = NaturalKeyManager()
    natural_key_lookups = ("subject__slug", "partner__slug", "year_from", "year_to")  # a year: None if not said

    class Meta:
        ordering = ["subject_id", "rank", "partner_id"]
        constraints = [
            models.CheckConstraint(
                name="trade_statement_subject_not_partner",
                condition=~models.Q(subject=models.F("partner")),
                violation_error_message="Subject and partner must differ.",
            ),
            models.CheckConstraint(
                name="trade_statement_years_ordered",
                condition=models.Q(year_from__isnull=True)
                | models.Q(year_to__isnull=True)
                | models.Q(year_to__gte=models.F("year_from")),
                violation_error_message="The period cannot end before it starts.",
            ),
            models.CheckConstraint(
                name="trade_statement_years_in_range",
                condition=models.Q(year_from__gte=YEAR_MIN, year_from__lte=YEAR_MAX)
                & models.Q(year_to__gte=YEAR_MIN, year_to__lte=YEAR_MAX),
            ),
            models.CheckConstraint(name="trade_statement_rank_positive", condition=models.Q(rank__gte=1)),
            # Its natural key: a missing year counts as a value (0), so two rows without years still clash.
            models.UniqueConstraint(
                "subject",
                "partner",
                Coalesce("year_from", 0),
                Coalesce("year_to", 0),
                name="trade_statement_unique_period",
                violation_error_message="A statement about this subject, partner and period is already recorded.",
            ),
        ]

    def __str__(self):
        return f"{self.subject} ↔ {self.partner}: {self.get_level_display()}, {self.get_trend_display().lower()}"

    def clean(self):
        if self.year_from and self.year_to and self.year_to < self.year_from:
            raise ValidationError({"year_to": "The period cannot end before it starts."})
