"""Who bears a refund granted outside after-sales (``aftersales.GrantRefund``): the
seller, charged to its order lines, or the platform, as its own expense, the merchant's
settlement untouched (docs/settlement.md, "Refunds outside after-sales").

Worked numbers (``bought(coupon=False)``: two shirts at 100.00 from a marketplace store,
10% commission): the merchant is owed 180.00 once the order completes. A 30.00 goodwill
funded by the seller leaves it 153.00 (the 30.00 back, less the 3.00 of commission
reversed with it); funded by the platform, the merchant is still owed 180.00, the platform's
subsidy account carries the 30.00 and 30.00 of cash leaves through the channel.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import aftersales, payments
from merx.aftersales import Funder, GrantKind
from merx.aftersales.model import grant_refund_id, granted
from merx.app import MemoryApp
from merx.errors import Unauthorized, ValidationError
from merx.kernel.ids import PLATFORM, MerchantId, OrderId
from merx.kernel.money import Money
from merx.ledger import SUBSIDY, Ledger, cash_account
from tests.clearing.test_marketplace_clearing import (
    bought,
    cny,
    deliver_and_complete,
    money_of,
    reconciled,
)


def balance(app: MemoryApp, account: object) -> Money:
    with app.unit_of_work() as uow:
        ledger = uow.repo(Ledger).get("CNY")
        return ledger.money(ledger.balance(app.journals(uow, "CNY"), account))  # type: ignore[arg-type]


def grant(
    app: MemoryApp, order_id: OrderId, acting: MerchantId, funder: Funder | None, key: str = "g-1"
) -> payments.RefundStatus:
    command = aftersales.GrantRefund(
        order_id, key, cny("30.00"), "late delivery", acting=acting, funder=funder
    )
    return app.handle(command)


@pytest.mark.parametrize("completed_first", [True, False])
@pytest.mark.parametrize("funder", [None, Funder.PLATFORM])
def test_goodwill_the_platform_funds_is_its_own_expense(
    funder: Funder | None, completed_first: bool
) -> None:
    app, shop, order_id = bought(coupon=False)
    if completed_first:
        deliver_and_complete(app, shop, order_id)
    cash = balance(app, cash_account("alipay"))  # the order's 200.00 and the shop's deposit
    assert grant(app, order_id, PLATFORM, funder) is payments.RefundStatus.SUCCEEDED
    if not completed_first:
        deliver_and_complete(app, shop, order_id)
    assert money_of(app, shop).pending == cny("180.00")  # the merchant's settlement unchanged
    assert balance(app, SUBSIDY) == cny("30.00")  # the platform's expense
    assert balance(app, cash_account("alipay")) == cash - cny("30.00")
    assert reconciled(app)


@pytest.mark.parametrize("acting", ["shop", "platform"])
def test_goodwill_the_seller_funds_is_charged_to_its_lines(acting: str) -> None:
    app, shop, order_id = bought(coupon=False)
    deliver_and_complete(app, shop, order_id)
    who = shop if acting == "shop" else PLATFORM
    funder = None if acting == "shop" else Funder.SELLER
    assert grant(app, order_id, who, funder) is payments.RefundStatus.SUCCEEDED
    assert money_of(app, shop).pending == cny("153.00")  # 30.00 back, less its 3.00 commission
    assert balance(app, SUBSIDY) == cny("0.00")
    assert reconciled(app)


def test_a_seller_may_not_charge_the_platform() -> None:
    app, shop, order_id = bought(coupon=False)
    before = {kind: dict(table) for kind, table in app.store.tables.items()}
    with pytest.raises(Unauthorized):
        grant(app, order_id, shop, Funder.PLATFORM)
    assert {kind: dict(table) for kind, table in app.store.tables.items()} == before
    with pytest.raises(ValidationError):
        grant(app, order_id, PLATFORM, "platform")  # type: ignore[arg-type]


def test_platform_goodwill_is_booked_once() -> None:
    app, _, order_id = bought(coupon=False)
    app.gateways["alipay"].timeout_next(applied=True)
    assert grant(app, order_id, PLATFORM, None) is payments.RefundStatus.PENDING
    assert balance(app, SUBSIDY) == cny("0.00")  # nothing booked before it is paid back
    app.clock.advance(timedelta(hours=1))
    app.handle(payments.RetryRefunds())
    app.handle(payments.RetryRefunds())
    assert balance(app, SUBSIDY) == cny("30.00")
    assert grant(app, order_id, PLATFORM, None) is payments.RefundStatus.SUCCEEDED  # a repeat
    assert balance(app, SUBSIDY) == cny("30.00")
    assert reconciled(app)


@pytest.mark.parametrize("kind", list(GrantKind))
@pytest.mark.parametrize("funder", list(Funder))
def test_a_grants_refund_id_names_its_order_kind_and_funder(
    kind: GrantKind, funder: Funder
) -> None:
    refund_id = grant_refund_id(OrderId("ord-1-1"), kind, "g/1", funder)
    assert granted(refund_id) == (OrderId("ord-1-1"), kind, funder)
    assert GrantKind.of_refund(refund_id) == (OrderId("ord-1-1"), kind, funder)
    assert granted("as-1/refund") is None
    assert granted("pre-1/deposit/as-1") is None
