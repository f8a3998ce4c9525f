from django.contrib import admin

from apps.core.admin import ConflictSafeAdminMixin, ValidatedImportExportMixin
from apps.sources.admin import FactAdmin

from .models import StatedTradeFigure, TradeFlow, TradeMeasure, TradeStatement


@admin.register(TradeFlow)
class TradeFlowAdmin(ConflictSafeAdminMixin, ValidatedImportExportMixin, admin.ModelAdmin):
    list_display = [
        "reporter",
        "partner",
        "partner2",
        "year",
        "month",
        "flow",
        "commodity_code",
        "customs_code",
        "mot_code",
        "value_usd",
    ]
    list_filter = ["flow", "year"]
    search_fields = ["reporter__name_en", "partner__name_en", "commodity_code"]
    autocomplete_fields = ["reporter", "partner", "partner2", "source"]
    list_select_related = ["reporter", "partner", "partner2"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False  # millions of rows: skip the unfiltered COUNT(*)


@admin.register(StatedTradeFigure)
class StatedTradeFigureAdmin(FactAdmin):
    list_display = [
        "reporter",
        "partner",
        "flow",
        "period_start",
        "period_start_precision",
        "period_end",
        "value",
        "currency",
        "value_qualifier",
        "stated_by",
    ]
    list_filter = ["flow", "currency", "value_qualifier"]
    search_fields = ["slug", "reporter__name_en", "partner__name_en", "stated_by__name_en", "note"]
    autocomplete_fields = ["reporter", "partner", "stated_by"]
    list_select_related = ["reporter", "partner", "stated_by"]
    date_hierarchy = "period_start"


@admin.register(TradeMeasure)
class TradeMeasureAdmin(FactAdmin):
    list_display = ["__str__", "kind", "legal_reference", "announced_on", "status", "commodity_codes", "year"]
    list_filter = ["kind", "status", "year"]
    search_fields = [
        "imposing_actor__name_en",
        "goods_en",
        "description_en",
        "targets_description_en",
        "legal_reference",
        "commodity_codes",
    ]
    autocomplete_fields = ["imposing_actor", "targets", "topics"]
    list_select_related = ["imposing_actor"]


@admin.register(TradeStatement)
class TradeStatementAdmin(FactAdmin):
    list_display = ["subject", "partner", "rank", "level", "trend", "year_from", "year_to"]
    list_filter = ["level", "trend"]
    search_fields = ["subject__name_en", "partner__name_en", "statement_en"]
    autocomplete_fields = ["subject", "partner"]
    list_select_related = ["subject", "partner"]
