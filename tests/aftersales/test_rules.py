"""The after-sales rules live in the model: whether an order is eligible, what a case
claims, refunds and gives back; a refused request leaves the order as it was."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from merx.aftersales import (
    AfterSale,
    AfterSaleApproved,
    AfterSaleCompleted,
    AfterSaleKind,
    AfterSaleRequested,
    AfterSaleStatus,
    NotEligible,
)
from merx.catalog import AT_COST, Sku
from merx.errors import MerxError
from merx.inventory import Allocation
from merx.kernel.ids import PLATFORM, AfterSaleId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.orders import ClaimExceedsOrder, Order, OrderClosed, OrderStatus
from tests.orders.test_rules import T0, order, paid, shipped, topup

WINDOW = timedelta(days=7)
PHONE = SkuId("phone")


def open_case(
    target: Order, kind: AfterSaleKind, quantity: int = 1, replacement: Sku | None = None
) -> AfterSale:
    return AfterSale.open(
        case_id=AfterSaleId("as-1"), order=target, kind=kind, items=((PHONE, quantity),),
        reason="broken", at=T0 + timedelta(days=1), window=WINDOW, replacement=replacement,
    )  # fmt: skip


def refused(
    target: Order,
    kind: AfterSaleKind,
    error: type[MerxError],
    quantity: int = 1,
    replacement: Sku | None = None,
) -> None:
    before = attrs.asdict(target)
    with pytest.raises(error):
        open_case(target, kind, quantity, replacement)
    assert attrs.asdict(target) == before


def test_a_case_claims_its_units_and_records_the_request() -> None:
    target = paid(order())
    case = open_case(target, AfterSaleKind.REFUND_BEFORE_SHIPMENT, 2)
    assert target.claimed == {PHONE: 2}
    assert case.pull_events() == [
        AfterSaleRequested(
            case.id, target.id, AfterSaleKind.REFUND_BEFORE_SHIPMENT, ((PHONE, 2),),
            T0 + timedelta(days=1),
        )
    ]  # fmt: skip


def test_an_ineligible_order_refuses_the_case_and_keeps_its_units() -> None:
    refused(order(), AfterSaleKind.REFUND_BEFORE_SHIPMENT, NotEligible)  # not paid
    refused(shipped(), AfterSaleKind.REFUND_BEFORE_SHIPMENT, NotEligible)  # with a carrier
    refused(topup(), AfterSaleKind.REFUND_ONLY, NotEligible)  # virtual goods
    refused(paid(order()), AfterSaleKind.RETURN_AND_REFUND, NotEligible)  # nothing shipped
    late = shipped()
    late.mark_delivered(T0 - timedelta(days=7))
    refused(late, AfterSaleKind.RETURN_AND_REFUND, NotEligible)  # the window closed
    refused(shipped(), AfterSaleKind.REFUND_ONLY, ClaimExceedsOrder, quantity=3)


def test_an_exchange_needs_a_replacement_on_sale_and_not_dearer() -> None:
    dearer = Sku.create(
        sku_id=SkuId("phone-pro"), title="Pro", merchant=PLATFORM, category="c",
        price=Money.of("10.01", "CNY"),
    )  # fmt: skip
    refused(shipped(), AfterSaleKind.EXCHANGE, MerxError, replacement=dearer)  # not listed
    dearer.list(policy=AT_COST)
    refused(shipped(), AfterSaleKind.EXCHANGE, NotEligible, replacement=dearer)


def test_approving_a_refund_before_shipment_closes_the_order_and_prices_the_refund() -> None:
    target = paid(order())
    case = open_case(target, AfterSaleKind.REFUND_BEFORE_SHIPMENT, 2)
    case.pull_events()
    case.approve(PLATFORM, T0, target)
    assert case.status is AfterSaleStatus.REFUNDING
    assert (case.amount, case.refund_lines) == (target.payable, ((PHONE, target.payable),))
    assert case.pull_events() == [AfterSaleApproved(case.id, PLATFORM, T0)]
    assert target.pull_events() == [OrderClosed(target.id, f"after-sale {case.id}", T0)]
    assert target.status is OrderStatus.CLOSED


def test_rejected_and_refused_units_can_be_claimed_again() -> None:
    target = shipped()
    case = open_case(target, AfterSaleKind.RETURN_AND_REFUND, 2)
    case.approve(PLATFORM, T0, target)
    case.send_back("zto", "Z-1", T0)
    case.inspect(PLATFORM, ((PHONE, 1),), T0, target)
    assert target.claimed == {}
    assert target.refunded_units == {PHONE: 1}
    assert case.amount == Money.of("10.00", "CNY")
    other = shipped()
    rejected = open_case(other, AfterSaleKind.REFUND_ONLY, 2)
    rejected.reject(PLATFORM, "no defect found", T0, other)
    assert other.claimed == {}
    assert other.claimable(PHONE) == 2


def test_a_cheaper_replacement_refunds_the_difference_when_it_ships() -> None:
    target = shipped()
    target.assign_stock((Allocation(WarehouseId("wh"), PHONE, 2),))
    cheaper = Sku.create(
        sku_id=SkuId("phone-lite"), title="Lite", merchant=PLATFORM, category="c",
        price=Money.of("7.50", "CNY"),
    )  # fmt: skip
    cheaper.list(policy=AT_COST)
    case = open_case(target, AfterSaleKind.EXCHANGE, replacement=cheaper)
    case.approve(PLATFORM, T0, target)
    case.send_back("zto", "Z-1", T0)
    case.inspect(PLATFORM, ((PHONE, 1),), T0, target)
    case.pull_events()
    case.replaced("shp-as-1", T0, target, cheaper.price)
    assert case.amount == Money.of("2.50", "CNY")
    assert target.exchanged_units == {PHONE: 1}
    assert case.pull_events() == [AfterSaleCompleted(case.id, Money.of("2.50", "CNY"), T0)]
