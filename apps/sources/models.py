"""Where facts come from: sources (articles, datasets) and citations that pin a fact to a place in one."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from apps.core.models import (
    DatePrecision,
    FactModel,
    NaturalKeyManager,
    NaturalKeyMixin,
    SluggedModel,
    TimeStampedModel,
    clean_partial_date,
    fact_models,
    format_partial_date,
    partial_date_constraints,
)
from apps.sources.claims import ClaimRank, claim_errors, deletion_overrides, origin_change_overrides
from apps.sources.locators import citation_text_problems, text_paragraphs


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Article"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    DATASET = "dataset", "Dataset"
    REPORT = "report", "Report"
    NEWS = "news", "News item"
    OTHER = "other", "Other"


class SourceRights(models.TextChoices):
    """What catrack may do with a source's text (the default: cite it, never republish it)."""

    CITE_ONLY = "cite_only", "Cite only: locate facts in it, quote a few words, never republish it"
    OPEN = "open", "Open licence: may be republished with attribution"


class Source(SluggedModel, TimeStampedModel):
    kind = models.CharField(max_length=32, choices=SourceKind.choices, default=SourceKind.ARTICLE)
    title = models.CharField(max_length=500, help_text="Title in the source's own language.")
    subtitle = models.CharField(max_length=500, blank=True)
    title_en = models.CharField(max_length=500, blank=True, help_text="English translation of the title.")
    author = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=8, help_text="ISO 639-1 code, e.g. 'ru', 'en', 'ja'.")
    url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_on_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    note = models.TextField(blank=True)
    origin = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="republications",
        help_text="The source this one republishes (e.g. a wire story a site reprints): sources that share an "
        "origin count as one independent origin. Fixtures name it by slug.",
    )
    root_origin = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The independent origin: the source at the end of this one's origin chain (empty when this "
        "source republishes nothing). Kept by the database on every write of `origin`, whatever makes it "
        "(triggers of migration 0007): read by the counts of independent origins, never written by hand.",
    )
    is_official = models.BooleanField(
        default=False, help_text="A government, presidency, ministry or intergovernmental body speaking for itself."
    )
    rights = models.CharField(
        max_length=16,
        choices=SourceRights.choices,
        default=SourceRights.CITE_ONLY,
        help_text="What catrack may do with the source's text; by default cite it, never republish it.",
    )

    # root_origin follows origin (the database keeps it): history shows what an editor wrote (apps.core.history),
    # and the seed compares a fixture with its row without it (apps.core.fixture_loading._seed_differences).
    database_derived_fields = ("root_origin",)

    class Meta:
        ordering = ["title"]
        permissions = [("view_full_text", "Can read the whole annotated text of a source catrack may not republish")]
        constraints = [
            models.CheckConstraint(name="source_title_not_empty", condition=~models.Q(title="")),
            models.CheckConstraint(name="source_language_not_empty", condition=~models.Q(language="")),
            *partial_date_constraints("source", "published_on"),
            models.CheckConstraint(
                name="source_not_its_own_origin",
                condition=~models.Q(origin=models.F("pk")),
                violation_error_message="A source does not republish itself: clear origin.",
            ),
        ]

    def get_absolute_url(self):
        return reverse("site:source", args=[self.slug])

    str_columns = ("author", "title")  # what __str__ reads (apps.core.api.columns)

    def __str__(self):
        return f"{self.author}: {self.title}" if self.author else self.title

    @staticmethod
    def str_sql(alias):
        """__str__ in SQL, for the sources table under `alias` (JSON pages: apps.summits.api.page_json)."""
        return f"CASE WHEN {alias}.author <> '' THEN {alias}.author || ': ' || {alias}.title ELSE {alias}.title END"

    @property
    def published(self):
        return format_partial_date(self.published_on, self.published_on_precision)

    @property
    def may_republish(self):
        return self.rights == SourceRights.OPEN

    def origin_chain(self):
        """The sources this one republishes, nearest first, to the root (the independent origin).
        Raises ValidationError (on `origin`) when the chain comes back to this source or to a source twice."""
        chain, seen, current = [], {self.pk} if self.pk else set(), self.origin
        while current is not None:
            if current.pk in seen or (self.pk is None and current is self):
                names = " → ".join([self.slug or "this source", *(s.slug for s in chain), current.slug])
                raise ValidationError(
                    {
                        "origin": f"Origins go round in a circle ({names}): a chain of "
                        "republications ends at an original source."
                    }
                )
            seen.add(current.pk)
            chain.append(current)
            current = current.origin
        return chain

    def clean(self):
        clean_partial_date(self.published_on, self.published_on_precision, "published_on")
        if self.origin_id is not None and self.pk is not None and self.origin_id == self.pk:
            raise ValidationError({"origin": "A source does not republish itself: clear origin."})
        self.origin_chain()
        overrides = origin_change_overrides(self)
        if overrides:
            raise ValidationError({"origin": overrides})


class SourceText(models.Model):
    """A source's plain text, when catrack holds it (`manage.py verify_citations SLUG PATH --store`): every
    citation of the source is then checked against it when written. Kept apart from Source and never
    served: it is the source's own text, which catrack does not republish (not in the API, history or feed).
    """

    source = models.OneToOneField(Source, on_delete=models.CASCADE, primary_key=True, related_name="held_text")
    text = models.TextField()
    stored_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"text of {self.source_id}"


def refuse_overriding_deletion(citations):
    """Raise ValidationError (on `field`, naming each claim) when deleting `citations` would leave a preferred
    claim against the preference rule without a rank_reason (apps.sources.claims.deletion_overrides)."""
    overrides = deletion_overrides(citations)
    if overrides:
        raise ValidationError({"field": overrides})


class CitationQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def delete(self):
        # A bulk delete (the admin's action, a script) keeps the preference rule as a single delete does. A fact's
        # deletion cascades to its citations without this method: its claims go with it.
        refuse_overriding_deletion(self.exclude(field=""))
        return super().delete()


# A citation's place in its source and what it claims there, in the order forms, the API and the brief columns
# list them (apps/sources/admin.py, apps/sources/api/serializers.py).
CITATION_LOCATOR_AND_CLAIM_FIELDS = (
    "section",
    "paragraph",
    "key_phrase",
    "note",
    "basis",
    "inference",
    "field",
    "value",
    "rank",
    "rank_reason",
)


class CitationBasis(models.TextChoices):
    STATED = "stated", "Stated by the source"
    INFERRED = "inferred", "Inferred from the source's context"


class Citation(NaturalKeyMixin, TimeStampedModel):
    """A fact's pointer into a source: where (section, paragraph) and a few verbatim words."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    fact = GenericForeignKey("content_type", "object_id")
    section = models.CharField(
        max_length=300, blank=True, help_text="Section heading as printed in the source (empty for the lead)."
    )
    paragraph = models.PositiveIntegerField(
        null=True, blank=True, help_text="Paragraph number in the source's text (1-based)."
    )
    key_phrase = models.CharField(
        max_length=200,
        help_text="A few words copied exactly from that paragraph that pinpoint the claim (not whole sentences).",
    )
    note = models.TextField(blank=True, help_text="What the passage supports, in your own words (English).")
    basis = models.CharField(
        max_length=8,
        choices=CitationBasis.choices,
        default=CitationBasis.STATED,
        db_index=True,
        help_text="Does the source state the claim, or does the row infer it from the context?",
    )
    inference = models.TextField(
        blank=True, help_text="For an inferred claim: the reasoning from the passage to the row, in English."
    )
    field = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The fact's field this citation gives a value for (e.g. date, amount_usd); blank: the whole fact.",
    )
    value = models.CharField(
        max_length=300,
        blank=True,
        help_text="The value the source gives for that field, in the field's format: 2025-04-04, 2025-04, "
        "2025-04-03/2025-04-04, 20000000000.00, 3000000000000 JPY, an actor's slug, a choice, text.",
    )
    rank = models.CharField(
        max_length=12,
        choices=ClaimRank.choices,
        blank=True,
        help_text="preferred: the value the fact's column holds; alternative: another source's value; deprecated: "
        "a value known to be wrong. Blank when field is blank.",
    )
    rank_reason = models.CharField(
        max_length=300, blank=True, help_text="Why this rank (required to prefer a value the rule does not pick)."
    )

    objects = NaturalKeyManager.from_queryset(CitationQuerySet)()
    # A citation is its source, its fact and its locator (paragraph, key phrase). In a fixture the fact is
    # named by its own natural key (apps.core.serialization); here, inside the database, by its ids.
    natural_key_lookups = ("source__slug", "content_type_id", "object_id", "paragraph", "key_phrase")

    class Meta:
        ordering = ["source_id", "paragraph", "id"]
        constraints = [
            models.CheckConstraint(name="citation_key_phrase_not_empty", condition=~models.Q(key_phrase="")),
            models.CheckConstraint(
                name="citation_key_phrase_short",
                condition=models.Q(key_phrase__length__lte=120),
                violation_error_message="Key phrase: at most 120 characters — a few words that locate the claim.",
            ),
            models.CheckConstraint(name="citation_paragraph_positive", condition=models.Q(paragraph__gte=1)),
            models.UniqueConstraint(
                fields=["source", "content_type", "object_id", "paragraph", "key_phrase"],
                name="citation_unique_per_fact_and_place",
            ),
            models.CheckConstraint(
                name="citation_inferred_says_how",
                condition=models.Q(basis=CitationBasis.STATED, inference="")
                | (models.Q(basis=CitationBasis.INFERRED) & ~models.Q(inference="")),
                violation_error_message="An inferred citation writes out its inference; a stated one has none.",
            ),
            models.CheckConstraint(
                name="citation_claim_has_value_and_rank",
                condition=models.Q(field="", value="", rank="", rank_reason="")
                | (~models.Q(field="") & ~models.Q(value="") & ~models.Q(rank="")),
                violation_error_message="A claim names its field, value and rank; a citation of the whole fact none.",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="citation_fact_idx")]

    def clean(self):
        if self.basis == CitationBasis.INFERRED and not self.inference.strip():
            raise ValidationError({"inference": "Write out how the row follows from the passage."})
        if self.basis == CitationBasis.STATED and self.inference:
            raise ValidationError({"inference": "Only an inferred citation has an inference; set basis to 'inferred'."})
        if self.content_type_id is not None and self.content_type.model_class() not in fact_models():
            raise ValidationError(
                {
                    "content_type": f"Citations point at facts; {self.content_type.app_label}."
                    f"{self.content_type.model} is not a fact model."
                }
            )
        claims = claim_errors(self)
        if claims:
            raise ValidationError(claims)
        held = SourceText.objects.filter(source_id=self.source_id).values_list("text", flat=True).first()
        if held and self.key_phrase:
            # The source's text is here: the locator and the key phrase are checked now, not only offline.
            paragraphs = {p.number: p for p in text_paragraphs(held)}
            problems = citation_text_problems(self, paragraphs)
            if problems:
                errors = {}
                for field, message in problems:
                    errors.setdefault(field, []).append(f"{message} of {self.source.slug}.")
                raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        refuse_overriding_deletion([self])
        return super().delete(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("site:citation", args=[self.pk])

    def __str__(self):
        where = ", ".join(p for p in [self.section, f"¶{self.paragraph}" if self.paragraph else ""] if p)
        return f"{self.source.slug} [{where}] «{self.key_phrase}»"

    def natural_key(self):
        return super().natural_key()

    # Facts before the citations that point at them (dumpdata's order); tests/seed checks it names every fact model.
    natural_key.dependencies = [
        "sources.source",
        "actors.actor",
        "actors.actorrelation",
        "actors.office",
        "summits.summitformat",
        "summits.summit",
        "summits.summitparticipant",
        "summits.document",
        "investments.pledge",
        "trade.trademeasure",
        "trade.tradestatement",
        "trade.statedtradefigure",
        "geoeconomics.corridor",
        "geoeconomics.corridorstake",
        "geoeconomics.strategicresource",
        "geoeconomics.resourceinterest",
        "sources.assessment",
    ]


class AssessmentManager(NaturalKeyManager.from_queryset(models.QuerySet)):
    pass


class Assessment(SluggedModel, FactModel):
    """An author's own judgement, not a fact (e.g. that rivalry gives the region room to manoeuvre).

    Kept apart from facts so an analyst can take it or leave it; cited like a fact, in the author's words.
    """

    statement_en = models.TextField(help_text="The judgement in your own words (English), not the source's sentence.")
    about = models.ManyToManyField(
        "actors.Actor", blank=True, related_name="assessments", help_text="Actors the judgement is about."
    )

    objects = AssessmentManager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(name="assessment_statement_not_empty", condition=~models.Q(statement_en="")),
        ]

    def __str__(self):
        return self.statement_en[:80]
