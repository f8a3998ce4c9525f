from django.contrib import admin

from apps.core.admin import ConflictSafeAdminMixin
from apps.sources.admin import FactAdmin

from .models import Document, DocumentSignatory, Summit, SummitFormat, SummitParticipant, Topic


@admin.register(Topic)
class TopicAdmin(ConflictSafeAdminMixin, admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "slug", "parent"]
    search_fields = ["slug", "name_en", "name_ru"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(SummitFormat)
class SummitFormatAdmin(FactAdmin):
    list_display = ["name_en", "name_ru", "region", "partner", "slug"]
    list_filter = ["partner"]
    search_fields = ["slug", "name_en", "name_ru", "partner__name_en"]
    autocomplete_fields = ["region", "partner"]
    list_select_related = ["region", "partner"]
    prepopulated_fields = {"slug": ["name_en"]}


class SummitParticipantInline(admin.TabularInline):
    model = SummitParticipant
    fields = ["actor", "role", "represented_by"]
    autocomplete_fields = ["actor", "represented_by"]
    extra = 1


@admin.register(Summit)
class SummitAdmin(FactAdmin):
    list_display = ["title_en", "format", "status", "mode", "date", "date_precision", "city_en", "host", "ordinal"]
    list_filter = ["status", "mode", "format", "level", "date_precision"]
    search_fields = ["slug", "title_en", "title_ru", "city_en", "city_ru", "summary_en"]
    autocomplete_fields = ["format", "host", "replaced_by"]
    list_select_related = ["format", "host"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [SummitParticipantInline]


@admin.register(SummitParticipant)
class SummitParticipantAdmin(FactAdmin):
    list_display = ["summit", "actor", "role", "represented_by"]
    list_filter = ["role"]
    search_fields = ["summit__title_en", "actor__name_en", "represented_by__name_en"]
    autocomplete_fields = ["summit", "actor", "represented_by"]
    list_select_related = ["summit", "actor", "represented_by"]


class DocumentSignatoryInline(admin.TabularInline):
    model = DocumentSignatory
    fields = ["actor", "signed_by"]
    autocomplete_fields = ["actor", "signed_by"]
    extra = 1


@admin.register(Document)
class DocumentAdmin(FactAdmin):
    list_display = ["title_en", "kind", "summit", "adopted_on", "adopted_on_precision", "implements"]
    list_filter = ["kind", "topics"]
    search_fields = ["slug", "title_en", "title_ru", "summary_en"]
    autocomplete_fields = ["summit", "implements", "topics"]
    list_select_related = ["summit", "implements"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [DocumentSignatoryInline]
