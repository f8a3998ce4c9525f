"""Routes of the trade app, registered on the /api/v1/ router by catrack.urls."""

from apps.trade.api.views import (
    StatedTradeFigureViewSet,
    TradeFlowViewSet,
    TradeMeasureViewSet,
    TradeStatementViewSet,
)

routes = [
    ("trade-flows", TradeFlowViewSet, "trade-flow"),
    ("stated-trade-figures", StatedTradeFigureViewSet, "stated-trade-figure"),
    ("trade-measures", TradeMeasureViewSet, "trade-measure"),
    ("trade-statements", TradeStatementViewSet, "trade-statement"),
]
