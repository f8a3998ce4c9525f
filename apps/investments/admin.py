from django.contrib import admin

from apps.sources.admin import FactAdmin

from .models import Pledge


@admin.register(Pledge)
class PledgeAdmin(FactAdmin):
    list_display = [
        "__str__",
        "donor",
        "amount",
        "currency",
        "amount_qualifier",
        "amount_usd",
        "usd_basis",
        "instrument",
        "status",
        "counts_in_totals",
    ]
    list_filter = ["status", "instrument", "currency", "usd_basis", "counts_in_totals"]
    search_fields = ["donor__name_en", "recipients__name_en", "description_en"]
    autocomplete_fields = ["donor", "recipients", "summit", "document", "purposes", "parent"]
    list_select_related = ["donor"]
    fieldsets = [
        (None, {"fields": ["donor", "recipients", "summit", "document", "description_en", "status"]}),
        ("Amount", {"fields": ["amount", "currency", "amount_qualifier"]}),
        (
            "USD equivalent",
            {
                "fields": [
                    "amount_usd",
                    "amount_usd_qualifier",
                    "usd_basis",
                    "usd_rate",
                    "usd_rate_date",
                    "usd_rate_source",
                ],
                "description": "Stated by the source (e.g. 'about $20bn'), or converted at a named rate on a named date.",
            },
        ),
        (
            "Period",
            {
                "fields": [
                    "period_start",
                    "period_start_precision",
                    "period_years",
                    "period_end",
                    "period_end_precision",
                ]
            },
        ),
        ("Use", {"fields": ["instrument", "purposes"]}),
        ("Part of a larger pledge", {"fields": ["parent", "counts_in_totals"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
