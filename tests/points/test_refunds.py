"""Points given back by refunds that return no unit (issue 17's gaps): a goodwill refund
(``aftersales.GrantRefund``) gives back the points the refunded share of the order paid
for, pro rata and rounded down, once per refund; an exchange keeps the points spent,
even when a cheaper replacement refunds the difference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from merx import aftersales, catalog, orders, payments, points
from merx.aftersales import AfterSaleStatus
from merx.app import MemoryApp
from merx.kernel.ids import MerchantId, OrderId, SkuId
from tests.clearing.test_marketplace_clearing import cny, deliver_and_complete
from tests.points.held import HeldAccount, entries_of
from tests.points.test_checkout import (
    BO,
    SHIRT,
    balance,
    shop_with_points,
)
from tests.points.test_rules import AT


def paid_with_points(spent: int = 5_000) -> tuple[MemoryApp, MerchantId, OrderId]:
    app, shop = shop_with_points()
    placed = app.handle(orders.PlaceOrder(BO, points=spent))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    (order_id,) = placed.order_ids
    return app, shop, order_id


def test_a_goodwill_refund_gives_back_the_points_of_its_share_of_the_order() -> None:
    app, _, order_id = paid_with_points()
    assert app.get(orders.Order, order_id).payable == cny("130.00")  # 50.00 paid by points
    app.handle(aftersales.GrantRefund(order_id, "g1", cny("13.00"), "late"))
    assert balance(app) == 5_000 + 500  # 13.00 of 130.00 is a tenth: 500 of the 5,000
    app.handle(aftersales.GrantRefund(order_id, "g1", cny("13.00"), "late"))  # a repeat
    assert balance(app) == 5_500
    app.handle(aftersales.GrantRefund(order_id, "g2", cny("0.01"), "sorry"))
    assert balance(app) == 5_500  # 0.01 of 130.00 pays 0.38 points: rounded down, none
    app.handle(aftersales.GrantRefund(order_id, "g3", cny("6.50"), "sorry"))
    assert balance(app) == 5_750  # 6.50 of 130.00: 250
    returned = [e for e in entries_of(app, BO) if e.kind is points.PointsEntryKind.RETURNED]
    assert [(e.key, e.points) for e in returned] == [
        (f"returned:{order_id}:1", 500),
        (f"returned:{order_id}:2", 250),
    ]
    assert all(e.cause is not None and "goodwill/g" in e.cause for e in returned)


def test_after_goodwill_a_full_refund_gives_back_every_point_and_never_more() -> None:
    app, shop, order_id = paid_with_points()
    app.handle(aftersales.GrantRefund(order_id, "g1", cny("13.00"), "late"))
    deliver_and_complete(app, shop, order_id)
    case = app.handle(aftersales.RequestRefundOnly(order_id, ((SHIRT, 2),), "stain"))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    assert balance(app) == 10_000


def test_a_goodwill_refund_of_an_order_without_points_moves_none() -> None:
    app, _ = shop_with_points()
    placed = app.handle(orders.PlaceOrder(BO))
    app.handle(payments.PayOrder(placed.parent_id, "alipay"))
    app.handle(aftersales.GrantRefund(placed.order_ids[0], "g1", cny("10.00"), "late"))
    assert balance(app) == 10_000
    assert len(entries_of(app, BO)) == 1  # the earning only


def test_an_exchange_keeps_the_points_spent_even_with_a_difference_refunded() -> None:
    app, shop, order_id = paid_with_points()
    small = SkuId("small-shirt")
    app.handle(catalog.CreateSku(small, "Small shirt", shop, "shirt", cny("60.00")))
    deliver_and_complete(app, shop, order_id)
    case = app.handle(aftersales.RequestExchange(order_id, ((SHIRT, 1),), "size", small))
    app.handle(aftersales.ApproveAfterSale(case, acting=shop))
    app.handle(aftersales.SendReturn(case, "zto", "ZTO-RET-1"))
    app.handle(aftersales.InspectReturn(case, ((SHIRT, 1),), acting=shop))
    status = app.handle(aftersales.ShipReplacement(case, shop, "zto", "ZTO-EX-1"))
    assert status is AfterSaleStatus.COMPLETED
    done = app.get(aftersales.AfterSale, case)
    assert done.amount is not None
    assert done.amount.is_positive()  # the difference went back as money
    assert balance(app) == 5_000  # and the points stay spent: nothing back, nothing taken
    kinds = [e.kind for e in entries_of(app, BO)]
    assert kinds == [points.PointsEntryKind.EARNED, points.PointsEntryKind.SPENT]


@settings(max_examples=150)
@given(
    spent=st.integers(1, 5_000),
    payable=st.integers(1, 100_000),
    parts=st.lists(st.integers(1, 100_000), max_size=8),
)
def test_refunds_of_money_never_give_back_more_than_the_order_took(
    spent: int, payable: int, parts: list[int]
) -> None:
    """Each part gives back ``spent * part / payable`` rounded down, capped by what is
    left; a replay gives nothing more; the sum never passes ``spent``, and rounding loses
    less than a point per part."""
    held = HeldAccount()
    held.earn(spent, "task", "t", None, AT)
    held.spend(spent, "o1", AT)
    refunded = 0
    done = 0
    for n, wanted in enumerate(parts):
        part = min(wanted, payable - refunded)
        if part <= 0:
            break
        refunded += part
        done += 1
        before = held.balance
        back = held.give_back_part("o1", part, payable, f"g{n}", AT)
        assert held.balance - before == (0 if back is None else back.points)
        assert held.balance - before == min(spent * part // payable, spent - before)
        assert held.give_back_part("o1", part, payable, f"g{n}", AT) in (back, None)
        assert held.balance == before + (0 if back is None else back.points)  # a replay
        assert 0 <= held.balance <= spent
        assert held.spent_on("o1") == spent - held.balance
    assert held.balance >= min(spent, spent * refunded // payable - done)
