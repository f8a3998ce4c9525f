"""Admin building blocks shared by every app: citations inline, history, import/export, timestamps."""
from django.contrib.contenttypes.admin import GenericTabularInline
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from apps.sources.models import Citation


class CitationInline(GenericTabularInline):
    model = Citation
    fields = ["source", "section", "paragraph", "key_phrase", "note"]
    autocomplete_fields = ["source"]
    extra = 0
    verbose_name_plural = "Citations (where the source says it)"


class FactAdmin(ImportExportMixin, SimpleHistoryAdmin):
    """Admin for a cited fact: citations inline, change history, CSV/XLSX import and export."""

    inlines = [CitationInline]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a large table on every changelist page is wasteful

    def get_inlines(self, request, obj):
        # Citations always come last, after the model's own inlines.
        own = [inline for inline in self.inlines if inline is not CitationInline]
        return [*own, CitationInline]
