"""Order use cases: place from the cart, cancel before payment, confirm receipt."""

from __future__ import annotations

import attrs

from merx.checkout import Cart, quote_cart
from merx.customers import Customer
from merx.inventory import InventoryPolicy, LockPolicy, hold_for_order, release_holds
from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.ids import CartId, CustomerId, IdSource, OrderId
from merx.kernel.uow import UnitOfWork
from merx.orders.model import Order


@attrs.frozen
class PlaceOrder(Command[OrderId]):
    """Place an order for the selected lines of the customer's cart."""

    customer_id: CustomerId
    address_label: str | None = None
    account: str | None = None


@attrs.frozen
class CancelOrder(Command[None]):
    order_id: OrderId
    reason: str


@attrs.frozen
class ConfirmReceipt(Command[None]):
    order_id: OrderId


def place_order(
    cmd: PlaceOrder,
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdSource,
    inventory: InventoryPolicy,
) -> OrderId:
    """Freeze the cart's quote into an order; under ``AT_PLACEMENT`` reserve its stock."""
    customer = uow.repo(Customer).get(cmd.customer_id)
    quote = quote_cart(uow, cmd.customer_id)
    needs_address = any(line.goods_type.requires_address for line in quote.lines)
    ship_to = customer.address(cmd.address_label) if needs_address else None
    now = clock.now()
    order = Order.place(
        order_id=OrderId(ids.next_id("ord")),
        customer_id=customer.id,
        quote=quote,
        ship_to=ship_to,
        account=cmd.account,
        at=now,
    )
    if inventory.lock_at is LockPolicy.AT_PLACEMENT and ship_to is not None and order.stock_lines:
        plan = hold_for_order(
            uow,
            order.id,
            order.stock_lines,
            ship_to.region,
            policy=inventory,
            expires_at=now + inventory.reservation_ttl,
        )
        order.assign_stock(plan)
    cart = uow.repo(Cart).get(CartId(cmd.customer_id))
    cart.checked_out([line.sku for line in order.lines])
    uow.repo(Order).add(order)
    uow.repo(Cart).save(cart)
    uow.commit()
    return order.id


def cancel_order(cmd: CancelOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    order = uow.repo(Order).get(cmd.order_id)
    order.cancel(cmd.reason, clock.now())
    release_holds(uow, order.id, order.allocations)
    order.assign_stock(())
    uow.repo(Order).save(order)
    uow.commit()


def confirm_receipt(cmd: ConfirmReceipt, uow: UnitOfWork, *, clock: Clock) -> None:
    """The customer confirms the goods arrived; the order completes."""
    order = uow.repo(Order).get(cmd.order_id)
    order.complete(clock.now())
    customer = uow.repo(Customer).get(order.customer_id)
    customer.first_order_completed()
    uow.repo(Order).save(order)
    uow.repo(Customer).save(customer)
    uow.commit()
