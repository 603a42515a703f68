"""Checkout use cases: cart changes and the quote."""

from __future__ import annotations

import attrs

from merx.catalog import Sku
from merx.checkout.model import Cart, Quote, QuotedLine
from merx.kernel.bus import Command
from merx.kernel.errors import CurrencyMismatch
from merx.kernel.ids import CartId, CustomerId, SkuId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork


@attrs.frozen
class AddToCart(Command[None]):
    customer_id: CustomerId
    sku: SkuId
    quantity: int = 1


@attrs.frozen
class SetCartQuantity(Command[None]):
    customer_id: CustomerId
    sku: SkuId
    quantity: int


@attrs.frozen
class RemoveFromCart(Command[None]):
    customer_id: CustomerId
    sku: SkuId


def add_to_cart(cmd: AddToCart, uow: UnitOfWork) -> None:
    uow.repo(Sku).get(cmd.sku).require_on_sale()
    repo = uow.repo(Cart)
    cart = repo.find(CartId(cmd.customer_id))
    if cart is None:
        cart = Cart.for_customer(cmd.customer_id)
        cart.add(cmd.sku, cmd.quantity)
        repo.add(cart)
    else:
        cart.add(cmd.sku, cmd.quantity)
        repo.save(cart)
    uow.commit()


def set_cart_quantity(cmd: SetCartQuantity, uow: UnitOfWork) -> None:
    cart = uow.repo(Cart).get(CartId(cmd.customer_id))
    cart.set_quantity(cmd.sku, cmd.quantity)
    uow.repo(Cart).save(cart)
    uow.commit()


def remove_from_cart(cmd: RemoveFromCart, uow: UnitOfWork) -> None:
    cart = uow.repo(Cart).get(CartId(cmd.customer_id))
    cart.remove(cmd.sku)
    uow.repo(Cart).save(cart)
    uow.commit()


def quote_cart(uow: UnitOfWork, customer_id: CustomerId) -> Quote:
    """Price the selected lines of ``customer_id``'s cart at current prices (read only)."""
    cart = uow.repo(Cart).get(CartId(customer_id))
    lines: list[QuotedLine] = []
    for item in cart.selected():
        sku = uow.repo(Sku).get(item.sku)
        sku.require_on_sale()
        lines.append(
            QuotedLine(
                sku=sku.id,
                title=sku.title,
                merchant=sku.merchant,
                category=sku.category,
                goods_type=sku.goods_type,
                fulfillment=sku.fulfillment,
                face_value=sku.face_value,
                unit_price=sku.price,
                quantity=item.quantity,
                discount=Money.zero(sku.price.currency),
            )
        )
    currencies = {line.unit_price.currency for line in lines}
    if len(currencies) != 1:
        raise CurrencyMismatch(f"cart {cart.id!r} mixes currencies {sorted(currencies)}")
    return Quote(currency=currencies.pop(), lines=tuple(lines))
