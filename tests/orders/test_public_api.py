"""merx.orders's public API, pinned: a name added or dropped is a visible decision."""

from __future__ import annotations

from merx import orders

PUBLIC = [
    "AutoConfirmReceipts",
    "CancelOrder",
    "ClaimExceedsOrder",
    "CloseUnpaidOrders",
    "ConfirmReceipt",
    "Order",
    "OrderCancelled",
    "OrderClosed",
    "OrderCompleted",
    "OrderDelivered",
    "OrderFulfilled",
    "OrderKind",
    "OrderLine",
    "OrderPaid",
    "OrderPartlyShipped",
    "OrderPaymentFailed",
    "OrderPaymentStarted",
    "OrderPlaced",
    "OrderPolicy",
    "OrderProcurementFailed",
    "OrderProcuring",
    "OrderQueries",
    "OrderShipped",
    "OrderStatus",
    "ParentOrder",
    "ParentOrderCancelled",
    "ParentOrderPaid",
    "ParentOrderPlaced",
    "ParentStatus",
    "PaymentInFlight",
    "PlaceOrder",
    "PlacedOrder",
    "QuoteChanged",
    "UnknownSeller",
    "campaign_offers",
    "cancel_order",
    "consume_promotion_budgets",
    "merchant_order",
    "merchant_orders",
]


def test_the_public_api_is_exactly_these_names() -> None:
    assert sorted(orders.__all__) == PUBLIC
    assert len(PUBLIC) <= 60
    for name in PUBLIC:
        assert getattr(orders, name) is not None
