"""Settlement use cases: book orders, refunds and settlements; move merchants' money.

Each handler is ``handler(cmd, uow, *, clock=..., journals=...)`` (withdrawals also take
the ``Payout`` port): load, call the model, post the legs it returns to the ledger, save,
commit. There is one :class:`~merx.ledger.Ledger` per currency (its id is the currency
code, opened by ``merx.ledger.OpenLedger``); its journal is the
:class:`~merx.ledger.Journals` port's, opened in the same unit of work, so posting one
entry never loads the others and the entries commit with the ledger.

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
from merx.kernel.validation import require_text
from merx.ledger import (
    Bucket,
    Entry,
    EntryKind,
    Journal,
    Journals,
    Ledger,
    merchant_account,
    merchant_accounts,
    prefetch_entries,
)
from merx.merchants import Merchant, check_actor
from merx.settlement.errors import PayoutTimeout, WithdrawalDenied
from merx.settlement.model import (
    COMMISSION_SCHEDULE_ID,
    ClearingLine,
    CommissionSchedule,
    CommissionTable,
    MerchantAccount,
    MerchantBalances,
    OrderClearing,
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
    goodwill_reimbursed_legs,
    marketing_spend_legs,
    merchant_balances,
    negative_cover_legs,
    owed,
    penalty_legs,
    platform_goodwill_legs,
    recharge_legs,
    reconcile,
    refund_paid_legs,
    settlement_legs,
    withdrawal_legs,
)
from merx.settlement.ports import (
    NO_SCREEN,
    Payout,
    PayoutResult,
    PayoutStatus,
    SettlementQueries,
    WithdrawalScreen,
    WithdrawalVerdict,
)

# -- commands: set-up ------------------------------------------------------------------


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
    """The channel refunded ``amount`` of a line (a refund or a price adjustment).

    ``platform_share`` (at most ``amount``) is the part of it the platform's goodwill
    already paid the customer: it is charged to the line like the rest, but reimbursed to
    the platform (Dr refunds / Cr subsidy) instead of paid out through the channel."""

    order_id: OrderId
    refund_id: str
    sku: str
    amount: Money
    kind: RefundKind = RefundKind.REFUND
    platform_share: Money | None = None


@attrs.frozen
class BookPlatformGoodwill(Command[None]):
    """A refund granted outside after-sales that the platform funds was paid back through
    ``channel``: the platform's expense, the seller's settlement untouched. ``refund_id``
    is the refund's (the entry's reference, so the order's own figures are unchanged)."""

    refund_id: str
    amount: Money
    channel: str


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
class ReleaseWithdrawal(Command[WithdrawalOutcome]):
    """End a held withdrawal's hold: ``approved``, it is sent to the bank; otherwise it
    fails (``reason``) and its money is back on the available balance. A withdrawal no
    longer held is left as it is (a replay)."""

    withdrawal_id: WithdrawalId
    approved: bool
    reason: str


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


def _book(uow: UnitOfWork, journals: Journals, currency: str) -> tuple[Ledger, Journal]:
    """The ledger of ``currency`` (read only: posting never changes it) and its journal,
    both in ``uow``."""
    return uow.repo(Ledger).view(currency), journals(uow, currency)


def _cover_negative(  # noqa: PLR0917 - the unit of work, the book, then the charge
    uow: UnitOfWork,
    ledger: Ledger,
    journal: Journal,
    merchant_id: MerchantId,
    key: str,
    at: datetime,
) -> None:
    """Apply the merchant's negative-balance policy after a charge to its available money."""
    account = uow.repo(MerchantAccount).get(merchant_id)
    legs = negative_cover_legs(ledger, journal, merchant_id, account.terms.negative_policy)
    if not legs:
        return
    merchant = uow.repo(Merchant).get(merchant_id)
    amount = ledger.money(legs[0][1])
    merchant.deduct_deposit(amount, "negative available balance", key, at)
    ledger.post(journal, key, EntryKind.DEPOSIT_COVER, merchant_id, legs, at)
    uow.repo(Merchant).save(merchant)


# -- handlers: set-up ------------------------------------------------------------------


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
        existing.check_same_terms(cmd.terms)
        return
    now = clock.now()
    account = MerchantAccount.open(merchant.id, merchant.currency, cmd.terms, now)
    ledger = uow.repo(Ledger).get(merchant.currency)
    merchant.open_account(now)
    ledger.open_accounts(merchant_accounts(merchant.id))
    uow.repo(MerchantAccount).add(account)
    uow.repo(Merchant).save(merchant)
    uow.repo(Ledger).save(ledger)
    uow.commit()


def change_settlement_terms(cmd: ChangeSettlementTerms, uow: UnitOfWork, *, clock: Clock) -> None:
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    if account.terms == cmd.terms:
        return
    account.change_terms(cmd.terms, clock.now())
    uow.repo(MerchantAccount).save(account)
    uow.commit()


# -- handlers: orders ------------------------------------------------------------------


def book_order_payment(
    cmd: BookOrderPayment, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    existing = uow.repo(OrderClearing).find(cmd.order_id)
    if existing is not None:
        existing.check_same_payment(cmd.channel, cmd.lines)
        return
    schedule = uow.repo(CommissionSchedule).get(COMMISSION_SCHEDULE_ID)
    now = clock.now()
    clearing = OrderClearing.book_payment(
        order_id=cmd.order_id, channel=cmd.channel, sales=cmd.lines, table=schedule.table, at=now
    )
    ledger, journal = _book(uow, journals, clearing.currency)
    for merchant_id in clearing.merchants:
        uow.repo(MerchantAccount).get(merchant_id)  # NotFound unless its account is open
    legs = clearing.payment_legs()
    if legs:
        key = f"{clearing.id}/paid"
        prefetch_entries(journal, [key], known_new=True)  # posted only with the new clearing
        ledger.post(journal, key, EntryKind.ORDER_PAID, clearing.id, legs, now)
    uow.repo(OrderClearing).add(clearing)
    uow.commit()


def complete_order(
    cmd: CompleteOrder, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    if clearing.completed_on is not None and clearing.completed_on == cmd.completed_on:
        return  # a replay
    now = clock.now()
    legs = clearing.complete(cmd.completed_on, now)
    ledger, journal = _book(uow, journals, clearing.currency)
    if legs:
        key = f"{clearing.id}/cleared"
        prefetch_entries(journal, [key], known_new=True)  # posted only as the clearing completes
        ledger.post(journal, key, EntryKind.ORDER_CLEARED, clearing.id, legs, now)
    for merchant_id in clearing.merchants:
        account = uow.repo(MerchantAccount).get(merchant_id)
        account.add_completed(clearing.id, cmd.completed_on)
        uow.repo(MerchantAccount).save(account)
    uow.repo(OrderClearing).save(clearing)
    uow.commit()


def book_refund(cmd: BookRefund, uow: UnitOfWork, *, clock: Clock, journals: Journals) -> None:
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    share = Money.zero(clearing.currency) if cmd.platform_share is None else cmd.platform_share
    if share.currency != cmd.amount.currency or share.is_negative() or share > cmd.amount:
        raise ValidationError(
            f"refund {cmd.refund_id!r}: a platform share of {share} is not a part of {cmd.amount}"
        )
    now = clock.now()
    legs, new = clearing.refund(cmd.refund_id, cmd.sku, cmd.amount, cmd.kind, now)
    if not new:
        return
    ledger, journal = _book(uow, journals, clearing.currency)
    key = f"{clearing.id}/refund/{cmd.refund_id}"
    prefetch_entries(journal, [key, f"{key}/paid", f"{key}/cover"])  # one read for the three
    ledger.post(journal, key, cmd.kind.entry_kind, clearing.id, legs, now)
    if share.is_positive():
        back = goodwill_reimbursed_legs(share)  # the platform's, outside the order's figures
        kind = EntryKind.PLATFORM_GOODWILL
        ledger.post(journal, f"{key}/goodwill-back", kind, cmd.refund_id, back, now)
    paid = cmd.amount - share
    if paid.is_positive():
        payout = refund_paid_legs(clearing.channel, paid)
        ledger.post(journal, f"{key}/paid", EntryKind.REFUND_PAID, clearing.id, payout, now)
    merchant_id = clearing.line(cmd.sku).merchant
    if clearing.bucket_of(merchant_id) is Bucket.AVAILABLE:
        _cover_negative(uow, ledger, journal, merchant_id, f"{key}/cover", now)
    uow.repo(OrderClearing).save(clearing)
    uow.commit()


def book_platform_goodwill(
    cmd: BookPlatformGoodwill, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    """Dr subsidy / Cr refunds, then the channel's payout (Dr refunds / Cr cash); a repeat
    of the same refund changes nothing."""
    require_text(cmd.refund_id, "refund id")
    require_text(cmd.channel, "channel")
    legs = platform_goodwill_legs(cmd.amount)
    ledger, journal = _book(uow, journals, cmd.amount.currency)
    key = f"{cmd.refund_id}/platform-goodwill"
    if ledger.posted_before(journal, key, EntryKind.PLATFORM_GOODWILL, cmd.refund_id, legs):
        return
    now = clock.now()
    ledger.post(journal, key, EntryKind.PLATFORM_GOODWILL, cmd.refund_id, legs, now)
    payout = refund_paid_legs(cmd.channel, cmd.amount)
    ledger.post(journal, f"{key}/paid", EntryKind.REFUND_PAID, cmd.refund_id, payout, now)
    uow.commit()


def compensate_customer(
    cmd: CompensateCustomer, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
    key = f"{cmd.compensation_id}/compensation"
    ref = cmd.compensation_id
    prefetch_entries(journal, [key, f"{key}/paid", f"{key}/cover"])  # one read for the three
    if ledger.posted_before(
        journal, key, EntryKind.COMPENSATION, ref, compensation_legs(account.id, cmd.amount)
    ):
        return
    now = clock.now()
    legs = account.compensate(cmd.compensation_id, cmd.amount, cmd.reason, at=now)
    ledger.post(journal, key, EntryKind.COMPENSATION, ref, legs, now)
    payout = refund_paid_legs(cmd.channel, cmd.amount)
    ledger.post(journal, f"{key}/paid", EntryKind.REFUND_PAID, ref, payout, now)
    _cover_negative(uow, ledger, journal, cmd.merchant_id, f"{key}/cover", now)
    uow.repo(MerchantAccount).save(account)
    uow.commit()


def run_settlement(
    cmd: RunSettlement, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> StatementId:
    earlier = uow.repo(SettlementStatement).find(cmd.statement_id)
    if earlier is not None:
        earlier.check_same_run(cmd.merchant_id, cmd.as_of)
        return earlier.id
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
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
        owed(ledger, journal, merchant_account(cmd.merchant_id, Bucket.AVAILABLE))
    )
    total = Money.sum((line.amount for line in lines), account.currency)
    entry: Entry | None = None
    if lines and not total.is_zero():
        entry = ledger.post(
            journal,
            f"{cmd.statement_id}/settle",
            EntryKind.SETTLEMENT,
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
        entry_key=None if entry is None else entry.key,
        at=now,
    )
    for clearing in clearings:
        account.mark_settled(clearing.id)
        uow.repo(OrderClearing).save(clearing)
    uow.repo(SettlementStatement).add(statement)
    uow.repo(MerchantAccount).save(account)
    uow.commit()
    return statement.id


# -- handlers: merchants' money --------------------------------------------------------


def pay_deposit(cmd: PayDeposit, uow: UnitOfWork, *, clock: Clock, journals: Journals) -> None:
    check_actor(cmd.actor, cmd.merchant_id)
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, merchant.currency)
    key = f"{cmd.payment_id}/deposit"
    legs = deposit_legs(merchant.id, cmd.channel, cmd.amount)
    if ledger.posted_before(journal, key, EntryKind.DEPOSIT_PAID, merchant.id, legs):
        return
    now = clock.now()
    merchant.check_deposit_payment(cmd.amount)
    ledger.post(journal, key, EntryKind.DEPOSIT_PAID, merchant.id, legs, now)
    merchant.pay_deposit(cmd.amount, cmd.payment_id, now)
    uow.repo(Merchant).save(merchant)
    uow.commit()


def deduct_deposit(
    cmd: DeductDeposit, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, merchant.currency)
    key = f"{cmd.penalty_id}/penalty"
    legs = penalty_legs(merchant.id, cmd.amount)
    if ledger.posted_before(journal, key, EntryKind.PENALTY, merchant.id, legs):
        return
    now = clock.now()
    merchant.check_deposit_deduction(cmd.amount)
    ledger.post(journal, key, EntryKind.PENALTY, merchant.id, legs, now)
    merchant.deduct_deposit(cmd.amount, cmd.reason, cmd.penalty_id, now)
    uow.repo(Merchant).save(merchant)
    uow.commit()


def recharge(cmd: Recharge, uow: UnitOfWork, *, clock: Clock, journals: Journals) -> None:
    check_actor(cmd.actor, cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
    key = f"{cmd.recharge_id}/recharge"
    if ledger.posted_before(
        journal,
        key,
        EntryKind.RECHARGE,
        account.id,
        recharge_legs(account.id, cmd.channel, cmd.amount),
    ):
        return
    now = clock.now()
    legs = account.recharge(cmd.recharge_id, cmd.channel, cmd.amount, at=now)
    ledger.post(journal, key, EntryKind.RECHARGE, account.id, legs, now)
    uow.repo(MerchantAccount).save(account)
    uow.commit()


def charge_marketing(
    cmd: ChargeMarketing, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    if stage_marketing_charge(
        uow, journals, cmd.merchant_id, cmd.charge_id, cmd.amount, clock.now()
    ):
        uow.commit()


def stage_marketing_charge(  # noqa: PLR0917 - the unit of work, the book, the charge
    uow: UnitOfWork,
    journals: Journals,
    merchant_id: MerchantId,
    charge_id: str,
    amount: Money,
    now: datetime,
) -> bool:
    """Stage a marketing charge in ``uow`` (the caller commits): True; False when
    ``charge_id`` was posted before with the same amount (nothing staged). Search ads'
    clicks are charged through it in the unit of work of the campaign's spend."""
    account = uow.repo(MerchantAccount).get(merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
    key = f"{charge_id}/marketing"
    if ledger.posted_before(
        journal,
        key,
        EntryKind.MARKETING_SPEND,
        account.id,
        marketing_spend_legs(account.id, amount),
    ):
        return False
    legs = account.charge_marketing(ledger, journal, charge_id, amount, at=now)
    ledger.post(journal, key, EntryKind.MARKETING_SPEND, account.id, legs, now)
    uow.repo(MerchantAccount).save(account)
    return True


def marketing_balance(uow: UnitOfWork, journals: Journals, merchant_id: MerchantId) -> Money:
    """What the merchant's marketing balance holds now."""
    account = uow.repo(MerchantAccount).view(merchant_id)
    return merchant_balances(*_book(uow, journals, account.currency), merchant_id).marketing


def pre_settle(cmd: PreSettle, uow: UnitOfWork, *, clock: Clock, journals: Journals) -> Money:
    check_actor(cmd.actor, cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
    key = f"{cmd.advance_id}/presettle"
    clearing = uow.repo(OrderClearing).get(cmd.order_id)
    clearing.lines_of(cmd.merchant_id)  # NotYourMerchant for another merchant's order
    done = ledger.entry_for(journal, key)
    if clearing.settled.get(cmd.merchant_id) == cmd.advance_id:  # a replay
        available = merchant_account(cmd.merchant_id, Bucket.AVAILABLE)
        return ledger.money(0 if done is None else -done.amount_of(available))
    if done is not None:
        raise IdempotencyConflict(f"advance {cmd.advance_id!r} was used for another order")
    now = clock.now()
    amount = clearing.settle(cmd.merchant_id, cmd.advance_id, now)
    legs, credited = account.presettle(clearing.id, amount)
    if legs:
        ledger.post(journal, key, EntryKind.PRESETTLEMENT, cmd.advance_id, legs, now)
    uow.repo(OrderClearing).save(clearing)
    uow.repo(MerchantAccount).save(account)
    uow.commit()
    return credited


def _outcome(withdrawal: Withdrawal, reason: str | None = None) -> WithdrawalOutcome:
    return WithdrawalOutcome(withdrawal.id, withdrawal.status, withdrawal.reason or reason)


def request_withdrawal(
    cmd: RequestWithdrawal,
    uow: UnitOfWork,
    *,
    clock: Clock,
    journals: Journals,
    payout: Payout,
    screen: WithdrawalScreen = NO_SCREEN,
) -> WithdrawalOutcome:
    """Commit 1 reserves the money (a pending entry); then the payout port is asked; commit
    2 posts or voids the entry. A timeout leaves the withdrawal pending (:class:`SyncWithdrawal`
    settles it later); the payout key is the withdrawal's, so it is never paid twice.

    ``screen`` is asked once the request is valid: DENY raises :class:`WithdrawalDenied`
    (nothing reserved), HOLD reserves the money but sends nothing until
    :class:`ReleaseWithdrawal`."""
    check_actor(cmd.actor, cmd.merchant_id)
    earlier = uow.repo(Withdrawal).find(cmd.withdrawal_id)
    if earlier is not None:
        if not earlier.same_request(cmd.merchant_id, cmd.amount, cmd.bank_account):
            raise IdempotencyConflict(f"withdrawal {cmd.withdrawal_id!r} was another request")
        return _outcome(earlier)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, account.currency)
    now = clock.now()
    today = now.date()
    withdrawable = merchant_balances(ledger, journal, account.id).withdrawable
    account.check_withdrawal(cmd.amount, withdrawable, today)
    screening = screen.screen(
        withdrawal_id=cmd.withdrawal_id, merchant_id=account.id, amount=cmd.amount
    )
    if screening.verdict is WithdrawalVerdict.DENY:
        raise WithdrawalDenied(
            f"withdrawal {cmd.withdrawal_id!r} of {cmd.amount} denied: {screening.reason}"
        )
    held = screening.verdict is WithdrawalVerdict.HOLD
    entry = ledger.post(
        journal,
        f"{cmd.withdrawal_id}/withdraw",
        EntryKind.WITHDRAWAL,
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
        entry_key=entry.key,
        at=now,
        held=held,
    )
    account.count_withdrawal(cmd.amount, today)
    uow.repo(Withdrawal).add(withdrawal)
    uow.repo(MerchantAccount).save(account)
    uow.commit()
    if held:
        return _outcome(withdrawal, screening.reason or "held for review")
    return _pay_out(withdrawal, uow, clock=clock, journals=journals, payout=payout)


def sync_withdrawal(
    cmd: SyncWithdrawal,
    uow: UnitOfWork,
    *,
    clock: Clock,
    journals: Journals,
    payout: Payout,
) -> WithdrawalOutcome:
    withdrawal = uow.repo(Withdrawal).get(cmd.withdrawal_id)
    if withdrawal.status is not WithdrawalState.PENDING:
        return _outcome(withdrawal)
    return _pay_out(withdrawal, uow, clock=clock, journals=journals, payout=payout)


def release_withdrawal(
    cmd: ReleaseWithdrawal,
    uow: UnitOfWork,
    *,
    clock: Clock,
    journals: Journals,
    payout: Payout,
) -> WithdrawalOutcome:
    """Approved: the held withdrawal goes on (sent to the bank). Rejected: it fails, its
    pending entry voided and its amount uncounted from the day's limit."""
    withdrawal = uow.repo(Withdrawal).get(cmd.withdrawal_id)
    if withdrawal.status is not WithdrawalState.HELD:
        return _outcome(withdrawal)
    if cmd.approved:
        withdrawal.release()
        uow.repo(Withdrawal).save(withdrawal)
        uow.commit()
        return _pay_out(withdrawal, uow, clock=clock, journals=journals, payout=payout)
    now = clock.now()
    ledger, journal = _book(uow, journals, withdrawal.amount.currency)
    withdrawal.mark_failed(cmd.reason, now)
    ledger.void_pending(journal, withdrawal.entry_key, f"{withdrawal.id}/failed", now)
    account = uow.repo(MerchantAccount).get(withdrawal.merchant_id)
    account.uncount_withdrawal(withdrawal.amount, withdrawal.requested_on)
    uow.repo(MerchantAccount).save(account)
    uow.repo(Withdrawal).save(withdrawal)
    uow.commit()
    return _outcome(withdrawal)


def _pay_out(
    withdrawal: Withdrawal, uow: UnitOfWork, *, clock: Clock, journals: Journals, payout: Payout
) -> WithdrawalOutcome:
    """Ask the payout port to pay a pending withdrawal (under its own key), and book the
    answer; a timeout leaves it pending."""
    try:
        result = payout.pay(
            merchant_id=withdrawal.merchant_id,
            bank_account=withdrawal.bank_account,
            amount=withdrawal.amount,
            idempotency_key=withdrawal.payout_key,
        )
    except PayoutTimeout:
        return _outcome(withdrawal, "payout timed out")
    return _record_payout(uow, journals, withdrawal.id, result, clock.now())


def _record_payout(
    uow: UnitOfWork,
    journals: Journals,
    withdrawal_id: WithdrawalId,
    result: PayoutResult,
    at: datetime,
) -> WithdrawalOutcome:
    withdrawal = uow.repo(Withdrawal).get(withdrawal_id)
    if result.status is PayoutStatus.PENDING or withdrawal.status is not WithdrawalState.PENDING:
        return _outcome(
            withdrawal, "payout pending" if result.status is PayoutStatus.PENDING else None
        )
    ledger, journal = _book(uow, journals, withdrawal.amount.currency)
    if result.status is PayoutStatus.PAID:
        withdrawal.mark_paid(result.reference, at)
        ledger.post_pending(journal, withdrawal.entry_key, f"{withdrawal.id}/paid", at)
    else:
        withdrawal.mark_failed(result.reason or "refused by the bank", at)
        ledger.void_pending(journal, withdrawal.entry_key, f"{withdrawal.id}/failed", at)
        account = uow.repo(MerchantAccount).get(withdrawal.merchant_id)
        account.uncount_withdrawal(withdrawal.amount, withdrawal.requested_on)
        uow.repo(MerchantAccount).save(account)
    uow.repo(Withdrawal).save(withdrawal)
    uow.commit()
    return _outcome(withdrawal)


def settle_finally(
    cmd: SettleFinally, uow: UnitOfWork, *, clock: Clock, journals: Journals
) -> None:
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    if account.final_settlement == cmd.reference:
        return  # a replay
    ledger, journal = _book(uow, journals, merchant.currency)
    now = clock.now()
    legs = account.settle_finally(ledger, journal, cmd.reference, now)
    merchant.release_deposit(cmd.reference, now)
    if legs:
        key = f"{cmd.reference}/final"
        ledger.post(journal, key, EntryKind.FINAL_SETTLEMENT, merchant.id, legs, now)
    uow.repo(Merchant).save(merchant)
    uow.repo(MerchantAccount).save(account)
    uow.commit()


def close_merchant(
    cmd: CloseMerchant,
    uow: UnitOfWork,
    *,
    clock: Clock,
    journals: Journals,
    queries: SettlementQueries,
) -> None:
    """Close a merchant with nothing left on its books (``queries`` counts its pending
    withdrawals from the committed state; one requested meanwhile changes the merchant's
    account, so this commit would fail as a lost update)."""
    merchant = uow.repo(Merchant).get(cmd.merchant_id)
    if merchant.final_settlement == cmd.reference:
        return
    account = uow.repo(MerchantAccount).get(cmd.merchant_id)
    ledger, journal = _book(uow, journals, merchant.currency)
    open_withdrawals = len(list(queries.pending_withdrawals(merchant.id)))
    merchant.check_close()
    now = clock.now()
    account.close(ledger, journal, open_withdrawals, cmd.reference, now)
    merchant.close(cmd.reference, now)
    uow.repo(Merchant).save(merchant)
    uow.repo(MerchantAccount).save(account)
    uow.commit()


# -- queries ---------------------------------------------------------------------------


def merchant_money(
    uow: UnitOfWork, actor: MerchantId, merchant_id: MerchantId, *, journals: Journals
) -> MerchantBalances:
    """The merchant's own balances; another merchant's are refused."""
    check_actor(actor, merchant_id)
    account = uow.repo(MerchantAccount).get(merchant_id)
    return merchant_balances(*_book(uow, journals, account.currency), merchant_id)


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


def reconciliation_report(
    uow: UnitOfWork, currency: str, *, journals: Journals
) -> ReconciliationReport:
    """Reconcile the book of ``currency`` with every order clearing and merchant deposit."""
    ledger, journal = _book(uow, journals, currency)
    clearings_repo = uow.repo(OrderClearing)
    clearings = [clearings_repo.get(key) for key in clearings_repo.ids()]
    merchants_repo = uow.repo(Merchant)
    deposits = {
        merchant.id: merchant.held
        for key in merchants_repo.ids()
        if (merchant := merchants_repo.get(key)).currency == currency and merchant.account_opened
    }
    ours = [c for c in clearings if c.currency == currency]
    return reconcile(ledger, journal, ours, deposits=deposits)
