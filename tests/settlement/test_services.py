"""Settlement use cases through the bus: cycles, statements, pre-settlement, withdrawals,
deposits, recharge, compensation, the negative-balance policies, closing, isolation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from merx import merchants
from merx.adapters.memory import MemoryUnitOfWork, StoredJournal
from merx.errors import Unauthorized
from merx.kernel.errors import IdempotencyConflict, NotFound
from merx.kernel.ids import MerchantId, OrderId
from merx.ledger import FEES, MARKETING, PENALTIES, TRANSIT
from merx.merchants import Merchant, MerchantState, NotYourMerchant, OnboardingIncomplete
from merx.settlement import (
    AlreadySettled,
    BalancesOutstanding,
    BookRefund,
    ChargeMarketing,
    CloseMerchant,
    CompensateCustomer,
    CompleteOrder,
    CustomerCompensated,
    CycleKind,
    DeductDeposit,
    FinalSettlementPosted,
    InsufficientBalance,
    MarketingCharged,
    MarketingRecharged,
    MerchantAccount,
    MerchantAccountClosed,
    NegativeBalancePolicy,
    NothingToSettle,
    OrderNotCompleted,
    PayDeposit,
    PreSettle,
    Recharge,
    RefundKind,
    RequestWithdrawal,
    RunSettlement,
    SettleFinally,
    SettlementCycle,
    SettlementStatement,
    StatementId,
    SyncWithdrawal,
    Withdrawal,
    WithdrawalId,
    WithdrawalLimitExceeded,
    WithdrawalState,
    merchant_money,
    merchant_order,
    merchant_statement,
    merchant_withdrawal,
)
from tests.settlement.world import SettlementWorld, cny, cny_minor, make_world, terms

MONDAY = date(2026, 3, 2)


def completed(
    world: SettlementWorld, order_id: str, merchant: MerchantId, amount: str, on: date = MONDAY
) -> OrderId:
    order = world.paid_order(order_id, merchant, amount)
    world.handle(CompleteOrder(order, on))
    return order


def settled(world: SettlementWorld, merchant: MerchantId, amount: str = "1000.00") -> None:
    """Give ``merchant`` ``amount`` x 95% available (5% commission)."""
    completed(world, f"o-{merchant}-{amount}", merchant, amount)
    world.handle(
        RunSettlement(merchant, StatementId(f"st-{merchant}-{amount}"), MONDAY + timedelta(days=7))
    )


# -- settlement cycles -----------------------------------------------------------------


def test_t_plus_n_settles_orders_completed_n_days_before(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    completed(world, "o1", merchant, "100.00", MONDAY)
    completed(world, "o2", merchant, "200.00", MONDAY + timedelta(days=1))

    with pytest.raises(NothingToSettle):
        world.handle(RunSettlement(merchant, StatementId("st0"), MONDAY + timedelta(days=6)))
    statement_id = world.handle(
        RunSettlement(merchant, StatementId("st1"), MONDAY + timedelta(days=7))
    )

    statement = world.get(SettlementStatement, statement_id)
    assert [line.order_id for line in statement.lines] == ["o1"]
    assert statement.total == cny("95.00")
    balances = world.balances(merchant)
    assert (balances.pending, balances.available) == (cny("190.00"), cny("95.00"))
    assert world.report().ok


@pytest.mark.parametrize(
    ("cycle", "completed_on", "not_yet", "due"),
    [
        (SettlementCycle(CycleKind.WEEKLY), date(2026, 3, 8), date(2026, 3, 8), date(2026, 3, 9)),
        (
            SettlementCycle(CycleKind.MONTHLY),
            date(2026, 3, 31),
            date(2026, 3, 31),
            date(2026, 4, 1),
        ),
        (
            SettlementCycle(CycleKind.T_PLUS_N, 0),
            date(2026, 3, 5),
            date(2026, 3, 4),
            date(2026, 3, 5),
        ),
    ],
)
def test_cycles(cycle: SettlementCycle, completed_on: date, not_yet: date, due: date) -> None:
    assert not cycle.due(completed_on, not_yet)
    assert cycle.due(completed_on, due)


def test_a_run_is_idempotent_by_statement_id(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    completed(world, "o1", merchant, "100.00")
    run = RunSettlement(merchant, StatementId("st1"), MONDAY + timedelta(days=7))
    world.handle(run)
    before = world.snapshot()

    assert world.handle(run) == "st1"
    assert world.snapshot() == before
    with pytest.raises(IdempotencyConflict):
        world.handle(RunSettlement(merchant, StatementId("st1"), MONDAY + timedelta(days=8)))


def test_pre_settlement_advances_an_order_for_a_fee(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    completed(world, "o1", merchant, "1000.00")

    credited = world.handle(PreSettle(merchant, merchant, OrderId("o1"), "adv-1"))

    # 950.00 owed; the fee is 0.6% = 5.70; 944.30 becomes available at once.
    assert credited == cny("944.30")
    balances = world.balances(merchant)
    assert (balances.pending, balances.available) == (cny("0.00"), cny("944.30"))
    assert cny_minor(-world.balance(FEES)) == cny("5.70")
    assert world.handle(PreSettle(merchant, merchant, OrderId("o1"), "adv-1")) == cny("944.30")
    with pytest.raises(AlreadySettled):
        world.handle(PreSettle(merchant, merchant, OrderId("o1"), "adv-2"))
    with pytest.raises(NothingToSettle):
        world.handle(RunSettlement(merchant, StatementId("st1"), MONDAY + timedelta(days=30)))
    assert world.report().ok


def test_an_order_not_completed_cannot_be_advanced(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    world.paid_order("o1", merchant, "100.00")
    with pytest.raises(OrderNotCompleted):
        world.handle(PreSettle(merchant, merchant, OrderId("o1"), "adv-1"))


def test_a_refund_before_completion_comes_back_out_of_transit(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    order = world.paid_order("o1", merchant, "100.00")
    world.handle(BookRefund(order, "r1", "A", cny("40.00")))
    assert cny_minor(-world.balance(TRANSIT)) == cny("60.00")

    world.handle(CompleteOrder(order, MONDAY))

    assert world.balances(merchant).pending == cny("57.00")  # 60.00 less 5% of it
    assert world.balance(TRANSIT) == 0
    assert world.report().ok


def test_a_price_adjustment_reverses_like_a_refund(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    order = completed(world, "o1", merchant, "200.00")
    world.handle(BookRefund(order, "adj-1", "A", cny("20.00"), RefundKind.PRICE_ADJUSTMENT))
    assert world.balances(merchant).pending == cny("171.00")  # 180.00 less 9.00
    assert world.entry_for("o1/refund/adj-1") is not None


# -- negative balances -----------------------------------------------------------------


def test_offset_policy_covers_a_negative_balance_from_the_next_settlement(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    settled(world, merchant, "100.00")  # 95.00 available
    world.handle(CompensateCustomer("comp-1", merchant, cny("150.00"), "wechat_pay", "late"))
    assert world.events.of(CustomerCompensated) == [
        CustomerCompensated(merchant, "comp-1", cny("150.00"), "late", world.clock.now())
    ]
    assert world.balances(merchant).available == cny("-55.00")
    with pytest.raises(InsufficientBalance):
        world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("1.00"), "6222"))

    completed(world, "o2", merchant, "200.00", MONDAY + timedelta(days=1))
    statement_id = world.handle(
        RunSettlement(merchant, StatementId("st2"), MONDAY + timedelta(days=8))
    )

    statement = world.get(SettlementStatement, statement_id)
    assert statement.available_before == cny("-55.00")
    assert statement.offset == cny("55.00")
    assert statement.available_after == cny("135.00")  # 190.00 - 55.00
    assert world.report().ok


def test_deposit_policy_covers_a_negative_balance_from_the_deposit() -> None:
    world = make_world()
    merchant = world.active_merchant(
        merchant_terms=terms(policy=NegativeBalancePolicy.DEDUCT_DEPOSIT)
    )
    settled(world, merchant, "100.00")  # 95.00 available
    order = world.paid_order("o9", merchant, "300.00")
    world.handle(CompleteOrder(order, MONDAY))
    world.handle(RunSettlement(merchant, StatementId("st9"), MONDAY + timedelta(days=7)))
    # 95.00 + 285.00 = 380.00 available; refund 300.00 in full: merchant gives back 285.00.
    world.handle(CompensateCustomer("comp-1", merchant, cny("400.00"), "wechat_pay", "lost parcel"))

    balances = world.balances(merchant)
    assert balances.available == cny("0.00")
    assert balances.deposit == cny("980.00")  # 1000.00 - 20.00 to cover -20.00
    assert world.get(Merchant, merchant).held == cny("980.00")
    assert world.report().ok


# -- withdrawals -----------------------------------------------------------------------


def test_a_withdrawal_is_pending_until_the_bank_pays(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    settled(world, merchant, "1000.00")  # 950.00 available
    world.payout.pending_next()

    outcome = world.handle(
        RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("900.00"), "6222")
    )

    assert outcome.status is WithdrawalState.PENDING
    balances = world.balances(merchant)
    assert (balances.available, balances.withdrawing, balances.withdrawable) == (
        cny("950.00"),
        cny("900.00"),
        cny("50.00"),
    )
    with pytest.raises(InsufficientBalance):
        world.handle(
            RequestWithdrawal(merchant, merchant, WithdrawalId("w2"), cny("50.01"), "6222")
        )
    world.payout.settle_pending("w1/payout", paid=True)
    assert world.handle(SyncWithdrawal(WithdrawalId("w1"))).status is WithdrawalState.PAID
    balances = world.balances(merchant)
    assert (balances.available, balances.withdrawing) == (cny("50.00"), cny("0.00"))
    assert dict(world.payout.paid_out) == {"w1/payout": cny("900.00")}
    assert world.report().ok


def test_a_refused_withdrawal_gives_the_money_back(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    settled(world, merchant, "1000.00")
    world.payout.refuse_next(reason="account frozen")

    outcome = world.handle(
        RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("900.00"), "6222")
    )

    assert (outcome.status, outcome.reason) == (WithdrawalState.FAILED, "account frozen")
    assert world.balances(merchant).withdrawable == cny("950.00")
    assert (
        world.handle(
            RequestWithdrawal(merchant, merchant, WithdrawalId("w2"), cny("900.00"), "6222")
        ).status
        is WithdrawalState.PAID
    )
    assert world.report().ok


def test_a_timed_out_withdrawal_is_settled_by_sync_and_never_paid_twice(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    settled(world, merchant, "1000.00")
    world.payout.timeout_next(applied=True)

    outcome = world.handle(
        RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("500.00"), "6222")
    )
    assert outcome.status is WithdrawalState.PENDING
    command = RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("500.00"), "6222")
    assert world.handle(command).status is WithdrawalState.PENDING  # a replay asks nobody

    assert world.handle(SyncWithdrawal(WithdrawalId("w1"))).status is WithdrawalState.PAID
    assert world.handle(SyncWithdrawal(WithdrawalId("w1"))).status is WithdrawalState.PAID
    assert dict(world.payout.paid_out) == {"w1/payout": cny("500.00")}
    assert world.balances(merchant).available == cny("450.00")
    with pytest.raises(IdempotencyConflict):
        world.handle(
            RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("400.00"), "6222")
        )


def test_withdrawal_limits(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    for i in range(3):
        settled(world, merchant, f"4{i}000.00")
    with pytest.raises(WithdrawalLimitExceeded):
        world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w0"), cny("0.99"), "6222"))
    with pytest.raises(WithdrawalLimitExceeded):
        world.handle(
            RequestWithdrawal(merchant, merchant, WithdrawalId("w0"), cny("50000.01"), "6222")
        )
    world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("50000.00"), "6222"))
    world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w2"), cny("50000.00"), "6222"))
    with pytest.raises(WithdrawalLimitExceeded):
        world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w3"), cny("0.01"), "6222"))
    world.clock.advance(timedelta(days=1))
    world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w3"), cny("1.00"), "6222"))


# -- deposits, recharge, penalties -----------------------------------------------------


def test_the_store_opens_only_with_an_account_and_the_full_deposit(world: SettlementWorld) -> None:
    merchant = world.approved_merchant()
    with pytest.raises(OnboardingIncomplete):
        world.handle(merchants.OpenStore(merchant, merchant, "Shop"))
    from merx.settlement import OpenMerchantAccount

    world.handle(OpenMerchantAccount(merchant, terms()))
    world.handle(PayDeposit(merchant, merchant, "dep-1", cny("600.00"), "alipay"))
    with pytest.raises(OnboardingIncomplete):
        world.handle(merchants.OpenStore(merchant, merchant, "Shop"))
    world.handle(PayDeposit(merchant, merchant, "dep-2", cny("400.00"), "alipay"))
    world.handle(merchants.OpenStore(merchant, merchant, "Shop"))
    assert world.get(Merchant, merchant).status is MerchantState.ACTIVE


def test_a_penalty_is_deducted_from_the_deposit_and_must_be_topped_up(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    world.handle(DeductDeposit(merchant, "pen-1", cny("300.00"), "counterfeit goods"))
    world.handle(merchants.SuspendMerchant(merchant, "counterfeit goods"))
    with pytest.raises(merchants.DepositShort):
        world.handle(merchants.ReinstateMerchant(merchant))

    world.handle(PayDeposit(merchant, merchant, "dep-top-up", cny("300.00"), "alipay"))
    world.handle(merchants.ReinstateMerchant(merchant))

    assert cny_minor(-world.balance(PENALTIES)) == cny("300.00")
    assert world.balances(merchant).deposit == cny("1000.00")
    assert world.report().ok


def test_recharge_and_marketing_spend(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    world.handle(Recharge(merchant, merchant, "rc-1", cny("500.00"), "alipay"))
    world.handle(ChargeMarketing(merchant, "ad-1", cny("120.00")))
    with pytest.raises(InsufficientBalance):
        world.handle(ChargeMarketing(merchant, "ad-2", cny("380.01")))
    assert world.balances(merchant).marketing == cny("380.00")
    assert cny_minor(-world.balance(MARKETING)) == cny("120.00")
    at = world.clock.now()
    assert world.events.of(MarketingRecharged) == [
        MarketingRecharged(merchant, "rc-1", "alipay", cny("500.00"), at)
    ]
    assert world.events.of(MarketingCharged) == [
        MarketingCharged(merchant, "ad-1", cny("120.00"), at)
    ]
    world.handle(Recharge(merchant, merchant, "rc-1", cny("500.00"), "alipay"))  # a replay
    assert len(world.events.of(MarketingRecharged)) == 1


def test_a_marketing_charge_beyond_the_balance_is_refused_and_posts_nothing(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    world.handle(Recharge(merchant, merchant, "rc-1", cny("100.00"), "alipay"))
    before = world.snapshot()

    with pytest.raises(InsufficientBalance):
        world.handle(ChargeMarketing(merchant, "ad-1", cny("100.01")))

    assert world.snapshot() == before
    assert world.entry_for("ad-1/marketing") is None
    world.handle(ChargeMarketing(merchant, "ad-1", cny("100.00")))  # the key is still free
    assert world.balances(merchant).marketing == cny("0.00")
    world.handle(ChargeMarketing(merchant, "ad-1", cny("100.00")))  # a replay, not a refusal
    assert world.report().ok


# -- closing ---------------------------------------------------------------------------


def test_a_merchant_closes_only_after_its_final_settlement(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    world.handle(Recharge(merchant, merchant, "rc-1", cny("50.00"), "alipay"))
    completed(world, "o1", merchant, "100.00")
    world.handle(merchants.StartClosingMerchant(merchant, "leaving the platform"))
    with pytest.raises(BalancesOutstanding):
        world.handle(SettleFinally(merchant, "final-1"))

    world.handle(RunSettlement(merchant, StatementId("st1"), MONDAY + timedelta(days=7)))
    world.handle(SettleFinally(merchant, "final-1"))
    with pytest.raises(BalancesOutstanding):
        world.handle(CloseMerchant(merchant, "final-1"))
    # 95.00 settled + 1,000.00 deposit + 50.00 marketing = 1,145.00 to withdraw
    assert world.balances(merchant).withdrawable == cny("1145.00")
    world.handle(
        RequestWithdrawal(merchant, merchant, WithdrawalId("w-final"), cny("1145.00"), "6222")
    )
    world.handle(CloseMerchant(merchant, "final-1"))

    assert world.get(Merchant, merchant).status is MerchantState.CLOSED
    assert world.report().ok


def test_the_final_settlement_and_the_close_are_recorded_as_events(
    world: SettlementWorld,
) -> None:
    merchant = world.active_merchant()
    world.handle(Recharge(merchant, merchant, "rc-1", cny("50.00"), "alipay"))
    world.handle(merchants.StartClosingMerchant(merchant, "leaving the platform"))

    world.handle(SettleFinally(merchant, "final-1"))
    world.handle(SettleFinally(merchant, "final-1"))  # a replay records nothing
    with pytest.raises(IdempotencyConflict):
        world.handle(SettleFinally(merchant, "final-2"))
    world.handle(
        RequestWithdrawal(merchant, merchant, WithdrawalId("w-final"), cny("1050.00"), "6222")
    )
    world.handle(CloseMerchant(merchant, "final-1"))

    at = world.clock.now()
    assert world.events.of(FinalSettlementPosted) == [
        FinalSettlementPosted(merchant, "final-1", cny("1050.00"), at)
    ]
    assert world.events.of(MerchantAccountClosed) == [
        MerchantAccountClosed(merchant, "final-1", at)
    ]
    account = world.get(MerchantAccount, merchant)
    assert (account.final_settlement, account.closed) == ("final-1", True)


# -- isolation -------------------------------------------------------------------------


def test_a_merchant_sees_and_moves_only_its_own_money(world: SettlementWorld) -> None:
    alice = world.active_merchant("Alice")
    bob = world.active_merchant("Bob")
    settled(world, alice, "1000.00")
    settled(world, bob, "1000.00")
    world.payout.pending_next()
    world.handle(RequestWithdrawal(alice, alice, WithdrawalId("w1"), cny("10.00"), "6222"))
    before = world.snapshot()

    refused: list[object] = [
        RequestWithdrawal(bob, alice, WithdrawalId("w9"), cny("10.00"), "6666"),
        PayDeposit(bob, alice, "dep-9", cny("10.00"), "alipay"),
        Recharge(bob, alice, "rc-9", cny("10.00"), "alipay"),
        PreSettle(bob, alice, OrderId(f"o-{alice}-1000.00"), "adv-9"),
        PreSettle(bob, bob, OrderId(f"o-{alice}-1000.00"), "adv-9"),
    ]
    for command in refused:
        with pytest.raises(Unauthorized):
            world.handle(command)  # type: ignore[arg-type]
    with MemoryUnitOfWork(world.store) as uow:
        with pytest.raises(NotYourMerchant):
            merchant_money(uow, bob, alice, journals=StoredJournal)
        with pytest.raises(NotYourMerchant):
            merchant_order(uow, bob, OrderId(f"o-{alice}-1000.00"))
        with pytest.raises(NotYourMerchant):
            merchant_statement(uow, bob, StatementId(f"st-{alice}-1000.00"))
        with pytest.raises(NotYourMerchant):
            merchant_withdrawal(uow, bob, WithdrawalId("w1"))
        assert merchant_money(uow, alice, alice, journals=StoredJournal).withdrawing == cny("10.00")
        assert merchant_withdrawal(uow, alice, WithdrawalId("w1")).status is WithdrawalState.PENDING
    assert world.snapshot() == before


def test_a_merchant_sees_only_its_own_lines_of_a_shared_order(world: SettlementWorld) -> None:
    from merx.settlement import BookOrderPayment, SaleLine

    alice = world.active_merchant("Alice")
    bob = world.active_merchant("Bob")
    world.handle(
        BookOrderPayment(
            OrderId("o1"),
            "wechat_pay",
            (
                SaleLine("A", alice, "shirt", cny("100.00"), cny("0"), cny("0")),
                SaleLine("B", bob, "coat", cny("300.00"), cny("0"), cny("0")),
            ),
        )
    )
    with MemoryUnitOfWork(world.store) as uow:
        assert [line.sale.sku for line in merchant_order(uow, alice, OrderId("o1"))] == ["A"]
        assert [line.sale.sku for line in merchant_order(uow, bob, OrderId("o1"))] == ["B"]
        with pytest.raises(NotFound):
            merchant_order(uow, alice, OrderId("o404"))


def test_withdrawal_record_is_kept(world: SettlementWorld) -> None:
    merchant = world.active_merchant()
    settled(world, merchant)
    world.handle(RequestWithdrawal(merchant, merchant, WithdrawalId("w1"), cny("10.00"), "6222"))
    withdrawal = world.get(Withdrawal, "w1")
    assert (withdrawal.status, withdrawal.reference) == (WithdrawalState.PAID, "memory-bank-000001")
    assert Decimal(str(withdrawal.amount.amount)) == Decimal("10.00")
