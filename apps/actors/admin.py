from django.contrib import admin

from apps.sources.admin import FactAdmin

from .models import Actor, ActorRelation, Office


@admin.register(Actor)
class ActorAdmin(FactAdmin):
    list_display = ["name_en", "name_ru", "kind", "slug", "iso3", "country", "position_en"]
    list_filter = ["kind"]
    search_fields = ["slug", "name_en", "name_ru", "name_ja", "iso3", "wikidata_id"]
    autocomplete_fields = ["country", "members"]
    list_select_related = ["country"]
    prepopulated_fields = {"slug": ["name_en"]}
    fieldsets = [
        (None, {"fields": ["kind", "slug", "name_en", "name_ru", "name_ja", "description_en"]}),
        ("Identifiers", {"fields": ["iso3", "wikidata_id"]}),
        ("Person", {"fields": ["country", "position_en", "position_ru"]}),
        ("Grouping or organisation", {"fields": ["members"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(ActorRelation)
class ActorRelationAdmin(FactAdmin):
    list_display = ["subject", "kind", "object", "qualifier", "domain", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["subject__name_en", "object__name_en", "qualifier", "domain", "description_en"]
    autocomplete_fields = ["subject", "object"]
    list_select_related = ["subject", "object"]


@admin.register(Office)
class OfficeAdmin(FactAdmin):
    list_display = ["person", "role_en", "organization", "start_date", "end_date"]
    search_fields = ["person__name_en", "organization__name_en", "role_en", "role_ru"]
    autocomplete_fields = ["person", "organization"]
    list_select_related = ["person", "organization"]

    def get_deleted_objects(self, objs, request):
        """The delete page (one office or the bulk action) lists, as protected, the summit participations
        represented under an office that no other office covers (Office.representations_relying_on), so the
        admin refuses the delete as it does for any row others rely on."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for office in objs:
            protected.extend(
                f"{participation} — represented by {participation.represented_by} under {office}"
                for participation in office.representations_relying_on()
            )
        return deleted, counts, perms_needed, protected
