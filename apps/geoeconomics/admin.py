from django.contrib import admin

from apps.sources.admin import FactAdmin

from .models import Corridor, CorridorStake, ResourceInterest, StrategicResource


class CorridorStakeInline(admin.TabularInline):
    model = CorridorStake
    fields = ["actor", "role", "description_en"]
    autocomplete_fields = ["actor"]
    extra = 0


@admin.register(Corridor)
class CorridorAdmin(FactAdmin):
    list_display = ["name_en", "abbreviation", "slug"]
    search_fields = ["slug", "name_en", "name_ru", "abbreviation"]
    autocomplete_fields = ["countries", "markets", "bypasses"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [CorridorStakeInline]


@admin.register(CorridorStake)
class CorridorStakeAdmin(FactAdmin):
    list_display = ["corridor", "actor", "role"]
    list_filter = ["role", "corridor"]
    search_fields = ["corridor__name_en", "actor__name_en"]
    autocomplete_fields = ["corridor", "actor"]
    list_select_related = ["corridor", "actor"]


class ResourceInterestInline(admin.TabularInline):
    model = ResourceInterest
    fk_name = "resource"
    fields = ["actor", "kind", "region", "description_en"]
    autocomplete_fields = ["actor", "region"]
    extra = 0


@admin.register(StrategicResource)
class StrategicResourceAdmin(FactAdmin):
    list_display = ["name_en", "name_ru", "category", "slug"]
    list_filter = ["category"]
    search_fields = ["slug", "name_en", "name_ru"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [ResourceInterestInline]


@admin.register(ResourceInterest)
class ResourceInterestAdmin(FactAdmin):
    list_display = ["resource", "actor", "kind", "region"]
    list_filter = ["kind", "resource"]
    search_fields = ["resource__name_en", "actor__name_en", "region__name_en"]
    autocomplete_fields = ["resource", "actor", "region"]
    list_select_related = ["resource", "actor", "region"]
