from apps.core import registry


class TradeConfig(registry.DomainAppConfig):
    name = "apps.trade"
    label = "trade"
    verbose_name = "Trade"
    statement_captured = ("tradeflow",)  # written a million rows a statement by the importer

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import pre_save

        from apps.trade.models import TradeFlow
        from apps.trade.partitions import ensure_partition_before_save

        pre_save.connect(ensure_partition_before_save, sender=TradeFlow, dispatch_uid="trade_flow_partition")
