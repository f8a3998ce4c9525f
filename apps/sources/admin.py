"""Sources and citations in the admin, and the admin of every cited fact (FactAdmin: citations inline)."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import ValidationError

from apps.core.admin import (
    ConflictSafeAdminMixin,
    FeedHistoryAdminMixin,
    TextSearchAdminMixin,
    ValidatedImportExportMixin,
)

from .claims import deletion_overrides
from .models import CITATION_LOCATOR_AND_CLAIM_FIELDS, Assessment, Citation, Source


class CitationInlineFormSet(BaseGenericInlineFormSet):
    def clean(self):
        """Deleting claims here keeps the preference rule as a delete anywhere does (Citation.delete)."""
        super().clean()
        deleted = [form.instance.pk for form in self.deleted_forms if form.instance.pk is not None]
        overrides = deletion_overrides(Citation.objects.filter(pk__in=deleted)) if deleted else []
        if overrides:
            raise ValidationError(overrides)


class CitationInline(GenericTabularInline):
    model = Citation
    formset = CitationInlineFormSet
    fields = ["source", *CITATION_LOCATOR_AND_CLAIM_FIELDS]
    autocomplete_fields = ["source"]
    extra = 0
    verbose_name_plural = (
        "Citations and claims (where the source says it; a claim names the field, the value the "
        "source gives and its rank)"
    )


class FactAdmin(
    TextSearchAdminMixin, ConflictSafeAdminMixin, FeedHistoryAdminMixin, ValidatedImportExportMixin, admin.ModelAdmin
):
    """Admin for a cited fact: citations inline, change history, CSV/XLSX import and export."""

    inlines = [CitationInline]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a large table on every changelist page is wasteful

    def get_inlines(self, request, obj):
        # Citations always come last, after the model's own inlines.
        own = [inline for inline in self.inlines if inline is not CitationInline]
        return [*own, CitationInline]


@admin.register(Source)
class SourceAdmin(
    TextSearchAdminMixin, ConflictSafeAdminMixin, FeedHistoryAdminMixin, ValidatedImportExportMixin, admin.ModelAdmin
):
    list_display = [
        "title",
        "author",
        "publisher",
        "language",
        "kind",
        "published_on",
        "published_on_precision",
        "origin",
        "is_official",
        "rights",
    ]
    list_filter = ["kind", "language", "published_on_precision", "is_official", "rights"]
    autocomplete_fields = ["origin"]
    search_fields = ["slug", "title", "title_en", "author", "publisher"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Citation)
class CitationAdmin(TextSearchAdminMixin, ConflictSafeAdminMixin, FeedHistoryAdminMixin, admin.ModelAdmin):
    list_display = [
        "key_phrase",
        "source",
        "section",
        "paragraph",
        "content_type",
        "object_id",
        "basis",
        "field",
        "value",
        "rank",
    ]
    list_filter = ["basis", "rank", "field", "source", "content_type"]
    search_fields = ["key_phrase", "note", "section", "value"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Assessment)
class AssessmentAdmin(FactAdmin):
    list_display = ["slug", "statement_en"]
    search_fields = ["slug", "statement_en"]
    autocomplete_fields = ["about"]
