"""Clearing: commission on the line after the merchant's own discount, the platform's
subsidy, refunds reversing the frozen figures on the cumulative share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal
from merx.kernel.errors import IdempotencyConflict, IllegalTransition, InvalidAmount
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from merx.ledger import COMMISSION, SUBSIDY, EntryKind, Ledger, cash_account, merchant_accounts
from merx.settlement import (
    BookRefund,
    CommissionTable,
    CompleteOrder,
    InvalidRate,
    InvalidSale,
    OrderClearing,
    RefundExceedsPaid,
    RefundKind,
    SaleLine,
    SetCommissionTable,
    UnknownLine,
)
from merx.settlement.model import reconcile
from tests.settlement.world import SettlementWorld, cny, cny_minor, make_world

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M1 = MerchantId("m1")
WECHAT_PAY = cash_account("wechat_pay")


def line(
    amount: str,
    *,
    sku: str = "A",
    merchant: str = "m1",
    category: str = "shirt",
    merchant_discount: str = "0.00",
    platform_discount: str = "0.00",
) -> SaleLine:
    return SaleLine(
        sku,
        MerchantId(merchant),
        category,
        cny(amount),
        cny(merchant_discount),
        cny(platform_discount),
    )


def clearing(*lines: SaleLine, table: CommissionTable | None = None) -> OrderClearing:
    return OrderClearing.book_payment(
        order_id=OrderId("o1"),
        channel="wechat_pay",
        sales=lines,
        table=table or CommissionTable(default=Decimal("0.05")),
        at=AT,
    )


# -- the worked examples, through the services -----------------------------------------


def test_a_1099_sale_at_15_percent_commission() -> None:
    world = make_world(CommissionTable(default=Decimal("0.05"), merchants={}))
    merchant = world.active_merchant()
    world.handle(
        SetCommissionTable(
            CommissionTable(default=Decimal("0.05"), merchants={merchant: Decimal("0.15")})
        )
    )
    order = world.paid_order("o1", merchant, "1099.00")
    world.handle(CompleteOrder(order, date(2026, 3, 2)))

    # 1,099.00 x 15% = 164.85 to the platform; 1,099.00 - 164.85 = 934.15 to the merchant.
    assert world.balances(merchant).pending == cny("934.15")
    assert cny_minor(-world.balance(COMMISSION)) == cny("164.85")
    assert cny_minor(world.balance(WECHAT_PAY)) == cny("1099.00")
    assert world.report().ok


def test_a_platform_funded_discount_is_paid_as_subsidy_and_a_refund_reverses_in_proportion(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    order = world.paid_order("o1", merchant, "2000.00", platform_discount="200.00")
    world.handle(CompleteOrder(order, date(2026, 3, 2)))

    # The customer pays 2,000.00 - 200.00 = 1,800.00; commission is 5% of 2,000.00 = 100.00;
    # the merchant is owed 2,000.00 - 100.00 = 1,900.00 (1,800.00 paid + 200.00 subsidy - 100.00).
    assert cny_minor(world.balance(WECHAT_PAY)) == cny("1800.00")
    assert cny_minor(world.balance(SUBSIDY)) == cny("200.00")
    assert world.balances(merchant).pending == cny("1900.00")

    world.handle(BookRefund(order, "r1", "A", cny("1350.00")))

    # 1,350.00 of 1,800.00 is 75%: 75% of the 200.00 subsidy (150.00) and of the 100.00
    # commission (75.00) are reversed; the merchant gives back 1,350.00 + 150.00 - 75.00 =
    # 1,425.00 and keeps 1,900.00 - 1,425.00 = 475.00 (450.00 paid + 50.00 - 25.00).
    assert cny_minor(world.balance(SUBSIDY)) == cny("50.00")
    assert cny_minor(-world.balance(COMMISSION)) == cny("25.00")
    assert cny_minor(world.balance(WECHAT_PAY)) == cny("450.00")
    assert world.balances(merchant).pending == cny("475.00")
    assert world.report().ok


def test_commission_by_product_beats_commission_by_store(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    world.handle(
        SetCommissionTable(
            CommissionTable(
                default=Decimal("0.05"),
                merchants={merchant: Decimal("0.10")},
                skus={"PHONE-1": Decimal("0.02")},
            )
        )
    )
    phone = world.paid_order("o1", merchant, "3000.00", sku="PHONE-1")
    shirt = world.paid_order("o2", merchant, "300.00", sku="SHIRT-1")
    world.handle(CompleteOrder(phone, date(2026, 3, 2)))
    world.handle(CompleteOrder(shirt, date(2026, 3, 2)))

    # The phone's product rate (2%) wins over the store's 10%: 60.00, merchant 2,940.00;
    # the shirt has no product rate, so the store's 10% applies: 30.00, merchant 270.00.
    phone_line = world.get(OrderClearing, phone).lines[0]
    shirt_line = world.get(OrderClearing, shirt).lines[0]
    assert (phone_line.rule, phone_line.commission) == ("sku:PHONE-1", cny("60.00"))
    assert (shirt_line.rule, shirt_line.commission) == (f"merchant:{merchant}", cny("30.00"))
    assert world.balances(merchant).pending == cny("3210.00")


# -- the model -------------------------------------------------------------------------


def test_the_precedence_is_sku_merchant_category_category_merchant_default() -> None:
    table = CommissionTable(
        default=Decimal("0.05"),
        skus={"A": Decimal("0.01")},
        merchant_categories={"m1/shirt": Decimal("0.02")},
        categories={"shirt": Decimal("0.03"), "coat": Decimal("0.035")},
        merchants={"m1": Decimal("0.04")},
    )
    assert table.rate_for("A", "m1", "shirt") == (Decimal("0.01"), "sku:A")
    assert table.rate_for("B", "m1", "shirt") == (Decimal("0.02"), "merchant_category:m1/shirt")
    assert table.rate_for("B", "m2", "shirt") == (Decimal("0.03"), "category:shirt")
    assert table.rate_for("B", "m1", "sock") == (Decimal("0.04"), "merchant:m1")
    assert table.rate_for("B", "m2", "sock") == (Decimal("0.05"), "default")


@pytest.mark.parametrize(
    "table",
    [
        {"default": 0.05},
        {"default": "1.5"},
        {"default": "-0.1"},
        {"default": "NaN"},
        {"default": "0.05", "merchant_categories": {"m1": "0.1"}},
        {"default": "0.05", "skus": {"A": 0.1}},
    ],
)
def test_bad_rates_are_refused(table: dict[str, object]) -> None:
    with pytest.raises(InvalidRate):
        CommissionTable(**table)  # type: ignore[arg-type]


def test_malformed_lines_are_refused() -> None:
    with pytest.raises(InvalidSale):
        line("100.00", merchant_discount="60.00", platform_discount="50.00")
    with pytest.raises(InvalidAmount):
        line("-1.00")
    with pytest.raises(InvalidSale):
        clearing(line("1.00"), line("2.00"))
    with pytest.raises(InvalidSale):
        clearing()


def test_a_merchant_discount_lowers_the_commission_base() -> None:
    order = clearing(line("300.00", merchant_discount="30.00"))
    assert order.lines[0].commission == cny("13.50")  # 5% of 270.00
    assert order.net_owed(M1) == cny("256.50")


def test_refunds_are_checked_before_anything_changes() -> None:
    order = clearing(line("100.00", platform_discount="10.00"))
    order.refund("r1", "A", cny("60.00"), RefundKind.REFUND, AT)

    with pytest.raises(RefundExceedsPaid):
        order.refund("r2", "A", cny("30.01"), RefundKind.REFUND, AT)
    with pytest.raises(UnknownLine):
        order.refund("r2", "B", cny("1.00"), RefundKind.REFUND, AT)
    with pytest.raises(InvalidAmount):
        order.refund("r2", "A", cny("0.00"), RefundKind.REFUND, AT)
    with pytest.raises(IdempotencyConflict):
        order.refund("r1", "A", cny("61.00"), RefundKind.REFUND, AT)
    assert order.refunded == cny("60.00")
    assert order.refund("r1", "A", cny("60.00"), RefundKind.REFUND, AT)[1] is False


def test_an_order_completes_once() -> None:
    order = clearing(line("100.00"))
    order.complete(date(2026, 3, 2), AT)
    with pytest.raises(IllegalTransition):
        order.complete(date(2026, 3, 3), AT)


def test_the_cumulative_rounding_of_the_spec() -> None:
    # 100.00 at 3.3% = 3.30 commission, 10.01 subsidy, 89.99 paid. After 33.33 and 33.33:
    # commission reversed round(3.30 x 66.66 / 89.99) = round(2.4445) = 2.44, not 1.22 + 1.22;
    # subsidy reversed round(10.01 x 66.66 / 89.99) = round(7.4149) = 7.41.
    order = clearing(
        line("100.00", category="sock", platform_discount="10.01"),
        table=CommissionTable(default=Decimal("0.05"), merchants={"m1": Decimal("0.033")}),
    )
    order.refund("r1", "A", cny("33.33"), RefundKind.REFUND, AT)
    order.refund("r2", "A", cny("33.33"), RefundKind.REFUND, AT)
    assert order.lines[0].commission_reversed == cny("2.44")
    assert order.lines[0].subsidy_reversed == cny("7.41")
    assert order.net_owed(M1) == cny("25.07")


# -- properties ------------------------------------------------------------------------

amounts = st.integers(1, 10**7)


@st.composite
def refunded_orders(draw: st.DrawFn) -> tuple[SaleLine, Decimal, list[int], bool]:
    amount = draw(amounts)
    merchant_discount = draw(st.integers(0, amount))
    platform_discount = draw(st.integers(0, amount - merchant_discount))
    sale = SaleLine(
        "A",
        M1,
        "shirt",
        Money.from_minor(amount, "CNY"),
        Money.from_minor(merchant_discount, "CNY"),
        Money.from_minor(platform_discount, "CNY"),
    )
    rate = Decimal(draw(st.integers(0, 1000))) / 1000
    paid = amount - merchant_discount - platform_discount
    refunds: list[int] = []
    left = paid
    for _ in range(draw(st.integers(0, 5))):
        if left <= 0:
            break
        part = draw(st.integers(1, left))
        refunds.append(part)
        left -= part
    full = draw(st.booleans())
    if full and left > 0:
        refunds.append(left)
    return sale, rate, refunds, draw(st.booleans())


@given(refunded_orders())
def test_money_is_conserved_and_a_full_refund_reverses_exactly(
    case: tuple[SaleLine, Decimal, list[int], bool],
) -> None:
    sale, rate, refunds, complete_first = case
    order = clearing(sale, table=CommissionTable(default=rate))
    ledger, journal = Ledger.open("CNY", "CNY", ["wechat_pay"]), MemoryJournal()
    ledger.open_accounts(merchant_accounts(M1))
    legs = order.payment_legs()
    if legs:
        ledger.post(journal, "paid", EntryKind.ORDER_PAID, order.id, legs, AT)
    if complete_first:
        legs = order.complete(date(2026, 3, 2), AT)
        if legs:
            ledger.post(journal, "cleared", EntryKind.ORDER_CLEARED, order.id, legs, AT)
    for i, units in enumerate(refunds):
        legs, _ = order.refund(f"r{i}", "A", Money.from_minor(units, "CNY"), RefundKind.REFUND, AT)
        ledger.post(journal, f"r{i}", EntryKind.REFUND, order.id, legs, AT)
        payout = order.refund_payout_legs(f"r{i}")
        ledger.post(journal, f"r{i}/paid", EntryKind.REFUND_PAID, order.id, payout, AT)
    if not complete_first:
        legs = order.complete(date(2026, 3, 2), AT)
        if legs:
            ledger.post(journal, "cleared", EntryKind.ORDER_CLEARED, order.id, legs, AT)

    item = order.lines[0]
    # customer net paid + platform net subsidy = merchant net + platform net commission
    assert item.refundable + item.net_subsidy == item.net_owed + item.net_commission
    if item.paid.is_positive() and item.refundable.is_zero():  # refunded in full
        assert item.net_commission.is_zero()
        assert item.net_subsidy.is_zero()
        assert item.net_owed.is_zero()
    report = reconcile(ledger, journal, [order])
    assert report.ok, report.problems
    assert sum(figures.posted for figures in ledger.balances(journal).values()) == 0
