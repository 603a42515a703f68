"""The rules of a merchant's money, on the aggregate: each checks, then changes, then
records; a refusal leaves the account (and the ledger it reads) as it was."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from merx.adapters.memory import MemoryJournal
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.ids import MerchantId
from merx.ledger import FEES, MARKETING, REFUNDS, Bucket, EntryKind, Ledger, merchant_account
from merx.settlement import (
    BalancesOutstanding,
    CustomerCompensated,
    FinalSettlementPosted,
    InsufficientBalance,
    MarketingCharged,
    MarketingRecharged,
    MerchantAccount,
    MerchantAccountClosed,
)
from merx.settlement.model import deposit_legs, recharge_legs
from tests.settlement.world import cny, terms

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M1 = MerchantId("m1")
DEPOSIT = merchant_account(M1, Bucket.DEPOSIT)
AVAILABLE = merchant_account(M1, Bucket.AVAILABLE)
WALLET = merchant_account(M1, Bucket.MARKETING)


Book = tuple[Ledger, MemoryJournal]


def funded(deposit: str = "1000.00", marketing: str = "50.00") -> tuple[MerchantAccount, Book]:
    """An account of m1 whose ledger (and its journal) holds ``deposit`` and ``marketing``
    for it."""
    account = MerchantAccount.open(M1, "CNY", terms(), AT)
    account.pull_events()
    ledger, journal = Ledger.open("CNY", "CNY", ["alipay"]), MemoryJournal()
    ledger.open_accounts(merchant_account(M1, bucket) for bucket in Bucket)
    for kind, legs in (
        (EntryKind.DEPOSIT_PAID, deposit_legs(M1, "alipay", cny(deposit))),
        (EntryKind.RECHARGE, recharge_legs(M1, "alipay", cny(marketing))),
    ):
        if legs[0][1]:
            ledger.post(journal, kind.value, kind, M1, legs, AT)
    return account, (ledger, journal)


def test_a_marketing_charge_is_the_legs_of_its_entry_within_the_balance() -> None:
    account, book = funded(marketing="50.00")
    legs = account.charge_marketing(*book, "click-1", cny("50.00"), at=AT)
    assert legs == ((WALLET, 5000), (MARKETING, -5000))
    assert account.pull_events() == [MarketingCharged(M1, "click-1", cny("50.00"), AT)]


@pytest.mark.parametrize(
    ("amount", "error"),
    [("50.01", InsufficientBalance), ("0.00", ValidationError), ("-1.00", ValidationError)],
)
def test_a_marketing_charge_the_balance_does_not_cover_is_refused(
    amount: str, error: type[Exception]
) -> None:
    account, book = funded(marketing="50.00")
    before = copy.deepcopy((account, book[0], book[1].balances()))
    with pytest.raises(error):
        account.charge_marketing(*book, "click-1", cny(amount), at=AT)
    assert (account, book[0], book[1].balances()) == before
    assert account.pull_events() == []


def test_the_final_settlement_returns_deposit_and_marketing_and_is_recorded() -> None:
    account, book = funded("1000.00", "50.00")

    legs = account.settle_finally(*book, "final-1", AT)

    assert dict(legs) == {DEPOSIT: 100_000, WALLET: 5_000, AVAILABLE: -105_000}
    assert account.final_settlement == "final-1"
    assert account.pull_events() == [FinalSettlementPosted(M1, "final-1", cny("1050.00"), AT)]


def test_a_final_settlement_is_refused_while_orders_wait_or_once_done() -> None:
    account, book = funded()
    account.add_completed("o1", date(2026, 3, 2))
    before = copy.deepcopy(account)
    with pytest.raises(BalancesOutstanding):
        account.settle_finally(*book, "final-1", AT)
    assert account == before
    assert account.pull_events() == []

    account.mark_settled("o1")
    account.settle_finally(*book, "final-1", AT)
    account.pull_events()
    settled = copy.deepcopy(account)
    with pytest.raises(IdempotencyConflict):
        account.settle_finally(*book, "final-2", AT)
    assert account == settled
    assert account.pull_events() == []


def test_closing_needs_every_balance_at_zero_and_nothing_in_flight() -> None:
    account, book = funded("0.00", "0.00")
    empty = copy.deepcopy(account)
    with pytest.raises(BalancesOutstanding):
        account.close(*book, 1, "final-1", AT)  # a withdrawal pending
    assert (account, account.pull_events()) == (empty, [])

    account.close(*book, 0, "final-1", AT)

    assert account.closed
    assert account.pull_events() == [MerchantAccountClosed(M1, "final-1", AT)]
    funded_account, funded_book = funded("1000.00", "0.00")
    with pytest.raises(BalancesOutstanding):
        funded_account.close(*funded_book, 0, "final-1", AT)
    assert not funded_account.closed


def test_recharge_compensation_and_presettlement_are_checked_then_booked() -> None:
    account, _ = funded()
    with pytest.raises(ValidationError):
        account.recharge("r1", "alipay", cny("0.00"), at=AT)
    with pytest.raises(ValidationError):
        account.compensate("c1", cny("10.00"), "", at=AT)
    with pytest.raises(ValidationError):
        account.compensate("c1", cny("-10.00"), "late", at=AT)
    assert account.pull_events() == []
    recharged = account.recharge("r1", "alipay", cny("10.00"), at=AT)
    assert recharged == recharge_legs(M1, "alipay", cny("10.00"))
    compensated = account.compensate("c1", cny("10.00"), "late", at=AT)
    assert compensated == ((AVAILABLE, 1_000), (REFUNDS, -1_000))
    assert account.pull_events() == [
        MarketingRecharged(M1, "r1", "alipay", cny("10.00"), AT),
        CustomerCompensated(M1, "c1", cny("10.00"), "late", AT),
    ]

    account.add_completed("o1", date(2026, 3, 2))
    legs, credited = account.presettle("o1", cny("1000.00"))  # a 0.6 % fee

    assert credited == cny("994.00")
    assert dict(legs) == {
        merchant_account(M1, Bucket.PENDING): 100_000,
        AVAILABLE: -99_400,
        FEES: -600,
    }
    assert "o1" not in account.unsettled
