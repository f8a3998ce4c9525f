"""Routes of the trade app, registered on the /api/v1/ router by catrack.urls."""
from apps.trade.api.views import TradeFlowViewSet, TradeMeasureViewSet, TradeStatementViewSet

routes = [
    ("trade-flows", TradeFlowViewSet, "trade-flow"),
    ("trade-measures", TradeMeasureViewSet, "trade-measure"),
    ("trade-statements", TradeStatementViewSet, "trade-statement"),
]
