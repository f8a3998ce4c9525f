from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import ConflictSafeAdminMixin, FactAdmin, TextSearchAdminMixin, ValidatedImportExportMixin

from .models import Assessment, Citation, Source


@admin.register(Source)
class SourceAdmin(TextSearchAdminMixin, ConflictSafeAdminMixin, ValidatedImportExportMixin, SimpleHistoryAdmin):
    list_display = ["title", "author", "publisher", "language", "kind", "published_on", "published_on_precision",
                    "origin", "is_official", "rights"]
    list_filter = ["kind", "language", "published_on_precision", "is_official", "rights"]
    autocomplete_fields = ["origin"]
    search_fields = ["slug", "title", "title_en", "author", "publisher"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Citation)
class CitationAdmin(TextSearchAdminMixin, ConflictSafeAdminMixin, SimpleHistoryAdmin):
    list_display = ["key_phrase", "source", "section", "paragraph", "content_type", "object_id", "basis",
                    "field", "value", "rank"]
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
