"""Settlement use cases: book orders, refunds and settlements; move merchants' money.

Each handler is ``handler(cmd, uow, *, clock=...)`` (withdrawals also take the ``Payout``
port): load, call the model, post the legs it returns to the ledger, save, commit. There
is one :class:`~merx.settlement.ledger.Ledger` per currency; its id is the currency code.
Its entries are records of their own (:mod:`merx.settlement.journal`), so posting one
never loads the journal.

Every command is idempotent by a business id it carries (order, refund, statement,
withdrawal, payment ids): the entries it posts use keys derived from that id, and a replay
finds the earlier record, checks it is the same request, and returns without saving
anything. Orders and refunds arrive as plain values (this context does not import orders
or payments): the host sends them when payments reports a payment or refund done.

Commands with ``actor`` are the merchant's: they are refused with ``NotYourMerchant`` (an
``Unauthorized``) when the actor is not the merchant named.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from merx.kernel.bus import Command
from merx.kernel.clock import Clock
from merx.kernel.errors import IdempotencyConflict, ValidationError
from merx.kernel.ids import MerchantId, OrderId
from merx.kernel.money import Money
from merx.kernel.uow import UnitOfWork
from merx.merchants import Merchant, check_actor
from merx.settlement.journal import stored_book
from merx.settlement.ledger import (
    REFUNDS,
    Book,
    Bucket,
    Entry,
    Ledger,
    Leg,
    cash_account,
    merchant_account,
    merchant_accounts,
)
from merx.settlement.model import (
    COMMISSION_SCHEDULE_ID,
    BalancesOutstanding,
    ClearingLine,
    CommissionSchedule,
    CommissionTable,
    InsufficientBalance,
    MerchantAccount,
    MerchantBalances,
    OrderClearing,
    OrderNotCompleted,
    ReconciliationReport,
    RefundKind,
    SaleLine,
    SettlementStatement,
    SettlementTerms,
    StatementId,
    StatementLine,
    Withdrawal,
    WithdrawalId,
    WithdrawalState,
    compensation_legs,
    deposit_legs,
    final_settlement_legs,
    marketing_spend_legs,
    merchant_balances,
    negative_cover_legs,
    owed,
    penalty_legs,
    presettlement_legs,
    recharge_legs,
    reconcile,
    settlement_legs,
    withdrawal_legs,
)
from merx.settlement.ports import Payout, PayoutResult, PayoutStatus, PayoutTimeout

# -- commands: set-up ------------------------------------------------------------------


@attrs.frozen
class OpenLedger(Command[str]):
    """Open the book of ``currency`` with a cash account per payment channel."""

    currency: str
    channels: tuple[str, ...]


@attrs.frozen
class SetCommissionTable(Command[None]):
    table: CommissionTable


@attrs.frozen
class OpenMerchantAccount(Command[None]):
    """Open an approved merchant's account in the clearing system, on ``terms``."""

    merchant_id: MerchantId
    terms: SettlementTerms


@attrs.frozen
class ChangeSettlementTerms(Command[None]):
    merchant_id: MerchantId
    terms: SettlementTerms


# -- commands: orders ------------------------------------------------------------------


@attrs.frozen
class BookOrderPayment(Command[None]):
    """An order was paid through ``channel``: freeze its lines' figures, book the money."""

    order_id: OrderId
    channel: str
    lines: tuple[SaleLine, ...]


@attrs.frozen
class CompleteOrder(Command[None]):
    """The order is completed (receipt confirmed): clear it to the merchants."""

    order_id: OrderId
    completed_on: date


@attrs.frozen
class BookRefund(Command[None]):
    """The channel refunded ``amount`` of a line (a refund or a price adjustment)."""

    order_id: OrderId
    refund_id: str
    sku: str
    amount: Money
    kind: RefundKind = RefundKind.REFUND


@attrs.frozen
class CompensateCustomer(Command[None]):
    """Compensation paid to a customer through ``channel``, charged to the merchant."""

    compensation_id: str
    merchant_id: MerchantId
    amount: Money
    channel: str
    reason: str


@attrs.frozen
class RunSettlement(Command[StatementId]):
    """Settle the merchant's completed orders due on ``as_of`` under its cycle."""

    merchant_id: MerchantId
    statement_id: StatementId
    as_of: date


# -- commands: merchants' money --------------------------------------------------------


@attrs.frozen
class PayDeposit(Command[None]):
    actor: MerchantId
    merchant_id: MerchantId
    payment_id: str
    amount: Money
    channel: str


@attrs.frozen
class DeductDeposit(Command[None]):
    """A penalty taken from the merchant's deposit (the platform's decision)."""

    merchant_id: MerchantId
    penalty_id: str
    amount: Money
    reason: str


@attrs.frozen
class Recharge(Command[None]):
    """The merchant tops up its marketing balance through a payment channel."""

    actor: MerchantId
    merchant_id: MerchantId
    recharge_id: str
    amount: Money
    channel: str


@attrs.frozen
class ChargeMarketing(Command[None]):
    """Marketing spend (ads, placements) taken from the merchant's recharged balance."""

    merchant_id: MerchantId
    charge_id: str
    amount: Money


@attrs.frozen
class PreSettle(Command[Money]):
    """Advance a completed order's money before its cycle, for a fee; returns the amount
    credited (the order's amount less the fee)."""

    actor: MerchantId
    merchant_id: MerchantId
    order_id: OrderId
    advance_id: str


@attrs.frozen
class WithdrawalOutcome:
    withdrawal_id: WithdrawalId
    status: WithdrawalState
    reason: str | None = None


@attrs.frozen
class RequestWithdrawal(Command[WithdrawalOutcome]):
    actor: MerchantId
    merchant_id: MerchantId
    withdrawal_id: WithdrawalId
    amount: Money
    bank_account: str


@attrs.frozen
class SyncWithdrawal(Command[WithdrawalOutcome]):
    """Ask the payout channel what became of a pending withdrawal, and book it."""

    withdrawal_id: WithdrawalId


@attrs.frozen
class SettleFinally(Command[None]):
    """A closing merchant's final settlement: deposit and marketing balance go back to its
    available balance (to be withdrawn), once every order is settled."""

    merchant_id: MerchantId
    reference: str


@attrs.frozen
class CloseMerchant(Command[None]):
    """Close a merchant for good once every balance is zero."""

    merchant_id: MerchantId
    reference: str


# -- helpers ---------------------------------------------------------------------------


def _ledger(uow: UnitOfWork, currency: str) -> Book:
    """The book of ``currency``: its stored ledger and its journal in ``uow``."""
    return stored_book(uow, currency)


def _save(uow: UnitOfWork, book: Book) -> None:
    uow.repo(Ledger).save(book.ledger)


def _replayed(ledger: Book, key: str, kind: str, ref: str, legs: tuple[Leg, ...]) -> bool:
    """Whether ``key`` was posted already (raising if with another entry)."""
    if ledger.entry_for(key) is None:
        return False
    ledger.post(key, kind, ref, legs, _EPOCH)  # a replay: checks the payload, changes nothing
    return True


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _cover_negative(
    uow: UnitOfWork, ledger: Book, merchant_id: MerchantId, key: str, at: datetime
) -> None:
    """Apply the merchant's negative-balance policy after a charge to its available money."""
    account = uow.repo(MerchantAccount).get(merchant_id)
    legs = negative_cover_legs(ledger, merchant_id, account.terms.negative_policy)
    if not legs:
        return
    merchant = uow.repo(Merchant).get(merchant_id)
    amount = ledger.money(legs[0][1])
    merchant.deduct_deposit(amount, "negative available balance", key, at)
    ledger.post(key, "deposit_cover", merchant_id, legs, at)
    uow.repo(Merchant).save(merchant)


# -- handlers: set-up ------------------------------------------------------------------


def open_ledger(cmd: OpenLedger, uow: UnitOfWork) -> str:
    found = uow.repo(Ledger).find(cmd.currency)
    if found is not None:
        found.open_accounts([f"cash:{c}" for c in cmd.channels], exist_ok=True)
        uow.repo(Ledger).save(found)
        uow.commit()
        return found.id
    uow.repo(Ledger).add(Ledger.open(cmd.currency, cmd.currency, cmd.channels))
    uow.commit()
    return cmd.currency


def set_commission_table(cmd: SetCommissionTable, uow: UnitOfWork, *, clock: Clock) -> None:
    schedule = uow.repo(CommissionSchedule).find(COMMISSION_SCHEDULE_ID)
    if schedule is None:
        schedule = CommissionSchedule(table=cmd.table)
        schedule.replace(cmd.table, clock.now())
        uow.repo(CommissionSchedule).add(schedule)
    else:
        schedule.replace(cmd.table, clock.now())
        uow.repo(CommissionSchedule).save(schedule)
    uow.commit()


def open_merchant_account(cmd: OpenMerchantAccount, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    existing = uow.repo(MerchantAccount).find(cmd.merchant_id)
    if existing is not None:
        if existing.terms != cmd.terms:
            raise IdempotencyConflict(
                f"merchant {cmd.merchant_id!r} already has an account on other terms"
            )
        return
    now = clock.now()
    account = MerchantAccount.open(merchant.id, merchant.currency, cmd.terms, now)
    ledger = _ledger(uow, merchant.currency)
    merchant.open_account(now)
    ledger.open_accounts(merchant_accounts(merchant.id))
    uow.repo(MerchantAccount).add(account)
    uow.repo(Merchant).save(merchant)
    _save(uow, ledger)
    uow.commit()


def change_settlement_terms(cmd: ChangeSettlementTerms, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    if account.terms == cmd.terms:
        return
    account.change_terms(cmd.terms, clock.now())
    uow.repo(MerchantAccount).save(account)
    uow.commit()


# -- handlers: orders ------------------------------------------------------------------


def book_order_payment(cmd: BookOrderPayment, uow: UnitOfWork, *, clock: Clock) -> None:
    existing = uow.repo(OrderClearing).find(cmd.order_id)
    if existing is not None:
        if (existing.channel, tuple(line.sale for line in existing.lines)) != (
            cmd.channel,
            tuple(cmd.lines),
        ):
            raise IdempotencyConflict(f"order {cmd.order_id!r} was booked with other lines")
        return
    schedule = uow.repo(CommissionSchedule).get(COMMISSION_SCHEDULE_ID)
    now = clock.now()
    clearing = OrderClearing.book_payment(
        order_id=cmd.order_id, channel=cmd.channel, sales=cmd.lines, table=schedule.table, at=now
    )
    ledger = _ledger(uow, clearing.currency)
    for merchant_id in clearing.merchants:
        uow.repo(MerchantAccount).get(merchant_id)  # NotFound unless its account is open
    legs = clearing.payment_legs()
    if legs:
        ledger.post(f"{clearing.id}/paid", "order_paid", clearing.id, legs, now)
    uow.repo(OrderClearing).add(clearing)
    _save(uow, ledger)
    uow.commit()


def complete_order(cmd: CompleteOrder, uow: UnitOfWork, *, clock: Clock) -> None:
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    if clearing.completed_on is not None and clearing.completed_on == cmd.completed_on:
        return  # a replay
    now = clock.now()
    legs = clearing.complete(cmd.completed_on, now)
    ledger = _ledger(uow, clearing.currency)
    if legs:
        ledger.post(f"{clearing.id}/cleared", "order_cleared", clearing.id, legs, now)
    for merchant_id in clearing.merchants:
        account = uow.repo(MerchantAccount).get(merchant_id)
        account.add_completed(clearing.id, cmd.completed_on)
        uow.repo(MerchantAccount).save(account)
    uow.repo(OrderClearing).save(clearing)
    _save(uow, ledger)
    uow.commit()


def book_refund(cmd: BookRefund, uow: UnitOfWork, *, clock: Clock) -> None:
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    now = clock.now()
    legs, new = clearing.refund(cmd.refund_id, cmd.sku, cmd.amount, cmd.kind, now)
    if not new:
        return
    ledger = _ledger(uow, clearing.currency)
    key = f"{clearing.id}/refund/{cmd.refund_id}"
    ledger.post(key, cmd.kind.value, clearing.id, legs, now)
    payout = clearing.refund_payout_legs(cmd.refund_id)
    ledger.post(f"{key}/paid", "refund_paid", clearing.id, payout, now)
    merchant_id = clearing.line(cmd.sku).merchant
    if clearing.bucket_of(merchant_id) is Bucket.AVAILABLE:
        _cover_negative(uow, ledger, merchant_id, f"{key}/cover", now)
    uow.repo(OrderClearing).save(clearing)
    _save(uow, ledger)
    uow.commit()


def compensate_customer(cmd: CompensateCustomer, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    if not cmd.reason:
        raise ValidationError("a compensation needs a reason")
    ledger = _ledger(uow, account.currency)
    key = f"{cmd.compensation_id}/compensation"
    legs = compensation_legs(cmd.merchant_id, cmd.amount)
    if _replayed(ledger, key, "compensation", cmd.compensation_id, legs):
        return
    if not cmd.amount.is_positive():
        raise ValidationError(f"a compensation is a positive amount, not {cmd.amount}")
    now = clock.now()
    ledger.post(key, "compensation", cmd.compensation_id, legs, now)
    payout = ((REFUNDS, cmd.amount.minor), (cash_account(cmd.channel), -cmd.amount.minor))
    ledger.post(f"{key}/paid", "refund_paid", cmd.compensation_id, payout, now)
    _cover_negative(uow, ledger, cmd.merchant_id, f"{key}/cover", now)
    _save(uow, ledger)
    uow.commit()


def run_settlement(cmd: RunSettlement, uow: UnitOfWork, *, clock: Clock) -> StatementId:
    earlier = uow.repo(SettlementStatement).find(cmd.statement_id)
    if earlier is not None:
        if (earlier.merchant_id, earlier.as_of) != (cmd.merchant_id, cmd.as_of):
            raise IdempotencyConflict(f"statement {cmd.statement_id!r} was another run")
        return earlier.id
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, account.currency)
    now = clock.now()
    lines: list[StatementLine] = []
    clearings: list[OrderClearing] = []
    for order_id in account.due(cmd.as_of):
        clearing = uow.repo(OrderClearing).get(order_id)
        assert clearing.completed_on is not None, order_id
        amount = clearing.settle(cmd.merchant_id, cmd.statement_id, now)
        lines.append(StatementLine(order_id, clearing.completed_on, amount))
        clearings.append(clearing)
    available_before = ledger.money(
        owed(ledger, merchant_account(cmd.merchant_id, Bucket.AVAILABLE))
    )
    total = Money.sum((line.amount for line in lines), account.currency)
    entry: Entry | None = None
    if lines and not total.is_zero():
        entry = ledger.post(
            f"{cmd.statement_id}/settle",
            "settlement",
            cmd.statement_id,
            settlement_legs(cmd.merchant_id, total),
            now,
        )
    statement = SettlementStatement.issue(
        statement_id=cmd.statement_id,
        account=account,
        as_of=cmd.as_of,
        lines=lines,
        available_before=available_before,
        entry_seq=-1 if entry is None else entry.seq,
        at=now,
    )
    for clearing in clearings:
        account.mark_settled(clearing.id)
        uow.repo(OrderClearing).save(clearing)
    uow.repo(SettlementStatement).add(statement)
    uow.repo(MerchantAccount).save(account)
    _save(uow, ledger)
    uow.commit()
    return statement.id


# -- handlers: merchants' money --------------------------------------------------------


def pay_deposit(cmd: PayDeposit, uow: UnitOfWork, *, clock: Clock) -> None:
    check_actor(cmd.actor, cmd.merchant_id)
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    ledger = _ledger(uow, merchant.currency)
    key = f"{cmd.payment_id}/deposit"
    legs = deposit_legs(merchant.id, cmd.channel, cmd.amount)
    if _replayed(ledger, key, "deposit_paid", merchant.id, legs):
        return
    now = clock.now()
    merchant.check_deposit_payment(cmd.amount)
    ledger.post(key, "deposit_paid", merchant.id, legs, now)
    merchant.pay_deposit(cmd.amount, cmd.payment_id, now)
    uow.repo(Merchant).save(merchant)
    _save(uow, ledger)
    uow.commit()


def deduct_deposit(cmd: DeductDeposit, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    ledger = _ledger(uow, merchant.currency)
    key = f"{cmd.penalty_id}/penalty"
    legs = penalty_legs(merchant.id, cmd.amount)
    if _replayed(ledger, key, "penalty", merchant.id, legs):
        return
    now = clock.now()
    merchant.check_deposit_deduction(cmd.amount)
    ledger.post(key, "penalty", merchant.id, legs, now)
    merchant.deduct_deposit(cmd.amount, cmd.reason, cmd.penalty_id, now)
    uow.repo(Merchant).save(merchant)
    _save(uow, ledger)
    uow.commit()


def recharge(cmd: Recharge, uow: UnitOfWork, *, clock: Clock) -> None:
    check_actor(cmd.actor, cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, account.currency)
    key = f"{cmd.recharge_id}/recharge"
    legs = recharge_legs(cmd.merchant_id, cmd.channel, cmd.amount)
    if _replayed(ledger, key, "recharge", cmd.merchant_id, legs):
        return
    if not cmd.amount.is_positive():
        raise ValidationError(f"a recharge is a positive amount, not {cmd.amount}")
    ledger.post(key, "recharge", cmd.merchant_id, legs, clock.now())
    _save(uow, ledger)
    uow.commit()


def charge_marketing(cmd: ChargeMarketing, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, account.currency)
    key = f"{cmd.charge_id}/marketing"
    legs = marketing_spend_legs(cmd.merchant_id, cmd.amount)
    if _replayed(ledger, key, "marketing_spend", cmd.merchant_id, legs):
        return
    if not cmd.amount.is_positive():
        raise ValidationError(f"a marketing charge is a positive amount, not {cmd.amount}")
    balance = owed(ledger, merchant_account(cmd.merchant_id, Bucket.MARKETING))
    if cmd.amount.minor > balance:
        raise InsufficientBalance(
            f"merchant {cmd.merchant_id!r} has {ledger.money(balance)} for marketing, "
            f"not {cmd.amount}"
        )
    ledger.post(key, "marketing_spend", cmd.merchant_id, legs, clock.now())
    _save(uow, ledger)
    uow.commit()


def pre_settle(cmd: PreSettle, uow: UnitOfWork, *, clock: Clock) -> Money:
    check_actor(cmd.actor, cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, account.currency)
    key = f"{cmd.advance_id}/presettle"
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    clearing.lines_of(cmd.merchant_id)  # NotYourMerchant for another merchant's order
    done = ledger.entry_for(key)
    if clearing.settled.get(cmd.merchant_id) == cmd.advance_id:  # a replay
        credited = (
            0
            if done is None
            else -done.amount_of(merchant_account(cmd.merchant_id, Bucket.AVAILABLE))
        )
        return ledger.money(credited)
    if done is not None:
        raise IdempotencyConflict(f"advance {cmd.advance_id!r} was used for another order")
    if clearing.completed_on is None:
        raise OrderNotCompleted(f"order {clearing.id!r} is not completed; nothing to advance")
    now = clock.now()
    amount = clearing.settle(cmd.merchant_id, cmd.advance_id, now)
    fee = account.presettle_fee(amount)
    legs = presettlement_legs(cmd.merchant_id, amount, fee)
    if legs:
        ledger.post(key, "presettlement", cmd.advance_id, legs, now)
    account.mark_settled(clearing.id)
    uow.repo(OrderClearing).save(clearing)
    uow.repo(MerchantAccount).save(account)
    _save(uow, ledger)
    uow.commit()
    return amount - fee


def _outcome(withdrawal: Withdrawal, reason: str | None = None) -> WithdrawalOutcome:
    return WithdrawalOutcome(withdrawal.id, withdrawal.status, withdrawal.reason or reason)


def request_withdrawal(
    cmd: RequestWithdrawal, uow: UnitOfWork, *, clock: Clock, payout: Payout
) -> WithdrawalOutcome:
    """Commit 1 reserves the money (a pending entry); then the payout port is asked; commit
    2 posts or voids the entry. A timeout leaves the withdrawal pending (:class:`SyncWithdrawal`
    settles it later); the payout key is the withdrawal's, so it is never paid twice."""
    check_actor(cmd.actor, cmd.merchant_id)
    earlier = uow.repo(Withdrawal).find(cmd.withdrawal_id)
    if earlier is not None:
        if not earlier.same_request(cmd.merchant_id, cmd.amount, cmd.bank_account):
            raise IdempotencyConflict(f"withdrawal {cmd.withdrawal_id!r} was another request")
        return _outcome(earlier)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, account.currency)
    now = clock.now()
    today = now.date()
    account.check_withdrawal(cmd.amount, merchant_balances(ledger, account.id).withdrawable, today)
    entry = ledger.post(
        f"{cmd.withdrawal_id}/withdraw",
        "withdrawal",
        cmd.withdrawal_id,
        withdrawal_legs(account.id, cmd.amount),
        now,
        pending=True,
    )
    withdrawal = Withdrawal.request(
        withdrawal_id=cmd.withdrawal_id,
        merchant_id=account.id,
        amount=cmd.amount,
        bank_account=cmd.bank_account,
        entry_seq=entry.seq,
        at=now,
    )
    account.count_withdrawal(cmd.amount, today)
    uow.repo(Withdrawal).add(withdrawal)
    uow.repo(MerchantAccount).save(account)
    _save(uow, ledger)
    uow.commit()
    try:
        result = payout.pay(
            merchant_id=account.id,
            bank_account=cmd.bank_account,
            amount=cmd.amount,
            idempotency_key=withdrawal.payout_key,
        )
    except PayoutTimeout:
        return _outcome(withdrawal, "payout timed out")
    return _record_payout(uow, cmd.withdrawal_id, result, clock.now())


def sync_withdrawal(
    cmd: SyncWithdrawal, uow: UnitOfWork, *, clock: Clock, payout: Payout
) -> WithdrawalOutcome:
    withdrawal = uow.repo(Withdrawal).get(cmd.withdrawal_id)
    if withdrawal.status is not WithdrawalState.PENDING:
        return _outcome(withdrawal)
    try:
        result = payout.pay(
            merchant_id=withdrawal.merchant_id,
            bank_account=withdrawal.bank_account,
            amount=withdrawal.amount,
            idempotency_key=withdrawal.payout_key,
        )
    except PayoutTimeout:
        return _outcome(withdrawal, "payout timed out")
    return _record_payout(uow, cmd.withdrawal_id, result, clock.now())


def _record_payout(
    uow: UnitOfWork, withdrawal_id: WithdrawalId, result: PayoutResult, at: datetime
) -> WithdrawalOutcome:
    withdrawal = uow.repo(Withdrawal).get(withdrawal_id)
    if result.status is PayoutStatus.PENDING or withdrawal.status is not WithdrawalState.PENDING:
        return _outcome(
            withdrawal, "payout pending" if result.status is PayoutStatus.PENDING else None
        )
    ledger = _ledger(uow, withdrawal.amount.currency)
    if result.status is PayoutStatus.PAID:
        withdrawal.mark_paid(result.reference, at)
        ledger.post_pending(withdrawal.entry_seq, f"{withdrawal.id}/paid", at)
    else:
        withdrawal.mark_failed(result.reason or "refused by the bank", at)
        ledger.void_pending(withdrawal.entry_seq, f"{withdrawal.id}/failed", at)
        account = uow.repo(MerchantAccount).get(withdrawal.merchant_id)
        account.uncount_withdrawal(withdrawal.amount, withdrawal.requested_on)
        uow.repo(MerchantAccount).save(account)
    uow.repo(Withdrawal).save(withdrawal)
    _save(uow, ledger)
    uow.commit()
    return _outcome(withdrawal)


def settle_finally(cmd: SettleFinally, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, merchant.currency)
    key = f"{cmd.reference}/final"
    if account.final_settlement is not None:
        if account.final_settlement != cmd.reference:
            raise IdempotencyConflict(
                f"merchant {merchant.id!r} was finally settled by {account.final_settlement!r}"
            )
        return
    if account.unsettled:
        raise BalancesOutstanding(
            f"merchant {merchant.id!r} has unsettled orders: {sorted(account.unsettled)}"
        )
    now = clock.now()
    legs = final_settlement_legs(ledger, merchant.id)
    merchant.release_deposit(cmd.reference, now)
    if legs:
        ledger.post(key, "final_settlement", merchant.id, legs, now)
    account.final_settlement = cmd.reference
    uow.repo(Merchant).save(merchant)
    uow.repo(MerchantAccount).save(account)
    _save(uow, ledger)
    uow.commit()


def close_merchant(cmd: CloseMerchant, uow: UnitOfWork, *, clock: Clock) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    if merchant.final_settlement == cmd.reference:
        return
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger = _ledger(uow, merchant.currency)
    withdrawals = uow.repo(Withdrawal)
    open_withdrawals = sum(
        1
        for key in withdrawals.ids()
        if (w := withdrawals.get(key)).merchant_id == merchant.id
        and w.status is WithdrawalState.PENDING
    )
    merchant.check_close()
    account.check_close(ledger, open_withdrawals)
    merchant.close(cmd.reference, clock.now())
    account.closed = True
    uow.repo(Merchant).save(merchant)
    uow.repo(MerchantAccount).save(account)
    uow.commit()


# -- queries ---------------------------------------------------------------------------


def merchant_money(uow: UnitOfWork, actor: MerchantId, merchant_id: MerchantId) -> MerchantBalances:
    """The merchant's own balances; another merchant's are refused."""
    check_actor(actor, merchant_id)
    account = uow.repo(MerchantAccount).get(merchant_id)
    return merchant_balances(_ledger(uow, account.currency), merchant_id)


def merchant_order(
    uow: UnitOfWork, actor: MerchantId, order_id: OrderId
) -> tuple[ClearingLine, ...]:
    """The acting merchant's lines of an order (with their figures); an order with no line
    of the actor is refused, and other merchants' lines are never shown."""
    return uow.repo(OrderClearing).get(order_id).lines_of(actor)


def merchant_statement(
    uow: UnitOfWork, actor: MerchantId, statement_id: StatementId
) -> SettlementStatement:
    statement = uow.repo(SettlementStatement).get(statement_id)
    statement.check_reader(actor)
    return statement


def merchant_withdrawal(
    uow: UnitOfWork, actor: MerchantId, withdrawal_id: WithdrawalId
) -> Withdrawal:
    withdrawal = uow.repo(Withdrawal).get(withdrawal_id)
    check_actor(actor, withdrawal.merchant_id)
    return withdrawal


def reconciliation_report(uow: UnitOfWork, currency: str) -> ReconciliationReport:
    """Reconcile the book of ``currency`` with every order clearing and merchant deposit."""
    ledger = _ledger(uow, currency)
    clearings_repo = uow.repo(OrderClearing)
    clearings = [clearings_repo.get(key) for key in clearings_repo.ids()]
    merchants_repo = uow.repo(Merchant)
    deposits = {
        merchant.id: merchant.held
        for key in merchants_repo.ids()
        if (merchant := merchants_repo.get(key)).currency == currency and merchant.account_opened
    }
    return reconcile(ledger, [c for c in clearings if c.currency == currency], deposits=deposits)
