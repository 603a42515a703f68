"""Closing a merchant reads none of the withdrawals: its pending ones are counted through
``SettlementQueries``, never by loading every withdrawal of every merchant (counted
through a unit of work that counts its reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from merx import merchants
from merx.adapters.memory import MemorySettlementQueries, MemoryUnitOfWork, StoredJournal
from merx.kernel.ids import MerchantId
from merx.merchants import MerchantState
from merx.settlement import (
    BalancesOutstanding,
    CloseMerchant,
    CompleteOrder,
    Recharge,
    RequestWithdrawal,
    RunSettlement,
    SettleFinally,
    StatementId,
    Withdrawal,
    WithdrawalId,
)
from merx.settlement.services import close_merchant
from tests.counting import CountingUnitOfWork
from tests.settlement.world import SettlementWorld, cny


def withdrawals_of_others(world: SettlementWorld, count: int) -> None:
    """Another merchant with ``count`` withdrawals, every other one left pending."""
    other = world.active_merchant("Other Shop")
    order_id = world.paid_order("o-other", other, "1000.00")
    today = world.clock.now().date()
    world.handle(CompleteOrder(order_id, today - timedelta(days=7)))
    world.handle(RunSettlement(other, StatementId("st-other"), today))
    for n in range(count):
        if n % 2:
            world.payout.pending_next()
        key = WithdrawalId(f"w-other-{n}")
        world.handle(RequestWithdrawal(other, other, key, cny("10.00"), "6222"))


def closing(world: SettlementWorld, *, pending: bool) -> MerchantId:
    """A merchant finally settled, its last 1,050.00 withdrawn (paid, or still pending)."""
    merchant = world.active_merchant()
    world.handle(Recharge(merchant, merchant, "rc-1", cny("50.00"), "alipay"))
    world.handle(merchants.StartClosingMerchant(merchant, "leaving the platform"))
    world.handle(SettleFinally(merchant, "final-1"))
    if pending:
        world.payout.pending_next()
    last = RequestWithdrawal(merchant, merchant, WithdrawalId("w-final"), cny("1050.00"), "6222")
    world.handle(last)
    return merchant


def close(world: SettlementWorld, merchant: MerchantId) -> CountingUnitOfWork:
    inner = MemoryUnitOfWork(world.store)
    with CountingUnitOfWork(inner) as uow:
        queries = MemorySettlementQueries(world.store)
        try:
            close_merchant(
                CloseMerchant(merchant, "final-1"),
                uow,
                clock=world.clock,
                journals=lambda _, book: StoredJournal(inner, book),  # the journal's own reads
                queries=queries,
            )
        finally:
            assert not uow.of(Withdrawal)
            assert not uow.scans
    return uow


def test_closing_a_merchant_reads_no_withdrawal(world: SettlementWorld) -> None:
    withdrawals_of_others(world, 6)
    merchant = closing(world, pending=False)
    close(world, merchant)
    assert world.get(merchants.Merchant, merchant).status is MerchantState.CLOSED


def test_a_pending_withdrawal_is_counted_without_being_read(world: SettlementWorld) -> None:
    withdrawals_of_others(world, 6)
    merchant = closing(world, pending=True)
    with pytest.raises(BalancesOutstanding, match="1 withdrawals pending"):
        close(world, merchant)
