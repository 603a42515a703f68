"""merx.orders: orders frozen at placement and their life cycle."""

from merx.orders.model import (
    ORDER_FLOW,
    Order,
    OrderCancelled,
    OrderClosed,
    OrderCompleted,
    OrderDelivered,
    OrderLine,
    OrderPaid,
    OrderPaymentFailed,
    OrderPaymentStarted,
    OrderPlaced,
    OrderShipped,
    OrderStatus,
    PaymentInFlight,
)
from merx.orders.services import (
    CancelOrder,
    ConfirmReceipt,
    PlaceOrder,
    cancel_order,
    confirm_receipt,
    place_order,
)

__all__ = [
    "ORDER_FLOW",
    "CancelOrder",
    "ConfirmReceipt",
    "Order",
    "OrderCancelled",
    "OrderClosed",
    "OrderCompleted",
    "OrderDelivered",
    "OrderLine",
    "OrderPaid",
    "OrderPaymentFailed",
    "OrderPaymentStarted",
    "OrderPlaced",
    "OrderShipped",
    "OrderStatus",
    "PaymentInFlight",
    "PlaceOrder",
    "cancel_order",
    "confirm_receipt",
    "place_order",
]
