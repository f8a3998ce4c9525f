from django.apps import AppConfig


class TradeConfig(AppConfig):
    name = "apps.trade"
    label = "trade"
    verbose_name = "Trade"
