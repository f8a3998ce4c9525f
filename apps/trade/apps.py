from apps.core import registry


class TradeConfig(registry.DomainAppConfig):
    name = "apps.trade"
    label = "trade"
    verbose_name = "Trade"
    statement_captured = ("tradeflow",)  # written a million rows a statement by the importer
