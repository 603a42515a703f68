"""A marketplace merchant's exchange: the merchant ships the replacement itself.

Goods a merchant ships are not in our warehouses, so once the merchant accepts the
returned units the case waits for the merchant's own shipment (``ShipReplacement``),
which completes it and refunds a cheaper replacement's difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from merx import aftersales, catalog, fulfillment, orders, payments
from merx.aftersales import AfterSaleStatus, NotEligible
from merx.app import MemoryApp, build_memory_app
from merx.errors import IllegalTransition, Unauthorized
from merx.kernel.ids import AfterSaleId, MerchantId, OrderId, SkuId
from merx.kernel.money import Money

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import journey_merchant as j2

SMALL = SkuId("linen-shirt-s")


def quiet(line: str) -> None:
    pass


@pytest.fixture
def shop_and_order() -> tuple[MemoryApp, MerchantId, OrderId]:
    app = build_memory_app()
    shop = j2.onboard(app, quiet)
    order_id = j2.sell(app, shop, quiet)  # two shirts at 199.00, delivered
    app.handle(catalog.CreateSku(SMALL, "Linen shirt S", shop, "shirt", Money.of("99.00", "CNY")))
    return app, shop, order_id


def accepted_exchange(
    app: MemoryApp, shop: MerchantId, order_id: OrderId, replacement: SkuId | None = None
) -> AfterSaleId:
    case = app.handle(
        aftersales.RequestExchange(order_id, ((j2.SHIRT, 1),), "wrong size", replacement)
    )
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", "ZTO-RET-9"))
    status = app.handle(aftersales.InspectReturn(case, ((j2.SHIRT, 1),), acting=shop))
    assert status is AfterSaleStatus.REPLACING  # waits for the merchant's shipment
    return case


def test_the_merchant_ships_the_replacement_and_the_exchange_completes(
    shop_and_order: tuple[MemoryApp, MerchantId, OrderId],
) -> None:
    app, shop, order_id = shop_and_order
    case = accepted_exchange(app, shop, order_id)
    with pytest.raises(Unauthorized):
        app.handle(aftersales.ShipReplacement(case, MerchantId("someone-else"), "sf", "SF-1"))
    command = aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-1")
    assert app.handle(command) is AfterSaleStatus.COMPLETED
    assert app.handle(command) is AfterSaleStatus.COMPLETED  # a replay
    done = app.get(aftersales.AfterSale, case)
    shipment = app.get(fulfillment.Shipment, done.replacement_shipment or "")
    assert (shipment.origin, shipment.tracking_number) == (shop, "ZTO-EX-1")
    assert shipment.items == ((j2.SHIRT, 1),)


def test_a_cheaper_replacement_refunds_the_difference(
    shop_and_order: tuple[MemoryApp, MerchantId, OrderId],
) -> None:
    app, shop, order_id = shop_and_order
    case = accepted_exchange(app, shop, order_id, replacement=SMALL)
    app.handle(aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-2"))
    done = app.get(aftersales.AfterSale, case)
    assert done.status is AfterSaleStatus.COMPLETED
    assert done.amount == Money.of("100.00", "CNY")  # 199.00 paid, 99.00 sent
    parent_id = app.get(orders.Order, order_id).parent_id
    (payment,) = [p for p in all_payments(app) if p.order_id == parent_id]
    assert payment.refunded == Money.of("100.00", "CNY")


def test_shipping_a_replacement_before_the_return_is_accepted_is_refused(
    shop_and_order: tuple[MemoryApp, MerchantId, OrderId],
) -> None:
    app, shop, order_id = shop_and_order
    case = app.handle(aftersales.RequestExchange(order_id, ((j2.SHIRT, 1),), "wrong size"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    with pytest.raises(IllegalTransition):
        app.handle(aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-3"))
    assert app.get(aftersales.AfterSale, case).replacement_shipment is None


def test_a_return_case_has_no_replacement_to_ship(
    shop_and_order: tuple[MemoryApp, MerchantId, OrderId],
) -> None:
    app, shop, order_id = shop_and_order
    case = app.handle(aftersales.RequestReturn(order_id, ((j2.SHIRT, 1),), "too tight"))
    with pytest.raises(NotEligible):
        app.handle(aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-4"))


def all_payments(app: MemoryApp) -> list[payments.Payment]:
    with app.unit_of_work() as uow:
        repo = uow.repo(payments.Payment)
        return [repo.get(key) for key in repo.ids()]
